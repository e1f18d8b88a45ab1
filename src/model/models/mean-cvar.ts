/**
 * Mean-CVaR portfolio with the constraints of the GPU mean-CVaR example, as one LP over S return
 * scenarios r_s (per period, e.g. daily) of n assets:
 *
 *   variables  w (n) weights, c cash, t (VaR level, free), u (S) ≥ 0 tail excess,
 *              z (n) ≥ |w| when a leverage limit is set and some weight may be negative,
 *              d (n) ≥ |w − w0| when a turnover limit is set
 *   minimize   −μ'w + λ (t + 1/(αS) Σ_s u_s)          μ = scenario mean, λ = riskAversion
 *   subject to −r_s'w − t − u_s ≤ 0                    (s = 1..S: u_s ≥ loss_s − t)
 *              Σ w + c = 1                              (budget; cash earns nothing)
 *              lo_i ≤ w_i ≤ hi_i,  cashLo ≤ c ≤ cashHi
 *              z ≥ w, z ≥ −w, Σ z ≤ L                   (leverage Σ|w| ≤ L; Σ w ≤ L when w ≥ 0)
 *              d ≥ w − w0, d ≥ w0 − w, Σ d ≤ T         (turnover vs the current weights w0)
 *              t + 1/(αS) Σ u ≤ cvarLimit              (CVaR limit, same units as a loss)
 *
 * At the optimum t + 1/(αS) Σ u is the CVaR at tail probability α of the scenario losses −r_s'w
 * (Rockafellar–Uryasev). Small problems go to the exact dense simplex (small-lp.ts), large ones to
 * PDLP (lp.ts) with the S x n scenario block streamed as a dense block. Infeasible limits are a
 * status; the backtest strategy then keeps the portfolio and counts a fallback.
 */
import { InvalidArgumentError } from '../../errors.js';
import { LpStatus, solveLp, type LpProblem } from '../../solver/lp.js';
import { DenseLpStatus, solveDenseLp, type DenseLp } from '../../solver/small-lp.js';
import type { ScenarioWindow } from '../../solver/cvar-lp.js';
import { scenarioMeans } from '../../solver/cvar-lp.js';
import type { Params, Strategy, StrategyContext } from '../strategy.js';
import { boolParam, checkKnownParams, choiceParam, numParam, rawParam } from './params.js';
import { completeAssets, generateScenarios, orderUniverseWeights, returnsWindow, SCENARIO_METHODS, type ScenarioMethod } from './scenarios.js';

export interface MeanCvarSpec {
  /** Tail probability in (0, 1) (0.05: the worst 5 % of scenarios). */
  alpha: number;
  /** λ ≥ 0: weight of CVaR against expected return. */
  riskAversion: number;
  /** Per-asset bounds (length n). */
  lower: Float64Array;
  upper: Float64Array;
  cashLower: number;
  cashUpper: number;
  /** Σ|w_i| ≤ leverage; null = no limit. */
  leverage: number | null;
  /** Σ|w_i − w0_i| ≤ turnover; null = no limit. */
  turnover: number | null;
  /** Current weights w0 (length n; needed with a turnover limit). */
  current?: Float64Array;
  /** CVaR (a per-period loss fraction) ≤ cvarLimit; null = no limit. */
  cvarLimit: number | null;
}

export type MeanCvarSolver = 'auto' | 'dense' | 'pdlp';

export interface MeanCvarSolveOptions {
  /** 'auto' (default): dense simplex when S·n ≤ denseLimit and S ≤ 2000, else PDLP. */
  solver?: MeanCvarSolver;
  /** Default 40 000. */
  denseLimit?: number;
  /** PDLP relative tolerance; default 1e-5 (S = 1000, n = 487: ~0.5 s on 2 CPU cores; 1e-7 takes ~5x longer). */
  pdlpTolerance?: number;
  /** PDLP warm start (e.g. the previous rebalance's `raw` when the layout is the same). */
  warmStart?: { x: Float64Array; y: Float64Array };
  signal?: AbortSignal;
}

/** Where each block of variables and rows sits in the LP. */
export interface MeanCvarLayout {
  n: number;
  S: number;
  numCols: number;
  numRows: number;
  cash: number;
  t: number;
  u: number;
  /** First z column, or -1. */
  z: number;
  /** First d column, or -1. */
  d: number;
  /** Row of the CVaR limit, or -1. */
  cvarRow: number;
}

export interface MeanCvarSolution {
  status: 'optimal' | 'infeasible' | 'unbounded' | 'limit' | 'numerical_error';
  weights: Float64Array;
  cash: number;
  /** CVaR of the returned weights over the scenarios, recomputed exactly (not the LP's t + …). */
  cvar: number;
  /** μ'w per period. */
  expectedReturn: number;
  objective: number;
  solver: 'dense' | 'pdlp';
  iterations: number;
  /** The LP's primal and dual vectors (a warm start for the next PDLP solve of the same layout). */
  raw: { x: Float64Array; y: Float64Array };
}

function checkSpec(spec: MeanCvarSpec, n: number): void {
  if (!(spec.alpha > 0 && spec.alpha < 1)) throw new InvalidArgumentError('spec.alpha', `${spec.alpha}, expected a tail probability in (0, 1)`);
  if (!(spec.riskAversion >= 0 && Number.isFinite(spec.riskAversion))) throw new InvalidArgumentError('spec.riskAversion', `${spec.riskAversion}, expected a finite number >= 0`);
  for (const [k, v] of [['lower', spec.lower], ['upper', spec.upper]] as const) {
    if (!(v instanceof Float64Array) || v.length !== n) throw new InvalidArgumentError(`spec.${k}`, `expected a Float64Array of length ${n}`);
  }
  for (let i = 0; i < n; i++) {
    if (!(spec.lower[i]! <= spec.upper[i]!)) throw new InvalidArgumentError(`spec.lower[${i}]`, `${spec.lower[i]} > upper ${spec.upper[i]}`);
  }
  if (!(spec.cashLower <= spec.cashUpper)) throw new InvalidArgumentError('spec.cashLower', `${spec.cashLower} > cashUpper ${spec.cashUpper}`);
  if (spec.leverage !== null && !(spec.leverage > 0)) throw new InvalidArgumentError('spec.leverage', `${spec.leverage}, expected > 0 or null`);
  if (spec.turnover !== null) {
    if (!(spec.turnover >= 0)) throw new InvalidArgumentError('spec.turnover', `${spec.turnover}, expected >= 0 or null`);
    if (!(spec.current instanceof Float64Array) || spec.current.length !== n) throw new InvalidArgumentError('spec.current', `expected the current weights (length ${n}) with a turnover limit`);
  }
  if (spec.cvarLimit !== null && !Number.isFinite(spec.cvarLimit)) throw new InvalidArgumentError('spec.cvarLimit', `${spec.cvarLimit}, expected a finite number or null`);
}

/** Sparse rows of the LP plus the scenario block (rows 0..S−1, columns 0..n−1 = −R). */
interface Rows {
  layout: MeanCvarLayout;
  c: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  /** Per row, sparse entries outside the scenario block. */
  cols: number[][];
  vals: number[][];
  block: Float64Array;
}

function buildRows(scen: ScenarioWindow, spec: MeanCvarSpec): Rows {
  const { numScenarios: S, numAssets: n, returns: R } = scen;
  checkSpec(spec, n);
  let shorts = false;
  for (let i = 0; i < n; i++) if (spec.lower[i]! < 0) shorts = true;
  const useZ = spec.leverage !== null && shorts;
  const useD = spec.turnover !== null;
  const cash = n;
  const t = n + 1;
  const u = n + 2;
  let next = u + S;
  const z = useZ ? next : -1;
  if (useZ) next += n;
  const d = useD ? next : -1;
  if (useD) next += n;
  const numCols = next;
  const cols: number[][] = [];
  const vals: number[][] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const row = (cs: number[], vs: number[], l: number, h: number): number => {
    cols.push(cs);
    vals.push(vs);
    lo.push(l);
    hi.push(h);
    return cols.length - 1;
  };
  for (let s = 0; s < S; s++) row([t, u + s], [-1, -1], -Infinity, 0);
  const all = Array.from({ length: n }, (_, i) => i);
  row([...all, cash], [...all.map(() => 1), 1], 1, 1);
  if (spec.leverage !== null) {
    if (useZ) {
      for (let i = 0; i < n; i++) {
        row([i, z + i], [-1, 1], 0, Infinity);
        row([i, z + i], [1, 1], 0, Infinity);
      }
      row(all.map((i) => z + i), all.map(() => 1), -Infinity, spec.leverage);
    } else {
      row(all, all.map(() => 1), -Infinity, spec.leverage);
    }
  }
  if (useD) {
    const w0 = spec.current as Float64Array;
    for (let i = 0; i < n; i++) {
      row([i, d + i], [-1, 1], -w0[i]!, Infinity);
      row([i, d + i], [1, 1], w0[i]!, Infinity);
    }
    row(all.map((i) => d + i), all.map(() => 1), -Infinity, spec.turnover as number);
  }
  let cvarRow = -1;
  if (spec.cvarLimit !== null) {
    const k = 1 / (spec.alpha * S);
    cvarRow = row([t, ...Array.from({ length: S }, (_, s) => u + s)], [1, ...Array.from({ length: S }, () => k)], -Infinity, spec.cvarLimit);
  }
  const mu = scenarioMeans(scen);
  const c = new Float64Array(numCols);
  for (let i = 0; i < n; i++) c[i] = -mu[i]!;
  c[t] = spec.riskAversion;
  c.fill(spec.riskAversion / (spec.alpha * S), u, u + S);
  const colLower = new Float64Array(numCols);
  const colUpper = new Float64Array(numCols).fill(Infinity);
  colLower.set(spec.lower, 0);
  colUpper.set(spec.upper, 0);
  colLower[cash] = spec.cashLower;
  colUpper[cash] = spec.cashUpper;
  colLower[t] = -Infinity;
  const block = new Float64Array(S * n);
  for (let k = 0; k < S * n; k++) block[k] = -R[k]!;
  return {
    layout: { n, S, numCols, numRows: cols.length, cash, t, u, z, d, cvarRow },
    c,
    colLower,
    colUpper,
    rowLower: Float64Array.from(lo),
    rowUpper: Float64Array.from(hi),
    cols,
    vals,
    block,
  };
}

/** The LP as a dense problem for the exact simplex. */
export function buildMeanCvarDenseLp(scen: ScenarioWindow, spec: MeanCvarSpec): { lp: DenseLp; layout: MeanCvarLayout } {
  const r = buildRows(scen, spec);
  const { numRows: m, numCols: N, n, S } = r.layout;
  const a = new Float64Array(m * N);
  for (let s = 0; s < S; s++) a.set(r.block.subarray(s * n, (s + 1) * n), s * N);
  for (let i = 0; i < m; i++) {
    const cs = r.cols[i] as number[];
    const vs = r.vals[i] as number[];
    for (let k = 0; k < cs.length; k++) a[i * N + cs[k]!] = vs[k]!;
  }
  return { lp: { numRows: m, numCols: N, a, c: r.c, colLower: r.colLower, colUpper: r.colUpper, rowLower: r.rowLower, rowUpper: r.rowUpper }, layout: r.layout };
}

/** The LP for PDLP: CSR for the structure, the scenario returns as one dense block. */
export function buildMeanCvarLp(scen: ScenarioWindow, spec: MeanCvarSpec): { lp: LpProblem; layout: MeanCvarLayout } {
  const r = buildRows(scen, spec);
  const { numRows: m, numCols: N, n, S } = r.layout;
  let nnz = 0;
  for (const cs of r.cols) nnz += cs.length;
  const rowPtr = new Int32Array(m + 1);
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let i = 0; i < m; i++) {
    const cs = r.cols[i] as number[];
    const vs = r.vals[i] as number[];
    const order = cs.map((_, k) => k).sort((a, b) => cs[a]! - cs[b]!);
    for (const k of order) {
      colIdx[p] = cs[k]!;
      values[p++] = vs[k]!;
    }
    rowPtr[i + 1] = p;
  }
  return {
    lp: {
      numRows: m,
      numCols: N,
      c: r.c,
      A: { rowPtr, colIdx, values },
      dense: { row0: 0, col0: 0, rows: S, cols: n, data: r.block },
      rowLower: r.rowLower,
      rowUpper: r.rowUpper,
      colLower: r.colLower,
      colUpper: r.colUpper,
    },
    layout: r.layout,
  };
}

/** Exact CVaR at tail probability α of the losses −r_s'w (min over t of t + Σ(L − t)+ / (αS)). */
export function portfolioCvar(scen: ScenarioWindow, w: Float64Array, alpha: number): number {
  const { numScenarios: S, numAssets: n, returns: R } = scen;
  const loss = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let v = 0;
    for (let i = 0; i < n; i++) v -= R[s * n + i]! * w[i]!;
    loss[s] = v;
  }
  loss.sort().reverse();
  // f(t) is convex piecewise linear with kinks at the losses: evaluate it at each of them.
  let best = Infinity;
  let prefix = 0;
  for (let j = 0; j < S; j++) {
    const tj = loss[j]!;
    best = Math.min(best, tj + (prefix - j * tj) / (alpha * S));
    prefix += tj;
  }
  return best;
}

function pick(scen: ScenarioWindow, o: MeanCvarSolveOptions): 'dense' | 'pdlp' {
  const solver = o.solver ?? 'auto';
  if (solver !== 'auto' && solver !== 'dense' && solver !== 'pdlp') throw new InvalidArgumentError('solver', `${JSON.stringify(solver)}, expected auto, dense or pdlp`);
  if (solver !== 'auto') return solver;
  const limit = o.denseLimit ?? 40_000;
  return scen.numScenarios * scen.numAssets <= limit && scen.numScenarios <= 2000 ? 'dense' : 'pdlp';
}

function finish(scen: ScenarioWindow, spec: MeanCvarSpec, x: Float64Array, y: Float64Array, status: MeanCvarSolution['status'], objective: number, solver: 'dense' | 'pdlp', iterations: number): MeanCvarSolution {
  const n = scen.numAssets;
  const weights = new Float64Array(n);
  // Clip to the bounds (PDLP's iterate can be off by its tolerance; the simplex's vertex is not).
  for (let i = 0; i < n; i++) weights[i] = Math.min(spec.upper[i]!, Math.max(spec.lower[i]!, x[i]!));
  const mu = scenarioMeans(scen);
  let er = 0;
  for (let i = 0; i < n; i++) er += mu[i]! * weights[i]!;
  return { status, weights, cash: x[n]!, cvar: portfolioCvar(scen, weights, spec.alpha), expectedReturn: er, objective, solver, iterations, raw: { x, y } };
}

/** Solves with the exact dense simplex (synchronous: blocks the calling thread). */
export function solveMeanCvarDense(scen: ScenarioWindow, spec: MeanCvarSpec): MeanCvarSolution {
  const { lp } = buildMeanCvarDenseLp(scen, spec);
  const r = solveDenseLp(lp);
  const status: MeanCvarSolution['status'] =
    r.status === DenseLpStatus.Optimal ? 'optimal' : r.status === DenseLpStatus.Infeasible ? 'infeasible' : r.status === DenseLpStatus.Unbounded ? 'unbounded' : r.status === DenseLpStatus.IterationLimit ? 'limit' : 'numerical_error';
  return finish(scen, spec, r.x, r.rowDual, status, r.objective, 'dense', r.iterations);
}

/** Solves with the dense simplex or PDLP (see MeanCvarSolveOptions.solver). */
export async function solveMeanCvar(scen: ScenarioWindow, spec: MeanCvarSpec, o: MeanCvarSolveOptions = {}): Promise<MeanCvarSolution> {
  if (pick(scen, o) === 'dense') return solveMeanCvarDense(scen, spec);
  const { lp } = buildMeanCvarLp(scen, spec);
  const ws = o.warmStart && o.warmStart.x.length === lp.numCols && o.warmStart.y.length === lp.numRows ? { warmStart: o.warmStart } : {};
  const r = await solveLp(lp, { tolerance: o.pdlpTolerance ?? 1e-5, ...ws }, o.signal ? { signal: o.signal } : {});
  const status: MeanCvarSolution['status'] =
    r.status === LpStatus.Optimal ? 'optimal' : r.status === LpStatus.PrimalInfeasible ? 'infeasible' : r.status === LpStatus.DualInfeasible ? 'unbounded' : r.status === LpStatus.NumericalError ? 'numerical_error' : 'limit';
  return finish(scen, spec, r.x, r.y, status, r.objective, 'pdlp', r.iterations);
}

export interface FrontierPoint {
  riskAversion: number;
  solution: MeanCvarSolution;
}

/**
 * The mean-CVaR efficient frontier over `riskAversions` (solved in the order given) with the exact
 * dense simplex: only the cost vector changes between points, so each solve starts from the
 * previous optimal basis (still primal feasible: typically a few pivots instead of a cold solve).
 */
export function meanCvarFrontier(scen: ScenarioWindow, spec: MeanCvarSpec, riskAversions: readonly number[]): FrontierPoint[] {
  const out: FrontierPoint[] = [];
  let basis: Int8Array | undefined;
  for (const [k, lambda] of riskAversions.entries()) {
    if (!(Number.isFinite(lambda) && lambda >= 0)) throw new InvalidArgumentError(`riskAversions[${k}]`, `${lambda}, expected a finite number >= 0`);
    const s = { ...spec, riskAversion: lambda };
    const { lp } = buildMeanCvarDenseLp(scen, s);
    if (basis) lp.basis = basis;
    const r = solveDenseLp(lp);
    basis = r.status === DenseLpStatus.Optimal ? r.basis : undefined;
    const status: MeanCvarSolution['status'] =
      r.status === DenseLpStatus.Optimal ? 'optimal' : r.status === DenseLpStatus.Infeasible ? 'infeasible' : r.status === DenseLpStatus.Unbounded ? 'unbounded' : r.status === DenseLpStatus.IterationLimit ? 'limit' : 'numerical_error';
    out.push({ riskAversion: lambda, solution: finish(scen, s, r.x, r.rowDual, status, r.objective, 'dense', r.iterations) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The backtest strategy.

export const MEAN_CVAR_PARAMS = [
  'alpha', 'riskAversion', 'window', 'scenarios', 'numScenarios', 'seed',
  'minWeight', 'maxWeight', 'minCash', 'maxCash', 'leverage', 'turnover', 'cvarLimit', 'solver', 'pdlpTolerance', 'warmStart',
] as const;
export const MEAN_CVAR_OPTIONS = ['assetBounds'] as const;

export interface MeanCvarParams {
  alpha: number;
  riskAversion: number;
  /** Trading days of returns in the estimation window. */
  window: number;
  scenarios: ScenarioMethod;
  numScenarios: number;
  seed: number;
  minWeight: number;
  maxWeight: number;
  minCash: number;
  maxCash: number;
  leverage: number | null;
  turnover: number | null;
  cvarLimit: number | null;
  solver: MeanCvarSolver;
  pdlpTolerance: number;
  /** PDLP warm start from the previous rebalance (same universe). Default false: measured on the S&P 500 example it saved no iterations (69 632 cold vs 73 152 warm over 12 rebalances), the scenarios being redrawn each time. */
  warmStart: boolean;
  /** Per-ticker [lo, hi] overriding minWeight/maxWeight. */
  assetBounds: ReadonlyMap<string, readonly [number, number]>;
}

function optional(p: Params, name: string, rule: Parameters<typeof numParam>[2]): number | null {
  const v = rawParam(p, name);
  if (v === undefined || v === 'none' || v === '') return null;
  return numParam(p, name, rule);
}

export function compileMeanCvarParams(p: Params, options: Readonly<Record<string, unknown>> = {}): MeanCvarParams {
  checkKnownParams(p, MEAN_CVAR_PARAMS, 'mean-cvar');
  const minWeight = numParam(p, 'minWeight', { def: 0, min: 0 });
  const maxWeight = numParam(p, 'maxWeight', { def: 1, gt: 0 });
  if (maxWeight < minWeight) throw new InvalidArgumentError('params.maxWeight', `${maxWeight}, expected >= minWeight (${minWeight})`);
  const minCash = numParam(p, 'minCash', { def: 0, min: 0, max: 1 });
  const maxCash = numParam(p, 'maxCash', { def: 0, min: 0, max: 1 });
  if (maxCash < minCash) throw new InvalidArgumentError('params.maxCash', `${maxCash}, expected >= minCash (${minCash})`);
  const assetBounds = new Map<string, readonly [number, number]>();
  const ab = options['assetBounds'];
  if (ab !== undefined) {
    if (ab === null || typeof ab !== 'object' || Array.isArray(ab)) throw new InvalidArgumentError('options.assetBounds', 'expected a mapping TICKER: [lo, hi]');
    for (const [k, v] of Object.entries(ab as Record<string, unknown>)) {
      if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'number' || !(v[0] >= 0) || !(v[1] >= v[0])) {
        throw new InvalidArgumentError(`options.assetBounds.${k}`, `${JSON.stringify(v)}, expected [lo, hi] with 0 <= lo <= hi (the simulated exchange is long only)`);
      }
      assetBounds.set(k, [v[0], v[1]]);
    }
  }
  return {
    alpha: numParam(p, 'alpha', { def: 0.05, gt: 0, lt: 1 }),
    riskAversion: numParam(p, 'riskAversion', { def: 1, min: 0 }),
    window: numParam(p, 'window', { def: 60, integer: true, min: 2 }),
    scenarios: choiceParam(p, 'scenarios', SCENARIO_METHODS, 'historical'),
    numScenarios: numParam(p, 'numScenarios', { def: 1000, integer: true, min: 1, max: 1_000_000 }),
    seed: numParam(p, 'seed', { def: 0, integer: true, min: 0 }),
    minWeight,
    maxWeight,
    minCash,
    maxCash,
    leverage: optional(p, 'leverage', { gt: 0 }),
    turnover: optional(p, 'turnover', { min: 0 }),
    cvarLimit: optional(p, 'cvarLimit', {}),
    solver: choiceParam(p, 'solver', ['auto', 'dense', 'pdlp'] as const, 'auto'),
    pdlpTolerance: numParam(p, 'pdlpTolerance', { def: 1e-5, min: 1e-10, max: 1e-1 }),
    warmStart: boolParam(p, 'warmStart', false),
    assetBounds,
  };
}

/**
 * Scenarios shared by the trials of a sweep in one process: every trial with the same window,
 * method, count and seed sees the same draws on the same day, so they are generated once. Keyed
 * per panel (WeakMap: dropped with the market); at most SCENARIO_CACHE_BYTES per panel, oldest
 * entries evicted first. Entries are read-only (the LP builders copy what they change).
 */
const SCENARIO_CACHE_BYTES = 128 * 1024 * 1024;
const scenarioCache = new WeakMap<object, { bytes: number; entries: Map<string, ScenarioWindow> }>();

function cachedScenarios(panel: StrategyContext['panel'], row: number, universe: readonly number[], o: MeanCvarParams, seed: string): ScenarioWindow {
  const make = (): ScenarioWindow => generateScenarios(returnsWindow(panel, universe, row - 1, o.window), { method: o.scenarios, count: o.numScenarios, seed });
  if (o.scenarios === 'historical') return make();
  let c = scenarioCache.get(panel);
  if (!c) {
    c = { bytes: 0, entries: new Map() };
    scenarioCache.set(panel, c);
  }
  const key = `${row}|${o.window}|${o.scenarios}|${o.numScenarios}|${seed}|${universe.join(',')}`;
  const hit = c.entries.get(key);
  if (hit) return hit;
  const scen = make();
  c.entries.set(key, scen);
  c.bytes += scen.returns.byteLength;
  for (const [k, v] of c.entries) {
    if (c.bytes <= SCENARIO_CACHE_BYTES || k === key) break;
    c.entries.delete(k);
    c.bytes -= v.returns.byteLength;
  }
  return scen;
}

/**
 * The backtest strategy: on each rebalance day, the universe is the symbols tradable today with a
 * price on each of the last `window` + 1 days before today; scenarios come from their returns over
 * that window (ending the day before, like the HPPO reference); the current weights w0 are the
 * universe's positions at today's close over the portfolio value. Symbols outside the universe
 * are sold when they can trade (their sale is not counted in the turnover limit). A problem that
 * is not solved to optimality (a CVaR or turnover limit that cannot be met) keeps the portfolio as
 * it is and counts a fallback; the trial records `lastCvar` and `lastExpectedReturn`.
 */
export function meanCvarStrategy(params: Params, options: Readonly<Record<string, unknown>> = {}): Strategy {
  const o = compileMeanCvarParams(params, options);
  let rebalances = 0;
  let iterations = 0;
  // PDLP warm start from the previous rebalance when the universe (hence the LP's layout) is unchanged.
  let warm: { key: string; x: Float64Array; y: Float64Array } | undefined;
  const solve = (ctx: StrategyContext): void | Promise<void> => {
    const panel = ctx.panel;
    const row = ctx.row;
    const universe = completeAssets(panel, row - 1, o.window).filter((i) => ctx.canTrade(ctx.symbols[i] as string));
    if (universe.length === 0) {
      ctx.countFallback();
      return;
    }
    const scen = cachedScenarios(panel, row, universe, o, `${o.seed}:${rebalances++}`);
    const n = universe.length;
    const lower = new Float64Array(n);
    const upper = new Float64Array(n);
    const current = new Float64Array(n);
    const value = ctx.portfolioValue;
    for (let j = 0; j < n; j++) {
      const sym = ctx.symbols[universe[j] as number] as string;
      const b = o.assetBounds.get(sym);
      lower[j] = b ? b[0] : o.minWeight;
      upper[j] = b ? b[1] : o.maxWeight;
      current[j] = value > 0 ? (ctx.position(sym) * ctx.latestPrice(sym)) / value : 0;
    }
    const spec: MeanCvarSpec = {
      alpha: o.alpha,
      riskAversion: o.riskAversion,
      lower,
      upper,
      cashLower: o.minCash,
      cashUpper: o.maxCash,
      leverage: o.leverage,
      turnover: o.turnover,
      current,
      cvarLimit: o.cvarLimit,
    };
    const apply = (sol: MeanCvarSolution): void => {
      if (sol.status !== 'optimal') {
        ctx.countFallback();
        return;
      }
      orderUniverseWeights(ctx, universe, sol.weights);
      ctx.record('lastCvar', sol.cvar);
      ctx.record('lastExpectedReturn', sol.expectedReturn);
      iterations += sol.iterations;
      ctx.record('solverIterations', iterations);
    };
    const kind = pick(scen, { solver: o.solver });
    if (kind === 'dense') return apply(solveMeanCvarDense(scen, spec));
    const key = `${scen.numScenarios}|${universe.join(',')}`;
    return solveMeanCvar(scen, spec, { solver: 'pdlp', pdlpTolerance: o.pdlpTolerance, ...(o.warmStart && warm?.key === key ? { warmStart: warm } : {}) }).then((sol) => {
      warm = sol.status === 'optimal' ? { key, x: sol.raw.x, y: sol.raw.y } : undefined;
      apply(sol);
    });
  };
  return {
    name: 'mean-cvar',
    onInit() {
      rebalances = 0;
      iterations = 0;
      warm = undefined;
    },
    onRebalance: solve,
  };
}
