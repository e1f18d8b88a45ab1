// WorkerPool started before the NATS URL is known (run-job overlaps worker start-up with the
// embedded nats-server's): workers get the URL when it resolves; a URL that never comes stops them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerPool } from '../../src/runtime/worker-pool.js';
import { ConfigError } from '../../src/errors.js';
import { startNats } from '../support/nats.js';

const workerModule = new URL(`../../actors/backtester/worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

test('WorkerPool.start with a promised NATS URL: workers become ready once the URL resolves', async (t) => {
  const nats = await startNats();
  t.after(() => nats.stop());
  let give: (url: string) => void = () => {};
  const url = new Promise<string>((r) => (give = r));
  const starting = WorkerPool.start({ count: 2, natsUrl: url, nodeIdPrefix: 'late', module: workerModule });
  setImmediate(() => give(nats.url));
  const pool = await starting;
  try {
    assert.equal(pool.size, 2);
    assert.equal(pool.addresses().length, 2);
  } finally {
    await pool.stop();
  }
});

test('WorkerPool.start with a promised NATS URL that rejects: start rejects with that error, workers stopped', async () => {
  const err = new ConfigError('natsUrl', 'no server');
  await assert.rejects(WorkerPool.start({ count: 2, natsUrl: Promise.reject(err), nodeIdPrefix: 'never', module: workerModule }), (e: unknown) => e === err);
});
