import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { compileJob } from '../../src/sweep/job-config.js';
import { runJob } from '../../actors/job-master/run-job.js';
import { silentLogger } from '../../src/log.js';
import '../../src/sweep/builtin.js';

const grid = (workers: number): Record<string, unknown> => ({
  name: 'branin-grid-test',
  model: { name: 'analytic:branin' },
  space: { x1: { type: 'float', low: -5, high: 10, step: 1 }, x2: { type: 'float', low: 0, high: 15, step: 1 } },
  search: { algorithm: 'grid', objectives: [{ metric: 'value', direction: 'minimize' }] },
  execution: { workers },
});

test('a grid job gives the same trials and best with 1 and with 2 backtester workers over real NATS', async () => {
  const one = await runJob(compileJob(grid(1)), { log: silentLogger() });
  const two = await runJob(compileJob(grid(2)), { log: silentLogger() });
  assert.equal(one.trials.length, 256);
  assert.equal(two.trials.length, 256);
  const key = (t: { params: Record<string, unknown> }): string => JSON.stringify([t.params['x1'], t.params['x2']]);
  const a = new Map(one.trials.map((t) => [key(t), t.metrics['value']]));
  for (const t of two.trials) assert.equal(t.metrics['value'], a.get(key(t)));
  assert.deepEqual(one.best?.params, two.best?.params);
  assert.ok(new Set(two.trials.map((t) => t.worker)).size === 2, 'both workers served batches');
  assert.ok(one.embeddedNats);
});

test('a job config with a bad field fails with the path of that field', () => {
  assert.throws(() => compileJob({ ...grid(1), search: { algorithm: 'simulated-annealing' } }), (e: unknown) => e instanceof ConfigError && /search\.algorithm/.test(e.message));
  assert.throws(() => compileJob({ ...grid(0) }), (e: unknown) => e instanceof ConfigError && /execution\.workers/.test(e.message));
  assert.throws(() => compileJob({ ...grid(1), model: {} }), (e: unknown) => e instanceof ConfigError && /model\.name/.test(e.message));
  assert.throws(() => compileJob({ ...grid(1), colour: 'red' }), (e: unknown) => e instanceof ConfigError && /colour: unknown section/.test(e.message));
});

test('an unknown model fails the job with a clear error instead of hanging', async () => {
  const r = await runJob(compileJob({ ...grid(1), model: { name: 'no-such-model' } }), { log: silentLogger() });
  assert.equal(r.trials.length > 0 ? r.trials.every((t) => t.error !== undefined) : true, true);
  assert.match(r.status.error?.message ?? r.trials[0]?.error?.message ?? '', /unknown model "no-such-model"/);
});
