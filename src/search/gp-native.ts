/**
 * The native (C++) GP negative log posterior: the same maths and result as `gpNegLogPosterior` in
 * gp.ts (to rounding), about an order of magnitude faster, for the hyperparameter fit's L-BFGS.
 * Synchronous: one call costs microseconds. Unlike gp.ts it needs no workspace: the addon keeps
 * one per thread and caches the pairwise differences of X by content.
 *
 * Off when the addon is not built or fails to load, or with HPPO_GP_NATIVE=0 (decided once per
 * process; callers then use gp.ts).
 */
import { loadNative } from '../solver/native.js';

/**
 * (X n×d row-major, y length >= n, n, d, θ length d+2, gradient out length d+2 or null) → value;
 * +Infinity when no jitter makes the covariance factorizable. Throws TypeError / RangeError on
 * bad arguments (lengths, non-integer or < 1 sizes).
 */
export type GpNegLogPosteriorFn = (X: Float64Array, y: Float64Array, n: number, d: number, theta: Float64Array, grad: Float64Array | null) => number;

let resolved: GpNegLogPosteriorFn | null | undefined;

/** The native evaluator, or null when it is unavailable or disabled (never throws). */
export function nativeGpNegLogPosterior(): GpNegLogPosteriorFn | null {
  if (resolved !== undefined) return resolved;
  resolved = null;
  if (process.env['HPPO_GP_NATIVE'] === '0') return resolved;
  try {
    const fn = loadNative()['gpNegLogPosterior'];
    if (typeof fn === 'function') resolved = fn as GpNegLogPosteriorFn;
  } catch {
    // Not built or not loadable: the TS implementation is used.
  }
  return resolved;
}

/**
 * The whole multi-start fit in one native call (native/core/gp/gp_fit.cc: lbfgs.ts's algorithm
 * step for step on the native likelihood): (X, y, n, d, starts nStarts×(d+2), nStarts, lower,
 * upper, maxIterations, gradientTolerance, functionTolerance, thetaOut) → the best value (+Infinity
 * when no start was finite; thetaOut then untouched). Throws TypeError / RangeError on bad arguments.
 */
export type GpFitFn = (
  X: Float64Array, y: Float64Array, n: number, d: number, starts: Float64Array, nStarts: number,
  lower: Float64Array, upper: Float64Array, maxIterations: number, gradientTolerance: number, functionTolerance: number,
  thetaOut: Float64Array,
) => number;

let resolvedFit: GpFitFn | null | undefined;

/** The native fit, or null when the addon is unavailable or HPPO_GP_NATIVE=0 (never throws). */
export function nativeGpFit(): GpFitFn | null {
  if (resolvedFit !== undefined) return resolvedFit;
  resolvedFit = null;
  if (nativeGpNegLogPosterior() === null) return resolvedFit;
  const fn = loadNative()['gpFitHyperparameters'];
  if (typeof fn === 'function') resolvedFit = fn as GpFitFn;
  return resolvedFit;
}
