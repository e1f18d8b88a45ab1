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
 * Two forms with the same rules:
 *  - `hppoVarStrategy(params, options)`: an event-driven Strategy (one LP per rebalance), for
 *    `hppo backtest` and user-facing parity;
 *  - `hppoVarBatchStrategy(options)`: a BatchStrategy for runBacktestBatch that builds the window
 *    ONCE per date and solves every trial's LP in ONE native batch call, warm started along a
 *    chain of similar candidates (sorted by alpha, then mu) and, for each chain head, from that
 *    trial's final basis at the previous rebalance when the LP has the same shape.
 */
import type { PricePanel } from '../../data/panel.js';
import { InvalidArgumentError, SolverError } from '../../errors.js';
import { buildCvarLps, numpySum, scenarioMeans, type CvarLpSpec, type ScenarioWindow } from '../../solver/cvar-lp.js';
import { DenseLpStatus, solveDenseLpBatch, solveDenseLpBatchPacked, type DenseLp, type DenseLpOptions } from '../../solver/small-lp.js';

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
import type { BatchRebalanceContext, BatchStrategy } from '../batch.js';
import type { Params, Strategy, StrategyContext } from '../strategy.js';

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
  let best = -Infinity;
  if (n > 0) for (const m of scenarioMeans(window)) best = Math.max(best, m);
  return { columns: Int32Array.from(cols), window, bestAnnualMean: o.periodsPerYear * best };
}

/** The LP spec of a cell on a window (null target = the fallback LP). */
function cellSpec(w: HppoVarWindow, cell: HppoVarCell, o: ResolvedHppoVarOptions): CvarLpSpec {
  const reachable = w.bestAnnualMean >= cell.mu;
  return { alpha: cell.alpha, targetAnnualReturn: reachable ? cell.mu : null, periodsPerYear: o.periodsPerYear };
}

const LP_OPTIONS: DenseLpOptions = {};

/** What the solves of one date gave, per cell. */
export interface HppoVarSolution {
  /** Weights over the universe (index-aligned with `columns`). */
  readonly weights: Float64Array;
  readonly fallback: boolean;
  /** Final basis, for a warm start at the next date. */
  readonly basis: Int8Array;
  readonly iterations: number;
}

/**
 * The solves of one date, packed (no per-problem views: a sweep solves thousands of these LPs and
 * views are most of its garbage). Cell k's LP solution starts at x[xOffset[k]] (weights = its
 * first numAssets entries) and its final basis at basis[basisOffset[k]] (basisLength[k] codes).
 */
export interface HppoVarPackedSolution {
  readonly numAssets: number;
  readonly x: Float64Array;
  readonly xOffset: Int32Array;
  readonly basis: Int8Array;
  readonly basisOffset: Int32Array;
  readonly basisLength: Int32Array;
  readonly fallback: Uint8Array;
  /** Simplex iterations, in all and per cell. */
  readonly iterations: number;
  readonly cellIterations: Int32Array;
}

/**
 * Solves the cells' LPs on one window in one native batch call (n = numAssets ≥ 1). `warm[k]`,
 * when given and of the right length, is the starting basis of cell k; other cells chain from the
 * previous cell of their chain. Cells are solved in the order given (callers sort them so
 * neighbours are similar). Throws SolverError when an LP ends neither optimal nor infeasible.
 */
export function solveHppoVarPacked(
  w: HppoVarWindow,
  cells: readonly HppoVarCell[],
  o: ResolvedHppoVarOptions,
  warm?: readonly (Int8Array | undefined)[],
): HppoVarPackedSolution {
  const n = w.window.numAssets;
  const K = cells.length;
  const specs = cells.map((c) => cellSpec(w, c, o));
  const lps: DenseLp[] = buildCvarLps(w.window, specs);
  if (warm) {
    for (let k = 0; k < K; k++) {
      const b = warm[k];
      const p = lps[k] as DenseLp;
      if (b !== undefined && b.length === p.numCols + p.numRows) lps[k] = { ...p, basis: b };
    }
  }
  const r = solveDenseLpBatchPacked(lps, { ...LP_OPTIONS, chainWarmStart: true, chainLength: o.chainLength, threads: o.threads });
  const xOffset = new Int32Array(K);
  const basisOffset = new Int32Array(K);
  const basisLength = new Int32Array(K);
  const fallback = new Uint8Array(K);
  const cellIterations = Int32Array.from(r.iterations);
  let iterations = 0;
  let on = 0;
  let onm = 0;
  for (let k = 0; k < K; k++) {
    const p = lps[k] as DenseLp;
    xOffset[k] = on;
    basisOffset[k] = onm;
    basisLength[k] = p.numCols + p.numRows;
    fallback[k] = specs[k]!.targetAnnualReturn === null ? 1 : 0;
    iterations += r.iterations[k] as number;
    on += p.numCols;
    onm += p.numCols + p.numRows;
  }
  for (let k = 0; k < K; k++) {
    let status = STATUS_BY_CODE[r.status[k] as number];
    if (status === 'infeasible' && fallback[k] === 0) {
      // The reference's rule: a reachable target the solver calls infeasible → the min-CVaR LP.
      // Rare (never on the 2015 data).
      const lp = buildCvarLps(w.window, [{ ...specs[k]!, targetAnnualReturn: null }]);
      const [s] = solveDenseLpBatch(lp, { threads: 1 });
      status = s!.status;
      fallback[k] = 1;
      iterations += s!.iterations;
      cellIterations[k] = (cellIterations[k] as number) + s!.iterations;
      // Same columns (w, t, u), one row fewer: x fits the cell's slot; its basis does not, so the
      // next date starts this cell from its chain instead.
      r.x.set(s!.x, xOffset[k] as number);
      basisLength[k] = 0;
    }
    if (status !== 'optimal') {
      throw new SolverError(`hppo-var: LP (alpha ${cells[k]!.alpha}, mu ${cells[k]!.mu}) ended with status ${status} after ${r.iterations[k]} iterations`);
    }
  }
  return { numAssets: n, x: r.x, xOffset, basis: r.basis, basisOffset, basisLength, fallback, iterations, cellIterations };
}

/**
 * The reference's post-processing of cell k's weights (clip at 0, divide by numpy's sum), written
 * to target[columns[i]]. `scratch` has room for numAssets values.
 */
export function scatterHppoVarWeights(sol: HppoVarPackedSolution, k: number, columns: Int32Array, target: Float64Array, scratch: Float64Array): void {
  const n = sol.numAssets;
  const off = sol.xOffset[k] as number;
  for (let i = 0; i < n; i++) {
    const v = sol.x[off + i] as number;
    scratch[i] = v > 0 ? v : 0;
  }
  const sum = numpySum(scratch, 0, n);
  for (let i = 0; i < n; i++) target[columns[i] as number] = (scratch[i] as number) / sum;
}

/** Solves the cells' LPs on one window (see solveHppoVarPacked); one object per cell. */
export function solveHppoVarCells(
  w: HppoVarWindow,
  cells: readonly HppoVarCell[],
  o: ResolvedHppoVarOptions,
  warm?: readonly (Int8Array | undefined)[],
): HppoVarSolution[] {
  const n = w.window.numAssets;
  if (n === 0 || cells.length === 0) return cells.map(() => ({ weights: new Float64Array(0), fallback: false, basis: new Int8Array(0), iterations: 0 }));
  const sol = solveHppoVarPacked(w, cells, o, warm);
  const ident = Int32Array.from({ length: n }, (_, i) => i);
  const scratch = new Float64Array(n);
  return cells.map((_, k) => {
    const weights = new Float64Array(n);
    scatterHppoVarWeights(sol, k, ident, weights, scratch);
    const bo = sol.basisOffset[k] as number;
    return { weights, fallback: sol.fallback[k] === 1, basis: sol.basis.slice(bo, bo + (sol.basisLength[k] as number)), iterations: sol.cellIterations[k] as number };
  });
}

/** The event-driven form: one trial, one LP per rebalance day. */
export function hppoVarStrategy(params: Params, options: HppoVarOptions | ResolvedHppoVarOptions = {}): Strategy {
  const o = compileHppoVarOptions(options); // idempotent on resolved options
  const cell = hppoVarCell(params);
  let prevBasis: Int8Array | undefined;
  return {
    name: 'hppo-var',
    onRebalance(ctx: StrategyContext) {
      const w = hppoVarWindow(ctx.panel, ctx.row, o);
      const weights = new Float64Array(ctx.symbols.length);
      if (w.columns.length > 0) {
        const [sol] = solveHppoVarCells(w, [cell], o, [prevBasis]);
        prevBasis = sol!.basis;
        if (sol!.fallback) ctx.countFallback();
        for (let k = 0; k < w.columns.length; k++) weights[w.columns[k] as number] = sol!.weights[k] as number;
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
  // The previous date's packed solution: chain heads warm start from their slot of its basis.
  let prev: HppoVarPackedSolution | undefined;
  let warm: (Int8Array | undefined)[] = [];
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
        warm = order.map(() => undefined);
      }
      const t0 = performance.now();
      const w = hppoVarWindow(ctx.panel, ctx.row, o);
      const t1 = performance.now();
      windowSeconds += (t1 - t0) / 1000;
      if (w.columns.length === 0) return; // weights stay 0: everything tradable goes to cash
      // Only chain heads start from their own previous basis; the rest chain from their neighbour.
      for (let k = 0; k < order.length; k += o.chainLength) {
        const len = prev ? (prev.basisLength[k] as number) : 0;
        warm[k] = prev && len > 0 ? prev.basis.subarray(prev.basisOffset[k] as number, (prev.basisOffset[k] as number) + len) : undefined;
      }
      const sol = solveHppoVarPacked(w, sorted, o, warm);
      prev = sol;
      lpSeconds += (performance.now() - t1) / 1000;
      lpSolves += order.length;
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
