/**
 * Linear programs through the native PDLP solver (native/core/pdlp): restarted Halpern PDHG on
 * the CPU (thread pool) or a CUDA GPU, off the event loop.
 *
 *     minimize (or maximize)  offset + c'x
 *     subject to  rowLower <= A x <= rowUpper,  colLower <= x <= colUpper
 *
 * A is CSR (`A`) plus an optional dense row-major block (`dense`, e.g. the S x n scenario returns
 * of a CVaR LP). With `denseBlock: 'auto'` (default) a dense block hidden in the CSR is detected
 * and streamed as dense. Outcomes (optimal, infeasible, unbounded, limits) are statuses; bad input
 * throws InvalidArgumentError; an aborted signal rejects with CancelledError.
 */
import { runNativeJob, mapNativeError } from './native-job.js';
import { CancelledError, InvalidArgumentError } from '../errors.js';
import type { MpsProblem } from './mps.js';
import { loadNative } from './native.js';

export const LpStatus = {
  Optimal: 'optimal',
  PrimalInfeasible: 'primal_infeasible',
  DualInfeasible: 'dual_infeasible',
  IterationLimit: 'iteration_limit',
  TimeLimit: 'time_limit',
  NumericalError: 'numerical_error',
} as const;
export type LpStatus = (typeof LpStatus)[keyof typeof LpStatus];

export interface LpProblem {
  numRows: number;
  numCols: number;
  sense?: 'min' | 'max';
  c: Float64Array;
  offset?: number;
  /** Sparse part, CSR (column indices strictly increasing per row). Omit when all is dense. */
  A?: { rowPtr: Int32Array; colIdx: Int32Array; values: Float64Array };
  /** Dense row-major block at (row0, col0); the CSR must have no entries inside it. */
  dense?: { row0: number; col0: number; rows: number; cols: number; data: Float64Array | Float32Array };
  rowLower: Float64Array;
  rowUpper: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
}

export type LpDevice = 'auto' | 'cpu' | 'cuda';

export interface LpSettings {
  /** Relative primal residual, dual residual and gap tolerance. Default 1e-4, range [1e-10, 1e-1]. */
  tolerance?: number;
  /** Wall-clock limit for setup + iterations, seconds. Default: none. */
  timeLimitSec?: number;
  /** PDHG iteration limit. Default 1e9. */
  iterationLimit?: number;
  /** 'auto' (default: CUDA when a device is present, else CPU), 'cpu' or 'cuda' (falls back to CPU with a warning). */
  device?: LpDevice;
  /** CPU backend threads; default all cores. */
  cpuThreads?: number;
  /** 'auto' (default) detects a dense block in the CSR; 'off' keeps CSR. */
  denseBlock?: 'auto' | 'off';
  /** Store a detected dense block as float32 (products still accumulate in float64). Default false. */
  denseFloat32?: boolean;
  /** Warm start from a primal and/or dual point (in the problem's own sense). */
  warmStart?: { x?: Float64Array; y?: Float64Array };
  /** Minimum time between progress callbacks, ms. Default 1000. */
  progressIntervalMs?: number;
  /** Iterations between termination checks. Default 64. */
  checkEvery?: number;
  /** Algorithm knobs for experiments (see native/core/pdlp/pdlp.h `Settings`): restartSufficient,
   *  restartNecessary, restartArtificial, primalWeightSmoothing, initialPrimalWeightScale,
   *  stepSizeSafety, reflection, ruizIterations, pockChambolle, boundObjectiveRescaling. */
  advanced?: Partial<Record<AdvancedKnob, number | boolean>>;
}

const ADVANCED_KNOBS = [
  'restartSufficient',
  'restartNecessary',
  'restartArtificial',
  'primalWeightSmoothing',
  'initialPrimalWeightScale',
  'stepSizeSafety',
  'reflection',
  'ruizIterations',
  'pockChambolle',
  'boundObjectiveRescaling',
] as const;
export type AdvancedKnob = (typeof ADVANCED_KNOBS)[number];

export interface CompiledLpSettings {
  tolerance: number;
  timeLimitSec: number;
  iterationLimit: number;
  device: LpDevice;
  cpuThreads: number;
  denseBlock: 'auto' | 'off';
  denseFloat32: boolean;
  warmStartX: Float64Array | undefined;
  warmStartY: Float64Array | undefined;
  progressIntervalSec: number;
  checkEvery: number;
  advanced: Partial<Record<AdvancedKnob, number | boolean>>;
}

export interface LpProgress {
  iteration: number;
  primalResidual: number;
  dualResidual: number;
  gap: number;
  primalObjective: number;
  dualObjective: number;
  elapsedSec: number;
  primalWeight: number;
}

export interface LpResult {
  status: LpStatus;
  /** Primal point (best iterate for limit statuses). */
  x: Float64Array;
  /** Row duals, in the problem's sense (for a min problem: >= 0 on active lower bounds). */
  y: Float64Array;
  /** c - A'y. */
  reducedCosts: Float64Array;
  /** offset + c'x, in the problem's own sense. */
  objective: number;
  dualObjective: number;
  /** ||Ax - proj(Ax)||_2 / (1 + ||b||_2). */
  primalResidual: number;
  /** ||c - A'y - lambda||_2 / (1 + ||c||_2). */
  dualResidual: number;
  /** |obj - dualObj| / (1 + |obj| + |dualObj|). */
  gap: number;
  primalResidualAbs: number;
  dualResidualAbs: number;
  gapAbs: number;
  iterations: number;
  restarts: number;
  setupSeconds: number;
  solveSeconds: number;
  backend: 'cpu' | 'cuda';
  device: string;
  denseBlock: { rows: number; cols: number; float32: boolean } | null;
  warnings: string[];
}

export interface SolveLpOptions {
  signal?: AbortSignal;
  onProgress?: (p: LpProgress) => void;
}

interface NativeLpResult extends Omit<LpResult, 'objective' | 'status'> {
  status: LpStatus | 'cancelled';
  primalObjective: number;
}
interface NativePdlp {
  pdlpSolve(
    problem: unknown,
    settings: unknown,
    onProgress?: (p: LpProgress) => void,
  ): { promise: Promise<NativeLpResult>; cancel: () => void };
}

function num(v: unknown, field: string, def: number, min: number, max: number, integer = false): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max || (integer && Number.isFinite(v) && !Number.isInteger(v))) {
    throw new InvalidArgumentError(field, `${String(v)}, expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`);
  }
  return v;
}

export function compileLpSettings(s: LpSettings = {}): CompiledLpSettings {
  const device = s.device ?? 'auto';
  if (device !== 'auto' && device !== 'cpu' && device !== 'cuda') {
    throw new InvalidArgumentError('settings.device', `${JSON.stringify(device)}, expected 'auto', 'cpu' or 'cuda'`);
  }
  const denseBlock = s.denseBlock ?? 'auto';
  if (denseBlock !== 'auto' && denseBlock !== 'off') {
    throw new InvalidArgumentError('settings.denseBlock', `${JSON.stringify(denseBlock)}, expected 'auto' or 'off'`);
  }
  const timeLimitSec = num(s.timeLimitSec, 'settings.timeLimitSec', Infinity, Number.MIN_VALUE, Infinity);
  return {
    tolerance: num(s.tolerance, 'settings.tolerance', 1e-4, 1e-10, 1e-1),
    timeLimitSec: Number.isFinite(timeLimitSec) ? timeLimitSec : 1e30,
    iterationLimit: num(s.iterationLimit, 'settings.iterationLimit', 1e9, 0, 1e15, true),
    device,
    cpuThreads: num(s.cpuThreads, 'settings.cpuThreads', 0, 0, 1024, true),
    denseBlock,
    denseFloat32: s.denseFloat32 ?? false,
    warmStartX: s.warmStart?.x,
    warmStartY: s.warmStart?.y,
    progressIntervalSec: num(s.progressIntervalMs, 'settings.progressIntervalMs', 1000, 0, 1e9) / 1000,
    checkEvery: num(s.checkEvery, 'settings.checkEvery', 64, 1, 1e6, true),
    advanced: compileAdvanced(s.advanced),
  };
}

function compileAdvanced(a: LpSettings['advanced']): CompiledLpSettings['advanced'] {
  const out: CompiledLpSettings['advanced'] = {};
  if (a === undefined) return out;
  for (const [k, v] of Object.entries(a)) {
    if (!(ADVANCED_KNOBS as readonly string[]).includes(k)) {
      throw new InvalidArgumentError(`settings.advanced.${k}`, `unknown knob, expected one of ${ADVANCED_KNOBS.join(', ')}`);
    }
    if (typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new InvalidArgumentError(`settings.advanced.${k}`, `${String(v)}, expected a finite number or a boolean`);
    }
    out[k as AdvancedKnob] = v;
  }
  return out;
}

function checkArray(v: unknown, field: string, len: number): void {
  if (!(v instanceof Float64Array)) throw new InvalidArgumentError(field, `expected a Float64Array`);
  if (v.length !== len) throw new InvalidArgumentError(field, `length ${v.length}, expected ${len}`);
}


const negate = (a: Float64Array): Float64Array => {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = -a[i]!;
  return out;
};

/** Solves an LP with PDLP off the event loop. */
export async function solveLp(problem: LpProblem, settings: LpSettings = {}, options: SolveLpOptions = {}): Promise<LpResult> {
  const s = compileLpSettings(settings);
  const { signal, onProgress } = options;
  if (signal?.aborted) throw new CancelledError('LP solve cancelled before start', { cause: signal.reason });
  if (problem === null || typeof problem !== 'object') throw new InvalidArgumentError('problem', 'expected an object');
  const { numRows: m, numCols: n } = problem;
  if (!Number.isInteger(m) || m < 0) throw new InvalidArgumentError('problem.numRows', `${String(m)}, expected an integer >= 0`);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('problem.numCols', `${String(n)}, expected an integer >= 0`);
  checkArray(problem.c, 'problem.c', n);
  checkArray(problem.colLower, 'problem.colLower', n);
  checkArray(problem.colUpper, 'problem.colUpper', n);
  checkArray(problem.rowLower, 'problem.rowLower', m);
  checkArray(problem.rowUpper, 'problem.rowUpper', m);
  const sense = problem.sense ?? 'min';
  if (sense !== 'min' && sense !== 'max') throw new InvalidArgumentError('problem.sense', `${JSON.stringify(sense)}, expected 'min' or 'max'`);
  if (s.warmStartX) checkArray(s.warmStartX, 'settings.warmStart.x', n);
  if (s.warmStartY) checkArray(s.warmStartY, 'settings.warmStart.y', m);
  const max = sense === 'max';
  const native = loadNative() as unknown as NativePdlp;
  const nativeProblem = {
    numRows: m,
    numCols: n,
    c: max ? negate(problem.c) : problem.c,
    offset: max ? -(problem.offset ?? 0) : problem.offset ?? 0,
    A: problem.A,
    dense: problem.dense,
    rowLower: problem.rowLower,
    rowUpper: problem.rowUpper,
    colLower: problem.colLower,
    colUpper: problem.colUpper,
  };
  const nativeSettings = {
    ...s.advanced,
    ...s,
    warmStartX: s.warmStartX,
    warmStartY: s.warmStartY && max ? negate(s.warmStartY) : s.warmStartY,
  };
  const r = await runNativeJob<NativeLpResult>('pdlp', 'LP solve', () => native.pdlpSolve(nativeProblem, nativeSettings, onProgress), signal);
  const sign = max ? -1 : 1;
  return {
    status: r.status,
    x: r.x,
    y: max ? negate(r.y) : r.y,
    reducedCosts: max ? negate(r.reducedCosts) : r.reducedCosts,
    objective: sign * r.primalObjective,
    dualObjective: sign * r.dualObjective,
    primalResidual: r.primalResidual,
    dualResidual: r.dualResidual,
    gap: r.gap,
    primalResidualAbs: r.primalResidualAbs,
    dualResidualAbs: r.dualResidualAbs,
    gapAbs: r.gapAbs,
    iterations: r.iterations,
    restarts: r.restarts,
    setupSeconds: r.setupSeconds,
    solveSeconds: r.solveSeconds,
    backend: r.backend,
    device: r.device,
    denseBlock: r.denseBlock,
    warnings: r.warnings,
  };
}

/** The LP of a parsed MPS file (rejects a QPS file with a quadratic objective). */
export function lpFromMps(p: MpsProblem): LpProblem {
  if (p.Q && p.Q.values.length > 0) {
    throw new InvalidArgumentError('problem', `${p.name || 'MPS file'} has a quadratic objective (QUADOBJ/QMATRIX): use the QP solver`);
  }
  return {
    numRows: p.numRows,
    numCols: p.numCols,
    sense: p.sense,
    c: p.c,
    offset: p.offset,
    A: { rowPtr: p.A.rowPtr, colIdx: p.A.colIdx, values: p.A.values },
    rowLower: p.rowLower,
    rowUpper: p.rowUpper,
    colLower: p.colLower,
    colUpper: p.colUpper,
  };
}
