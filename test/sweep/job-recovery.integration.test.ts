import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { JobFinished, JobProgress, StartJob, type JobStatus } from '../../src/gen/hppo/v1/job.js';
import { is } from '../../src/runtime/actor.js';
import type { EmbeddedNats } from '../../src/runtime/embedded-nats.js';
import { startNode, type HppoNode } from '../../src/runtime/node.js';
import { WorkerPool } from '../../src/runtime/worker-pool.js';
import { compileJob } from '../../src/sweep/job-config.js';
import { metricsFromProto, paramsFromProto } from '../../src/sweep/params.js';
import { runJob } from '../../actors/job-master/run-job.js';
import { silentLogger } from '../../src/log.js';
import { runFixture, startNats, type ChildHandle } from '../support/nats.js';
import '../../src/sweep/builtin.js';

const DOC = {
  name: 'crash-bo',
  model: { name: 'analytic:branin', options: { costMs: 120 } },
  space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
  search: { algorithm: 'bo', seed: 5, maxEvaluations: 14, objectives: [{ metric: 'value', direction: 'minimize' }] },
  execution: { workers: 1, batchSize: 1 },
};

let nats: EmbeddedNats;
let client: HppoNode;
let pool: WorkerPool;
const children: ChildHandle[] = [];

before(async () => {
  nats = await startNats();
  client = await startNode({ natsUrl: nats.url, nodeId: 'client', log: silentLogger() });
  const workerModule = new URL(`../../actors/backtester/worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
  pool = await WorkerPool.start({ count: 1, natsUrl: nats.url, nodeIdPrefix: 'client', module: workerModule });
});

after(async () => {
  for (const c of children) await c.kill();
  await pool?.stop();
  await client?.stop();
  await nats?.stop();
});

test('a job master killed mid-job resumes from the journal: every trial counted once, same best as an uninterrupted run', async () => {
  const job = compileJob(DOC);
  const reference = await runJob(job, { natsUrl: nats.url, jobId: 'uninterrupted', log: silentLogger() });
  assert.equal(reference.trials.length, 14);

  let progress: JobStatus | undefined;
  let resolveDone: (f: JobFinished) => void = () => {};
  const done = new Promise<JobFinished>((r) => (resolveDone = r));
  const reporter = await client.system.spawn('reporter', () => ({
    receive(msg) {
      if (is(msg, JobProgress)) progress = msg.body.status;
      if (is(msg, JobFinished)) resolveDone(msg.body);
    },
  }));
  const env = { HPPO_NATS_URL: nats.url, HPPO_NODE_ID: 'jm', HPPO_LOG_LEVEL: 'warn' };
  const first = runFixture('job-master-node', env);
  children.push(first);
  await first.waitFor('READY');
  await client.system.ask('jm/job-master', StartJob, { spec: { jobId: 'crashy', configJson: JSON.stringify(job.document) }, reportTo: reporter.address, workers: pool.addresses() }, { timeoutMs: 10_000 });
  for (let i = 0; i < 300 && (progress?.evaluations ?? 0) < 6; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok((progress?.evaluations ?? 0) >= 6, 'job made progress before the crash');
  first.proc.kill('SIGKILL');
  await new Promise((r) => first.proc.once('exit', r));
  const killedAt = progress?.evaluations ?? 0;
  assert.ok(killedAt < 14, 'killed before the end');

  const second = runFixture('job-master-node', env);
  children.push(second);
  await second.waitFor('READY');
  const finished = await done;
  const ids = finished.trials.map((t) => t.candidateId);
  assert.equal(finished.trials.length, 14);
  assert.equal(new Set(ids).size, 14, 'each trial counted once');
  assert.deepEqual(finished.trials.map((t) => t.number), Array.from({ length: 14 }, (_, i) => i + 1));
  const best = finished.status?.best;
  assert.deepEqual(paramsFromProto(best?.params), reference.best?.params);
  assert.equal(metricsFromProto(best?.metrics)['value'], reference.best?.metrics['value']);
  // same proposals in the same order as the uninterrupted run
  assert.deepEqual(finished.trials.map((t) => paramsFromProto(t.params)), reference.trials.map((t) => t.params));
});
