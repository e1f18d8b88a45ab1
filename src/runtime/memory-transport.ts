/**
 * In-process transport for unit tests: NATS-like subjects (exact match and the `*` / `>`
 * wildcards), asynchronous delivery (queueMicrotask) so ordering and re-entrancy behave as on a
 * real bus, request timeouts through the injected clock.
 */
import { ActorNotFoundError, TimeoutError, TransportError } from '../errors.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { IncomingRaw, Transport, TransportSubscription } from './transport.js';

interface Sub {
  pattern: string[];
  handler: (m: IncomingRaw) => void;
  active: boolean;
}

function matches(pattern: string[], subject: string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p === '>') return subject.length > i;
    if (i >= subject.length) return false;
    if (p !== '*' && p !== subject[i]) return false;
  }
  return pattern.length === subject.length;
}

export class MemoryTransport implements Transport {
  readonly kind = 'memory' as const;
  private subs: Sub[] = [];
  private closed = false;
  private inboxSeq = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  private deliver(subject: string, data: Uint8Array, reply?: string): number {
    if (this.closed) throw new TransportError('transport closed');
    const parts = subject.split('.');
    let n = 0;
    for (const s of this.subs) {
      if (!s.active || !matches(s.pattern, parts)) continue;
      n++;
      const copy = data.slice();
      queueMicrotask(() => {
        if (s.active) s.handler({ subject, data: copy, reply });
      });
    }
    return n;
  }

  publish(subject: string, data: Uint8Array): void {
    this.deliver(subject, data);
  }

  respond(reply: string, data: Uint8Array): void {
    this.deliver(reply, data);
  }

  subscribe(subject: string, handler: (msg: IncomingRaw) => void): TransportSubscription {
    const sub: Sub = { pattern: subject.split('.'), handler, active: true };
    this.subs.push(sub);
    return {
      unsubscribe: () => {
        sub.active = false;
        this.subs = this.subs.filter((s) => s !== sub);
      },
    };
  }

  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const inbox = `_INBOX.mem.${++this.inboxSeq}`;
    return new Promise<Uint8Array>((resolve, reject) => {
      let done = false;
      const sub = this.subscribe(inbox, (m) => {
        if (done) return;
        done = true;
        timer.cancel();
        sub.unsubscribe();
        resolve(m.data);
      });
      const timer = this.clock.setTimeout(() => {
        if (done) return;
        done = true;
        sub.unsubscribe();
        reject(new TimeoutError(`request to ${subject} timed out after ${timeoutMs} ms`, timeoutMs));
      }, timeoutMs);
      const n = this.deliver(subject, data, inbox);
      if (n === 0) {
        done = true;
        timer.cancel();
        sub.unsubscribe();
        reject(new ActorNotFoundError(subject));
      }
    });
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.subs) s.active = false;
    this.subs = [];
  }
}
