/**
 * Protobuf codec for actor messages. Every message type generated from proto/ is registered by
 * its full name ("hppo.v1.Ping"), found by scanning the generated modules, so a new .proto
 * message needs no registration by hand.
 */
import { CodecError } from '../errors.js';
import { decodeEnvelope, encodeEnvelope } from './envelope-wire.js';
import * as backtest from '../gen/hppo/v1/backtest.js';
import * as cluster from '../gen/hppo/v1/cluster.js';
import * as data from '../gen/hppo/v1/data.js';
import * as envelope from '../gen/hppo/v1/envelope.js';
import * as job from '../gen/hppo/v1/job.js';
import * as lifecycle from '../gen/hppo/v1/lifecycle.js';
import * as solver from '../gen/hppo/v1/solver.js';

export interface MessageFns<T> {
  encode(message: T, writer?: unknown): { finish(): Uint8Array };
  decode(input: Uint8Array, length?: number): T;
  fromPartial(object: unknown): T;
}

/** What `fromPartial` accepts: any subset of fields, recursively (arrays of partial elements). */
export type DeepPartial<T> = T extends Buffer | Uint8Array
  ? T
  : T extends readonly (infer U)[]
    ? DeepPartial<U>[]
    : T extends { $case: string }
      ? { [K in keyof T]?: DeepPartial<T[K]> } & { $case: T['$case'] }
      : T extends object
        ? { [K in keyof T]?: DeepPartial<T[K]> }
        : T;

/** A message type: its full proto name and its generated functions. */
export interface MessageType<T> {
  readonly name: string;
  readonly fns: MessageFns<T>;
}

const registry = new Map<string, MessageType<unknown>>();
const byFns = new Map<unknown, MessageType<unknown>>();

function isFns(v: unknown): v is MessageFns<unknown> {
  return typeof v === 'object' && v !== null && 'encode' in v && 'decode' in v && 'fromPartial' in v;
}

// The gRPC service module (service.ts) is left out on purpose: its messages never travel between
// actors, and importing it loads @grpc/grpc-js into every worker thread (~40 ms of start-up each).
for (const mod of [envelope, lifecycle, cluster, data, backtest, solver, job] as Record<string, unknown>[]) {
  const pkg = mod['protobufPackage'] as string;
  for (const [exportName, value] of Object.entries(mod)) {
    if (!isFns(value)) continue;
    const t: MessageType<unknown> = { name: `${pkg}.${exportName.replace(/_/g, '.')}`, fns: value };
    registry.set(t.name, t);
    byFns.set(value, t);
  }
}

/** The MessageType for generated functions, e.g. `typeOf(Ping)`. */
export function typeOf<T>(fns: MessageFns<T>): MessageType<T> {
  const t = byFns.get(fns);
  if (!t) throw new CodecError('message functions are not from the generated hppo.v1 modules');
  return t as MessageType<T>;
}

export function lookupType(name: string): MessageType<unknown> | undefined {
  return registry.get(name);
}

export function registeredTypeNames(): string[] {
  return [...registry.keys()];
}

export function encodeMessage<T>(type: MessageType<T>, value: T): Uint8Array {
  return type.fns.encode(value).finish();
}

export function decodeMessage(name: string, bytes: Uint8Array): unknown {
  const t = registry.get(name);
  if (!t) throw new CodecError(`unknown message type "${name}"`);
  try {
    return t.fns.decode(bytes);
  } catch (err) {
    throw new CodecError(`cannot decode ${name} (${bytes.length} bytes): ${(err as Error).message}`, { cause: err });
  }
}

export const EnvelopeCodec = {
  encode(e: envelope.Envelope): Uint8Array {
    return encodeEnvelope(e);
  },
  decode(bytes: Uint8Array): envelope.Envelope {
    try {
      const e = decodeEnvelope(bytes);
      if (!e.messageType && !e.error) throw new Error('envelope has no message type');
      return e;
    } catch (err) {
      throw new CodecError(`corrupt envelope (${bytes.length} bytes): ${(err as Error).message}`, { cause: err });
    }
  },
};
