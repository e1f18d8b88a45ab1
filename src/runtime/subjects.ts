/**
 * The only place where NATS subject names are built. Everything under one prefix (default
 * "hppo", HPPO_SUBJECT_PREFIX to isolate several deployments on one NATS).
 *
 * Addresses are "node/path/to/actor" (segments [A-Za-z0-9_-]+); an address maps to the subject
 * `<prefix>.a.<node>.<path segments>`. Events: `<prefix>.ev.lifecycle.<node>` and
 * `<prefix>.ev.deadletter.<node>`.
 */
import { InvalidArgumentError } from '../errors.js';

const SEGMENT = /^[A-Za-z0-9_-]+$/;

export class Subjects {
  readonly prefix: string;

  constructor(prefix = process.env['HPPO_SUBJECT_PREFIX'] ?? 'hppo') {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix)) {
      throw new InvalidArgumentError('subjectPrefix', `"${prefix}" is not a valid NATS subject prefix`);
    }
    this.prefix = prefix;
  }

  private readonly actorCache = new Map<string, string>();

  actor(address: string): string {
    let s = this.actorCache.get(address);
    if (s === undefined) {
      s = `${this.prefix}.a.${validateAddress(address).join('.')}`;
      if (this.actorCache.size > 10_000) this.actorCache.clear();
      this.actorCache.set(address, s);
    }
    return s;
  }

  lifecycle(nodeId: string): string {
    return `${this.prefix}.ev.lifecycle.${validateSegment('nodeId', nodeId)}`;
  }

  allLifecycle(): string {
    return `${this.prefix}.ev.lifecycle.*`;
  }

  deadLetters(nodeId: string): string {
    return `${this.prefix}.ev.deadletter.${validateSegment('nodeId', nodeId)}`;
  }

  allDeadLetters(): string {
    return `${this.prefix}.ev.deadletter.*`;
  }

  /** Subject for the raw-NATS reference of the runtime benchmark. */
  benchEcho(id: string): string {
    return `${this.prefix}.bench.${validateSegment('id', id)}`;
  }
}

export function validateSegment(field: string, s: string): string {
  if (!SEGMENT.test(s)) throw new InvalidArgumentError(field, `"${s}" must match [A-Za-z0-9_-]+`);
  return s;
}

/** Splits and checks an address "node/a/b"; returns its segments. */
export function validateAddress(address: string): string[] {
  const parts = address.split('/');
  if (parts.length < 2) throw new InvalidArgumentError('address', `"${address}" must be "node/name[/...]"`);
  for (const p of parts) validateSegment('address', p);
  return parts;
}

export function joinAddress(parent: string, name: string): string {
  validateSegment('name', name);
  return `${parent}/${name}`;
}
