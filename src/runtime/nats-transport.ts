/**
 * Transport over a real NATS connection (v3 client, @nats-io/transport-node). Subscriptions use
 * callbacks (no async iterator per message: cheaper on the hot path). Reconnects forever with a
 * short wait; publishes made while disconnected are buffered by the client and sent after the
 * reconnect; requests that cannot be answered end in TimeoutError, never silently.
 */
import { connect, type NatsConnection, type ConnectionOptions } from '@nats-io/transport-node';
import { ActorNotFoundError, TimeoutError, TransportError } from '../errors.js';
import type { Logger } from '../log.js';
import type { IncomingRaw, Transport, TransportSubscription } from './transport.js';

export interface NatsTransportOptions {
  servers: string | string[];
  name?: string;
  /** Wait between reconnect attempts (ms). Default 250. */
  reconnectTimeWaitMs?: number;
  log?: Logger;
}

export class NatsTransport implements Transport {
  readonly kind = 'nats' as const;

  private constructor(
    readonly nc: NatsConnection,
    private readonly log?: Logger,
  ) {}

  static async connect(opts: NatsTransportOptions): Promise<NatsTransport> {
    const options: ConnectionOptions = {
      servers: opts.servers,
      name: opts.name ?? 'hppo',
      maxReconnectAttempts: -1,
      reconnectTimeWait: opts.reconnectTimeWaitMs ?? 250,
      reconnectJitter: 50,
      pingInterval: 10_000,
      // Fail fast at start-up when the server is not there (a clear error, not a silent hang);
      // once connected, reconnect forever.
      waitOnFirstConnect: false,
      timeout: 5_000,
    };
    let nc: NatsConnection;
    try {
      nc = await connect(options);
    } catch (err) {
      throw new TransportError(`cannot connect to NATS at ${String(opts.servers)}: ${(err as Error).message}`, { cause: err });
    }
    const t = new NatsTransport(nc, opts.log);
    void t.watchStatus();
    return t;
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') this.log?.warn({ server: (s as { server?: string }).server }, 'nats disconnected');
      else if (s.type === 'reconnect') this.log?.info({ server: (s as { server?: string }).server }, 'nats reconnected');
    }
  }

  publish(subject: string, data: Uint8Array): void {
    this.nc.publish(subject, data);
  }

  respond(reply: string, data: Uint8Array): void {
    this.nc.publish(reply, data);
  }

  subscribe(subject: string, handler: (msg: IncomingRaw) => void): TransportSubscription {
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) {
          this.log?.warn({ err, subject }, 'subscription error');
          return;
        }
        handler({ subject: msg.subject, data: msg.data, reply: msg.reply });
      },
    });
    return { unsubscribe: () => sub.unsubscribe() };
  }

  async request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    try {
      const m = await this.nc.request(subject, data, { timeout: timeoutMs });
      return m.data;
    } catch (err) {
      const e = err as Error & { code?: string };
      const text = `${e.name ?? ''} ${e.message ?? ''} ${e.code ?? ''}`.toLowerCase();
      if (text.includes('no responders') || text.includes('503')) throw new ActorNotFoundError(subject);
      if (text.includes('timeout')) throw new TimeoutError(`request to ${subject} timed out after ${timeoutMs} ms`, timeoutMs, { cause: err });
      throw new TransportError(`request to ${subject} failed: ${e.message}`, { cause: err });
    }
  }

  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close();
    }
  }
}
