import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { EmbeddedNats } from '../../src/runtime/embedded-nats.js';
import { BlobStore, Journal, openKv } from '../../src/runtime/jetstream.js';
import { startNats } from '../support/nats.js';

let nats: EmbeddedNats;
let nc: NatsConnection;

before(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
});

after(async () => {
  await nc?.close();
  await nats?.stop();
});

test('journal appends are acknowledged, deduplicated by message id, and replayed in order per key', async () => {
  const j = await Journal.open(nc, 'hppo_journal_test');
  const enc = new TextEncoder();
  for (let i = 0; i < 5; i++) await j.append('job1', enc.encode(`t${i}`), `job1-t${i}`);
  const dup = await j.append('job1', enc.encode('t3 again'), 'job1-t3');
  assert.equal(dup.duplicate, true);
  await j.append('job2', enc.encode('other'), 'job2-t0');
  const recs = await j.replay('job1');
  assert.deepEqual(recs.map((r) => new TextDecoder().decode(r.data)), ['t0', 't1', 't2', 't3', 't4']);
  assert.equal((await j.replay('job2')).length, 1);
  assert.deepEqual(await j.replay('nothing'), []);
});

test('blob store addresses objects by sha256 and verifies them', async () => {
  const bs = await BlobStore.open(nc, 'hppo_blobs_test');
  const data = new Uint8Array(2 * 1024 * 1024).map((_, i) => i % 251);
  const d = await bs.put(data);
  assert.equal(d, BlobStore.digest(data));
  assert.equal(await bs.put(data), d);
  const back = await bs.get(d);
  assert.deepEqual(back, data);
  assert.equal(await bs.get('0'.repeat(64)), null);
});

test('kv bucket stores and reads cluster state', async () => {
  const kv = await openKv(nc, 'hppo_state_test');
  await kv.put('node.a', new TextEncoder().encode('alive'));
  const e = await kv.get('node.a');
  assert.equal(e?.string(), 'alive');
});

test('the journal survives a nats-server restart (file storage)', async () => {
  const j = await Journal.open(nc, 'hppo_journal_durable');
  await j.append('k', new Uint8Array([1]), 'k-1');
  await nats.kill();
  await nats.restart();
  const nc2 = await connect({ servers: nats.url });
  try {
    const j2 = await Journal.open(nc2, 'hppo_journal_durable');
    assert.equal((await j2.replay('k')).length, 1);
  } finally {
    await nc2.close();
  }
});
