/**
 * Small-problem exact LP solver: a dense bounded-variable primal simplex in the native core
 * (native/core/dense_lp), for m <= ~100 rows and n <= ~500 columns. It returns a vertex (basic
 * solution recomputed from a fresh factorization of the final basis), the row duals, the reduced
 * costs and the final basis, which the next solve can warm start from.
 *
 *     minimize c'x  subject to  rowLower <= A x <= rowUpper,  colLower <= x <= colUpper
 *
 * A is dense, row-major (numRows x numCols). Infinite bounds are allowed; an equality row has
 * rowLower == rowUpper. Outcomes (infeasible, unbounded, iteration limit) are statuses; bad input
 * throws InvalidArgumentError; an aborted signal throws CancelledError.
 *
 * Sync entry points block the calling thread (use them inside worker_threads); the async one runs
 * the batch on the libuv pool. Batches are solved in parallel across problems.
 */
import { CancelledError, HppoError, InvalidArgumentError, SolverError } from '../errors.js';
import { loadNative } from './native.js';

export const DenseLpStatus = {
  Optimal: 'optimal',
  Infeasible: 'infeasible',
  Unbounded: 'unbounded',
  IterationLimit: 'iteration_limit',
  NumericalError: 'numerical_error',
  Cancelled: 'cancelled',
  NotRun: 'not_run',
} as const;
export type DenseLpStatus = (typeof DenseLpStatus)[keyof typeof DenseLpStatus];

/** Native status codes, in order (native/core/dense_lp/dense_lp.h `Status`). */
const STATUS_BY_CODE: readonly DenseLpStatus[] = [
  DenseLpStatus.Optimal,
  DenseLpStatus.Infeasible,
  DenseLpStatus.Unbounded,
  DenseLpStatus.IterationLimit,
  DenseLpStatus.NumericalError,
  DenseLpStatus.Cancelled,
  DenseLpStatus.NotRun,
];

/** Basis status codes of `DenseLp.basis` / `DenseLpResult.basis` (same codes as HiGHS' HighsBasisStatus). */
export const BasisStatus = { Lower: 0, Basic: 1, Upper: 2, Zero: 3 } as const;
export type BasisStatus = (typeof BasisStatus)[keyof typeof BasisStatus];

export interface DenseLp {
  numRows: number;
  numCols: number;
  /** numRows * numCols, row-major. May be shared by several problems of a batch. */
  a: Float64Array;
  c: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  /** Optional warm start: numCols + numRows BasisStatus codes (columns, then rows). Any set of
   *  codes is accepted: a basis that is singular or has the wrong count is repaired. */
  basis?: Int8Array;
}

export interface DenseLpOptions {
  /** Largest bound violation accepted as feasible (absolute). Default 1e-9. */
  primalFeasibilityTol?: number;
  /** Largest reduced cost of the wrong sign accepted as optimal (absolute). Default 1e-9. */
  dualFeasibilityTol?: number;
  /** Smallest |pivot| accepted in the ratio test. Default 1e-9. */
  pivotTol?: number;
  /** Smallest pivot when factorizing a basis (smaller: singular, repaired). Default 1e-11. */
  singularTol?: number;
  /** Iteration limit per problem; 0 = automatic, 20 (m + n) + 1000. Default 0. */
  maxIterations?: number;
  /** Pivots between fresh factorizations of the basis inverse; 0 = automatic, max(64, numRows). Default 0. */
  refactorEvery?: number;
  /** Entering-variable choice: 'steepest_edge' (fewer pivots, two more passes over A per pivot),
   *  'dantzig' (largest scaled reduced cost), 'auto' (steepest edge for cold starts with >= 40
   *  rows, Dantzig otherwise). Default 'auto'. */
  pricing?: DenseLpPricing;
  /** Batch threads; 0 = all hardware threads. Default 0. */
  threads?: number;
  /** In a batch, a problem without its own `basis` starts from the final basis of the previous
   *  problem of its chain when the shapes match and that one was optimal. Default false. */
  chainWarmStart?: boolean;
  /** Problems per chain (chains run in parallel; fixed so results do not depend on threads). Default 16. */
  chainLength?: number;
  /** Abort: the native side polls a flag at every iteration; the call then throws CancelledError. */
  signal?: AbortSignal;
}

export const DenseLpPricing = { Auto: 'auto', Dantzig: 'dantzig', SteepestEdge: 'steepest_edge' } as const;
export type DenseLpPricing = (typeof DenseLpPricing)[keyof typeof DenseLpPricing];
const PRICING_CODE: Record<DenseLpPricing, number> = { auto: 0, dantzig: 1, steepest_edge: 2 };

export interface ResolvedDenseLpOptions {
  primalFeasibilityTol: number;
  dualFeasibilityTol: number;
  pivotTol: number;
  singularTol: number;
  maxIterations: number;
  refactorEvery: number;
  degenerateBeforeBland: number;
  pricing: DenseLpPricing;
  threads: number;
  chainWarmStart: boolean;
  chainLength: number;
  signal: AbortSignal | undefined;
}

export interface DenseLpResult {
  status: DenseLpStatus;
  /** c'x at the returned x. */
  objective: number;
  x: Float64Array;
  /** Reduced costs z = c - A'y. */
  colDual: Float64Array;
  /** A x. */
  rowActivity: Float64Array;
  /** y with c = A'y + z: the change of the objective per unit of the active row bound. */
  rowDual: Float64Array;
  /** Final basis (numCols + numRows BasisStatus codes): pass it as `basis` to warm start. */
  basis: Int8Array;
  iterations: number;
  phase1Iterations: number;
  primalInfeasibility: number;
  dualInfeasibility: number;
  warmStarted: boolean;
  basisRepairs: number;
}

/** The batch result as the native side returns it: problem k's vectors start at the sums of the
 *  previous problems' numCols (x, colDual), numRows (rowActivity, rowDual), numCols + numRows (basis). */
export interface PackedDenseLpResults {
  status: Int8Array;
  iterations: Int32Array;
  phase1Iterations: Int32Array;
  basisRepairs: Int32Array;
  objective: Float64Array;
  primalInfeasibility: Float64Array;
  dualInfeasibility: Float64Array;
  warmStarted: Uint8Array;
  x: Float64Array;
  colDual: Float64Array;
  rowActivity: Float64Array;
  rowDual: Float64Array;
  basis: Int8Array;
}

/** Native ABI (native/binding/dense_lp_binding.cc): flat settings in, one ArrayBuffer out. */
interface NativeDenseLp {
  denseLpSolveBatch(problems: readonly DenseLp[], settings: Float64Array, cancel?: Int32Array): ArrayBuffer;
  denseLpSolveBatchAsync(problems: readonly DenseLp[], settings: Float64Array, cancel?: Int32Array): Promise<ArrayBuffer>;
}

function nonNegative(field: string, v: number | undefined, def: number, integer = false): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw new InvalidArgumentError(`options.${field}`, `${String(v)}, expected a ${integer ? 'non-negative integer' : 'finite number >= 0'}`);
  }
  return v;
}

export function compileDenseLpOptions(o: DenseLpOptions = {}): ResolvedDenseLpOptions {
  const chainLength = nonNegative('chainLength', o.chainLength, 16, true);
  if (chainLength < 1) throw new InvalidArgumentError('options.chainLength', `${chainLength}, expected >= 1`);
  const pricing = o.pricing ?? DenseLpPricing.Auto;
  if (!Object.hasOwn(PRICING_CODE, pricing)) throw new InvalidArgumentError('options.pricing', `${String(pricing)}, expected 'auto', 'dantzig' or 'steepest_edge'`);
  return {
    primalFeasibilityTol: nonNegative('primalFeasibilityTol', o.primalFeasibilityTol, 1e-9),
    dualFeasibilityTol: nonNegative('dualFeasibilityTol', o.dualFeasibilityTol, 1e-9),
    pivotTol: nonNegative('pivotTol', o.pivotTol, 1e-9),
    singularTol: nonNegative('singularTol', o.singularTol, 1e-11),
    maxIterations: nonNegative('maxIterations', o.maxIterations, 0, true),
    refactorEvery: nonNegative('refactorEvery', o.refactorEvery, 0, true),
    degenerateBeforeBland: 0,
    pricing,
    threads: nonNegative('threads', o.threads, 0, true),
    chainWarmStart: o.chainWarmStart ?? false,
    chainLength,
    signal: o.signal,
  };
}

function native(): NativeDenseLp {
  const addon = loadNative() as unknown as Partial<NativeDenseLp>;
  if (typeof addon.denseLpSolveBatch !== 'function' || typeof addon.denseLpSolveBatchAsync !== 'function') {
    throw new SolverError('the native addon has no dense LP solver: rebuild it (bash scripts/build-native.sh)');
  }
  return addon as NativeDenseLp;
}

/** Native TypeErrors name the field first ("problems[3].a: length 5, expected 6"); other native
 *  errors mean the work could not run (no memory, no thread). */
function mapNativeError(err: unknown, single: boolean): unknown {
  if (err instanceof Error && !(err instanceof TypeError) && !(err instanceof HppoError)) {
    return new SolverError(err.message, { cause: err });
  }
  if (!(err instanceof TypeError)) return err;
  const msg = err.message;
  const cut = msg.indexOf(': ');
  let field = cut > 0 ? msg.slice(0, cut) : 'problems';
  if (single) field = field.replace(/^problems\[0\]/, 'problem');
  return new InvalidArgumentError(field, cut > 0 ? msg.slice(cut + 2) : msg, { cause: err });
}

/** The settings array of the native ABI, in its order. */
function nativeSettings(r: ResolvedDenseLpOptions): Float64Array {
  return Float64Array.of(
    r.primalFeasibilityTol,
    r.dualFeasibilityTol,
    r.pivotTol,
    r.singularTol,
    r.maxIterations,
    r.refactorEvery,
    r.degenerateBeforeBland,
    r.threads,
    r.chainWarmStart ? 1 : 0,
    r.chainLength,
    PRICING_CODE[r.pricing],
  );
}

/** Typed-array views over the native result buffer (layout in dense_lp_binding.cc: float64 block,
 *  then int32, then int8). */
function packedViews(ps: readonly DenseLp[], buf: ArrayBuffer): PackedDenseLpResults {
  const K = ps.length;
  let N = 0;
  let M = 0;
  for (const p of ps) {
    N += p.numCols;
    M += p.numRows;
  }
  let off = 0;
  const f64 = (len: number): Float64Array => {
    const v = new Float64Array(buf, off, len);
    off += 8 * len;
    return v;
  };
  const i32 = (len: number): Int32Array => {
    const v = new Int32Array(buf, off, len);
    off += 4 * len;
    return v;
  };
  const objective = f64(K);
  const primalInfeasibility = f64(K);
  const dualInfeasibility = f64(K);
  const x = f64(N);
  const colDual = f64(N);
  const rowActivity = f64(M);
  const rowDual = f64(M);
  const iterations = i32(K);
  const phase1Iterations = i32(K);
  const basisRepairs = i32(K);
  const status = new Int8Array(buf, off, K);
  const warmStarted = new Uint8Array(buf, off + K, K);
  const basis = new Int8Array(buf, off + 2 * K, N + M);
  if (off + 2 * K + N + M !== buf.byteLength) {
    throw new SolverError(`dense LP result buffer has ${buf.byteLength} bytes, expected ${off + 2 * K + N + M}: addon and wrapper disagree`);
  }
  return { status, iterations, phase1Iterations, basisRepairs, objective, primalInfeasibility, dualInfeasibility, warmStarted, x, colDual, rowActivity, rowDual, basis };
}

function checkProblems(ps: readonly DenseLp[]): void {
  if (!Array.isArray(ps)) throw new InvalidArgumentError('problems', `${typeof ps}, expected an array of DenseLp`);
}

/** Splits packed results into per-problem views (subarrays: no copy). */
export function unpackDenseLpResults(ps: readonly DenseLp[], r: PackedDenseLpResults): DenseLpResult[] {
  const out: DenseLpResult[] = new Array(ps.length);
  let on = 0;
  let om = 0;
  for (let k = 0; k < ps.length; k++) {
    const p = ps[k]!;
    const n = p.numCols;
    const m = p.numRows;
    out[k] = {
      status: STATUS_BY_CODE[r.status[k]!] ?? DenseLpStatus.NumericalError,
      objective: r.objective[k]!,
      x: r.x.subarray(on, on + n),
      colDual: r.colDual.subarray(on, on + n),
      rowActivity: r.rowActivity.subarray(om, om + m),
      rowDual: r.rowDual.subarray(om, om + m),
      basis: r.basis.subarray(on + om, on + om + n + m),
      iterations: r.iterations[k]!,
      phase1Iterations: r.phase1Iterations[k]!,
      primalInfeasibility: r.primalInfeasibility[k]!,
      dualInfeasibility: r.dualInfeasibility[k]!,
      warmStarted: r.warmStarted[k] === 1,
      basisRepairs: r.basisRepairs[k]!,
    };
    on += n;
    om += m;
  }
  return out;
}

function throwIfCancelled(signal: AbortSignal | undefined, r: PackedDenseLpResults | undefined): void {
  const cancelledCode = STATUS_BY_CODE.indexOf(DenseLpStatus.Cancelled);
  if (signal?.aborted || (r && r.status.includes(cancelledCode))) {
    throw new CancelledError('dense LP solve cancelled', { cause: signal?.reason });
  }
}

/** Solves a batch synchronously; results packed (see PackedDenseLpResults). */
export function solveDenseLpBatchPacked(ps: readonly DenseLp[], options?: DenseLpOptions): PackedDenseLpResults {
  checkProblems(ps);
  const o = compileDenseLpOptions(options);
  throwIfCancelled(o.signal, undefined);
  let buf: ArrayBuffer;
  try {
    buf = native().denseLpSolveBatch(ps, nativeSettings(o));
  } catch (err) {
    throw mapNativeError(err, false);
  }
  return packedViews(ps, buf);
}

/** Solves a batch synchronously (blocks this thread; meant for worker_threads). */
export function solveDenseLpBatch(ps: readonly DenseLp[], options?: DenseLpOptions): DenseLpResult[] {
  return unpackDenseLpResults(ps, solveDenseLpBatchPacked(ps, options));
}

/** Solves one problem synchronously. */
export function solveDenseLp(p: DenseLp, options?: DenseLpOptions): DenseLpResult {
  if (p === null || typeof p !== 'object') throw new InvalidArgumentError('problem', `${String(p)}, expected a DenseLp object`);
  const o = compileDenseLpOptions(options);
  throwIfCancelled(o.signal, undefined);
  const ps = [p];
  let buf: ArrayBuffer;
  try {
    buf = native().denseLpSolveBatch(ps, nativeSettings({ ...o, threads: 1 }));
  } catch (err) {
    throw mapNativeError(err, true);
  }
  return unpackDenseLpResults(ps, packedViews(ps, buf))[0]!;
}

/** Solves a batch on the libuv thread pool (plus the batch's own threads); packed results. */
export async function solveDenseLpBatchPackedAsync(ps: readonly DenseLp[], options?: DenseLpOptions): Promise<PackedDenseLpResults> {
  checkProblems(ps);
  const o = compileDenseLpOptions(options);
  throwIfCancelled(o.signal, undefined);
  let cancel: Int32Array | undefined;
  let onAbort: (() => void) | undefined;
  if (o.signal) {
    // Shared memory so the flag written here is seen by the native threads polling it.
    const flag = new Int32Array(new SharedArrayBuffer(4));
    cancel = flag;
    onAbort = () => Atomics.store(flag, 0, 1);
    o.signal.addEventListener('abort', onAbort, { once: true });
  }
  try {
    let pending: Promise<ArrayBuffer>;
    try {
      pending = native().denseLpSolveBatchAsync(ps, nativeSettings(o), cancel);
    } catch (err) {
      throw mapNativeError(err, false);
    }
    let buf: ArrayBuffer;
    try {
      buf = await pending;
    } catch (err) {
      throw mapNativeError(err, false);
    }
    const r = packedViews(ps, buf);
    throwIfCancelled(o.signal, r);
    return r;
  } finally {
    if (onAbort) o.signal?.removeEventListener('abort', onAbort);
  }
}

/** Solves a batch on the libuv thread pool; never blocks the event loop. */
export async function solveDenseLpBatchAsync(ps: readonly DenseLp[], options?: DenseLpOptions): Promise<DenseLpResult[]> {
  return unpackDenseLpResults(ps, await solveDenseLpBatchPackedAsync(ps, options));
}
