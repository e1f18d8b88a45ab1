/**
 * ActorSystem: one per process (or per node role), owning the transport, the clock, the root
 * supervisor of its actors and the runtime events. Actors anywhere talk to each other by address
 * through the transport (NATS in production, memory in unit tests); there is no in-process
 * shortcut, so an actor behaves the same whichever process runs it.
 */
import { errorFromDetail, TimeoutError, type ErrorDetailLike } from '../errors.js';
import { Envelope, ErrorDetail } from '../gen/hppo/v1/envelope.js';
import { DeadLetter, LifecycleEvent, LifecycleKind as ProtoKind } from '../gen/hppo/v1/lifecycle.js';
import { createLogger, type Logger } from '../log.js';
import type { ActorFactory, ActorRef, AskOptions } from './actor.js';
import { systemClock, type Clock } from './clock.js';
import type { ChildNode, Parent } from './cell.js';
import { decodeMessage, EnvelopeCodec, typeOf, type DeepPartial, type MessageFns, type MessageType } from './codec.js';
import { Emitter, LifecycleKind, type DeadLetterData, type LifecycleEventData } from './events.js';
import { Subjects, validateSegment } from './subjects.js';
import { Supervisor, type ChildSpec, type RestartPolicy, type SupervisorOptions } from './supervisor.js';
import type { Transport } from './transport.js';

export interface ActorSystemOptions {
  nodeId: string;
  transport: Transport;
  clock?: Clock;
  log?: Logger;
  subjects?: Subjects;
  /** Root supervisor of this system's actors. Default one_for_one, 10 restarts in 10 s. */
  root?: SupervisorOptions;
  /** Default mailbox bound of actors spawned without one. Default 10 000. */
  defaultMailboxCapacity?: number;
  /** Default ask timeout. Default 5000 ms. */
  defaultAskTimeoutMs?: number;
  /** Publish lifecycle events and dead letters on NATS subjects too. Default true. */
  publishEvents?: boolean;
}

export interface SendOptions {
  sender?: string;
  trace?: Envelope['trace'];
}

const ENVELOPE_MAX_DEADLETTER_BYTES = 64 * 1024;

const protoKind: Record<LifecycleKind, ProtoKind> = {
  [LifecycleKind.Started]: ProtoKind.LIFECYCLE_KIND_STARTED,
  [LifecycleKind.Stopped]: ProtoKind.LIFECYCLE_KIND_STOPPED,
  [LifecycleKind.Failed]: ProtoKind.LIFECYCLE_KIND_FAILED,
  [LifecycleKind.Restarting]: ProtoKind.LIFECYCLE_KIND_RESTARTING,
  [LifecycleKind.Restarted]: ProtoKind.LIFECYCLE_KIND_RESTARTED,
  [LifecycleKind.Escalated]: ProtoKind.LIFECYCLE_KIND_ESCALATED,
};

export class ActorSystem implements Parent {
  readonly nodeId: string;
  readonly address: string;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly log: Logger;
  readonly subjects: Subjects;
  readonly defaultMailboxCapacity: number;
  readonly defaultAskTimeoutMs: number;
  readonly lifecycleEvents = new Emitter<LifecycleEventData>();
  readonly deadLetters = new Emitter<DeadLetterData>();
  /** Fires when the root supervisor gave up (restart intensity exceeded at the top). */
  readonly fatal = new Emitter<Error>();
  readonly root: Supervisor;
  private readonly publishEvents: boolean;
  private readonly idPrefix: string;
  private seq = 0;
  private started = false;
  private stopped = false;

  constructor(opts: ActorSystemOptions) {
    this.nodeId = validateSegment('nodeId', opts.nodeId);
    this.address = this.nodeId;
    this.transport = opts.transport;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? createLogger('actor-system', { nodeId: this.nodeId });
    this.subjects = opts.subjects ?? new Subjects();
    this.defaultMailboxCapacity = opts.defaultMailboxCapacity ?? 10_000;
    this.defaultAskTimeoutMs = opts.defaultAskTimeoutMs ?? 5000;
    this.publishEvents = opts.publishEvents ?? true;
    this.idPrefix = `${this.nodeId}-${process.pid.toString(36)}-${Date.now().toString(36)}-`;
    this.root = new Supervisor(this, undefined, this.nodeId, this.nodeId, { maxRestarts: 10, periodMs: 10_000, ...opts.root }, []);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.root.start();
  }

  /** Starts an actor under the root supervisor; its address is `<nodeId>/<id>`. */
  async spawn(id: string, factory: ActorFactory, opts: { restart?: RestartPolicy; mailboxCapacity?: number } = {}): Promise<ActorRef> {
    await this.start();
    const node = await this.root.startChild({ type: 'actor', id, factory, ...opts });
    return { address: node.address };
  }

  /** Starts a supervisor (with its children) under the root. */
  async spawnSupervisor(id: string, options: SupervisorOptions, children: ChildSpec[], restart?: RestartPolicy): Promise<Supervisor> {
    await this.start();
    const node = await this.root.startChild({ type: 'supervisor', id, options, children, ...(restart ? { restart } : {}) });
    return node as Supervisor;
  }

  async stopActor(id: string): Promise<void> {
    await this.root.stopChild(id);
  }

  private nextId(): string {
    return this.idPrefix + (++this.seq).toString(36);
  }

  private envelope<T>(type: MessageType<T>, value: T, sender: string, deadlineUnixMs: number, trace?: Envelope['trace']): Uint8Array {
    const env: Envelope = {
      id: this.nextId(),
      correlationId: '',
      sender,
      replyTo: '',
      messageType: type.name,
      deadlineUnixMs,
      trace,
      payload: type.fns.encode(value).finish() as Buffer,
      error: undefined,
      sentUnixMs: 0,
    };
    return EnvelopeCodec.encode(env);
  }

  /** Fire-and-forget send. */
  tell<T>(to: ActorRef | string, fns: MessageFns<T>, value: DeepPartial<T>, opts: SendOptions = {}): void {
    const address = typeof to === 'string' ? to : to.address;
    const type = typeOf(fns);
    this.transport.publish(this.subjects.actor(address), this.envelope(type, fns.fromPartial(value), opts.sender ?? '', 0, opts.trace));
  }

  /**
   * Request/reply with a deadline: resolves with the decoded reply, rejects with the rebuilt
   * remote error, TimeoutError (names the actor and message), or ActorNotFoundError.
   */
  async ask<Req, Res = unknown>(to: ActorRef | string, fns: MessageFns<Req>, value: DeepPartial<Req>, opts: AskOptions & SendOptions = {}): Promise<Res> {
    const address = typeof to === 'string' ? to : to.address;
    const type = typeOf(fns);
    const timeoutMs = opts.timeoutMs ?? this.defaultAskTimeoutMs;
    const bytes = this.envelope(type, fns.fromPartial(value), opts.sender ?? '', this.clock.now() + timeoutMs, opts.trace);
    let replyBytes: Uint8Array;
    try {
      replyBytes = await this.transport.request(this.subjects.actor(address), bytes, timeoutMs);
    } catch (err) {
      if (err instanceof TimeoutError) throw new TimeoutError(`ask ${type.name} to ${address} got no reply within ${timeoutMs} ms`, timeoutMs, { cause: err });
      throw err;
    }
    const r = EnvelopeCodec.decode(replyBytes);
    if (r.error) throw errorFromDetail(r.error);
    return decodeMessage(r.messageType, r.payload) as Res;
  }

  /** Used by cells to answer an ask. */
  respond<T>(reply: string, type: MessageType<T>, value: T, correlationId: string, sender: string): void {
    const env: Envelope = {
      id: this.nextId(),
      correlationId,
      sender,
      replyTo: '',
      messageType: type.name,
      deadlineUnixMs: 0,
      trace: undefined,
      payload: type.fns.encode(value).finish() as Buffer,
      error: undefined,
      sentUnixMs: 0,
    };
    this.transport.respond(reply, EnvelopeCodec.encode(env));
  }

  respondError(reply: string, detail: ErrorDetailLike, sender: string): void {
    const env: Envelope = {
      id: this.nextId(),
      correlationId: '',
      sender,
      replyTo: '',
      messageType: typeOf(ErrorDetail).name,
      deadlineUnixMs: 0,
      trace: undefined,
      payload: Buffer.alloc(0),
      error: { code: detail.code, message: detail.message, retryable: detail.retryable },
      sentUnixMs: 0,
    };
    this.transport.respond(reply, EnvelopeCodec.encode(env));
  }

  deadLetter(d: Omit<DeadLetterData, 'atUnixMs'>): void {
    const data: DeadLetterData = { ...d, atUnixMs: this.clock.now() };
    this.log.warn({ recipient: d.recipient, sender: d.sender, messageType: d.messageType, reason: d.reason, detail: d.detail, bytes: d.raw.length }, 'dead letter');
    this.deadLetters.emit(data);
    if (this.publishEvents) {
      const raw = d.raw.length > ENVELOPE_MAX_DEADLETTER_BYTES ? d.raw.subarray(0, ENVELOPE_MAX_DEADLETTER_BYTES) : d.raw;
      this.safePublish(this.subjects.deadLetters(this.nodeId), DeadLetter.encode({ recipient: d.recipient, sender: d.sender, messageType: d.messageType, reason: d.reason, raw: Buffer.from(raw), atUnixMs: data.atUnixMs }).finish());
    }
  }

  lifecycle(e: Omit<LifecycleEventData, 'atUnixMs'>): void {
    const data: LifecycleEventData = { ...e, atUnixMs: this.clock.now() };
    const fields = { actor: e.actor, kind: e.kind, restartCount: e.restartCount, backoffMs: e.backoffMs, error: e.error };
    if (e.kind === LifecycleKind.Escalated || e.kind === LifecycleKind.Failed) this.log.warn(fields, 'actor lifecycle');
    else if (e.kind === LifecycleKind.Restarted) this.log.info(fields, 'actor lifecycle');
    else this.log.debug(fields, 'actor lifecycle');
    this.lifecycleEvents.emit(data);
    if (this.publishEvents) {
      this.safePublish(
        this.subjects.lifecycle(this.nodeId),
        LifecycleEvent.encode({ actor: e.actor, parent: e.parent, nodeId: this.nodeId, kind: protoKind[e.kind], restartCount: e.restartCount, backoffMs: e.backoffMs, error: e.error, atUnixMs: data.atUnixMs }).finish(),
      );
    }
  }

  private safePublish(subject: string, data: Uint8Array): void {
    try {
      this.transport.publish(subject, data);
    } catch (err) {
      this.log.debug({ err, subject }, 'event publish failed');
    }
  }

  // Parent of the root supervisor.
  childFailed(_child: ChildNode, err: unknown): void {
    this.rootFailed(err instanceof Error ? err : new Error(String(err)));
  }

  childExited(_child: ChildNode): void {}

  rootFailed(err: Error): void {
    this.log.error({ err }, 'root supervisor gave up');
    this.fatal.emit(err);
  }

  /** Stops every actor (reverse start order). Does not close the transport (its owner does). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.root.stop();
    try {
      await this.transport.flush();
    } catch {
      // transport may already be closed
    }
  }
}
