/**
 * Quadratic programs with separable convex transaction costs through the native ADMM solver
 * (native/core/admm, OSQP-style), off the event loop.
 *
 *     minimize   offset + 1/2 x'Px + q'x + sum_i f_i(x_i)
 *     subject to l <= A x <= u,   lb <= x <= ub
 *
 * P is sparse (`P`, upper triangle CSC) or a factor model (`factor`: P = F F' + diag(d), F n x k
 * row-major). The costs f_i are around a previous holding x0_i (t = x_i - x0_i): proportional
 * (buy/sell rates), quadratic, 3/2-power market impact, or piecewise linear; each is handled by its
 * exact prox inside the splitting. Outcomes (optimal, infeasible, limits) are statuses; bad input
 * throws InvalidArgumentError; an aborted signal rejects with CancelledError.
 */
import { runNativeJob, mapNativeError } from './native-job.js';
import { CancelledError, InvalidArgumentError } from '../errors.js';
import type { MpsProblem } from './mps.js';
import { loadNative } from './native.js';

export const QpStatus = {
  Optimal: 'optimal',
  PrimalInfeasible: 'primal_infeasible',
  DualInfeasible: 'dual_infeasible',
  IterationLimit: 'iteration_limit',
  TimeLimit: 'time_limit',
} as const;
export type QpStatus = (typeof QpStatus)[keyof typeof QpStatus];

/** Compressed sparse columns; row indices strictly increasing within a column. */
export interface CscData {
  colPtr: Int32Array;
  rowIdx: Int32Array;
  values: Float64Array;
}

export interface QpCosts {
  /** Reference (current) holding; default 0. */
  x0?: Float64Array;
  /** Proportional rate on buys (t > 0), >= 0. */
  buy?: Float64Array;
  /** Proportional rate on sells (t < 0), >= 0. */
  sell?: Float64Array;
  /** 1/2 quad t^2, >= 0. */
  quad?: Float64Array;
  /** impact |t|^(3/2) market impact, >= 0. */
  impact?: Float64Array;
  /**
   * Convex piecewise-linear cost f(t) = integral_0^t slope: variable j has breakpoints
   * breaks[ptr[j] .. ptr[j+1]) (increasing, in t) and slopes slopes[ptr[j]+j .. ptr[j+1]+j+1)
   * (one more than its breakpoints, nondecreasing). Not combined with the other terms on one variable.
   */
  piecewiseLinear?: { ptr: Int32Array; breaks: Float64Array; slopes: Float64Array };
}

export interface QpProblem {
  n: number;
  m: number;
  /** Upper triangle of P (CSC, n x n). Omit for a linear objective or when `factor` is given. */
  P?: CscData;
  /** P = F F' + diag(d): F is n x k row-major, d >= 0 (default 0). */
  factor?: { F: Float64Array; k: number; d?: Float64Array };
  q: Float64Array;
  offset?: number;
  /** m x n constraint matrix (CSC). */
  A?: CscData;
  l: Float64Array;
  u: Float64Array;
  lb?: Float64Array;
  ub?: Float64Array;
  costs?: QpCosts;
}

export type QpDevice = 'auto' | 'cpu' | 'cuda';

export interface QpSettings {
  /** Absolute and relative residual tolerance (OSQP's eps_abs = eps_rel). Default 1e-4, range [1e-12, 1e-1]. */
  tolerance?: number;
  /** Wall-clock limit, seconds. Default none. */
  timeLimitSec?: number;
  /** ADMM iteration limit. Default 100000. */
  maxIter?: number;
  /**
   * 'auto' | 'cpu' | 'cuda'. 'cuda' runs the factor-form x-step on the GPU (falls back to the CPU
   * with a warning when there is no device or P is sparse); 'auto' (default) uses the CPU.
   */
  device?: QpDevice;
  /** Active-set polishing after convergence (accepted only with an optimality certificate). Default true. */
  polish?: boolean;
  /** Initial step (scaled problem). Default 10 (fastest on the factor-form portfolio QPs; OSQP uses 0.1). */
  rho?: number;
  /** Over-relaxation in (0, 2). Default 1.6. */
  alpha?: number;
  /** Adaptive rho from the residual ratio. Default true. */
  adaptiveRho?: boolean;
  /** Ruiz equilibration passes. Default 10. */
  scalingIters?: number;
  /** Iterations between termination checks. Default 10. */
  checkInterval?: number;
  /** Minimum time between progress callbacks, ms. Default 250. */
  progressIntervalMs?: number;
  /** Warm start (e.g. the previous rebalance's solution). */
  warmStart?: { x?: Float64Array; y?: Float64Array; yVar?: Float64Array };
}

export interface CompiledQpSettings {
  epsAbs: number;
  epsRel: number;
  timeLimitSec: number;
  maxIter: number;
  device: QpDevice;
  polish: boolean;
  rho: number;
  alpha: number;
  adaptiveRho: boolean;
  scalingIters: number;
  checkInterval: number;
  progressIntervalSec: number;
  warmStartX: Float64Array | undefined;
  warmStartY: Float64Array | undefined;
  warmStartYVar: Float64Array | undefined;
}

export interface QpProgress {
  iteration: number;
  primalResidual: number;
  dualResidual: number;
  /** Objective of the current iterate (without offset). */
  objective: number;
  rho: number;
  elapsedSec: number;
}

export interface QpResult {
  status: QpStatus;
  /** Primal point (best iterate for limit statuses). */
  x: Float64Array;
  /** Constraint multipliers (> 0 at an active upper bound, < 0 at a lower one). */
  y: Float64Array;
  /** Multipliers of the variable bounds plus cost subgradients. */
  yVar: Float64Array;
  /** offset + 1/2 x'Px + q'x + sum f(x). */
  objective: number;
  dualObjective: number;
  /** |objective - dualObjective|. */
  gap: number;
  /** ||Ax - z||_inf over the constraint and bound rows (original units). */
  primalResidual: number;
  /** ||Px + q + A'y + yVar||_inf (original units). */
  dualResidual: number;
  iterations: number;
  rhoUpdates: number;
  setupSeconds: number;
  solveSeconds: number;
  polishSeconds: number;
  /** true: polished solution accepted; false: polishing rejected; null: not run. */
  polished: boolean | null;
  backend: 'cpu' | 'cuda';
  /** Linear-system path: 'cpu/woodbury', 'cuda/woodbury' (factor form) or 'cpu/kkt-ldl' (sparse). */
  device: string;
  /** Infeasibility certificate: primal -> y, yVar; dual -> x. */
  certificate?: { x?: Float64Array; y?: Float64Array; yVar?: Float64Array };
  warnings: string[];
}

export interface SolveQpOptions {
  signal?: AbortSignal;
  onProgress?: (p: QpProgress) => void;
}

interface NativeQpResult {
  status: QpStatus | 'cancelled';
  x: Float64Array;
  y: Float64Array;
  yVar: Float64Array;
  objective: number;
  dualObjective: number;
  gap: number;
  primalResidual: number;
  dualResidual: number;
  iterations: number;
  rhoUpdates: number;
  setupSeconds: number;
  solveSeconds: number;
  polishSeconds: number;
  polished: number;
  backend: string;
  message: string;
  warnings: string[];
  xCert?: Float64Array;
  yCert?: Float64Array;
  yVarCert?: Float64Array;
}
interface NativeAdmm {
  admmSolve(problem: unknown, settings: unknown, onProgress?: (p: QpProgress) => void): { promise: Promise<NativeQpResult>; cancel: () => void };
}

function num(v: unknown, field: string, def: number, min: number, max: number, integer = false): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max || (integer && Number.isFinite(v) && !Number.isInteger(v))) {
    throw new InvalidArgumentError(field, `${String(v)}, expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`);
  }
  return v;
}

export function compileQpSettings(s: QpSettings = {}): CompiledQpSettings {
  const device = s.device ?? 'auto';
  if (device !== 'auto' && device !== 'cpu' && device !== 'cuda') {
    throw new InvalidArgumentError('settings.device', `${JSON.stringify(device)}, expected 'auto', 'cpu' or 'cuda'`);
  }
  const tol = num(s.tolerance, 'settings.tolerance', 1e-4, 1e-12, 1e-1);
  const timeLimitSec = num(s.timeLimitSec, 'settings.timeLimitSec', 0, 0, Infinity);
  return {
    epsAbs: tol,
    epsRel: tol,
    timeLimitSec: Number.isFinite(timeLimitSec) ? timeLimitSec : 0,
    maxIter: num(s.maxIter, 'settings.maxIter', 100000, 1, 1e15, true),
    device,
    polish: s.polish ?? true,
    rho: num(s.rho, 'settings.rho', 10, 1e-6, 1e6),
    alpha: num(s.alpha, 'settings.alpha', 1.6, 1e-3, 1.999),
    adaptiveRho: s.adaptiveRho ?? true,
    scalingIters: num(s.scalingIters, 'settings.scalingIters', 10, 0, 100, true),
    checkInterval: num(s.checkInterval, 'settings.checkInterval', 10, 1, 1e6, true),
    progressIntervalSec: num(s.progressIntervalMs, 'settings.progressIntervalMs', 250, 0, 1e9) / 1000,
    warmStartX: s.warmStart?.x,
    warmStartY: s.warmStart?.y,
    warmStartYVar: s.warmStart?.yVar,
  };
}

function checkArray(v: unknown, field: string, len: number): void {
  if (!(v instanceof Float64Array)) throw new InvalidArgumentError(field, 'expected a Float64Array');
  if (v.length !== len) throw new InvalidArgumentError(field, `length ${v.length}, expected ${len}`);
}

function checkCsc(v: CscData | undefined, field: string, cols: number): void {
  if (v === undefined) return;
  if (typeof v !== 'object' || v === null) throw new InvalidArgumentError(field, 'expected {colPtr, rowIdx, values}');
  if (!(v.colPtr instanceof Int32Array)) throw new InvalidArgumentError(`${field}.colPtr`, 'expected an Int32Array');
  if (!(v.rowIdx instanceof Int32Array)) throw new InvalidArgumentError(`${field}.rowIdx`, 'expected an Int32Array');
  if (v.colPtr.length !== cols + 1) throw new InvalidArgumentError(`${field}.colPtr`, `length ${v.colPtr.length}, expected ${cols + 1}`);
  checkArray(v.values, `${field}.values`, v.rowIdx.length);
}


/** Solves a QP with ADMM off the event loop. */
export async function solveQp(problem: QpProblem, settings: QpSettings = {}, options: SolveQpOptions = {}): Promise<QpResult> {
  const s = compileQpSettings(settings);
  const { signal, onProgress } = options;
  if (signal?.aborted) throw new CancelledError('QP solve cancelled before start', { cause: signal.reason });
  if (problem === null || typeof problem !== 'object') throw new InvalidArgumentError('problem', 'expected an object');
  const { n, m } = problem;
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('problem.n', `${String(n)}, expected an integer >= 1`);
  if (!Number.isInteger(m) || m < 0) throw new InvalidArgumentError('problem.m', `${String(m)}, expected an integer >= 0`);
  checkArray(problem.q, 'problem.q', n);
  checkArray(problem.l, 'problem.l', m);
  checkArray(problem.u, 'problem.u', m);
  if (problem.lb !== undefined) checkArray(problem.lb, 'problem.lb', n);
  if (problem.ub !== undefined) checkArray(problem.ub, 'problem.ub', n);
  checkCsc(problem.P, 'problem.P', n);
  checkCsc(problem.A, 'problem.A', n);
  if (m > 0 && problem.A === undefined) throw new InvalidArgumentError('problem.A', `missing while m = ${m}`);
  if (problem.P !== undefined && problem.factor !== undefined) throw new InvalidArgumentError('problem', 'give P or factor, not both');
  const f = problem.factor;
  if (f !== undefined) {
    if (!Number.isInteger(f.k) || f.k < 0) throw new InvalidArgumentError('problem.factor.k', `${String(f.k)}, expected an integer >= 0`);
    checkArray(f.F, 'problem.factor.F', n * f.k);
    if (f.d !== undefined) checkArray(f.d, 'problem.factor.d', n);
  }
  const c = problem.costs;
  if (c !== undefined) {
    for (const key of ['x0', 'buy', 'sell', 'quad', 'impact'] as const) {
      const v = c[key];
      if (v !== undefined) checkArray(v, `problem.costs.${key}`, n);
    }
    const pwl = c.piecewiseLinear;
    if (pwl !== undefined) {
      if (!(pwl.ptr instanceof Int32Array) || pwl.ptr.length !== n + 1) throw new InvalidArgumentError('problem.costs.piecewiseLinear.ptr', `expected an Int32Array of length ${n + 1}`);
      const nb = pwl.ptr[n]!;
      checkArray(pwl.breaks, 'problem.costs.piecewiseLinear.breaks', nb);
      checkArray(pwl.slopes, 'problem.costs.piecewiseLinear.slopes', nb + n);
    }
  }
  if (s.warmStartX) checkArray(s.warmStartX, 'settings.warmStart.x', n);
  if (s.warmStartY) checkArray(s.warmStartY, 'settings.warmStart.y', m);
  if (s.warmStartYVar) checkArray(s.warmStartYVar, 'settings.warmStart.yVar', n);
  const native = loadNative() as unknown as NativeAdmm;
  const nativeProblem = {
    n,
    m,
    P: problem.P,
    F: f?.F,
    k: f?.k,
    d: f?.d,
    q: problem.q,
    A: problem.A,
    l: problem.l,
    u: problem.u,
    lb: problem.lb,
    ub: problem.ub,
    costs: c === undefined ? undefined : {
      x0: c.x0,
      buy: c.buy,
      sell: c.sell,
      quad: c.quad,
      impact: c.impact,
      pwlPtr: c.piecewiseLinear?.ptr,
      pwlBreaks: c.piecewiseLinear?.breaks,
      pwlSlopes: c.piecewiseLinear?.slopes,
    },
  };
  const r = await runNativeJob<NativeQpResult>('admm', 'QP solve', () => native.admmSolve(nativeProblem, s, onProgress), signal);
  const offset = problem.offset ?? 0;
  const result: QpResult = {
    status: r.status,
    x: r.x,
    y: r.y,
    yVar: r.yVar,
    objective: offset + r.objective,
    dualObjective: offset + r.dualObjective,
    gap: r.gap,
    primalResidual: r.primalResidual,
    dualResidual: r.dualResidual,
    iterations: r.iterations,
    rhoUpdates: r.rhoUpdates,
    setupSeconds: r.setupSeconds,
    solveSeconds: r.solveSeconds,
    polishSeconds: r.polishSeconds,
    polished: r.polished === 0 ? null : r.polished > 0,
    backend: r.backend.startsWith('cuda/') ? 'cuda' : 'cpu',
    device: r.backend,
    warnings: r.warnings,
  };
  if (r.xCert || r.yCert || r.yVarCert) {
    result.certificate = {};
    if (r.xCert) result.certificate.x = r.xCert;
    if (r.yCert) result.certificate.y = r.yCert;
    if (r.yVarCert) result.certificate.yVar = r.yVarCert;
  }
  return result;
}

/** CSR -> CSC (row indices increasing within each column). */
export function csrToCsc(numRows: number, numCols: number, rowPtr: Int32Array, colIdx: Int32Array, values: Float64Array): CscData {
  const colPtr = new Int32Array(numCols + 1);
  for (let p = 0; p < colIdx.length; p++) colPtr[colIdx[p]! + 1]!++;
  for (let j = 0; j < numCols; j++) colPtr[j + 1]! += colPtr[j]!;
  const next = colPtr.slice(0, numCols);
  const rowIdx = new Int32Array(colIdx.length);
  const vals = new Float64Array(colIdx.length);
  for (let i = 0; i < numRows; i++) {
    for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) {
      const j = colIdx[p]!;
      const dst = next[j]!++;
      rowIdx[dst] = i;
      vals[dst] = values[p]!;
    }
  }
  return { colPtr, rowIdx, values: vals };
}

/**
 * The QP of a parsed MPS/QPS file (objective offset + c'x + 1/2 x'Qx; a 'max' file is negated,
 * which makes it convex only when Q is negative semidefinite).
 */
export function qpFromMps(p: MpsProblem): QpProblem {
  const max = p.sense === 'max';
  const q = new Float64Array(p.c);
  if (max) for (let j = 0; j < q.length; j++) q[j] = -q[j]!;
  let P: CscData | undefined;
  if (p.Q && p.Q.values.length > 0) {
    const values = new Float64Array(p.Q.values);
    if (max) for (let i = 0; i < values.length; i++) values[i] = -values[i]!;
    P = { colPtr: p.Q.colPtr, rowIdx: p.Q.rowIdx, values };
  }
  const qp: QpProblem = {
    n: p.numCols,
    m: p.numRows,
    q,
    offset: max ? -p.offset : p.offset,
    A: csrToCsc(p.numRows, p.numCols, p.A.rowPtr, p.A.colIdx, p.A.values),
    l: p.rowLower,
    u: p.rowUpper,
    lb: p.colLower,
    ub: p.colUpper,
  };
  if (P) qp.P = P;
  return qp;
}
