import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataDir } from '../../src/data/datasets.js';
import { loadPriceCsv } from '../../src/data/csv.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { compileBacktestOptions, runBacktest } from '../../src/model/engine.js';
import { blackLitterman } from '../../src/model/models/black-litterman.js';
import { compileFofBlParams, factorOfWindow, fofBlStrategy, fofObjective, solveFofBl, type FofBlSpec } from '../../src/model/models/fof-bl.js';
import { completeAssets, returnsWindow } from '../../src/model/models/scenarios.js';
import type { ScenarioWindow } from '../../src/solver/cvar-lp.js';

/** Gauss–Jordan inverse of a small dense matrix (the test's own, independent of the model's solver). */
function inverse(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]!;
    m[c] = m[c]!.map((v) => v / piv);
    for (let r = 0; r < n; r++) if (r !== c) m[r] = m[r]!.map((v, j) => v - m[r]![c]! * m[c]![j]!);
  }
  return m.map((row) => row.slice(n));
}
const mul = (a: number[][], b: number[][]): number[][] => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const tr = (a: number[][]): number[][] => a[0]!.map((_, j) => a.map((row) => row[j]!));
const add = (a: number[][], b: number[][]): number[][] => a.map((row, i) => row.map((v, j) => v + b[i]![j]!));

const cov3 = [
  [0.04, 0.006, 0.002],
  [0.006, 0.09, 0.012],
  [0.002, 0.012, 0.0225],
];

test('Black–Litterman posterior on 3 assets equals the hand computation [(τΣ)⁻¹ + P\'Ω⁻¹P]⁻¹[(τΣ)⁻¹π + P\'Ω⁻¹Q]', () => {
  const wm = [0.5, 0.3, 0.2];
  const delta = 2.5;
  const tau = 0.05;
  const P = [[1, -1, 0], [0, 0, 1]];
  const Q = [0.02, 0.06];
  const Om = [[0.001, 0], [0, 0.0004]];
  const r = blackLitterman({
    cov: Float64Array.from(cov3.flat()),
    n: 3,
    riskAversion: delta,
    tau,
    marketWeights: Float64Array.from(wm),
    P: Float64Array.from(P.flat()),
    Q: Float64Array.from(Q),
    omega: Float64Array.from(Om.flat()),
  });
  // π = δΣw by hand: 2.5·(0.02 + 0.0018 + 0.0004, 0.003 + 0.027 + 0.0024, 0.001 + 0.0036 + 0.0045).
  const prior = [2.5 * 0.0222, 2.5 * 0.0324, 2.5 * 0.0091];
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(r.prior[i]! - prior[i]!) < 1e-15);
  const tS = cov3.map((row) => row.map((v) => tau * v));
  const tSi = inverse(tS);
  const Oi = inverse(Om);
  const A = add(tSi, mul(mul(tr(P), Oi), P));
  const b = add(mul(tSi, prior.map((v) => [v])), mul(mul(tr(P), Oi), Q.map((v) => [v])));
  const expected = mul(inverse(A), b).map((row) => row[0]!);
  // numpy (np.linalg.inv of the same expression): 0.07278875638841566, 0.06135653443660255, 0.04910586517400829.
  const numpy = [0.07278875638841566, 0.06135653443660255, 0.04910586517400829];
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(r.posterior[i]! - expected[i]!) < 1e-12, `μ_BL[${i}] = ${r.posterior[i]} vs ${expected[i]}`);
    assert.ok(Math.abs(r.posterior[i]! - numpy[i]!) < 1e-12);
  }
  // Default Ω = diag(PτΣP'): numpy gives 0.0650790874524715, 0.0722235741444867, 0.04022480988593156.
  const d = blackLitterman({ cov: Float64Array.from(cov3.flat()), n: 3, riskAversion: delta, tau, marketWeights: Float64Array.from(wm), P: Float64Array.from(P.flat()), Q: Float64Array.from(Q) });
  [0.0650790874524715, 0.0722235741444867, 0.04022480988593156].forEach((v, i) => assert.ok(Math.abs(d.posterior[i]! - v) < 1e-12));
  assert.ok(Math.abs(d.omega[0]! - tau * (0.04 + 0.09 - 2 * 0.006)) < 1e-15);
  // No views: the posterior is the prior.
  const none = blackLitterman({ cov: Float64Array.from(cov3.flat()), n: 3, riskAversion: delta, tau, marketWeights: Float64Array.from(wm), P: new Float64Array(0), Q: new Float64Array(0) });
  assert.deepEqual(none.posterior, none.prior);
});

function window(seed: number, n: number, days: number): ScenarioWindow {
  const m = syntheticMarket({ seed, tickers: n + 2, days: days + 80 });
  const end = m.panel.dates.length - 1;
  const assets = completeAssets(m.panel, end, days).slice(0, n);
  assert.equal(assets.length, n);
  return returnsWindow(m.panel, assets, end, days);
}

function baseSpec(n: number, over: Partial<FofBlSpec> = {}): FofBlSpec {
  return {
    riskAversion: 3,
    tau: 0.05,
    marketWeights: new Float64Array(n).fill(1 / n),
    P: new Float64Array(0),
    Q: new Float64Array(0),
    lower: new Float64Array(n),
    upper: new Float64Array(n).fill(1),
    investLower: 1,
    investUpper: 1,
    cost: new Float64Array(n),
    current: new Float64Array(n),
    ...over,
  };
}

test('FOF-BL (ADMM): without views or costs the optimum is the market portfolio (reverse optimization)', async () => {
  const n = 8;
  const win = window(21, n, 120);
  const wm = Float64Array.from({ length: n }, (_, i) => (i + 1) / ((n * (n + 1)) / 2));
  const sol = await solveFofBl(win, baseSpec(n, { marketWeights: wm }));
  assert.equal(sol.status, 'optimal');
  for (let i = 0; i < n; i++) assert.ok(Math.abs(sol.weights[i]! - wm[i]!) < 1e-4, `w[${i}] = ${sol.weights[i]} vs w_mkt ${wm[i]}`);
});

test('FOF-BL (ADMM): weights satisfy bounds and the budget, and beat the feasible points w0 and 1/n', async () => {
  const n = 15;
  const win = window(22, n, 90);
  const current = new Float64Array(n);
  for (let i = 0; i < 10; i++) current[i] = 0.1;
  const P = new Float64Array(2 * n);
  P[0] = 1;
  P[n + 1] = 1;
  P[n + 2] = -1;
  const spec = baseSpec(n, { upper: new Float64Array(n).fill(0.12), investLower: 0.9, investUpper: 1, cost: new Float64Array(n).fill(0.002), current, P, Q: new Float64Array([0.25, 0.05]) });
  const sol = await solveFofBl(win, spec);
  assert.equal(sol.status, 'optimal');
  const TOL = 1e-6;
  let sum = 0;
  for (const w of sol.weights) {
    assert.ok(w >= -TOL && w <= 0.12 + TOL, `weight ${w}`);
    sum += w;
  }
  assert.ok(sum >= 0.9 - TOL && sum <= 1 + TOL, `Σw = ${sum}`);
  const { cov } = factorOfWindow(win, 252);
  const at = (w: Float64Array): number => fofObjective(cov, spec.riskAversion, sol.posterior, spec.cost, current, w);
  assert.ok(Math.abs(at(sol.weights) - sol.objective) < 1e-12);
  assert.ok(sol.objective <= at(current) + 1e-7, `${sol.objective} vs w0 ${at(current)}`);
  assert.ok(sol.objective <= at(new Float64Array(n).fill(1 / n)) + 1e-7);
  // The first view (asset 0 returns 25 %/year) pushes asset 0 to its upper bound.
  assert.ok(sol.weights[0]! > 0.12 - 1e-4, `w[0] = ${sol.weights[0]}`);
});

test('FOF-BL (ADMM): a large proportional cost keeps a feasible current portfolio; no cost moves away from it', async () => {
  const n = 6;
  const win = window(23, n, 80);
  const current = Float64Array.from([0.3, 0.1, 0.2, 0.1, 0.2, 0.1]);
  const P = new Float64Array(n);
  P[1] = 1;
  const views = { P, Q: new Float64Array([0.4]) };
  const stay = await solveFofBl(win, baseSpec(n, { ...views, current, cost: new Float64Array(n).fill(10) }));
  for (let i = 0; i < n; i++) assert.ok(Math.abs(stay.weights[i]! - current[i]!) < 1e-5, `w[${i}] = ${stay.weights[i]}`);
  const move = await solveFofBl(win, baseSpec(n, { ...views, current }));
  let dist = 0;
  for (let i = 0; i < n; i++) dist += Math.abs(move.weights[i]! - current[i]!);
  assert.ok(dist > 0.05, `moved ${dist}`);
});

test('FOF-BL strategy: a backtest with views on synthetic data rebalances without fallbacks', async () => {
  const m = syntheticMarket({ seed: 24, tickers: 12, days: 160 });
  const c = compileBacktestOptions({ panel: m.panel, start: m.panel.dates[70], rebalance: 20 });
  const views = [{ asset: 'SYN002', return: 0.3 }, { portfolio: { SYN003: 1, SYN004: -1 }, return: 0.02, variance: 0.01 }];
  const r = await runBacktest((p) => fofBlStrategy(p, { views }), c, { params: { window: 40, maxWeight: 0.3, cost: 0.001 } });
  assert.equal(r.metrics.fallbacks, 0);
  assert.ok(r.metrics.rebalances > 0 && r.metrics.turnover > 0);
  await assert.rejects(
    runBacktest((p) => fofBlStrategy(p, { views: [{ asset: 'NOPE', return: 0.1 }] }), c),
    (e: unknown) => e instanceof InvalidArgumentError && e.field === 'options.views[0].portfolio.NOPE',
  );
});

test('FOF-BL: bad parameters and views name the field', () => {
  const cases: Array<[Record<string, number>, Record<string, unknown>, string]> = [
    [{ riskAversion: 0 }, {}, 'params.riskAversion'],
    [{ tau: -1 }, {}, 'params.tau'],
    [{ cost: -0.1 }, {}, 'params.cost'],
    [{ minCash: 0.3, maxCash: 0.1 }, {}, 'params.maxCash'],
    [{}, { views: [{ asset: 'A' }] }, 'options.views[0].return'],
    [{}, { views: [{ asset: 'A', return: 0.1, variance: 0 }] }, 'options.views[0].variance'],
    [{}, { views: [{ asset: 'A', portfolio: { B: 1 }, return: 0.1 }] }, 'options.views[0]'],
    [{}, { views: [{ asst: 'A', return: 0.1 }] }, 'options.views[0].asst'],
    [{}, { marketWeights: { A: -1 } }, 'options.marketWeights.A'],
    [{}, { views: [{ portfolio: { A: 0 }, return: 0.1 }] }, 'options.views[0].portfolio'],
  ];
  for (const [p, o, field] of cases) {
    assert.throws(() => compileFofBlParams(p, o), (e: unknown) => e instanceof InvalidArgumentError && e.field === field, `${JSON.stringify(p)} ${JSON.stringify(o)}`);
  }
});

const sse50 = join(defaultDataDir(), 'cn_sse50_close_adj_2008_2016.csv');
test('FOF-BL on ../shared/data SSE 50 (2015 window, two views): weights within bounds, fully invested', { skip: existsSync(sse50) ? false : `${sse50} not present` }, async () => {
  const { panel } = await loadPriceCsv(sse50);
  const end = panel.dates.findIndex((d) => d >= '2015-06-01');
  const assets = completeAssets(panel, end, 60);
  const n = assets.length;
  assert.ok(n >= 30);
  const win = returnsWindow(panel, assets, end, 60);
  const P = new Float64Array(2 * n);
  P[0] = 1;
  P[n + 1] = 1;
  P[n + 2] = -1;
  const current = new Float64Array(n).fill(1 / n);
  const spec = baseSpec(n, { upper: new Float64Array(n).fill(0.08), cost: new Float64Array(n).fill(0.002), current, P, Q: new Float64Array([0.3, 0.05]) });
  const sol = await solveFofBl(win, spec);
  assert.equal(sol.status, 'optimal');
  let sum = 0;
  for (const w of sol.weights) {
    assert.ok(w >= -1e-6 && w <= 0.08 + 1e-6, `weight ${w}`);
    sum += w;
  }
  assert.ok(Math.abs(sum - 1) < 1e-5, `Σw = ${sum}`);
  const { cov } = factorOfWindow(win, 252);
  assert.ok(sol.objective <= fofObjective(cov, spec.riskAversion, sol.posterior, spec.cost, current, current) + 1e-7);
});
