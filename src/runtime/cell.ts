/**
 * ActorCell: the runtime side of one actor — its subscription, bounded mailbox, current behaviour
 * instance and state machine (starting → running → failed/restarting → running … → stopped).
 * Invariants: at most one message is being processed at a time; a failure stops processing until
 * the parent decides (restart keeps the mailbox, like Akka; the failing message is dropped and, if
 * it was an ask, answered with the error).
 */
import { ActorStoppedError, HppoError, MailboxFullError, toErrorDetail } from '../errors.js';
import { Ack, ErrorDetail, type Envelope } from '../gen/hppo/v1/envelope.js';
import type { Logger } from '../log.js';
import type { Actor, ActorContext, ActorFactory, Incoming } from './actor.js';
import { isReply } from './actor.js';
import { decodeMessage, EnvelopeCodec, lookupType, typeOf } from './codec.js';
import { DeadLetterReason } from './events.js';
import { Mailbox } from './mailbox.js';
import type { ActorSystem } from './system.js';
import type { TransportSubscription } from './transport.js';

export interface Parent {
  readonly address: string;
  childFailed(child: ChildNode, err: unknown): void;
  childExited(child: ChildNode): void;
}

/** What a supervisor manages: an actor cell or a nested supervisor. */
export interface ChildNode {
  readonly id: string;
  readonly address: string;
  start(): Promise<void>;
  /** Stops for good (or before a restart); never throws. */
  stop(): Promise<void>;
  status(): { state: string; restarts: number; mailboxLength: number };
  restarts: number;
}

interface Item {
  msg: Incoming;
  reply: string | undefined;
  raw: Uint8Array;
}

const ACK = typeOf(Ack);

export class ActorCell implements ChildNode {
  readonly id: string;
  readonly address: string;
  restarts = 0;
  private readonly mailbox: Mailbox<Item>;
  private instance: Actor | undefined;
  private state: 'new' | 'starting' | 'running' | 'failed' | 'stopped' = 'new';
  private busy = false;
  private draining = false;
  private stopRequested = false;
  private sub: TransportSubscription | undefined;
  private readonly ctx: ActorContext;
  private readonly log: Logger;

  constructor(
    private readonly system: ActorSystem,
    private readonly parent: Parent,
    id: string,
    private readonly factory: ActorFactory,
    mailboxCapacity: number,
  ) {
    this.id = id;
    this.address = `${parent.address}/${id}`;
    this.mailbox = new Mailbox<Item>(mailboxCapacity);
    this.log = system.log.child({ actorId: this.address });
    const self = { address: this.address };
    this.ctx = {
      self,
      log: this.log,
      clock: system.clock,
      tell: (to, fns, value) => system.tell(to, fns, value, { sender: this.address }),
      ask: (to, fns, value, opts) => system.ask(to, fns, value, { ...opts, sender: this.address }),
      stop: () => {
        this.stopRequested = true;
      },
    };
  }

  status(): { state: string; restarts: number; mailboxLength: number } {
    return { state: this.state, restarts: this.restarts, mailboxLength: this.mailbox.length };
  }

  async start(): Promise<void> {
    if (!this.sub) this.sub = this.system.transport.subscribe(this.system.subjects.actor(this.address), (m) => this.onRaw(m.data, m.reply));
    this.state = 'starting';
    this.stopRequested = false;
    this.instance = this.factory();
    await this.instance.preStart?.(this.ctx);
    this.state = 'running';
    this.drain();
  }

  /** Stops the current instance; keeps the subscription and mailbox when `forRestart`. */
  async stopInstance(): Promise<void> {
    const inst = this.instance;
    this.instance = undefined;
    if (this.state !== 'stopped') this.state = 'failed';
    if (inst?.postStop) {
      try {
        await inst.postStop(this.ctx);
      } catch (err) {
        this.log.warn({ err }, 'postStop failed');
      }
    }
  }

  async stop(): Promise<void> {
    await this.stopInstance();
    this.state = 'stopped';
    this.sub?.unsubscribe();
    this.sub = undefined;
    for (const item of this.mailbox.drainAll()) {
      this.deadLetter(item, DeadLetterReason.Stopped, 'actor stopped with the message in its mailbox');
      if (item.reply) this.respondError(item.reply, new ActorStoppedError(this.address));
    }
  }

  /** Delivery entry point for raw bytes from the transport. */
  private onRaw(data: Uint8Array, reply: string | undefined): void {
    let env: Envelope;
    try {
      env = EnvelopeCodec.decode(data);
    } catch (err) {
      this.system.deadLetter({ recipient: this.address, sender: '', messageType: '', reason: DeadLetterReason.Decode, detail: (err as Error).message, raw: data });
      return;
    }
    if (!lookupType(env.messageType)) {
      this.system.deadLetter({ recipient: this.address, sender: env.sender, messageType: env.messageType, reason: DeadLetterReason.UnknownType, detail: `unknown message type "${env.messageType}"`, raw: data });
      if (reply) this.respondError(reply, new HppoError('CODEC', `${this.address} cannot handle unknown message type "${env.messageType}"`));
      return;
    }
    let body: unknown;
    try {
      body = decodeMessage(env.messageType, env.payload);
    } catch (err) {
      this.system.deadLetter({ recipient: this.address, sender: env.sender, messageType: env.messageType, reason: DeadLetterReason.Decode, detail: (err as Error).message, raw: data });
      if (reply) this.respondError(reply, err);
      return;
    }
    const msg: Incoming = {
      type: env.messageType,
      body,
      sender: env.sender,
      id: env.id,
      deadlineUnixMs: env.deadlineUnixMs,
      isAsk: reply !== undefined && reply !== '',
      trace: env.trace,
    };
    this.enqueue({ msg, reply: msg.isAsk ? reply : undefined, raw: data });
  }

  private enqueue(item: Item): void {
    if (this.state === 'stopped') {
      this.deadLetter(item, DeadLetterReason.Stopped, 'actor stopped');
      if (item.reply) this.respondError(item.reply, new ActorStoppedError(this.address));
      return;
    }
    if (!this.mailbox.push(item)) {
      const err = new MailboxFullError(this.address, this.mailbox.capacity);
      this.deadLetter(item, DeadLetterReason.MailboxFull, err.message);
      if (item.reply) this.respondError(item.reply, err);
      else if (item.msg.sender) this.system.tell(item.msg.sender, ErrorDetail, err.toDetail(), { sender: this.address });
      return;
    }
    if (this.state === 'running' && !this.busy && !this.draining) this.drain();
  }

  private drain(): void {
    this.draining = true;
    try {
      while (this.state === 'running' && !this.busy && this.mailbox.length > 0) {
        const item = this.mailbox.shift() as Item;
        if (item.msg.deadlineUnixMs > 0 && item.msg.deadlineUnixMs < this.system.clock.now()) {
          this.deadLetter(item, DeadLetterReason.Expired, 'deadline passed before processing');
          continue;
        }
        let result: unknown;
        try {
          result = (this.instance as Actor).receive(item.msg, this.ctx);
        } catch (err) {
          this.fail(item, err);
          return;
        }
        if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
          this.busy = true;
          (result as Promise<unknown>).then(
            (v) => {
              this.busy = false;
              this.complete(item, v);
              if (!this.draining) this.drain();
            },
            (err: unknown) => {
              this.busy = false;
              this.fail(item, err);
            },
          );
          return;
        }
        this.complete(item, result);
      }
    } finally {
      this.draining = false;
    }
  }

  private complete(item: Item, result: unknown): void {
    if (item.reply) {
      if (isReply(result)) this.system.respond(item.reply, result.type, result.value, item.msg.id, this.address);
      else this.system.respond(item.reply, ACK, { ok: true }, item.msg.id, this.address);
    }
    if (this.stopRequested && this.state === 'running') {
      this.state = 'failed'; // stops processing until the parent decides
      this.parent.childExited(this);
    }
  }

  private fail(item: Item, err: unknown): void {
    if (item.reply) this.respondError(item.reply, err);
    this.state = 'failed';
    this.log.warn({ err, messageType: item.msg.type }, 'actor failed');
    this.parent.childFailed(this, err);
  }

  private respondError(reply: string, err: unknown): void {
    this.system.respondError(reply, toErrorDetail(err), this.address);
  }

  private deadLetter(item: Item, reason: DeadLetterReason, detail: string): void {
    this.system.deadLetter({ recipient: this.address, sender: item.msg.sender, messageType: item.msg.type, reason, detail, raw: item.raw });
  }
}
