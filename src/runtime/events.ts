/** Runtime events delivered to local listeners (and published on NATS by the system). */
import type { ErrorDetailLike } from '../errors.js';

export const LifecycleKind = {
  Started: 'started',
  Stopped: 'stopped',
  Failed: 'failed',
  Restarting: 'restarting',
  Restarted: 'restarted',
  Escalated: 'escalated',
} as const;
export type LifecycleKind = (typeof LifecycleKind)[keyof typeof LifecycleKind];

export interface LifecycleEventData {
  readonly actor: string;
  readonly parent: string;
  readonly kind: LifecycleKind;
  readonly restartCount: number;
  readonly backoffMs: number;
  readonly error?: ErrorDetailLike | undefined;
  readonly atUnixMs: number;
}

export const DeadLetterReason = {
  Decode: 'decode',
  UnknownType: 'unknown_type',
  MailboxFull: 'mailbox_full',
  Stopped: 'stopped',
  Expired: 'expired',
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

export interface DeadLetterData {
  readonly recipient: string;
  readonly sender: string;
  readonly messageType: string;
  readonly reason: DeadLetterReason;
  readonly detail: string;
  readonly raw: Uint8Array;
  readonly atUnixMs: number;
}

type Listener<T> = (e: T) => void;

export class Emitter<T> {
  private listeners: Listener<T>[] = [];
  on(fn: Listener<T>): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }
  emit(e: T): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure must not break the runtime
      }
    }
  }
}
