// The HPPO VaR model: window/universe rule, LP constraints, fallback, batch form == per-trial form.
// Runs on a seeded synthetic market (no shared data needed); needs the native addon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticMarket } from '../../src/data/synthetic.js';
import type { PricePanel } from '../../src/data/panel.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { runBacktestBatch } from '../../src/model/batch.js';
import { compileBacktestOptions, runBacktestSync } from '../../src/model/engine.js';
import {
  compileHppoVarOptions,
  hppoVarBatchStrategy,
  hppoVarCell,
  hppoVarStrategy,
  hppoVarWindow,
  solveHppoVarCells,
} from '../../src/model/models/hppo-var.js';
import { loadNative } from '../../src/solver/native.js';

/** Batch and per-trial runs solve the same LPs from different warm starts: same vertex up to round-off. */
const FORM_TOL = 1e-12;
const FEAS_TOL = 1e-9;

let skipReason: string | undefined;
try {
  loadNative();
} catch (err) {
  skipReason = `native addon unavailable: ${(err as Error).message}`;
}

const market = syntheticMarket({ seed: 7, tickers: 12, days: 160, start: '2015-01-05' });

function compiled() {
  return compileBacktestOptions({
    panel: market.panel,
    start: market.panel.dates[30],
    benchmark: market.benchmark,
    exchange: 'reference',
    rebalance: 10,
    recordFills: false,
  });
}

test('hppoVarWindow: universe = priced on t−S−1 … t−1 and on t; returns are P_d/P_{d−1} − 1 of the days before t', () => {
  const nan = Number.NaN;
  const panel: PricePanel = {
    dates: ['d0', 'd1', 'd2', 'd3', 'd4'],
    tickers: ['A', 'B', 'C', 'D'],
    close: [
      Float64Array.of(1, 2, 4, 8, 16), // full
      Float64Array.of(nan, 2, 4, 8, 16), // missing at t−S−1 = row 0
      Float64Array.of(1, 2, 4, 8, nan), // no price today (row 4)
      Float64Array.of(1, 1.5, 3, 3, 5), // full
    ],
  };
  const o = compileHppoVarOptions({ window: 3 });
  const w = hppoVarWindow(panel, 4, o); // prices of rows 0..3, price on row 4
  assert.deepEqual(Array.from(w.columns), [0, 3]);
  assert.equal(w.window.numScenarios, 3);
  assert.deepEqual(Array.from(w.window.returns), [1, 0.5, 1, 1, 1, 0]); // row-major S × n
  assert.equal(w.bestAnnualMean, 252 * 1);
  const today = hppoVarWindow(panel, 4, compileHppoVarOptions({ window: 3, windowIncludesToday: true })); // rows 1..4
  assert.deepEqual(Array.from(today.columns), [0, 1, 3]);
  assert.equal(hppoVarWindow(panel, 2, o).columns.length, 0, 'not enough history: empty universe');
});

test('solveHppoVarCells: long-only, fully invested, target met when reachable, fallback exactly when unreachable', (t) => {
  if (skipReason) return t.skip(skipReason);
  const o = compileHppoVarOptions();
  const row = 60;
  const w = hppoVarWindow(market.panel, row, o);
  assert.ok(w.columns.length >= 2);
  const { returns, numScenarios: S, numAssets: n } = w.window;
  const reachableMu = Math.min(w.bestAnnualMean - 1e-3, 0.1);
  const cells = [
    { alpha: 0.1, mu: reachableMu },
    { alpha: 0.2, mu: reachableMu },
    { alpha: 0.15, mu: w.bestAnnualMean + 1 }, // unreachable
    { alpha: 0.1, mu: w.bestAnnualMean - 1e-6 }, // reachable, binds: an LP of its own
  ];
  const sols = solveHppoVarCells(w, cells, o);
  sols.forEach((s, k) => {
    let sum = 0;
    let ret = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(s.weights[i]! >= 0);
      sum += s.weights[i]!;
      let m = 0;
      for (let d = 0; d < S; d++) m += returns[d * n + i]!;
      ret += (252 * m * s.weights[i]!) / S;
    }
    assert.ok(Math.abs(sum - 1) < 1e-12, `cell ${k}: Σw = ${sum}`);
    assert.equal(s.fallback, k === 2, `cell ${k}: fallback`);
    if (k === 3) assert.equal(s.constrained, true, 'a target near the best single stock binds');
    if (!s.fallback) assert.ok(ret >= cells[k]!.mu - FEAS_TOL, `cell ${k}: annualized mean ${ret} < mu ${cells[k]!.mu}`);
  });
  // The CVaR of the solution is no worse than that of any single stock or equal weights.
  const cvar = (wt: Float64Array, alpha: number): number => {
    const losses = Array.from({ length: S }, (_, d) => {
      let l = 0;
      for (let i = 0; i < n; i++) l -= returns[d * n + i]! * wt[i]!;
      return l;
    }).sort((a, b) => b - a);
    // Rockafellar–Uryasev value at the optimal threshold t = a loss quantile: min over candidate t.
    let best = Infinity;
    for (const tq of losses) best = Math.min(best, tq + losses.reduce((acc, l) => acc + Math.max(l - tq, 0), 0) / (alpha * S));
    return best;
  };
  const fb = sols[2]!;
  const eq = new Float64Array(n).fill(1 / n);
  assert.ok(cvar(fb.weights, 0.15) <= cvar(eq, 0.15) + 1e-12);
  for (let i = 0; i < n; i++) {
    const e = new Float64Array(n);
    e[i] = 1;
    assert.ok(cvar(fb.weights, 0.15) <= cvar(e, 0.15) + 1e-12);
  }
});

test('hppo-var batch form equals the per-trial event-driven form on every cell (metrics and NAV to 1e-12)', (t) => {
  if (skipReason) return t.skip(skipReason);
  const c = compiled();
  const params = [
    { alpha: 0.1, mu: 0.1 },
    { alpha: 0.2, mu: 0.15 },
    { alpha: 0.12, mu: 0.2 },
    { alpha: 0.12, mu: 0.1 },
    { alpha: 0.05, mu: 5 }, // mostly unreachable: fallbacks
  ];
  const strat = hppoVarBatchStrategy({ chainLength: 2 });
  const batch = runBacktestBatch(c, params, strat);
  assert.ok(strat.lpSolves > 0);
  params.forEach((p, j) => {
    const single = runBacktestSync((pp) => hppoVarStrategy(pp), c, { params: p });
    const b = batch[j]!;
    assert.equal(b.metrics.fallbacks, single.metrics.fallbacks, `trial ${j} fallbacks`);
    assert.equal(b.metrics.rebalances, single.metrics.rebalances);
    for (let k = 0; k < b.nav.length; k++) {
      const d = Math.abs(b.nav[k]! - single.nav[k]!) / single.nav[k]!;
      assert.ok(d <= FORM_TOL, `trial ${j} day ${k}: NAV ${b.nav[k]} vs ${single.nav[k]}`);
    }
    for (const key of ['sharpe', 'annualReturn', 'maxDrawdown', 'alpha', 'beta', 'fees'] as const) {
      const x = b.metrics[key];
      const y = single.metrics[key];
      assert.ok(Math.abs(x - y) <= FORM_TOL * Math.max(1, Math.abs(y)), `trial ${j} ${key}: ${x} vs ${y}`);
    }
  });
  assert.ok(batch[4]!.metrics.fallbacks > 0, 'an unreachable mu counts fallbacks');
  assert.equal(batch[0]!.metrics.fallbacks <= batch[4]!.metrics.fallbacks, true);
});

test('hppo-var: the batch result of a trial does not depend on the other trials of its batch', (t) => {
  if (skipReason) return t.skip(skipReason);
  const c = compiled();
  const all = [0.1, 0.13, 0.16, 0.19].flatMap((alpha) => [0.1, 0.2].map((mu) => ({ alpha, mu })));
  const full = runBacktestBatch(c, all, hppoVarBatchStrategy());
  const part = runBacktestBatch(c, all.slice(3, 6).reverse(), hppoVarBatchStrategy());
  part.forEach((r, k) => {
    const f = full[5 - k]!;
    assert.ok(Math.abs(r.metrics.sharpe - f.metrics.sharpe) <= FORM_TOL * Math.max(1, Math.abs(f.metrics.sharpe)));
    assert.equal(r.metrics.fallbacks, f.metrics.fallbacks);
  });
});

test('hppo-var: bad params and options name the field', () => {
  assert.throws(() => hppoVarCell({ alpha: 0, mu: 0.1 }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'params.alpha');
  assert.throws(() => hppoVarCell({ alpha: 0.1 }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'params.mu');
  assert.throws(() => hppoVarCell({ alpha: '0.1', mu: 0.1 }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'params.alpha');
  assert.throws(() => compileHppoVarOptions({ window: 0 }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'model.options.window');
  assert.throws(() => compileHppoVarOptions({ solver: 'pdlp' as 'dense' }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'model.options.solver');
  assert.throws(() => compileHppoVarOptions({ windw: 20 } as never), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'model.options.windw');
  const c = compiled();
  assert.throws(
    () => runBacktestBatch(c, [{ alpha: 0.1, mu: 0.1 }, { alpha: 2, mu: 0.1 }], hppoVarBatchStrategy()),
    (e: unknown) => e instanceof InvalidArgumentError && e.field === 'params[1].alpha',
  );
});
