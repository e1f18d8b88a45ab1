/**
 * The HPPO VaR model (issue 5 item 5a): at each rebalance day, minimize the historical CVaR at tail
 * probability `alpha` of the window's daily returns subject to an annualized mean return ≥ `mu`,
 * fully invested, long only. This is exactly the LP of ../shared/reference/hppo_ref.py
 * (`solve_var_model`), solved to a vertex by the native dense simplex (src/solver/small-lp.ts):
 *
 *   minimize    t + 1/(alpha·S) Σ_s u_s
 *   subject to  u_s ≥ −r_sᵀw − t, u_s ≥ 0        (s = 1..S, the window's returns)
 *               periodsPerYear · mᵀw ≥ mu          (m = column means; omitted on fallback)
 *               Σ w = 1, 0 ≤ w ≤ 1
 *
 * Fallback: mu is unreachable exactly when max_i periodsPerYear·m_i < mu (long only, fully
 * invested); the LP is then solved without the return row (minimum CVaR) and the rebalance counts
 * one fallback of the trial. A reachable LP that the solver still calls infeasible is treated the
 * same way (the reference does the same; never seen on the 2015 data).
 *
 * Window: the S daily simple returns of the S trading days before the rebalance day (prices of
 * rows t−S−1 … t−1), or ending with it (`windowIncludesToday`: rows t−S … t). Universe: the
 * assets with a price on every one of those rows and on day t. Weights of the LP are clipped at 0
 * and divided by their (numpy-order) sum, as the reference does.
 *
 * Solving a date (solveHppoVarDate): per distinct alpha, the LP without the return row (min CVaR)
 * first; a cell whose target that portfolio already meets takes it (feasible for the cell's LP and
 * optimal for its relaxation, hence its optimum); only the cells where the return row binds get an
 * LP of their own (188 of 1 573 on the 2015 grid). Every solve is one native batch call, warm
 * started (previous date per alpha, then chains of neighbouring cells).
 *
 * Two forms with the same rules:
 *  - `hppoVarStrategy(params, options)`: an event-driven Strategy (one trial), for `hppo backtest`
 *    and user-facing parity;
 *  - `hppoVarBatchStrategy(options)`: a BatchStrategy for runBacktestBatch that builds the window
 *    ONCE per date and solves every trial's cell in the same two native batch calls.
 */
import type { PricePanel } from '../../data/panel.js';
import { InvalidArgumentError, SolverError } from '../../errors.js';
import { buildCvarLps, numpySum, scenarioMeans, type ScenarioWindow } from '../../solver/cvar-lp.js';
import { BasisStatus, DenseLpStatus, solveDenseLpBatchPacked, type DenseLp, type DenseLpOptions } from '../../solver/small-lp.js';
import type { BatchRebalanceContext, BatchStrategy } from '../batch.js';
import type { Params, Strategy, StrategyContext } from '../strategy.js';

/** Native status codes in order (small-lp.ts / dense_lp.h `Status`). */
const STATUS_BY_CODE: readonly DenseLpStatus[] = [
  DenseLpStatus.Optimal,
  DenseLpStatus.Infeasible,
  DenseLpStatus.Unbounded,
  DenseLpStatus.IterationLimit,
  DenseLpStatus.NumericalError,
  DenseLpStatus.Cancelled,
  DenseLpStatus.NotRun,
];

export interface HppoVarOptions {
  /** Daily returns in the estimation window (S). Default 20. */
  window?: number;
  /** The window ends with the rebalance day's own return (default false: the day before, as the reference). */
  windowIncludesToday?: boolean;
  /** Annualization factor of the mean-return target. Default 252. */
  periodsPerYear?: number;
  /** LP solver; only 'dense' (exact vertex, the small-problem path). Default 'dense'. */
  solver?: 'dense';
  /** Problems per warm-start chain in the batch form. Default 11. */
  chainLength?: number;
  /** Native threads of a batch solve (0 = all). Default 1 (sweeps parallelize over workers). */
  threads?: number;
}

export interface ResolvedHppoVarOptions {
  readonly window: number;
  readonly windowIncludesToday: boolean;
  readonly periodsPerYear: number;
  readonly solver: 'dense';
  readonly chainLength: number;
  readonly threads: number;
}

const OPTION_KEYS = ['window', 'windowIncludesToday', 'periodsPerYear', 'solver', 'chainLength', 'threads'];

export function compileHppoVarOptions(o: HppoVarOptions = {}, field = 'model.options'): ResolvedHppoVarOptions {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new InvalidArgumentError(field, `expected a mapping, got ${JSON.stringify(o)}`);
  for (const k of Object.keys(o)) if (!OPTION_KEYS.includes(k)) throw new InvalidArgumentError(`${field}.${k}`, `unknown option (allowed: ${OPTION_KEYS.join(', ')})`);
  const window = o.window ?? 20;
  if (!Number.isInteger(window) || window < 1) throw new InvalidArgumentError(`${field}.window`, `expected an integer ≥ 1 (daily returns), got ${JSON.stringify(window)}`);
  const inc = o.windowIncludesToday ?? false;
  if (typeof inc !== 'boolean') throw new InvalidArgumentError(`${field}.windowIncludesToday`, `expected true or false, got ${JSON.stringify(inc)}`);
  const ppy = o.periodsPerYear ?? 252;
  if (typeof ppy !== 'number' || !Number.isFinite(ppy) || ppy <= 0) throw new InvalidArgumentError(`${field}.periodsPerYear`, `expected a number > 0, got ${JSON.stringify(ppy)}`);
  const solver = o.solver ?? 'dense';
  if (solver !== 'dense') throw new InvalidArgumentError(`${field}.solver`, `expected "dense" (exact vertex solver), got ${JSON.stringify(solver)}`);
  const chainLength = o.chainLength ?? 11;
  if (!Number.isInteger(chainLength) || chainLength < 1) throw new InvalidArgumentError(`${field}.chainLength`, `expected an integer ≥ 1, got ${JSON.stringify(chainLength)}`);
  const threads = o.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 0) throw new InvalidArgumentError(`${field}.threads`, `expected an integer ≥ 0 (0 = all), got ${JSON.stringify(threads)}`);
  return { window, windowIncludesToday: inc, periodsPerYear: ppy, solver, chainLength, threads };
}

/** One trial's (alpha, mu) from its params, validated. */
export interface HppoVarCell {
  readonly alpha: number;
  readonly mu: number;
}

export function hppoVarCell(p: Params, field = 'params'): HppoVarCell {
  const alpha = p['alpha'];
  const mu = p['mu'];
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha <= 1)) throw new InvalidArgumentError(`${field}.alpha`, `expected a tail probability in (0, 1], got ${JSON.stringify(alpha)}`);
  if (typeof mu !== 'number' || !Number.isFinite(mu)) throw new InvalidArgumentError(`${field}.mu`, `expected a finite annualized target return, got ${JSON.stringify(mu)}`);
  return { alpha, mu };
}

/** The estimation window of a rebalance day: universe (panel column indices) and S × n returns. */
export interface HppoVarWindow {
  readonly columns: Int32Array;
  readonly window: ScenarioWindow;
  /** Column means m of the returns (numpy's order), as in the LP's return row. */
  readonly means: Float64Array;
  /** max_i periodsPerYear · m_i (−Infinity when the universe is empty). */
  readonly bestAnnualMean: number;
}

/** Builds the window of panel row `row` (the rebalance day) by the reference's rule. */
export function hppoVarWindow(panel: PricePanel, row: number, o: ResolvedHppoVarOptions): HppoVarWindow {
  const S = o.window;
  const end = o.windowIncludesToday ? row + 1 : row; // exclusive
  const first = end - S - 1;
  const cols: number[] = [];
  if (first >= 0) {
    for (let i = 0; i < panel.close.length; i++) {
      const c = panel.close[i] as Float64Array;
      if (Number.isNaN(c[row] as number)) continue;
      let ok = true;
      for (let r = first; r < end; r++) {
        if (Number.isNaN(c[r] as number)) {
          ok = false;
          break;
        }
      }
      if (ok) cols.push(i);
    }
  }
  const n = cols.length;
  const returns = new Float64Array(S * n);
  for (let j = 0; j < n; j++) {
    const c = panel.close[cols[j] as number] as Float64Array;
    for (let s = 0; s < S; s++) returns[s * n + j] = (c[first + s + 1] as number) / (c[first + s] as number) - 1;
  }
  const window: ScenarioWindow = { returns, numScenarios: S, numAssets: n };
  const means = scenarioMeans(window);
  let best = -Infinity;
  for (const m of means) best = Math.max(best, m);
  return { columns: Int32Array.from(cols), window, means, bestAnnualMean: o.periodsPerYear * best };
}

const LP_OPTIONS: DenseLpOptions = {};

/** Bases of one date's solves, carried to the next rebalance for warm starts. */
export interface HppoVarWarmState {
  /** Final basis of the min-CVaR LP (no return row), per alpha. */
  readonly relaxed: ReadonlyMap<number, Int8Array>;
}

/**
 * The solves of one date, packed (no per-problem objects: a sweep solves thousands of these LPs).
 * Cell k's LP solution is xBuffer[k] from xOffset[k]; its first numAssets entries are the raw
 * weights (scatterHppoVarWeights post-processes them).
 */
export interface HppoVarDateSolution {
  readonly numAssets: number;
  readonly xBuffer: readonly Float64Array[];
  readonly xOffset: Int32Array;
  /** 1: mu unreachable (or the LP with the return row infeasible): the min-CVaR portfolio, counted. */
  readonly fallback: Uint8Array;
  /** 1: the return row binds, the cell needed an LP of its own. */
  readonly constrained: Uint8Array;
  readonly lpSolves: number;
  readonly iterations: number;
  readonly warm: HppoVarWarmState;
}

function statusAt(codes: Int8Array, k: number): DenseLpStatus {
  return STATUS_BY_CODE[codes[k] as number] ?? DenseLpStatus.NumericalError;
}

/**
 * Solves the cells of one date (n = numAssets ≥ 1) in two native batch calls:
 *  1. per distinct alpha, the min-CVaR LP without the return row (warm started from that alpha's
 *     basis at the previous date, chained across alphas);
 *  2. the cells whose target that portfolio misses, with the return row (chained by (alpha, mu);
 *     the first cell of each alpha, and each chain head, starts from the relaxed basis plus the
 *     new row's slack).
 * A cell whose target the min-CVaR portfolio w* already meets (periodsPerYear·mᵀw* ≥ mu) takes
 * w*: feasible for the cell's LP and optimal for its relaxation, it is optimal for the cell's LP
 * (whose optimum is unique on these windows, see the reference's --check-lp). On the 2015 data
 * the return row binds in 188 of the 1 573 LPs of the 121-point grid, so most cells cost no LP of
 * their own. Unreachable cells (max_i periodsPerYear·m_i < mu) take w* and count a fallback.
 * Cells are expected sorted by (alpha, mu) for the chains to help; the results do not depend on
 * the order or on the other cells beyond round-off (exact vertices).
 */
export function solveHppoVarDate(
  w: HppoVarWindow,
  cells: readonly HppoVarCell[],
  o: ResolvedHppoVarOptions,
  warm?: HppoVarWarmState,
): HppoVarDateSolution {
  const n = w.window.numAssets;
  const S = w.window.numScenarios;
  const K = cells.length;
  const ppy = o.periodsPerYear;
  const solveOpts: DenseLpOptions = { ...LP_OPTIONS, chainWarmStart: true, chainLength: o.chainLength, threads: o.threads };

  // 1. The min-CVaR LP of each distinct alpha.
  const alphas = [...new Set(cells.map((c) => c.alpha))].sort((a, b) => a - b);
  const alphaIndex = new Map(alphas.map((a, q) => [a, q]));
  const relaxed = buildCvarLps(
    w.window,
    alphas.map((alpha) => ({ alpha, targetAnnualReturn: null, periodsPerYear: ppy })),
  );
  const relCols = n + 1 + S;
  const relBasisLen = relCols + S + 1;
  for (let q = 0; q < alphas.length; q++) {
    const b = warm?.relaxed.get(alphas[q] as number);
    if (b !== undefined && b.length === relBasisLen) relaxed[q] = { ...(relaxed[q] as DenseLp), basis: b };
  }
  const rr = solveDenseLpBatchPacked(relaxed, solveOpts);
  let iterations = 0;
  const relMean = new Float64Array(alphas.length);
  const nextRelaxed = new Map<number, Int8Array>();
  for (let q = 0; q < alphas.length; q++) {
    const st = statusAt(rr.status, q);
    if (st !== DenseLpStatus.Optimal) {
      throw new SolverError(`hppo-var: min-CVaR LP (alpha ${alphas[q]}) ended with status ${st} after ${rr.iterations[q]} iterations`);
    }
    iterations += rr.iterations[q] as number;
    // The return row's activity at w*, with the LP's own coefficients (−periodsPerYear·m_i).
    let dot = 0;
    for (let i = 0; i < n; i++) dot += -ppy * (w.means[i] as number) * (rr.x[q * relCols + i] as number);
    relMean[q] = -dot;
    nextRelaxed.set(alphas[q] as number, rr.basis.subarray(q * relBasisLen, (q + 1) * relBasisLen));
  }

  // 2. Each cell: fallback, met by w*, or an LP of its own.
  const xBuffer: Float64Array[] = new Array(K);
  const xOffset = new Int32Array(K);
  const fallback = new Uint8Array(K);
  const constrained = new Uint8Array(K);
  const need: number[] = [];
  for (let k = 0; k < K; k++) {
    const c = cells[k] as HppoVarCell;
    const q = alphaIndex.get(c.alpha) as number;
    xBuffer[k] = rr.x;
    xOffset[k] = q * relCols;
    if (!(w.bestAnnualMean >= c.mu)) fallback[k] = 1;
    else if (!((relMean[q] as number) >= c.mu)) need.push(k);
  }
  let lpSolves = alphas.length;
  if (need.length > 0) {
    const lps = buildCvarLps(
      w.window,
      need.map((k) => ({ alpha: (cells[k] as HppoVarCell).alpha, targetAnnualReturn: (cells[k] as HppoVarCell).mu, periodsPerYear: ppy })),
    );
    // Rows of these LPs: S scenario rows, the return row, the budget row.
    for (let t = 0; t < need.length; t++) {
      const alpha = (cells[need[t] as number] as HppoVarCell).alpha;
      const prevAlpha = t > 0 ? (cells[need[t - 1] as number] as HppoVarCell).alpha : Number.NaN;
      if (t % o.chainLength !== 0 && alpha === prevAlpha) continue; // chains from its neighbour
      const q = alphaIndex.get(alpha) as number;
      const src = rr.basis.subarray(q * relBasisLen, (q + 1) * relBasisLen);
      const b = new Int8Array(relBasisLen + 1);
      b.set(src.subarray(0, relCols + S), 0);
      b[relCols + S] = BasisStatus.Basic;
      b[relCols + S + 1] = src[relCols + S] as number;
      lps[t] = { ...(lps[t] as DenseLp), basis: b };
    }
    const rc = solveDenseLpBatchPacked(lps, solveOpts);
    lpSolves += need.length;
    const cols = n + 1 + S;
    for (let t = 0; t < need.length; t++) {
      const k = need[t] as number;
      const st = statusAt(rc.status, t);
      iterations += rc.iterations[t] as number;
      if (st === DenseLpStatus.Infeasible) {
        // The reference's rule: a reachable target the solver calls infeasible → the min-CVaR LP.
        fallback[k] = 1;
        continue;
      }
      if (st !== DenseLpStatus.Optimal) {
        const c = cells[k] as HppoVarCell;
        throw new SolverError(`hppo-var: LP (alpha ${c.alpha}, mu ${c.mu}) ended with status ${st} after ${rc.iterations[t]} iterations`);
      }
      constrained[k] = 1;
      xBuffer[k] = rc.x;
      xOffset[k] = t * cols;
    }
  }
  return { numAssets: n, xBuffer, xOffset, fallback, constrained, lpSolves, iterations, warm: { relaxed: nextRelaxed } };
}

/**
 * The reference's post-processing of cell k's weights (clip at 0, divide by numpy's sum), written
 * to target[columns[i]]. `scratch` has room for numAssets values.
 */
export function scatterHppoVarWeights(sol: HppoVarDateSolution, k: number, columns: Int32Array, target: Float64Array, scratch: Float64Array): void {
  const n = sol.numAssets;
  const x = sol.xBuffer[k] as Float64Array;
  const off = sol.xOffset[k] as number;
  for (let i = 0; i < n; i++) {
    const v = x[off + i] as number;
    scratch[i] = v > 0 ? v : 0;
  }
  const sum = numpySum(scratch, 0, n);
  for (let i = 0; i < n; i++) target[columns[i] as number] = (scratch[i] as number) / sum;
}

/** What the solves of one date gave, per cell (convenience form of solveHppoVarDate). */
export interface HppoVarSolution {
  /** Weights over the universe (index-aligned with the window's columns). */
  readonly weights: Float64Array;
  readonly fallback: boolean;
  /** The return row binds: the cell needed an LP of its own. */
  readonly constrained: boolean;
}

/** Solves the cells' LPs on one window (see solveHppoVarDate); one object per cell. */
export function solveHppoVarCells(w: HppoVarWindow, cells: readonly HppoVarCell[], o: ResolvedHppoVarOptions, warm?: HppoVarWarmState): HppoVarSolution[] {
  const n = w.window.numAssets;
  if (n === 0 || cells.length === 0) return cells.map(() => ({ weights: new Float64Array(0), fallback: false, constrained: false }));
  const sol = solveHppoVarDate(w, cells, o, warm);
  const ident = Int32Array.from({ length: n }, (_, i) => i);
  const scratch = new Float64Array(n);
  return cells.map((_, k) => {
    const weights = new Float64Array(n);
    scatterHppoVarWeights(sol, k, ident, weights, scratch);
    return { weights, fallback: sol.fallback[k] === 1, constrained: sol.constrained[k] === 1 };
  });
}

/** The event-driven form: one trial, one LP per rebalance day. */
export function hppoVarStrategy(params: Params, options: HppoVarOptions | ResolvedHppoVarOptions = {}): Strategy {
  const o = compileHppoVarOptions(options); // idempotent on resolved options
  const cell = hppoVarCell(params);
  let warm: HppoVarWarmState | undefined;
  let scratch = new Float64Array(0);
  return {
    name: 'hppo-var',
    onRebalance(ctx: StrategyContext) {
      const w = hppoVarWindow(ctx.panel, ctx.row, o);
      const weights = new Float64Array(ctx.symbols.length);
      if (w.columns.length > 0) {
        const sol = solveHppoVarDate(w, [cell], o, warm);
        warm = sol.warm;
        if (sol.fallback[0] === 1) ctx.countFallback();
        if (scratch.length < sol.numAssets) scratch = new Float64Array(sol.numAssets);
        scatterHppoVarWeights(sol, 0, w.columns, weights, scratch);
      }
      ctx.orderTargetPercents(weights);
    },
  };
}

/** The batch form for runBacktestBatch (see the file comment). */
export interface HppoVarBatchStats {
  /** Simplex iterations and LPs over the run. */
  readonly lpIterations: number;
  readonly lpSolves: number;
  /** Wall seconds in the native LP batches (building the LPs included) and in building the windows. */
  readonly lpSeconds: number;
  readonly windowSeconds: number;
}

export function hppoVarBatchStrategy(options: HppoVarOptions | ResolvedHppoVarOptions = {}): BatchStrategy & HppoVarBatchStats {
  const o = compileHppoVarOptions(options); // idempotent on resolved options
  let cells: HppoVarCell[] | undefined;
  let order: number[] = [];
  let sorted: HppoVarCell[] = [];
  let warm: HppoVarWarmState | undefined;
  let scratch = new Float64Array(0);
  let lpIterations = 0;
  let lpSolves = 0;
  let lpSeconds = 0;
  let windowSeconds = 0;
  return {
    name: 'hppo-var',
    get lpSeconds() {
      return lpSeconds;
    },
    get windowSeconds() {
      return windowSeconds;
    },
    get lpIterations() {
      return lpIterations;
    },
    get lpSolves() {
      return lpSolves;
    },
    onRebalance(ctx: BatchRebalanceContext) {
      if (cells === undefined) {
        cells = ctx.params.map((p, j) => hppoVarCell(p, `params[${j}]`));
        const cs = cells;
        order = cs.map((_, j) => j).sort((a, b) => cs[a]!.alpha - cs[b]!.alpha || cs[a]!.mu - cs[b]!.mu || a - b);
        sorted = order.map((j) => cs[j]!);
      }
      const t0 = performance.now();
      const w = hppoVarWindow(ctx.panel, ctx.row, o);
      const t1 = performance.now();
      windowSeconds += (t1 - t0) / 1000;
      if (w.columns.length === 0) return; // weights stay 0: everything tradable goes to cash
      const sol = solveHppoVarDate(w, sorted, o, warm);
      warm = sol.warm;
      lpSeconds += (performance.now() - t1) / 1000;
      lpSolves += sol.lpSolves;
      lpIterations += sol.iterations;
      if (scratch.length < sol.numAssets) scratch = new Float64Array(sol.numAssets);
      for (let k = 0; k < order.length; k++) {
        const j = order[k] as number;
        if (sol.fallback[k] === 1) ctx.countFallback(j);
        scatterHppoVarWeights(sol, k, w.columns, ctx.weights[j] as Float64Array, scratch);
      }
    },
  };
}
