/**
 * Fund-of-funds mean-variance allocation with Black–Litterman expected returns and proportional
 * transaction costs around the current holdings (the FOF ADMM paper's model), solved by the ADMM
 * QP solver (src/solver/qp.ts) in factor form:
 *
 *   minimize   δ/2 w'Σw − μ_BL'w + Σ_i κ_i |w_i − w0_i|
 *   subject to 1 − maxCash ≤ Σ w ≤ 1 − minCash,   lo_i ≤ w_i ≤ hi_i
 *
 * Σ = A X'X/(T − 1) is the sample covariance of the window's T daily returns X (centered),
 * annualized by A = periodsPerYear, so P = δΣ = F F' + diag(d) with F = sqrt(δA/(T − 1)) X' (n x T)
 * and d a tiny ridge (1e-8 of the mean variance) that keeps a T < n window well posed. μ_BL is the
 * Black–Litterman posterior (black-litterman.ts) with prior π = δΣ w_mkt; views and returns are
 * annualized. κ is a one-off cost per unit of weight traded, weighed against annual return.
 */
import { InvalidArgumentError } from '../../errors.js';
import { QpStatus, solveQp, type QpProblem } from '../../solver/qp.js';
import type { ScenarioWindow } from '../../solver/cvar-lp.js';
import type { Params, Strategy, StrategyContext } from '../strategy.js';
import { blackLitterman } from './black-litterman.js';
import { checkKnownParams, numParam } from './params.js';
import { completeAssets, orderUniverseWeights, returnsWindow } from './scenarios.js';

export interface FofBlSpec {
  riskAversion: number;
  tau: number;
  /** Annualization of the window's per-period returns (default 252). */
  periodsPerYear?: number;
  /** w_mkt (length n); the prior's weights. */
  marketWeights: Float64Array;
  /** k x n view portfolios, row-major, and their annualized returns Q (length k). */
  P: Float64Array;
  Q: Float64Array;
  /** k x k; default diag(PτΣP'). */
  omega?: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** Bounds of Σ w (1, 1 = fully invested). */
  investLower: number;
  investUpper: number;
  /** Proportional cost per unit traded (length n). */
  cost: Float64Array;
  /** Current weights w0 (length n). */
  current: Float64Array;
  /** ADMM tolerance; default 1e-7. */
  tolerance?: number;
}

export interface FofBlSolution {
  status: QpStatus;
  weights: Float64Array;
  /** δ/2 w'Σw − μ_BL'w + Σ κ|w − w0| at the returned weights. */
  objective: number;
  prior: Float64Array;
  posterior: Float64Array;
  iterations: number;
}

/** The annualized sample covariance and the factor F of δΣ = F F' (n x T row-major). */
export function factorOfWindow(win: ScenarioWindow, scale: number): { cov: Float64Array; F: Float64Array; k: number } {
  const { returns: R, numScenarios: T, numAssets: n } = win;
  if (T < 2) throw new InvalidArgumentError('window', `${T} returns, expected at least 2`);
  const mean = new Float64Array(n);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) mean[i]! += R[t * n + i]!;
  for (let i = 0; i < n; i++) mean[i]! /= T;
  const s = Math.sqrt(scale / (T - 1));
  const F = new Float64Array(n * T);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) F[i * T + t] = s * (R[t * n + i]! - mean[i]!);
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let v = 0;
      for (let t = 0; t < T; t++) v += F[i * T + t]! * F[j * T + t]!;
      cov[i * n + j] = v;
      cov[j * n + i] = v;
    }
  }
  return { cov, F, k: T };
}

/** The objective of the model at w (for tests and reports). */
export function fofObjective(cov: Float64Array, delta: number, mu: Float64Array, cost: Float64Array, w0: Float64Array, w: Float64Array): number {
  const n = w.length;
  let quad = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += cov[i * n + j]! * w[j]!;
    quad += w[i]! * s;
  }
  let lin = 0;
  let tc = 0;
  for (let i = 0; i < n; i++) {
    lin += mu[i]! * w[i]!;
    tc += cost[i]! * Math.abs(w[i]! - w0[i]!);
  }
  return (delta / 2) * quad - lin + tc;
}

/** Builds and solves the model on a window of per-period returns. */
export async function solveFofBl(win: ScenarioWindow, spec: FofBlSpec, signal?: AbortSignal): Promise<FofBlSolution> {
  const n = win.numAssets;
  for (const key of ['marketWeights', 'lower', 'upper', 'cost', 'current'] as const) {
    const v = spec[key];
    if (!(v instanceof Float64Array) || v.length !== n) throw new InvalidArgumentError(`spec.${key}`, `expected a Float64Array of length ${n}`);
  }
  if (!(spec.investLower <= spec.investUpper)) throw new InvalidArgumentError('spec.investLower', `${spec.investLower} > investUpper ${spec.investUpper}`);
  const ppy = spec.periodsPerYear ?? 252;
  const delta = spec.riskAversion;
  if (!(delta > 0)) throw new InvalidArgumentError('spec.riskAversion', `${delta}, expected > 0`);
  const annual = factorOfWindow(win, ppy);
  const bl = blackLitterman({
    cov: annual.cov,
    n,
    riskAversion: delta,
    tau: spec.tau,
    marketWeights: spec.marketWeights,
    P: spec.P,
    Q: spec.Q,
    ...(spec.omega ? { omega: spec.omega } : {}),
  });
  // δΣ = (sqrt(δ) F)(sqrt(δ) F)'.
  const F = annual.F.map((v) => v * Math.sqrt(delta));
  let meanVar = 0;
  for (let i = 0; i < n; i++) meanVar += annual.cov[i * n + i]!;
  meanVar = meanVar / n > 0 ? meanVar / n : 1;
  const d = new Float64Array(n).fill(1e-8 * delta * meanVar);
  const q = bl.posterior.map((v) => -v);
  const colPtr = new Int32Array(n + 1);
  for (let j = 0; j <= n; j++) colPtr[j] = j;
  const problem: QpProblem = {
    n,
    m: 1,
    factor: { F, k: annual.k, d },
    q,
    A: { colPtr, rowIdx: new Int32Array(n), values: new Float64Array(n).fill(1) },
    l: new Float64Array([spec.investLower]),
    u: new Float64Array([spec.investUpper]),
    lb: spec.lower,
    ub: spec.upper,
    costs: { x0: spec.current, buy: spec.cost, sell: spec.cost },
  };
  const r = await solveQp(problem, { tolerance: spec.tolerance ?? 1e-7 }, signal ? { signal } : {});
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = Math.min(spec.upper[i]!, Math.max(spec.lower[i]!, r.x[i]!));
  return {
    status: r.status,
    weights: w,
    objective: fofObjective(annual.cov, delta, bl.posterior, spec.cost, spec.current, w),
    prior: bl.prior,
    posterior: bl.posterior,
    iterations: r.iterations,
  };
}

// ---------------------------------------------------------------------------------------------
// The backtest strategy.

export const FOF_BL_PARAMS = ['riskAversion', 'tau', 'window', 'minWeight', 'maxWeight', 'minCash', 'maxCash', 'cost'] as const;
export const FOF_BL_OPTIONS = ['views', 'marketWeights'] as const;

/** One view: a portfolio of tickers (coefficients) or one asset, its annualized return, optional variance. */
export interface FofView {
  portfolio: ReadonlyMap<string, number>;
  return: number;
  variance: number | undefined;
}

export interface FofBlParams {
  riskAversion: number;
  tau: number;
  window: number;
  minWeight: number;
  maxWeight: number;
  minCash: number;
  maxCash: number;
  cost: number;
  views: FofView[];
  /** Benchmark weights by ticker (renormalized over each day's universe); empty = equal weights. */
  marketWeights: ReadonlyMap<string, number>;
}

function parseViews(v: unknown): FofView[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new InvalidArgumentError('options.views', 'expected a list of {portfolio: {TICKER: coef}, return} or {asset: TICKER, return}');
  return v.map((x: unknown, k) => {
    const f = `options.views[${k}]`;
    if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new InvalidArgumentError(f, `expected a mapping, got ${JSON.stringify(x)}`);
    const o = x as Record<string, unknown>;
    for (const key of Object.keys(o)) if (!['portfolio', 'asset', 'return', 'variance'].includes(key)) throw new InvalidArgumentError(`${f}.${key}`, 'unknown field (allowed: portfolio, asset, return, variance)');
    const portfolio = new Map<string, number>();
    if (typeof o['asset'] === 'string' && o['portfolio'] === undefined) portfolio.set(o['asset'], 1);
    else if (o['portfolio'] !== null && typeof o['portfolio'] === 'object' && !Array.isArray(o['portfolio']) && o['asset'] === undefined) {
      for (const [t, c] of Object.entries(o['portfolio'] as Record<string, unknown>)) {
        if (typeof c !== 'number' || !Number.isFinite(c)) throw new InvalidArgumentError(`${f}.portfolio.${t}`, `${JSON.stringify(c)}, expected a finite coefficient`);
        portfolio.set(t, c);
      }
      if (![...portfolio.values()].some((c) => c !== 0)) throw new InvalidArgumentError(`${f}.portfolio`, 'expected at least one ticker with a non-zero coefficient');
    } else throw new InvalidArgumentError(f, 'expected either asset: TICKER or portfolio: {TICKER: coef}');
    const ret = o['return'];
    if (typeof ret !== 'number' || !Number.isFinite(ret)) throw new InvalidArgumentError(`${f}.return`, `${JSON.stringify(ret)}, expected an annualized return`);
    const variance = o['variance'];
    if (variance !== undefined && !(typeof variance === 'number' && variance > 0)) throw new InvalidArgumentError(`${f}.variance`, `${JSON.stringify(variance)}, expected a number > 0`);
    return { portfolio, return: ret, variance: variance as number | undefined };
  });
}

export function compileFofBlParams(p: Params, options: Readonly<Record<string, unknown>> = {}): FofBlParams {
  checkKnownParams(p, FOF_BL_PARAMS, 'fof-bl');
  const minWeight = numParam(p, 'minWeight', { def: 0, min: 0 });
  const maxWeight = numParam(p, 'maxWeight', { def: 1, gt: 0 });
  if (maxWeight < minWeight) throw new InvalidArgumentError('params.maxWeight', `${maxWeight}, expected >= minWeight (${minWeight})`);
  const minCash = numParam(p, 'minCash', { def: 0, min: 0, max: 1 });
  const maxCash = numParam(p, 'maxCash', { def: 0, min: 0, max: 1 });
  if (maxCash < minCash) throw new InvalidArgumentError('params.maxCash', `${maxCash}, expected >= minCash (${minCash})`);
  const marketWeights = new Map<string, number>();
  const mw = options['marketWeights'];
  if (mw !== undefined) {
    if (mw === null || typeof mw !== 'object' || Array.isArray(mw)) throw new InvalidArgumentError('options.marketWeights', 'expected a mapping TICKER: weight');
    for (const [t, w] of Object.entries(mw as Record<string, unknown>)) {
      if (typeof w !== 'number' || !(w >= 0)) throw new InvalidArgumentError(`options.marketWeights.${t}`, `${JSON.stringify(w)}, expected a weight >= 0`);
      marketWeights.set(t, w);
    }
  }
  return {
    riskAversion: numParam(p, 'riskAversion', { def: 2.5, gt: 0 }),
    tau: numParam(p, 'tau', { def: 0.05, gt: 0 }),
    window: numParam(p, 'window', { def: 60, integer: true, min: 2 }),
    minWeight,
    maxWeight,
    minCash,
    maxCash,
    cost: numParam(p, 'cost', { def: 0.001, min: 0 }),
    views: parseViews(options['views']),
    marketWeights,
  };
}

/**
 * The backtest strategy: on each rebalance day the universe is the symbols tradable today with a
 * price on each of the last `window` + 1 days before today; a view naming a symbol outside the
 * universe is left out that day (a ticker unknown to the market is an error). The current weights
 * are the universe's positions over the portfolio value. A solve that ends without 'optimal'
 * keeps the portfolio and counts a fallback.
 */
export function fofBlStrategy(params: Params, options: Readonly<Record<string, unknown>> = {}): Strategy {
  const o = compileFofBlParams(params, options);
  const rebalance = async (ctx: StrategyContext): Promise<void> => {
    const row = ctx.row;
    const universe = completeAssets(ctx.panel, row - 1, o.window).filter((i) => ctx.canTrade(ctx.symbols[i] as string));
    const n = universe.length;
    if (n === 0) {
      ctx.countFallback();
      return;
    }
    const pos = new Map<string, number>();
    universe.forEach((i, j) => pos.set(ctx.symbols[i] as string, j));
    const views = o.views.filter((v) => [...v.portfolio.keys()].every((t) => pos.has(t)));
    const k = views.length;
    const P = new Float64Array(k * n);
    const Q = new Float64Array(k);
    views.forEach((v, r) => {
      for (const [t, c] of v.portfolio) P[r * n + (pos.get(t) as number)] = c;
      Q[r] = v.return;
    });
    const wm = new Float64Array(n);
    let total = 0;
    for (let j = 0; j < n; j++) {
      wm[j] = o.marketWeights.size === 0 ? 1 : (o.marketWeights.get(ctx.symbols[universe[j] as number] as string) ?? 0);
      total += wm[j]!;
    }
    if (!(total > 0)) wm.fill(1 / n);
    else for (let j = 0; j < n; j++) wm[j]! /= total;
    const win = returnsWindow(ctx.panel, universe, row - 1, o.window);
    const value = ctx.portfolioValue;
    const current = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const sym = ctx.symbols[universe[j] as number] as string;
      current[j] = value > 0 ? (ctx.position(sym) * ctx.latestPrice(sym)) / value : 0;
    }
    const spec: FofBlSpec = {
      riskAversion: o.riskAversion,
      tau: o.tau,
      marketWeights: wm,
      P,
      Q,
      lower: new Float64Array(n).fill(o.minWeight),
      upper: new Float64Array(n).fill(o.maxWeight),
      investLower: 1 - o.maxCash,
      investUpper: 1 - o.minCash,
      cost: new Float64Array(n).fill(o.cost),
      current,
    };
    // Views with an explicit variance: Ω diagonal from them, the others from PτΣP'.
    if (views.some((v) => v.variance !== undefined)) {
      const full = blackLittermanOmegaDefault(win, spec);
      views.forEach((v, r) => {
        if (v.variance !== undefined) full[r * k + r] = v.variance;
      });
      spec.omega = full;
    }
    const sol = await solveFofBl(win, spec);
    if (sol.status !== QpStatus.Optimal) {
      ctx.countFallback();
      return;
    }
    orderUniverseWeights(ctx, universe, sol.weights);
  };
  return {
    name: 'fof-bl',
    onInit(ctx) {
      for (const [k, v] of o.views.entries()) {
        for (const t of v.portfolio.keys()) if (!ctx.symbols.includes(t)) throw new InvalidArgumentError(`options.views[${k}].portfolio.${t}`, 'unknown ticker (not in the market data)');
      }
    },
    onRebalance: rebalance,
  };
}

/** diag(P τΣ P') of a spec over a window (Ω's default), as a k x k matrix. */
function blackLittermanOmegaDefault(win: ScenarioWindow, spec: FofBlSpec): Float64Array {
  const n = win.numAssets;
  const k = spec.Q.length;
  const { cov } = factorOfWindow(win, spec.periodsPerYear ?? 252);
  const omega = new Float64Array(k * k);
  for (let v = 0; v < k; v++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const pi = spec.P[v * n + i]!;
      if (pi === 0) continue;
      for (let j = 0; j < n; j++) s += pi * cov[i * n + j]! * spec.P[v * n + j]!;
    }
    omega[v * k + v] = spec.tau * s;
  }
  return omega;
}
