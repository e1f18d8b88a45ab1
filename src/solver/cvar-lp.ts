/**
 * The historical mean-CVaR LP of the HPPO reference (../shared/reference/hppo_ref.py `cvar_lp`),
 * built as a DenseLp with the same variable and row order:
 *
 *   variables  x = [w (n), t (free), u (S)]
 *   minimize   t + 1/(alpha S) sum_s u_s
 *   rows       -r_s'w - t - u_s <= 0                s = 1..S
 *              -periodsPerYear * m'w <= -target     (only when a target is given)
 *              sum w = 1
 *   bounds     0 <= w <= 1, t free, u >= 0
 *
 * m is the column mean of the S x n returns, summed scenario by scenario then divided by S (what
 * numpy's R.mean(axis=0) does on a C-ordered array). Pure functions: no native addon here.
 */
import { InvalidArgumentError } from '../errors.js';
import type { DenseLp } from './small-lp.js';

/** S x n simple returns, row-major (scenario s, asset i at s * numAssets + i). */
export interface ScenarioWindow {
  returns: Float64Array;
  numScenarios: number;
  numAssets: number;
}

export interface CvarLpSpec {
  /** Tail probability in (0, 1]. */
  alpha: number;
  /** Annualized target return; null = no return row (the reference's fallback LP). */
  targetAnnualReturn: number | null;
  /** Default 252. */
  periodsPerYear?: number;
}

function checkWindow(w: ScenarioWindow): void {
  const { returns, numScenarios: S, numAssets: n } = w;
  if (!Number.isInteger(S) || S < 1) throw new InvalidArgumentError('window.numScenarios', `${S}, expected an integer >= 1`);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('window.numAssets', `${n}, expected an integer >= 1`);
  if (!(returns instanceof Float64Array) || returns.length !== S * n) {
    throw new InvalidArgumentError('window.returns', `length ${returns?.length}, expected a Float64Array of numScenarios * numAssets = ${S * n}`);
  }
  for (let k = 0; k < returns.length; k++) {
    if (!Number.isFinite(returns[k]!)) {
      throw new InvalidArgumentError('window.returns', `returns[${k}] (scenario ${Math.floor(k / n)}, asset ${k % n}) = ${returns[k]}, expected finite`);
    }
  }
}

function checkSpec(s: CvarLpSpec, field: string): void {
  if (!(typeof s.alpha === 'number' && s.alpha > 0 && s.alpha <= 1)) throw new InvalidArgumentError(`${field}.alpha`, `${s.alpha}, expected a number in (0, 1]`);
  if (s.targetAnnualReturn !== null && !Number.isFinite(s.targetAnnualReturn)) {
    throw new InvalidArgumentError(`${field}.targetAnnualReturn`, `${s.targetAnnualReturn}, expected a finite number or null`);
  }
  if (s.periodsPerYear !== undefined && !(Number.isFinite(s.periodsPerYear) && s.periodsPerYear > 0)) {
    throw new InvalidArgumentError(`${field}.periodsPerYear`, `${s.periodsPerYear}, expected a number > 0`);
  }
}

/** Column means of the window (sequential sum over scenarios, then / S, as numpy). */
export function scenarioMeans(w: ScenarioWindow): Float64Array {
  const { returns, numScenarios: S, numAssets: n } = w;
  const m = new Float64Array(n);
  for (let s = 0; s < S; s++) {
    const off = s * n;
    for (let i = 0; i < n; i++) m[i]! += returns[off + i]!;
  }
  for (let i = 0; i < n; i++) m[i]! /= S;
  return m;
}

/** The reference's exact reachability test (long only, fully invested): max_i periods * m_i >= target. */
export function cvarTargetReachable(w: ScenarioWindow, targetAnnualReturn: number, periodsPerYear = 252): boolean {
  const m = scenarioMeans(w);
  let best = -Infinity;
  for (const v of m) best = Math.max(best, v);
  return periodsPerYear * best >= targetAnnualReturn;
}

/** Shared pieces of every CVaR LP on one window (A with and without the return row, bounds). */
class CvarFamily {
  readonly S: number;
  readonly n: number;
  private readonly w: ScenarioWindow;
  private readonly means: Float64Array;
  private readonly periods: number;
  private readonly colLower: Float64Array;
  private readonly colUpper: Float64Array;
  private readonly byRows = new Map<boolean, { a: Float64Array; rowLower: Float64Array }>();
  private readonly costs = new Map<number, Float64Array>();
  private readonly uppers = new Map<number | null, Float64Array>();

  constructor(w: ScenarioWindow, periodsPerYear: number) {
    this.w = w;
    this.S = w.numScenarios;
    this.n = w.numAssets;
    this.periods = periodsPerYear;
    this.means = scenarioMeans(w);
    const cols = this.n + 1 + this.S;
    this.colLower = new Float64Array(cols);
    this.colUpper = new Float64Array(cols).fill(Infinity);
    this.colUpper.fill(1, 0, this.n);
    this.colLower[this.n] = -Infinity;
  }

  private rows(withTarget: boolean): { a: Float64Array; rowLower: Float64Array } {
    let r = this.byRows.get(withTarget);
    if (r) return r;
    const { S, n } = this;
    const cols = n + 1 + S;
    const m = S + (withTarget ? 1 : 0) + 1;
    const a = new Float64Array(m * cols);
    const R = this.w.returns;
    for (let s = 0; s < S; s++) {
      const row = s * cols;
      for (let i = 0; i < n; i++) a[row + i] = -R[s * n + i]!;
      a[row + n] = -1;
      a[row + n + 1 + s] = -1;
    }
    let next = S;
    if (withTarget) {
      const row = next * cols;
      for (let i = 0; i < n; i++) a[row + i] = -this.periods * this.means[i]!;
      next++;
    }
    a.fill(1, next * cols, next * cols + n);
    const rowLower = new Float64Array(m).fill(-Infinity);
    rowLower[m - 1] = 1;
    r = { a, rowLower };
    this.byRows.set(withTarget, r);
    return r;
  }

  private cost(alpha: number): Float64Array {
    let c = this.costs.get(alpha);
    if (c) return c;
    const { S, n } = this;
    c = new Float64Array(n + 1 + S);
    c[n] = 1;
    c.fill(1 / (alpha * S), n + 1);
    this.costs.set(alpha, c);
    return c;
  }

  private rowUpper(target: number | null): Float64Array {
    let u = this.uppers.get(target);
    if (u) return u;
    const m = this.S + (target !== null ? 1 : 0) + 1;
    u = new Float64Array(m);
    if (target !== null) u[this.S] = -target;
    u[m - 1] = 1;
    this.uppers.set(target, u);
    return u;
  }

  build(spec: CvarLpSpec): DenseLp {
    const withTarget = spec.targetAnnualReturn !== null;
    const { a, rowLower } = this.rows(withTarget);
    return {
      numRows: this.S + (withTarget ? 1 : 0) + 1,
      numCols: this.n + 1 + this.S,
      a,
      c: this.cost(spec.alpha),
      colLower: this.colLower,
      colUpper: this.colUpper,
      rowLower,
      rowUpper: this.rowUpper(spec.targetAnnualReturn),
    };
  }
}

/** The reference's CVaR LP for one (alpha, target). */
export function buildCvarLp(window: ScenarioWindow, spec: CvarLpSpec): DenseLp {
  checkWindow(window);
  checkSpec(spec, 'spec');
  return new CvarFamily(window, spec.periodsPerYear ?? 252).build(spec);
}

/**
 * The CVaR LPs of many (alpha, target) cells on one window. Problems share their typed arrays
 * (one A per row set, one cost vector per alpha, one row-upper vector per target), so a batch
 * moves no matrix twice. periodsPerYear is taken from the first spec (default 252) and must agree.
 */
export function buildCvarLps(window: ScenarioWindow, specs: readonly CvarLpSpec[]): DenseLp[] {
  checkWindow(window);
  const periods = specs[0]?.periodsPerYear ?? 252;
  const fam = new CvarFamily(window, periods);
  return specs.map((s, k) => {
    checkSpec(s, `specs[${k}]`);
    if ((s.periodsPerYear ?? 252) !== periods) {
      throw new InvalidArgumentError(`specs[${k}].periodsPerYear`, `${s.periodsPerYear}, expected ${periods} like specs[0]`);
    }
    return fam.build(s);
  });
}

/** One cell of the reference's (alpha, mu) grid. */
export interface CvarCell {
  alpha: number;
  /** Annualized target return. */
  mu: number;
}

/**
 * The LPs the reference solves for the given cells on one window, with its fallback rule applied
 * exactly: the target is unreachable when max_i periodsPerYear * m_i < mu, and then the LP without
 * the return row is solved (fallback[k] = true). Problems share their arrays (see buildCvarLps).
 */
export function buildReferenceCvarLps(
  window: ScenarioWindow,
  cells: readonly CvarCell[],
  periodsPerYear = 252,
): { problems: DenseLp[]; fallback: boolean[]; means: Float64Array } {
  checkWindow(window);
  const m = scenarioMeans(window);
  let best = -Infinity;
  for (const v of m) best = Math.max(best, v);
  const reachMax = periodsPerYear * best;
  const fallback = cells.map((c, k) => {
    if (!Number.isFinite(c.mu)) throw new InvalidArgumentError(`cells[${k}].mu`, `${c.mu}, expected a finite number`);
    return !(reachMax >= c.mu);
  });
  const problems = buildCvarLps(
    window,
    cells.map((c, k) => ({ alpha: c.alpha, targetAnnualReturn: fallback[k] ? null : c.mu, periodsPerYear })),
  );
  return { problems, fallback, means: m };
}

/**
 * numpy's float64 sum of a contiguous vector (pairwise: blocks of 128 with 8 partial sums), so
 * that post-processing reproduces the reference bit for bit.
 */
export function numpySum(a: Float64Array, begin = 0, end = a.length): number {
  const n = end - begin;
  if (n < 8) {
    let r = 0;
    for (let i = begin; i < end; i++) r += a[i]!;
    return r;
  }
  if (n <= 128) {
    const r = [a[begin]!, a[begin + 1]!, a[begin + 2]!, a[begin + 3]!, a[begin + 4]!, a[begin + 5]!, a[begin + 6]!, a[begin + 7]!];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += a[begin + i + j]!;
    }
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[begin + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return numpySum(a, begin, begin + n2) + numpySum(a, begin + n2, end);
}

/** The reference's post-processing of the weights: w = max(x[0..n), 0) / sum (numpy's sum). */
export function cvarWeights(x: Float64Array, numAssets: number): Float64Array {
  const w = new Float64Array(numAssets);
  for (let i = 0; i < numAssets; i++) w[i] = Math.max(x[i]!, 0);
  const sum = numpySum(w);
  for (let i = 0; i < numAssets; i++) w[i]! /= sum;
  return w;
}

/** Shape of a CVaR LP as far as its basis is concerned (see the layout at the top of this file). */
export interface CvarBasisShape {
  /** Asset identifiers of the w columns, in column order (e.g. stock codes or panel indices). */
  assets: readonly (string | number)[];
  numScenarios: number;
  /** The LP has the return row (false: the fallback LP). */
  withTarget: boolean;
}

/**
 * Carries the final basis of a CVaR LP over to the CVaR LP of another window (rebalance t -> t+1)
 * whose universe or row set differs: w columns by asset identifier (new assets start at their
 * lower bound, 0), t, the u columns and scenario rows by scenario (new scenario s was old scenario
 * s + scenarioShift: a rolling window moved by that many periods; scenarios not in the old window
 * start with u at 0 and their row basic), the return row when both have it (a new one starts
 * basic), the budget row. The result may not have exactly numRows basic entries; the solver
 * repairs that (and any singularity) when it warm starts from it.
 *
 * Measured on the reference's 2015 windows (disjoint, 20 days apart): 45.9 -> 44.5 iterations per
 * LP, i.e. no real gain; the chained warm start between the cells of one date (DenseLpOptions
 * chainWarmStart) is what pays there. It helps when consecutive windows overlap.
 */
export function remapCvarBasis(basis: Int8Array, from: CvarBasisShape, to: CvarBasisShape, scenarioShift = 0): Int8Array {
  if (!Number.isInteger(scenarioShift)) throw new InvalidArgumentError('scenarioShift', `${scenarioShift}, expected an integer`);
  const nF = from.assets.length;
  const SF = from.numScenarios;
  const colsF = nF + 1 + SF;
  const rowsF = SF + (from.withTarget ? 1 : 0) + 1;
  if (basis.length !== colsF + rowsF) {
    throw new InvalidArgumentError('basis', `length ${basis.length}, expected ${colsF + rowsF} for ${nF} assets, ${SF} scenarios${from.withTarget ? ' and a return row' : ''}`);
  }
  const nT = to.assets.length;
  const ST = to.numScenarios;
  const colsT = nT + 1 + ST;
  const rowsT = ST + (to.withTarget ? 1 : 0) + 1;
  const out = new Int8Array(colsT + rowsT); // 0 = BasisStatus.Lower
  const pos = new Map<string | number, number>();
  from.assets.forEach((a, i) => pos.set(a, i));
  to.assets.forEach((a, i) => {
    const k = pos.get(a);
    if (k !== undefined) out[i] = basis[k]!;
  });
  out[nT] = basis[nF]!; // t
  for (let s = 0; s < ST; s++) {
    const o = s + scenarioShift;
    const known = o >= 0 && o < SF;
    out[nT + 1 + s] = known ? basis[nF + 1 + o]! : 0;
    out[colsT + s] = known ? basis[colsF + o]! : 1; // scenario row: a new one starts basic
  }
  if (to.withTarget) out[colsT + ST] = from.withTarget ? basis[colsF + SF]! : 1;
  out[colsT + rowsT - 1] = basis[colsF + rowsF - 1]!; // budget row
  return out;
}

/**
 * A primal feasible starting basis (crash) for the CVaR LP of `buildCvarLp(window, spec)`: the
 * whole budget in one asset k (the one of least single-asset CVaR among those meeting the target,
 * or among all when there is no return row), t = its ceil(alpha S)-th largest loss (that scenario's
 * row tight), u_s basic for the larger losses, the other scenario rows and the return row slack.
 * A vertex, so the solve starts in phase 2; on the reference's 2015 LPs it roughly halves the
 * pivots of a cold start. Pass it as `basis`; any basis is safe (the solver repairs).
 */
export function cvarStartBasis(window: ScenarioWindow, spec: CvarLpSpec): Int8Array {
  checkWindow(window);
  checkSpec(spec, 'spec');
  return crashBasis(window, spec, spec.targetAnnualReturn !== null ? scenarioMeans(window) : undefined);
}

/** cvarStartBasis without the argument checks (`means` required when spec has a target). */
export function crashBasis(window: ScenarioWindow, spec: CvarLpSpec, means: Float64Array | undefined): Int8Array {
  const { returns: R, numScenarios: S, numAssets: n } = window;
  const periods = spec.periodsPerYear ?? 252;
  const withTarget = spec.targetAnnualReturn !== null;
  const K = Math.min(S, Math.max(1, Math.ceil(spec.alpha * S - 1e-12)));
  // The K largest losses of one asset by insertion (K is small: alpha S scenarios), ties by index.
  const topLoss = new Float64Array(K);
  const topIdx = new Int32Array(K);
  const topK = (i: number): void => {
    let filled = 0;
    for (let s = 0; s < S; s++) {
      const l = -R[s * n + i]!;
      if (filled === K && !(l > topLoss[K - 1]!)) continue;
      let j = filled < K ? filled++ : K - 1;
      while (j > 0 && topLoss[j - 1]! < l) {
        topLoss[j] = topLoss[j - 1]!;
        topIdx[j] = topIdx[j - 1]!;
        j--;
      }
      topLoss[j] = l;
      topIdx[j] = s;
    }
  };
  let best = -1;
  let bestCvar = Infinity;
  for (let i = 0; i < n; i++) {
    if (withTarget && !(periods * means![i]! >= spec.targetAnnualReturn!)) continue;
    topK(i);
    // Rockafellar-Uryasev value at t = the K-th largest loss.
    const t = topLoss[K - 1]!;
    let sum = 0;
    for (let j = 0; j < K - 1; j++) sum += topLoss[j]! - t;
    const cvar = t + sum / (spec.alpha * S);
    if (cvar < bestCvar) (bestCvar = cvar), (best = i);
  }
  const cols = n + 1 + S;
  const rows = S + (withTarget ? 1 : 0) + 1;
  const basis = new Int8Array(cols + rows); // all nonbasic at lower (w = 0, u = 0, budget row)
  if (best < 0) return basis; // target unreachable: no feasible crash; the solver starts from it anyway
  topK(best);
  basis[best] = 1; // w_k = 1 (budget row)
  basis[n] = 1; // t (tight row of the K-th loss)
  basis.fill(1, cols, cols + S); // scenario rows inactive (slack basic) ...
  for (let j = 0; j < K - 1; j++) {
    basis[n + 1 + topIdx[j]!] = 1; // ... except the larger losses: u_s basic, row tight
    basis[cols + topIdx[j]!] = 0;
  }
  basis[cols + topIdx[K - 1]!] = 0; // the row defining t is tight, its u_s = 0 nonbasic
  if (withTarget) basis[cols + S] = 1;
  return basis;
}
