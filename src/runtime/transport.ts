/**
 * What the actor system needs from a message bus. Two implementations: NatsTransport (the real
 * one, src/runtime/nats-transport.ts) and MemoryTransport (unit tests, one process).
 *
 * Semantics follow NATS core: publish is fire-and-forget, subscribers receive every message on
 * their subject; request sends with a private reply subject and resolves with the first reply or
 * rejects with TimeoutError / ActorNotFoundError (no responders).
 */
export interface IncomingRaw {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Reply subject of a request, if any. */
  readonly reply?: string | undefined;
}

export interface TransportSubscription {
  unsubscribe(): void;
}

export interface Transport {
  readonly kind: 'nats' | 'memory';
  publish(subject: string, data: Uint8Array): void;
  /** Replies to a request's reply subject. */
  respond(reply: string, data: Uint8Array): void;
  subscribe(subject: string, handler: (msg: IncomingRaw) => void): TransportSubscription;
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /** Resolves when everything published so far has reached the server. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
