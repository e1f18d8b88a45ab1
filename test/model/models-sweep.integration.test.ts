import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileJob } from '../../src/sweep/job-config.js';
import { runJob } from '../../actors/job-master/run-job.js';
import { silentLogger } from '../../src/log.js';
import '../../src/sweep/builtin.js';

// A momentum grid over the job master and backtester workers (real NATS): the 'momentum'
// evaluator gives the same metrics per parameter set with 1 and with 2 workers, and a parameter
// set that breaks a rule (takeProfit <= stopLoss) is a failed trial naming the field, not a failed job.
const job = (workers: number): Record<string, unknown> => ({
  name: 'momentum-grid-test',
  model: { name: 'momentum', options: { positionSize: 0.2 } },
  data: { dataset: 'synthetic', synthetic: { seed: 41, tickers: 12, days: 200 } },
  backtest: { start: '2015-03-02', rebalance: 10 },
  params: { lookback: 10 },
  space: {
    lookback: { type: 'int', low: 10, high: 30, step: 10 },
    stopLoss: { type: 'float', low: 0.05, high: 0.15, step: 0.05 },
    takeProfit: { type: 'float', low: 0.1, high: 0.2, step: 0.1 },
  },
  search: { algorithm: 'grid', objectives: [{ metric: 'sharpe', direction: 'maximize' }] },
  execution: { workers },
});

test('momentum grid over actors: identical metrics with 1 and 2 workers; rule-breaking sets are failed trials naming the field', async () => {
  const one = await runJob(compileJob(job(1)), { log: silentLogger() });
  const two = await runJob(compileJob(job(2)), { log: silentLogger() });
  assert.equal(one.trials.length, 18);
  assert.equal(two.trials.length, 18);
  const key = (t: { params: Record<string, unknown> }): string => JSON.stringify([t.params['lookback'], t.params['stopLoss'], t.params['takeProfit']]);
  const byKey = new Map(one.trials.map((t) => [key(t), t]));
  let failed = 0;
  for (const t of two.trials) {
    const a = byKey.get(key(t));
    assert.ok(a, key(t));
    if (Number(t.params['takeProfit']) <= Number(t.params['stopLoss'])) {
      failed++;
      assert.match(t.error?.message ?? '', /params\.takeProfit/);
      assert.match(a.error?.message ?? '', /params\.takeProfit/);
    } else {
      assert.equal(t.error, undefined);
      assert.deepEqual(t.metrics, a.metrics);
    }
  }
  assert.equal(failed, 3 * 2); // stopLoss 0.1 with takeProfit 0.1, stopLoss 0.15 with 0.1, for each lookback
  assert.deepEqual(one.best?.params, two.best?.params);
});
