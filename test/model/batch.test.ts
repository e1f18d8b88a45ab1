import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { runBacktestBatch } from '../../src/model/batch.js';
import { compileBacktestOptions, runBacktestSync } from '../../src/model/engine.js';
import type { Params } from '../../src/model/strategy.js';

/** Weights depending on the trial's parameter and the 21 closes before the day (as a window model would). */
function targetWeights(panel: { close: readonly Float64Array[] }, row: number, tilt: number, out: Float64Array, canTrade: (i: number) => boolean): boolean {
  let s = 0;
  let best = -Infinity;
  for (let i = 0; i < out.length; i++) {
    const col = panel.close[i] as Float64Array;
    if (row < 21 || !canTrade(i)) continue;
    let ok = true;
    for (let r = row - 21; r < row; r++) if (Number.isNaN(col[r] as number)) ok = false;
    if (!ok) continue;
    const ret = (col[row - 1] as number) / (col[row - 21] as number) - 1;
    best = Math.max(best, ret);
    out[i] = Math.exp(tilt * ret);
    s += out[i] as number;
  }
  if (s > 0) for (let i = 0; i < out.length; i++) out[i] = (0.98 * (out[i] as number)) / s;
  return best < 0; // "fallback" when no asset went up
}

test('a lockstep batch gives each trial exactly the result of running it alone', () => {
  const m = syntheticMarket({ seed: 'batch', tickers: 12, days: 150 });
  for (const exchange of ['reference', 'cnAShares'] as const) {
    const compiled = compileBacktestOptions({ panel: m.panel, benchmark: m.benchmark, start: m.panel.dates[30], exchange, rebalance: 10, recordFills: false });
    const params: Params[] = [-5, 0, 3, 10].map((tilt) => ({ tilt }));
    let calls = 0;
    const batch = runBacktestBatch(compiled, params, {
      onRebalance(ctx) {
        calls++;
        ctx.params.forEach((p, j) => {
          if (targetWeights(ctx.panel, ctx.row, Number(p['tilt']), ctx.weights[j] as Float64Array, ctx.canTradeAt)) ctx.countFallback(j);
        });
      },
    });
    assert.equal(calls, compiled.rebalanceDays.reduce((a, b) => a + b, 0), 'one call per rebalance day for all trials');
    params.forEach((p, j) => {
      const alone = runBacktestSync(
        {
          onRebalance(ctx) {
            const w = new Float64Array(ctx.symbols.length);
            if (targetWeights(ctx.panel, ctx.row, Number(p['tilt']), w, (i) => ctx.canTrade(ctx.symbols[i] as string))) ctx.countFallback();
            ctx.orderTargetPercents(w);
          },
        },
        compiled,
      );
      const b = batch[j];
      assert.ok(b);
      assert.deepEqual(Array.from(b.nav), Array.from(alone.nav), `${exchange} trial ${j}: NAV`);
      assert.deepEqual(b.metrics, alone.metrics, `${exchange} trial ${j}: metrics`);
    });
    assert.notEqual(batch[0]?.metrics.sharpe, batch[3]?.metrics.sharpe, 'the parameter matters');
  }
});

test('batch: skip leaves a trial unchanged and bad strategies are refused', () => {
  const m = syntheticMarket({ seed: 'skip', tickers: 5, days: 60 });
  const compiled = compileBacktestOptions({ panel: m.panel, rebalance: 20 });
  const [a, b] = runBacktestBatch(compiled, [{}, {}], {
    onRebalance(ctx) {
      (ctx.weights[0] as Float64Array).fill(0.2);
      (ctx.weights[1] as Float64Array).fill(0.2);
      ctx.skip[1] = 1;
    },
  });
  assert.ok(a && b);
  assert.ok(Array.from(b.nav).every((v) => v === 1_000_000), 'skipped trial stays in cash');
  assert.ok(a.metrics.fees > 0);
  assert.throws(() => runBacktestBatch(compiled, [{}], {} as never), /strategy: a batch strategy needs an onRebalance/);
});
