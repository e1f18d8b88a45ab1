/**
 * Actor behaviours: what user code implements. An actor is a state holder with `receive`; the
 * system runs it one message at a time from a bounded mailbox, under a supervisor that restarts
 * it (a new instance from its factory) when it throws.
 */
import type { TraceContext } from '../gen/hppo/v1/envelope.js';
import type { Logger } from '../log.js';
import type { Clock } from './clock.js';
import { typeOf, type DeepPartial, type MessageFns, type MessageType } from './codec.js';

/** Where to send: an actor address "node/path". */
export interface ActorRef {
  readonly address: string;
}

export function ref(address: string): ActorRef {
  return { address };
}

export interface Incoming<T = unknown> {
  /** Full proto name, e.g. "hppo.v1.Ping". */
  readonly type: string;
  readonly body: T;
  /** Sender's address, "" for callers outside the actor system. */
  readonly sender: string;
  readonly id: string;
  /** 0 = none. */
  readonly deadlineUnixMs: number;
  /** True when the sender waits for a reply (ask). */
  readonly isAsk: boolean;
  readonly trace?: TraceContext | undefined;
}

/** A typed reply returned from `receive` to answer an ask. */
export interface Reply<T = unknown> {
  readonly kind: 'reply';
  readonly type: MessageType<T>;
  readonly value: T;
}

export function reply<T>(fns: MessageFns<T>, value: DeepPartial<T>): Reply<T> {
  return { kind: 'reply', type: typeOf(fns), value: fns.fromPartial(value) };
}

export function isReply(v: unknown): v is Reply {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'reply';
}

/** Narrows an incoming message by its generated type: `if (is(msg, Ping)) msg.body.seq`. */
export function is<T>(msg: Incoming, fns: MessageFns<T>): msg is Incoming<T> {
  return msg.type === typeOf(fns).name;
}

export interface AskOptions {
  timeoutMs?: number;
  trace?: TraceContext;
}

export interface ActorContext {
  readonly self: ActorRef;
  readonly log: Logger;
  readonly clock: Clock;
  tell<T>(to: ActorRef | string, fns: MessageFns<T>, value: DeepPartial<T>): void;
  ask<Req, Res = unknown>(to: ActorRef | string, fns: MessageFns<Req>, value: DeepPartial<Req>, opts?: AskOptions): Promise<Res>;
  /** Ends this actor normally after the current message (a transient child is then not restarted). */
  stop(): void;
}

export interface Actor {
  preStart?(ctx: ActorContext): void | Promise<void>;
  /** Return a Reply to answer an ask (an ask with no Reply gets hppo.v1.Ack); throw to fail. */
  receive(msg: Incoming, ctx: ActorContext): void | Reply | Promise<void | Reply>;
  postStop?(ctx: ActorContext): void | Promise<void>;
}

export type ActorFactory = () => Actor;
