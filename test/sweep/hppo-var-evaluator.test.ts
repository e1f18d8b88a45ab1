// Evaluator 'hppo-var' on a seeded synthetic market: metrics per trial (with fallbacks), a bad trial
// fails alone naming its field, bad options fail naming theirs, results do not depend on the batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { createEvaluator, type EvaluatorSpec } from '../../src/sweep/evaluator.js';
import '../../src/sweep/builtin.js';
import { loadNative } from '../../src/solver/native.js';

let skipReason: string | undefined;
try {
  loadNative();
} catch (err) {
  skipReason = `native addon unavailable: ${(err as Error).message}`;
}

const spec = (options: Record<string, unknown> = {}): EvaluatorSpec =>
  ({
    model: { name: 'hppo-var', options },
    data: { dataset: 'synthetic', synthetic: { seed: 5, tickers: 10, days: 140, start: '2015-01-05' } },
    backtest: { start: '2015-02-16', exchange: 'reference', rebalance: 10 },
  }) as EvaluatorSpec;

test('hppo-var evaluator: every metric per trial, fallbacks counted, a bad trial fails alone naming params.alpha', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const ev = await createEvaluator(spec());
  const out = await ev.evaluate([
    { trialId: 'a', params: { alpha: 0.1, mu: 0.1 } },
    { trialId: 'bad', params: { alpha: 2, mu: 0.1 } },
    { trialId: 'b', params: { alpha: 0.2, mu: 1e6 } }, // never reachable: a fallback at every rebalance
  ]);
  assert.deepEqual(out.map((o) => o.trialId), ['a', 'bad', 'b']);
  const [a, bad, b] = out;
  assert.equal(bad!.metrics, undefined);
  assert.equal(bad!.error?.code, 'INVALID_ARGUMENT');
  assert.match(bad!.error!.message, /params\.alpha/);
  for (const k of ['sharpe', 'annualReturn', 'maxDrawdown', 'alpha', 'beta', 'fallbacks', 'rebalances', 'fees']) {
    assert.equal(typeof a!.metrics?.[k], 'number', `metric ${k}`);
  }
  assert.ok(a!.metrics!['rebalances']! > 0);
  assert.equal(b!.metrics!['fallbacks'], b!.metrics!['rebalances'], 'an unreachable target falls back at every rebalance');
});

test('hppo-var evaluator: a trial gives the same metrics alone and in a batch (to 1e-12)', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const ev = await createEvaluator(spec({ chainLength: 3 }));
  const trials = [0.1, 0.15, 0.2].flatMap((alpha) => [0.05, 0.3].map((mu) => ({ trialId: `${alpha}-${mu}`, params: { alpha, mu } })));
  const all = await ev.evaluate(trials);
  const one = await ev.evaluate([trials[3]!]);
  for (const k of ['sharpe', 'annualReturn', 'maxDrawdown', 'fallbacks']) {
    const x = all[3]!.metrics![k]!;
    const y = one[0]!.metrics![k]!;
    assert.ok(Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(y)), `${k}: ${x} vs ${y}`);
  }
});

test('hppo-var evaluator: bad model options fail the spec with ConfigError naming the option', async () => {
  await assert.rejects(createEvaluator(spec({ window: 0 })), (e: unknown) => e instanceof ConfigError && e.path === 'model.options.window');
  await assert.rejects(createEvaluator(spec({ solver: 'pdlp' })), (e: unknown) => e instanceof ConfigError && e.path === 'model.options.solver');
  await assert.rejects(createEvaluator(spec({ lookback: 3 })), (e: unknown) => e instanceof ConfigError && e.path === 'model.options.lookback');
});
