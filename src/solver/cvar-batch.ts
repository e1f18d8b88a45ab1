/**
 * One rebalance date of the reference's (alpha, mu) sweep in one native call: the CVaR LPs of all
 * cells on the date's window (shared matrix), the reference's fallback rule (target unreachable,
 * or, as in hppo_ref.py, an LP with the target reported infeasible: solve without the return row),
 * chained warm starts between cells, and the reference's weight post-processing (clip at 0, divide
 * by numpy's sum). What the sweep engine calls per date; see ../shared/reference/README.md.
 */
import { buildCvarLps, buildReferenceCvarLps, crashBasis, cvarWeights, type CvarCell, type ScenarioWindow } from './cvar-lp.js';
import {
  DenseLpStatus,
  solveDenseLpBatch,
  solveDenseLpBatchAsync,
  type DenseLp,
  type DenseLpOptions,
  type DenseLpResult,
} from './small-lp.js';

export interface CvarBatchOptions extends DenseLpOptions {
  /** Default 252. */
  periodsPerYear?: number;
  /** Start the first problem of each chain (which has no predecessor to warm start from) from
   *  cvarStartBasis, a feasible vertex: about 19 instead of 47 pivots on the reference's LPs. Default true. */
  crash?: boolean;
}

export interface CvarBatchResult {
  /** Per cell: the weights of the window's assets after the reference's post-processing. */
  weights: Float64Array[];
  /** Per cell: the target was unreachable (or reported infeasible) and the LP without it was solved. */
  fallback: boolean[];
  /** Per cell: the solver's result (status, objective = CVaR, x = [w, t, u], basis for warm starts). */
  results: DenseLpResult[];
  /** Simplex iterations over all cells (including any re-solve of a border case). */
  iterations: number;
}

function defaults(o: CvarBatchOptions | undefined): DenseLpOptions {
  const { periodsPerYear: _p, crash: _c, ...rest } = o ?? {};
  return { chainWarmStart: true, ...rest };
}

/** The date's LPs; chain heads (or every problem without chaining) get the crash basis. */
function build(window: ScenarioWindow, cells: readonly CvarCell[], o: CvarBatchOptions | undefined): { problems: DenseLp[]; fallback: boolean[] } {
  const periods = o?.periodsPerYear ?? 252;
  const { problems, fallback, means } = buildReferenceCvarLps(window, cells, periods);
  if (o?.crash ?? true) {
    const chained = o?.chainWarmStart ?? true;
    const chainLength = o?.chainLength ?? 16;
    problems.forEach((p, k) => {
      if (!chained || k % chainLength === 0) {
        const spec = { alpha: cells[k]!.alpha, targetAnnualReturn: fallback[k] ? null : cells[k]!.mu, periodsPerYear: periods };
        problems[k] = { ...p, basis: crashBasis(window, spec, means) };
      }
    });
  }
  return { problems, fallback };
}

/** Re-solves without the return row the cells whose LP with the target came back infeasible. */
function borderCells(results: DenseLpResult[], fallback: boolean[]): number[] {
  const out: number[] = [];
  results.forEach((r, k) => {
    if (!fallback[k] && r.status === DenseLpStatus.Infeasible) out.push(k);
  });
  return out;
}

function assemble(window: ScenarioWindow, results: DenseLpResult[], fallback: boolean[]): CvarBatchResult {
  let iterations = 0;
  for (const r of results) iterations += r.iterations;
  return { weights: results.map((r) => cvarWeights(r.x, window.numAssets)), fallback, results, iterations };
}

/** Synchronous (blocks the calling thread: use inside worker_threads, e.g. with threads: 1). */
export function solveReferenceCvarBatch(window: ScenarioWindow, cells: readonly CvarCell[], options?: CvarBatchOptions): CvarBatchResult {
  const periods = options?.periodsPerYear ?? 252;
  const { problems, fallback } = build(window, cells, options);
  const results = solveDenseLpBatch(problems, defaults(options));
  const border = borderCells(results, fallback);
  if (border.length > 0) {
    const again: DenseLp[] = buildCvarLps(window, border.map((k) => ({ alpha: cells[k]!.alpha, targetAnnualReturn: null, periodsPerYear: periods })));
    const re = solveDenseLpBatch(again, defaults(options));
    border.forEach((k, i) => {
      results[k] = { ...re[i]!, iterations: re[i]!.iterations + results[k]!.iterations };
      fallback[k] = true;
    });
  }
  return assemble(window, results, fallback);
}

/** Asynchronous (libuv pool; the event loop stays free). */
export async function solveReferenceCvarBatchAsync(
  window: ScenarioWindow,
  cells: readonly CvarCell[],
  options?: CvarBatchOptions,
): Promise<CvarBatchResult> {
  const periods = options?.periodsPerYear ?? 252;
  const { problems, fallback } = build(window, cells, options);
  const results = await solveDenseLpBatchAsync(problems, defaults(options));
  const border = borderCells(results, fallback);
  if (border.length > 0) {
    const again = buildCvarLps(window, border.map((k) => ({ alpha: cells[k]!.alpha, targetAnnualReturn: null, periodsPerYear: periods })));
    const re = await solveDenseLpBatchAsync(again, defaults(options));
    border.forEach((k, i) => {
      results[k] = { ...re[i]!, iterations: re[i]!.iterations + results[k]!.iterations };
      fallback[k] = true;
    });
  }
  return assemble(window, results, fallback);
}
