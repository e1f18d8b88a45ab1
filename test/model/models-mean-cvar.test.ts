import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../src/errors.js';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { defaultDataDir } from '../../src/data/datasets.js';
import { compileBacktestOptions, runBacktest } from '../../src/model/engine.js';
import {
  compileMeanCvarParams,
  meanCvarFrontier,
  meanCvarStrategy,
  portfolioCvar,
  solveMeanCvar,
  solveMeanCvarDense,
  type MeanCvarSolution,
  type MeanCvarSpec,
} from '../../src/model/models/mean-cvar.js';
import { completeAssets, generateScenarios, returnsWindow, silvermanFactor, windowMoments } from '../../src/model/models/scenarios.js';
import type { ScenarioWindow } from '../../src/solver/cvar-lp.js';
import { loadPriceCsv } from '../../src/data/csv.js';

/** Feasibility tolerance of the exact simplex's vertex (absolute). */
const DENSE_TOL = 1e-8;
/** PDLP stops at a relative tolerance: its iterate is feasible to about this. */
const PDLP_TOL = 2e-4;

function window(seed: number, n: number, days: number): ScenarioWindow {
  const m = syntheticMarket({ seed, tickers: n + 2, days: days + 80 });
  const end = m.panel.dates.length - 1;
  const assets = completeAssets(m.panel, end, days).slice(0, n);
  assert.equal(assets.length, n);
  return returnsWindow(m.panel, assets, end, days);
}

/** Recomputes every constraint of the spec at the solution, independently of the LP. */
function checkConstraints(scen: ScenarioWindow, spec: MeanCvarSpec, sol: MeanCvarSolution, tol: number): void {
  assert.equal(sol.status, 'optimal');
  const w = sol.weights;
  const n = w.length;
  let sum = 0;
  let gross = 0;
  let turnover = 0;
  for (let i = 0; i < n; i++) {
    assert.ok(w[i]! >= spec.lower[i]! - tol && w[i]! <= spec.upper[i]! + tol, `w[${i}] = ${w[i]} outside [${spec.lower[i]}, ${spec.upper[i]}]`);
    sum += w[i]!;
    gross += Math.abs(w[i]!);
    if (spec.current) turnover += Math.abs(w[i]! - spec.current[i]!);
  }
  const cash = 1 - sum;
  assert.ok(Math.abs(cash - sol.cash) <= tol * 10, `budget: 1 - Σw = ${cash}, cash = ${sol.cash}`);
  assert.ok(cash >= spec.cashLower - tol && cash <= spec.cashUpper + tol, `cash ${cash} outside [${spec.cashLower}, ${spec.cashUpper}]`);
  if (spec.leverage !== null) assert.ok(gross <= spec.leverage + tol * n, `Σ|w| = ${gross} > ${spec.leverage}`);
  if (spec.turnover !== null) assert.ok(turnover <= spec.turnover + tol * n, `turnover ${turnover} > ${spec.turnover}`);
  const cvar = portfolioCvar(scen, w, spec.alpha);
  assert.ok(Math.abs(cvar - sol.cvar) < 1e-12);
  if (spec.cvarLimit !== null) assert.ok(cvar <= spec.cvarLimit + tol * 10, `CVaR ${cvar} > limit ${spec.cvarLimit}`);
}

function spec(n: number, over: Partial<MeanCvarSpec> = {}): MeanCvarSpec {
  return {
    alpha: 0.05,
    riskAversion: 1,
    lower: new Float64Array(n),
    upper: new Float64Array(n).fill(0.15),
    cashLower: 0.02,
    cashUpper: 0.3,
    leverage: null,
    turnover: null,
    cvarLimit: null,
    ...over,
  };
}

test('portfolioCvar: the mean of the worst α·S losses when α·S is an integer', () => {
  // 10 scenarios, 1 asset, w = 1: losses 1..10 % → CVaR(0.2) = mean of the worst 2 = 9.5 %.
  const r = Float64Array.from({ length: 10 }, (_, s) => -(s + 1) / 100);
  assert.ok(Math.abs(portfolioCvar({ returns: r, numScenarios: 10, numAssets: 1 }, new Float64Array([1]), 0.2) - 0.095) < 1e-15);
  // α·S = 1.5: the worst loss plus half of the second: (10 + 0.5·9)/1.5 %.
  assert.ok(Math.abs(portfolioCvar({ returns: r, numScenarios: 10, numAssets: 1 }, new Float64Array([1]), 0.15) - (0.1 + 0.5 * 0.09) / 1.5) < 1e-15);
});

test('mean-CVaR (dense simplex): weights satisfy bounds, cash bounds, turnover and a binding CVaR limit on synthetic data', () => {
  const n = 12;
  const scen = window(11, n, 120);
  const current = new Float64Array(n).fill(0);
  current.set([0.3, 0.3, 0.2], 0);
  const free = solveMeanCvarDense(scen, spec(n, { riskAversion: 0.2, current, turnover: 0.9 }));
  checkConstraints(scen, spec(n, { riskAversion: 0.2, current, turnover: 0.9 }), free, DENSE_TOL);
  // A CVaR limit between the least CVaR reachable and the free optimum's binds and is met.
  const least = solveMeanCvarDense(scen, spec(n, { riskAversion: 1e4, current, turnover: 0.9 }));
  assert.ok(least.cvar < free.cvar - 1e-6, `least CVaR ${least.cvar} vs ${free.cvar}`);
  const limit = (least.cvar + free.cvar) / 2;
  const s2 = spec(n, { riskAversion: 0.2, current, turnover: 0.9, cvarLimit: limit });
  const tight = solveMeanCvarDense(scen, s2);
  checkConstraints(scen, s2, tight, DENSE_TOL);
  assert.ok(Math.abs(tight.cvar - limit) < 1e-9, `the limit binds: CVaR ${tight.cvar} vs ${limit}`);
  assert.ok(tight.expectedReturn <= free.expectedReturn + 1e-12);
  // More risk aversion: no more CVaR.
  const averse = solveMeanCvarDense(scen, spec(n, { riskAversion: 50 }));
  const bold = solveMeanCvarDense(scen, spec(n, { riskAversion: 0.01 }));
  assert.ok(averse.cvar <= bold.cvar + 1e-12 && bold.expectedReturn >= averse.expectedReturn - 1e-12);
});

test('mean-CVaR: short positions with a leverage limit Σ|w| ≤ L (z ≥ |w|)', () => {
  const n = 10;
  const scen = window(12, n, 80);
  const s = spec(n, { lower: new Float64Array(n).fill(-0.2), upper: new Float64Array(n).fill(0.4), cashLower: 0, cashUpper: 0, leverage: 1.4, riskAversion: 0.05 });
  const sol = solveMeanCvarDense(scen, s);
  checkConstraints(scen, s, sol, DENSE_TOL);
  assert.ok(sol.weights.some((v) => v < -1e-6), 'some weight is short');
  let gross = 0;
  for (const v of sol.weights) gross += Math.abs(v);
  assert.ok(gross > 1.01, `leverage is used (Σ|w| = ${gross})`);
});

test('mean-CVaR: an unreachable CVaR limit is an infeasible status, not an exception', () => {
  const n = 5;
  const scen = window(13, n, 40);
  const sol = solveMeanCvarDense(scen, spec(n, { cashUpper: 0.1, cvarLimit: -0.5 }));
  assert.equal(sol.status, 'infeasible');
});

test('mean-CVaR frontier: warm-started points equal cold solves, fewer pivots; return and CVaR fall as λ rises', () => {
  const n = 10;
  const scen = window(19, n, 100);
  const s = spec(n, { upper: new Float64Array(n).fill(0.3), cashLower: 0, cashUpper: 0 });
  const lambdas = [0.01, 0.1, 0.3, 1, 3, 10, 100];
  const pts = meanCvarFrontier(scen, s, lambdas);
  let warmPivots = 0;
  let coldPivots = 0;
  for (const [k, p] of pts.entries()) {
    const cold = solveMeanCvarDense(scen, { ...s, riskAversion: lambdas[k]! });
    checkConstraints(scen, { ...s, riskAversion: lambdas[k]! }, p.solution, DENSE_TOL);
    assert.ok(Math.abs(p.solution.objective - cold.objective) <= 1e-10 * (1 + Math.abs(cold.objective)), `λ=${lambdas[k]}`);
    if (k > 0) {
      warmPivots += p.solution.iterations;
      coldPivots += cold.iterations;
      const prev = pts[k - 1]!.solution;
      assert.ok(p.solution.cvar <= prev.cvar + 1e-12 && p.solution.expectedReturn <= prev.expectedReturn + 1e-12, `monotone at λ=${lambdas[k]}`);
    }
  }
  assert.ok(warmPivots < coldPivots, `warm ${warmPivots} vs cold ${coldPivots} pivots`);
  assert.ok(pts[0]!.solution.cvar > pts[pts.length - 1]!.solution.cvar);
});

test('mean-CVaR: PDLP agrees with the exact simplex on the objective and meets the constraints', async () => {
  const n = 8;
  const scen = window(14, n, 150);
  const current = new Float64Array(n).fill(1 / n);
  const s = spec(n, { riskAversion: 0.5, current, turnover: 0.6, cvarLimit: 0.03 });
  const dense = solveMeanCvarDense(scen, s);
  const pdlp = await solveMeanCvar(scen, s, { solver: 'pdlp', pdlpTolerance: 1e-7 });
  assert.equal(pdlp.solver, 'pdlp');
  checkConstraints(scen, s, pdlp, PDLP_TOL);
  assert.ok(Math.abs(pdlp.objective - dense.objective) <= 1e-4 * (1 + Math.abs(dense.objective)), `pdlp ${pdlp.objective} vs dense ${dense.objective}`);
});

test('scenarios: Gaussian and KDE draws are seeded, sized S x n, and match the window moments', () => {
  const n = 4;
  const hist = window(15, n, 250);
  const a = generateScenarios(hist, { method: 'gaussian', count: 4000, seed: 9 });
  const b = generateScenarios(hist, { method: 'gaussian', count: 4000, seed: 9 });
  const c = generateScenarios(hist, { method: 'gaussian', count: 4000, seed: 10 });
  assert.equal(a.numScenarios, 4000);
  assert.deepEqual(a.returns, b.returns);
  assert.notDeepEqual(a.returns, c.returns);
  const h = windowMoments(hist);
  const g = windowMoments(a);
  for (let i = 0; i < n; i++) {
    const sd = Math.sqrt(h.cov[i * n + i]!);
    assert.ok(Math.abs(g.mean[i]! - h.mean[i]!) < 4 * sd / Math.sqrt(4000), `mean ${i}`);
    assert.ok(Math.abs(g.cov[i * n + i]! / h.cov[i * n + i]! - 1) < 0.1, `variance ${i}`);
  }
  // KDE: covariance = data covariance × (1 + h²) (a mixture of kernels around the data).
  const k = generateScenarios(hist, { method: 'kde', count: 4000, seed: 9 });
  const km = windowMoments(k);
  const f = silvermanFactor(250, n);
  for (let i = 0; i < n; i++) {
    const expected = ((250 - 1) / 250) * h.cov[i * n + i]! + f * f * h.cov[i * n + i]!;
    assert.ok(Math.abs(km.cov[i * n + i]! / expected - 1) < 0.1, `KDE variance ${i}: ${km.cov[i * n + i]} vs ${expected}`);
  }
  assert.equal(generateScenarios(hist, { method: 'historical', count: 1, seed: 0 }), hist);
});

test('mean-CVaR strategy: a backtest on synthetic data rebalances to weights within the bounds (no fallbacks)', async () => {
  const m = syntheticMarket({ seed: 16, tickers: 15, days: 200 });
  const c = compileBacktestOptions({ panel: m.panel, start: m.panel.dates[80], rebalance: 20, exchange: 'reference' });
  const weights: Float64Array[] = [];
  const base = meanCvarStrategy({ window: 40, maxWeight: 0.2, riskAversion: 0.5, scenarios: 'gaussian', numScenarios: 200, seed: 3 });
  const probe = {
    ...base,
    onRebalance(ctx: Parameters<NonNullable<typeof base.onRebalance>>[0]) {
      const r = base.onRebalance?.(ctx);
      const v = ctx.portfolioValue;
      weights.push(Float64Array.from(ctx.symbols, (s) => (ctx.position(s) * ctx.latestPrice(s)) / v));
      return r;
    },
  };
  const r = await runBacktest(probe, c);
  assert.equal(r.metrics.fallbacks, 0);
  assert.equal(weights.length, r.metrics.rebalances);
  for (const w of weights) {
    let sum = 0;
    for (const x of w) {
      assert.ok(x >= 0 && x <= 0.2 + 1e-3, `weight ${x}`); // after costs at the close
      sum += x;
    }
    assert.ok(sum > 0.99 && sum <= 1 + 1e-9, `invested ${sum}`);
  }
});

test('mean-CVaR strategy: KDE trials with one seed give identical backtests (scenarios shared), another seed differs', async () => {
  const m = syntheticMarket({ seed: 18, tickers: 10, days: 140 });
  const c = compileBacktestOptions({ panel: m.panel, start: m.panel.dates[60], rebalance: 20 });
  const p = { window: 40, scenarios: 'kde', numScenarios: 150, maxWeight: 0.3, riskAversion: 0.3 };
  const a = await runBacktest(meanCvarStrategy, c, { params: { ...p, seed: 1 } });
  const b = await runBacktest(meanCvarStrategy, c, { params: { ...p, seed: 1 } });
  const d = await runBacktest(meanCvarStrategy, c, { params: { ...p, seed: 2 } });
  assert.deepEqual(a.nav, b.nav);
  assert.notDeepEqual(a.nav, d.nav);
  assert.equal(a.metrics.fallbacks, 0);
});

test('mean-CVaR strategy: an infeasible turnover limit keeps the portfolio and counts a fallback', async () => {
  const m = syntheticMarket({ seed: 17, tickers: 8, days: 120 });
  const c = compileBacktestOptions({ panel: m.panel, start: m.panel.dates[60], rebalance: 20 });
  // From all cash, full investment needs turnover 1: a limit of 0.5 cannot be met.
  const r = await runBacktest(meanCvarStrategy, c, { params: { window: 30, turnover: 0.5 } });
  assert.equal(r.metrics.fallbacks, r.metrics.rebalances);
  assert.equal(r.metrics.turnover, 0);
});

test('mean-CVaR: bad parameters name the field', () => {
  const bad: Array<[Record<string, number | string>, string]> = [
    [{ alpha: 1 }, 'params.alpha'],
    [{ riskAversion: -1 }, 'params.riskAversion'],
    [{ window: 1 }, 'params.window'],
    [{ scenarios: 'bootstrap' }, 'params.scenarios'],
    [{ maxWeight: 0.1, minWeight: 0.2 }, 'params.maxWeight'],
    [{ minCash: 0.5, maxCash: 0.2 }, 'params.maxCash'],
    [{ leverage: 0 }, 'params.leverage'],
    [{ solver: 'gurobi' }, 'params.solver'],
    [{ cvar_limt: 0.1 }, 'params.cvar_limt'],
    [{ warmStart: 'yes' }, 'params.warmStart'],
  ];
  for (const [p, field] of bad) {
    assert.throws(() => compileMeanCvarParams(p), (e: unknown) => e instanceof InvalidArgumentError && e.field === field, JSON.stringify(p));
  }
  assert.throws(() => compileMeanCvarParams({}, { assetBounds: { AAA: [-0.1, 0.2] } }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'options.assetBounds.AAA');
});

const sse50 = join(defaultDataDir(), 'cn_sse50_close_adj_2008_2016.csv');
test('mean-CVaR on ../shared/data SSE 50 (2015 window): weights satisfy every constraint', { skip: existsSync(sse50) ? false : `${sse50} not present` }, async () => {
  const { panel } = await loadPriceCsv(sse50);
  const end = panel.dates.findIndex((d) => d >= '2015-06-01');
  const assets = completeAssets(panel, end, 60);
  assert.ok(assets.length >= 30);
  const scen = returnsWindow(panel, assets, end, 60);
  const n = assets.length;
  const current = new Float64Array(n).fill(1 / n);
  const s = spec(n, { upper: new Float64Array(n).fill(0.1), cashLower: 0, cashUpper: 0.2, current, turnover: 0.8, riskAversion: 1, cvarLimit: 0.06 });
  checkConstraints(scen, s, solveMeanCvarDense(scen, s), DENSE_TOL);
});
