/**
 * Durable state on NATS JetStream, used by the runtime's roles (no home-made storage):
 *  - Journal: an append-only stream per deployment; each record is acknowledged by the server
 *    before `append` resolves (so a finished trial "counts" only once it is durable), deduplicated
 *    by a message id (a retried append is stored once), and replayed in order by key.
 *  - KV buckets for small cluster state; Object Store for large blobs addressed by content digest
 *    (periodic data slices above NATS's max payload).
 * Works with nats-server 2.9 (Debian): no per-message TTLs, no 2.10-only stream features.
 */
import { createHash } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { TransportError } from '../errors.js';
import { validateSegment } from './subjects.js';

export interface JournalRecord {
  readonly seq: number;
  readonly key: string;
  readonly data: Uint8Array;
}

export class Journal {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
    private readonly subjectPrefix: string,
  ) {}

  /** Opens (creating if needed) the stream `name` holding subjects `<name>.<key>`. */
  static async open(nc: NatsConnection, name: string): Promise<Journal> {
    validateSegment('journal name', name);
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(name);
    } catch {
      try {
        await jsm.streams.add({ name, subjects: [`${name}.>`], duplicate_window: 120_000_000_000 });
      } catch (err) {
        throw new TransportError(`cannot create JetStream stream ${name}: ${(err as Error).message}`, { cause: err });
      }
    }
    return new Journal(jetstream(nc), jsm, name, name);
  }

  /**
   * Appends one record under `key` (e.g. a job id); resolves with the stream sequence once the
   * server has stored it. The same `msgId` appended twice within 2 minutes is stored once.
   */
  async append(key: string, data: Uint8Array, msgId: string): Promise<{ seq: number; duplicate: boolean }> {
    validateSegment('journal key', key);
    const ack = await this.js.publish(`${this.subjectPrefix}.${key}`, data, { msgID: msgId, timeout: 5000 });
    return { seq: ack.seq, duplicate: ack.duplicate };
  }

  /** Every record stored under `key`, in append order. */
  async replay(key: string): Promise<JournalRecord[]> {
    validateSegment('journal key', key);
    const subject = `${this.subjectPrefix}.${key}`;
    const info = await this.jsm.streams.info(this.stream, { subjects_filter: subject } as never);
    const expected = (info.state.subjects as Record<string, number> | undefined)?.[subject] ?? 0;
    if (expected === 0) return [];
    const consumer = await this.js.consumers.get(this.stream, { filter_subjects: subject });
    const out: JournalRecord[] = [];
    while (out.length < expected) {
      const batch = await consumer.fetch({ max_messages: Math.min(1000, expected - out.length), expires: 2000 });
      let got = 0;
      for await (const m of batch) {
        out.push({ seq: m.seq, key, data: m.data });
        got++;
      }
      if (got === 0) break;
    }
    return out;
  }

  /** Removes every record of `key` (a finished job's journal, on request). */
  async purge(key: string): Promise<void> {
    await this.jsm.streams.purge(this.stream, { filter: `${this.subjectPrefix}.${key}` });
  }
}

export async function openKv(nc: NatsConnection, bucket: string): Promise<KV> {
  validateSegment('kv bucket', bucket);
  return new Kvm(nc).create(bucket, { history: 1 });
}

/** Content-addressed blobs: the name of a blob is the sha256 of its bytes. */
export class BlobStore {
  private constructor(private readonly os: ObjectStore) {}

  static async open(nc: NatsConnection, name: string): Promise<BlobStore> {
    validateSegment('object store', name);
    return new BlobStore(await new Objm(nc).create(name));
  }

  static digest(data: Uint8Array): string {
    return createHash('sha256').update(data).digest('hex');
  }

  /** Stores the blob (once per digest) and returns its digest. */
  async put(data: Uint8Array): Promise<string> {
    const digest = BlobStore.digest(data);
    const existing = await this.os.info(digest);
    if (!existing || existing.deleted) await this.os.putBlob({ name: digest }, data);
    return digest;
  }

  /** The blob of `digest`, verified; null when absent. */
  async get(digest: string): Promise<Uint8Array | null> {
    const data = await this.os.getBlob(digest);
    if (data && BlobStore.digest(data) !== digest) throw new TransportError(`object ${digest} failed its digest check`, { retryable: false });
    return data;
  }
}
