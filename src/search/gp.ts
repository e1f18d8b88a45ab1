/**
 * Gaussian-process regression for Bayesian optimization: Matérn 5/2 kernel with one lengthscale
 * per input (ARD), Gaussian noise, Cholesky with jitter, hyperparameters by maximizing the log
 * marginal likelihood (MAP with weak log-normal priors) with analytic gradients and multi-start
 * L-BFGS in log space. Flat Float64Array row-major buffers only (no per-element objects).
 *
 * θ = [log ℓ_1 .. log ℓ_d, log σ_f², log σ_n²] on inputs in [0,1]^d and standardized outputs.
 * k(x,x') = σ_f² (1 + √5 r + 5/3 r²) exp(-√5 r),  r² = Σ_k (x_k - x'_k)² / ℓ_k².
 */
import { nativeGpFit, nativeGpNegLogPosterior } from './gp-native.js';
import { lbfgsMinimize } from './lbfgs.js';

const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);

/** Bounds and prior (mean, sd) of each kind of hyperparameter, in log space. */
export const GP_HYPER = {
  lengthscale: { lower: Math.log(0.01), upper: Math.log(30), priorMean: Math.log(0.5), priorSd: 1.5 },
  signal: { lower: Math.log(0.01), upper: Math.log(100), priorMean: 0, priorSd: 1.5 },
  noise: { lower: Math.log(1e-6), upper: Math.log(1), priorMean: Math.log(1e-4), priorSd: 3 },
} as const;

/** Relative diagonal jitter tried in turn when a Cholesky factorization fails. */
const JITTERS = [0, 1e-10, 1e-8, 1e-6, 1e-4];

export function thetaSize(d: number): number {
  return d + 2;
}

export function defaultTheta(d: number): Float64Array {
  const t = new Float64Array(d + 2);
  t.fill(Math.log(0.5), 0, d);
  t[d] = 0;
  t[d + 1] = Math.log(1e-3);
  return t;
}

export function thetaBounds(d: number): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(d + 2);
  const upper = new Float64Array(d + 2);
  lower.fill(GP_HYPER.lengthscale.lower, 0, d);
  upper.fill(GP_HYPER.lengthscale.upper, 0, d);
  lower[d] = GP_HYPER.signal.lower;
  upper[d] = GP_HYPER.signal.upper;
  lower[d + 1] = GP_HYPER.noise.lower;
  upper[d + 1] = GP_HYPER.noise.upper;
  return { lower, upper };
}

/** In-place lower Cholesky of the leading n×n block (row stride `ld`); false if not positive definite. */
export function choleskyInPlace(A: Float64Array, n: number, ld: number, from = 0): boolean {
  for (let j = from; j < n; j++) {
    const rj = j * ld;
    for (let i = 0; i <= j; i++) {
      const ri = i * ld;
      let s = A[rj + i] as number;
      for (let k = 0; k < i; k++) s -= (A[rj + k] as number) * (A[ri + k] as number);
      if (i === j) {
        if (!(s > 0)) return false;
        A[rj + j] = Math.sqrt(s);
      } else {
        A[rj + i] = s / (A[ri + i] as number);
      }
    }
  }
  return true;
}

/** Solves L z = b in place (b becomes z). */
export function forwardSolve(L: Float64Array, n: number, ld: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * ld;
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (L[ri + k] as number) * (b[k] as number);
    b[i] = s / (L[ri + i] as number);
  }
}

/** Solves Lᵀ x = z in place. */
export function backwardSolve(L: Float64Array, n: number, ld: number, z: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i] as number;
    for (let k = i + 1; k < n; k++) s -= (L[k * ld + i] as number) * (z[k] as number);
    z[i] = s / (L[i * ld + i] as number);
  }
}

/**
 * Reusable buffers for likelihood evaluations at a fixed n, and the θ-independent part of the
 * covariance: per pair i > j (packed row by row) the squared differences per input, computed once
 * per training set (`prepare`), so an evaluation costs one exp per pair.
 */
export class GpWorkspace {
  readonly K: Float64Array;
  readonly Linv: Float64Array;
  readonly Kinv: Float64Array;
  readonly alpha: Float64Array;
  readonly row: Float64Array;
  /** Packed pairs: noise-free covariance, its r-derivative factor, squared differences (× d). */
  readonly E: Float64Array;
  readonly G: Float64Array;
  private D = new Float64Array(0);
  private preparedFor: Float64Array | null = null;
  private preparedD = 0;
  constructor(readonly n: number) {
    this.K = new Float64Array(n * n);
    this.Linv = new Float64Array(n * n);
    this.Kinv = new Float64Array(n * n);
    this.alpha = new Float64Array(n);
    this.row = new Float64Array(n);
    this.E = new Float64Array((n * (n - 1)) / 2);
    this.G = new Float64Array((n * (n - 1)) / 2);
  }

  /** Squared differences of the pairs of X (n×d row-major); cached for the same X buffer. */
  diffs(X: Float64Array, d: number): Float64Array {
    if (this.preparedFor === X && this.preparedD === d) return this.D;
    const n = this.n;
    if (this.D.length < ((n * (n - 1)) / 2) * d) this.D = new Float64Array(((n * (n - 1)) / 2) * d);
    const D = this.D;
    let q = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        for (let k = 0; k < d; k++) {
          const t = (X[i * d + k] as number) - (X[j * d + k] as number);
          D[q++] = t * t;
        }
      }
    }
    this.preparedFor = X;
    this.preparedD = d;
    return D;
  }
}

/**
 * Fills the lower triangle of K (stride n) with the Matérn 5/2 covariance plus noise on the
 * diagonal, and per packed pair E = the noise-free covariance and G = σ_f² (5/3)(1 + √5 r) e^{-√5 r}
 * (∂k/∂log ℓ_k = G · (x_k - x'_k)² / ℓ_k²).
 */
function buildCovariance(D: Float64Array, n: number, d: number, invL2: Float64Array, s2: number, noise: number, K: Float64Array, E: Float64Array, G: Float64Array): void {
  let p = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < i; j++, p++) {
      let r2 = 0;
      const dp = p * d;
      for (let k = 0; k < d; k++) r2 += (D[dp + k] as number) * (invL2[k] as number);
      const r = Math.sqrt(r2);
      const e = s2 * Math.exp(-SQRT5 * r);
      const kij = (1 + SQRT5 * r + (5 / 3) * r2) * e;
      K[ri + j] = kij;
      E[p] = kij;
      G[p] = (5 / 3) * (1 + SQRT5 * r) * e;
    }
    K[ri + i] = s2 + noise;
  }
}

/** Refills K from the packed covariance E (after a failed factorization) with a larger noise. */
function refillCovariance(E: Float64Array, n: number, s2: number, noise: number, K: Float64Array): void {
  let p = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < i; j++, p++) K[ri + j] = E[p] as number;
    K[ri + i] = s2 + noise;
  }
}

function logPrior(theta: Float64Array, d: number, grad: Float64Array | null): number {
  let lp = 0;
  for (let k = 0; k < d + 2; k++) {
    const h = k < d ? GP_HYPER.lengthscale : k === d ? GP_HYPER.signal : GP_HYPER.noise;
    const z = ((theta[k] as number) - h.priorMean) / h.priorSd;
    lp += 0.5 * z * z;
    if (grad) grad[k] = (grad[k] as number) + z / h.priorSd;
  }
  return lp;
}

/**
 * Negative log marginal likelihood plus the negative log prior of θ, and its gradient into
 * `grad` when given. Infinity when the covariance cannot be factorized even with jitter.
 */
export function gpNegLogPosterior(X: Float64Array, y: Float64Array, n: number, d: number, theta: Float64Array, grad: Float64Array | null, ws: GpWorkspace): number {
  const invL2 = new Float64Array(d);
  for (let k = 0; k < d; k++) invL2[k] = Math.exp(-2 * (theta[k] as number));
  const s2 = Math.exp(theta[d] as number);
  let noise = Math.exp(theta[d + 1] as number);
  const K = ws.K;
  const D = ws.diffs(X, d);
  const E = ws.E;
  const G = ws.G;
  let ok = false;
  for (let t = 0; t < JITTERS.length; t++) {
    const jit = (JITTERS[t] as number) * s2;
    if (t === 0) buildCovariance(D, n, d, invL2, s2, noise + jit, K, E, G);
    else refillCovariance(E, n, s2, noise + jit, K);
    if (choleskyInPlace(K, n, n)) {
      noise += jit;
      ok = true;
      break;
    }
  }
  if (!ok) return Infinity;
  const L = K;
  const alpha = ws.alpha;
  alpha.set(y.subarray(0, n));
  forwardSolve(L, n, n, alpha);
  let quad = 0;
  for (let i = 0; i < n; i++) quad += (alpha[i] as number) * (alpha[i] as number);
  backwardSolve(L, n, n, alpha);
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += Math.log(L[i * n + i] as number);
  let nll = 0.5 * quad + logDet + 0.5 * n * LOG_2PI;
  if (grad) {
    grad.fill(0);
    // Linv (lower, row-major), then Kinv = Linvᵀ Linv (lower triangle).
    const Linv = ws.Linv;
    const row = ws.row;
    for (let i = 0; i < n; i++) {
      row.fill(0, 0, i + 1);
      row[i] = 1;
      const ri = i * n;
      for (let k = 0; k < i; k++) {
        const a = L[ri + k] as number;
        if (a === 0) continue;
        const rk = k * n;
        for (let j = 0; j <= k; j++) row[j] = (row[j] as number) - a * (Linv[rk + j] as number);
      }
      const inv = 1 / (L[ri + i] as number);
      for (let j = 0; j <= i; j++) Linv[ri + j] = (row[j] as number) * inv;
    }
    const Kinv = ws.Kinv;
    for (let i = 0; i < n; i++) Kinv.fill(0, i * n, i * n + i + 1);
    for (let k = 0; k < n; k++) {
      const rk = k * n;
      for (let i = 0; i <= k; i++) {
        const a = Linv[rk + i] as number;
        if (a === 0) continue;
        const ri = i * n;
        for (let j = 0; j <= i; j++) Kinv[ri + j] = (Kinv[ri + j] as number) + a * (Linv[rk + j] as number);
      }
    }
    // dNLL/dθ = -½ tr(W ∂K/∂θ), W = ααᵀ - K⁻¹ (symmetric; off-diagonal pairs counted twice).
    let gS = 0;
    let gN = 0;
    let p = 0;
    for (let i = 0; i < n; i++) {
      const ai = alpha[i] as number;
      const ri = i * n;
      for (let j = 0; j < i; j++, p++) {
        const hw = ai * (alpha[j] as number) - (Kinv[ri + j] as number);
        const gij = hw * (G[p] as number);
        const dp = p * d;
        for (let k = 0; k < d; k++) grad[k] = (grad[k] as number) - gij * (D[dp + k] as number) * (invL2[k] as number);
        gS -= hw * (E[p] as number);
      }
      const wii = ai * ai - (Kinv[ri + i] as number);
      gS -= 0.5 * wii * s2;
      gN -= 0.5 * wii * noise;
    }
    grad[d] = gS;
    grad[d + 1] = gN;
  }
  nll += logPrior(theta, d, grad);
  return nll;
}

export interface GpFitOptions {
  /** Starting points (θ vectors); the best local optimum wins. */
  starts: readonly Float64Array[];
  maxIterations: number;
  /** L-BFGS stop on the projected gradient's max norm; default 1e-5. */
  gradientTolerance?: number;
  /** L-BFGS stop when an iteration improves the objective by at most this (nats); default 0. */
  functionTolerance?: number;
}

/**
 * Multi-start L-BFGS on the negative log posterior; returns the best θ found. With the addon
 * built, the whole fit is one native call (gp-native.ts `nativeGpFit`: lbfgs.ts's algorithm on the
 * native likelihood, same result to rounding); else lbfgs.ts on gpNegLogPosterior.
 */
export function fitGpHyperparameters(X: Float64Array, y: Float64Array, n: number, d: number, o: GpFitOptions): { theta: Float64Array; value: number } {
  const fit = nativeGpFit();
  if (fit !== null && o.starts.length > 0) {
    // One call for the whole fit (the JS loop below crosses into the addon once per evaluation).
    const p = d + 2;
    const starts = new Float64Array(o.starts.length * p);
    o.starts.forEach((s, k) => starts.set(s.subarray(0, p), k * p));
    const { lower, upper } = thetaBounds(d);
    const theta = defaultTheta(d);
    const value = fit(X, y, n, d, starts, o.starts.length, lower, upper, o.maxIterations, o.gradientTolerance ?? 1e-5, o.functionTolerance ?? 0, theta);
    return { theta, value };
  }
  const native = nativeGpNegLogPosterior();
  const ws = native ? null : new GpWorkspace(n);
  const objective = native
    ? (t: Float64Array, g: Float64Array): number => native(X, y, n, d, t, g)
    : (t: Float64Array, g: Float64Array): number => gpNegLogPosterior(X, y, n, d, t, g, ws as GpWorkspace);
  const { lower, upper } = thetaBounds(d);
  let best: { theta: Float64Array; value: number } = { theta: defaultTheta(d), value: Infinity };
  for (const s of o.starts) {
    const r = lbfgsMinimize(objective, s, { maxIterations: o.maxIterations, lower, upper, gradientTolerance: o.gradientTolerance, functionTolerance: o.functionTolerance });
    if (r.f < best.value) best = { theta: r.x, value: r.f };
  }
  return best;
}

/**
 * A GP conditioned on data, with room for `capacity` points so fantasies (batch proposals) are
 * added by extending the Cholesky factor one row at a time (O(n²) each).
 */
export class GaussianProcess {
  readonly d: number;
  readonly capacity: number;
  n = 0;
  private readonly X: Float64Array;
  private readonly y: Float64Array;
  private readonly L: Float64Array;
  private readonly alpha: Float64Array;
  private readonly invL2: Float64Array;
  private s2: number;
  private noise: number;
  private readonly kbuf: Float64Array;

  constructor(d: number, capacity: number, theta: Float64Array) {
    this.d = d;
    this.capacity = capacity;
    this.X = new Float64Array(capacity * d);
    this.y = new Float64Array(capacity);
    this.L = new Float64Array(capacity * capacity);
    this.alpha = new Float64Array(capacity);
    this.kbuf = new Float64Array(capacity);
    this.invL2 = new Float64Array(d);
    for (let k = 0; k < d; k++) this.invL2[k] = Math.exp(-2 * (theta[k] as number));
    this.s2 = Math.exp(theta[d] as number);
    this.noise = Math.exp(theta[d + 1] as number);
  }

  /** Forgets every point and takes new hyperparameters, keeping the buffers. */
  reset(theta: Float64Array): void {
    const d = this.d;
    for (let k = 0; k < d; k++) this.invL2[k] = Math.exp(-2 * (theta[k] as number));
    this.s2 = Math.exp(theta[d] as number);
    this.noise = Math.exp(theta[d + 1] as number);
    this.n = 0;
  }

  get signalVariance(): number {
    return this.s2;
  }

  kernel(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
    const d = this.d;
    let r2 = 0;
    for (let k = 0; k < d; k++) {
      const t = (a[ai + k] as number) - (b[bi + k] as number);
      r2 += t * t * (this.invL2[k] as number);
    }
    const r = Math.sqrt(r2);
    return this.s2 * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
  }

  /** Conditions on n points (X row-major n×d, y standardized); false if no jitter makes K factorizable. */
  setData(X: Float64Array, y: Float64Array, n: number): boolean {
    if (n > this.capacity) throw new RangeError(`GP capacity ${this.capacity} < ${n} points`);
    const d = this.d;
    const cap = this.capacity;
    this.X.set(X.subarray(0, n * d));
    this.y.set(y.subarray(0, n));
    const base = this.noise;
    for (const jit of JITTERS) {
      const noise = base + jit * this.s2;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) this.L[i * cap + j] = this.kernel(this.X, i * d, this.X, j * d);
        this.L[i * cap + i] = this.s2 + noise;
      }
      if (choleskyInPlace(this.L, n, cap)) {
        this.noise = noise;
        this.n = n;
        this.solveAlpha();
        return true;
      }
    }
    return false;
  }

  /**
   * Drops every point after the first n (the Cholesky rows of the first n do not depend on later
   * points). Call `setTargets` (or `addPoint`) before predicting again: α is stale.
   */
  truncate(n: number): void {
    if (n < 0 || n > this.n) throw new RangeError(`cannot truncate a GP of ${this.n} points to ${n}`);
    this.n = n;
  }

  /** New targets for the current points (length >= n), then α = K⁻¹y: O(n²), K unchanged. */
  setTargets(y: ArrayLike<number>): void {
    for (let i = 0; i < this.n; i++) this.y[i] = y[i] as number;
    this.solveAlpha();
  }

  /** α = K⁻¹y of the current points (a view; changes with the GP). */
  get weights(): Float64Array {
    return this.alpha;
  }

  private solveAlpha(): void {
    const n = this.n;
    const a = this.alpha;
    a.set(this.y.subarray(0, n));
    forwardSolve(this.L, n, this.capacity, a);
    backwardSolve(this.L, n, this.capacity, a);
  }

  /**
   * Adds one (fantasy) observation: a new Cholesky row, then α again (skipped with solve = false,
   * when several points are added before `setTargets`). False if it would break positive
   * definiteness.
   */
  addPoint(x: ArrayLike<number>, y: number, solve = true): boolean {
    const n = this.n;
    if (n >= this.capacity) throw new RangeError(`GP capacity ${this.capacity} reached`);
    const d = this.d;
    const cap = this.capacity;
    const k = this.kbuf;
    for (let i = 0; i < n; i++) k[i] = this.kernel(this.X, i * d, x, 0);
    forwardSolve(this.L, n, cap, k);
    let s = this.s2 + this.noise;
    for (let i = 0; i < n; i++) s -= (k[i] as number) * (k[i] as number);
    if (!(s > 1e-14 * this.s2)) return false;
    const rn = n * cap;
    for (let i = 0; i < n; i++) this.L[rn + i] = k[i] as number;
    this.L[rn + n] = Math.sqrt(s);
    for (let c = 0; c < d; c++) this.X[n * d + c] = x[c] as number;
    this.y[n] = y;
    this.n = n + 1;
    if (solve) this.solveAlpha();
    return true;
  }

  /**
   * Lazy pool, step 1: kernel rows k(X, x_p) of m points into row p of K (stride = capacity), as
   * far as the current n points; `kn[p]` = how many entries row p holds. Nothing is solved yet.
   */
  kernelRows(xs: Float64Array, m: number, K: Float64Array, kn: Int32Array): void {
    for (let p = 0; p < m; p++) {
      kn[p] = 0;
      this.lazyMean(xs, p, K, kn);
    }
  }

  /**
   * Lazy pool: extends kernel row p to the current n points and returns the exact posterior mean
   * there (O(n)); `this.lastKernelMax` gets the row's largest entry (for `varianceBound`).
   */
  lazyMean(xs: Float64Array, p: number, K: Float64Array, kn: Int32Array): number {
    const n = this.n;
    const vp = p * this.capacity;
    this.extendKernelRow(xs, p, K, kn, this.capacity);
    let mu = 0;
    let kmax = 0;
    const alpha = this.alpha;
    for (let i = 0; i < n; i++) {
      const v = K[vp + i] as number;
      mu += v * (alpha[i] as number);
      if (v > kmax) kmax = v;
    }
    this.lastKernelMax = kmax;
    return mu;
  }

  /** Extends kernel row p (row stride `stride`) of the points xs (m×d) to the first `rows` points (default: all). */
  extendKernelRow(xs: Float64Array, p: number, K: Float64Array, kn: Int32Array, stride: number, rows = this.n): void {
    const n = rows;
    const d = this.d;
    const X = this.X;
    const invL2 = this.invL2;
    const s2 = this.s2;
    const vp = p * stride;
    const xp = p * d;
    for (let i = kn[p] as number; i < n; i++) {
      const xi = i * d;
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const t = (X[xi + k] as number) - (xs[xp + k] as number);
        r2 += t * t * (invL2[k] as number);
      }
      const r = Math.sqrt(r2);
      K[vp + i] = s2 * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
    }
    if ((kn[p] as number) < n) kn[p] = n;
  }

  /**
   * `lazyMean` for every candidate p < m with skip[p] = 0, in one pass: kernel rows of xs (row
   * stride `stride` in K) extended to the first `rows` points, the posterior mean given those
   * points (`alpha` = their K⁻¹y) into mean[p] and the variance bound of `varianceBound` (nearest
   * of those points alone; an upper bound given every point too) into bound[p].
   */
  meansAndBounds(xs: Float64Array, m: number, K: Float64Array, kn: Int32Array, stride: number, skip: Uint8Array, mean: Float64Array, bound: Float64Array, rows = this.n, alpha: Float64Array = this.alpha): void {
    const n = rows;
    const s2 = this.s2;
    const denom = s2 + this.noise;
    for (let p = 0; p < m; p++) {
      if (skip[p] !== 0) continue;
      const vp = p * stride;
      this.extendKernelRow(xs, p, K, kn, stride, n);
      let mu = 0;
      let kmax = 0;
      for (let i = 0; i < n; i++) {
        const v = K[vp + i] as number;
        mu += v * (alpha[i] as number);
        if (v > kmax) kmax = v;
      }
      mean[p] = mu;
      const b = s2 - (kmax * kmax) / denom;
      bound[p] = b > 0 ? b : 0;
    }
  }

  /** Largest kernel entry seen by the last `lazyMean`. */
  lastKernelMax = 0;

  /**
   * An upper bound of the posterior variance at a point whose largest covariance with a
   * conditioning point is `kmax`: the variance given that one point alone (more data never
   * increases a GP's posterior variance). Exact in exact arithmetic up to that monotonicity.
   */
  varianceBound(kmax: number): number {
    return Math.max(0, this.s2 - (kmax * kmax) / (this.s2 + this.noise));
  }

  /**
   * Lazy pool, step 2: advances the forward solve v = L⁻¹k of row p by up to `steps` entries
   * (kernel entries from row p of K, see `lazyMean`; v into row p of V, both stride = capacity).
   * `done[p]` counts the solved entries and `vv[p]` their sum of squares, so s² − vv[p] is the
   * exact posterior variance once done[p] = n and an upper bound of it before. Fantasies added
   * later simply extend the solve (L's earlier rows do not change).
   */
  advanceRow(K: Float64Array, V: Float64Array, p: number, done: Int32Array, vv: Float64Array, steps: number): void {
    const cap = this.capacity;
    const L = this.L;
    const vp = p * cap;
    let i = done[p] as number;
    const end = Math.min(this.n, i + steps);
    let acc = vv[p] as number;
    for (; i < end; i++) {
      const ri = i * cap;
      let s = K[vp + i] as number;
      for (let j = 0; j < i; j++) s -= (L[ri + j] as number) * (V[vp + j] as number);
      s /= L[ri + i] as number;
      V[vp + i] = s;
      acc += s * s;
    }
    done[p] = end;
    vv[p] = acc;
  }

  /**
   * Posterior mean and latent variance at one point into out[0], out[1], computing the O(n²)
   * solve only while `keep(mean, varianceUpperBound)` holds (bounds: the variance given the
   * nearest point alone, then s² minus the part of vᵀv solved so far). Returns false as soon as
   * `keep` fails (out is then meaningless): a local search rejects most steps for O(n·d).
   */
  predictWhile(x: Float64Array, out: Float64Array, keep: (mean: number, varianceBound: number) => boolean): boolean {
    const n = this.n;
    const d = this.d;
    const cap = this.capacity;
    const X = this.X;
    const L = this.L;
    const invL2 = this.invL2;
    const s2 = this.s2;
    const k = this.kbuf;
    let mu = 0;
    let kmax = 0;
    for (let i = 0; i < n; i++) {
      const xi = i * d;
      let r2 = 0;
      for (let c = 0; c < d; c++) {
        const t = (X[xi + c] as number) - (x[c] as number);
        r2 += t * t * (invL2[c] as number);
      }
      const r = Math.sqrt(r2);
      const v = s2 * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
      k[i] = v;
      mu += v * (this.alpha[i] as number);
      if (v > kmax) kmax = v;
    }
    const ub = this.varianceBound(kmax);
    if (!keep(mu, ub)) return false;
    let vv = 0;
    for (let i = 0; i < n; i++) {
      const ri = i * cap;
      let s = k[i] as number;
      for (let j = 0; j < i; j++) s -= (L[ri + j] as number) * (k[j] as number);
      s /= L[ri + i] as number;
      k[i] = s;
      vv += s * s;
      if ((i & 15) === 15 && i + 1 < n && !keep(mu, Math.min(ub, Math.max(0, s2 - vv)))) return false;
    }
    out[0] = mu;
    out[1] = Math.max(0, s2 - vv);
    return true;
  }

  /** Posterior mean and latent variance at m points (row-major m×d) into mean/variance. */
  predict(xs: Float64Array, m: number, mean: Float64Array, variance: Float64Array): void {
    const n = this.n;
    const d = this.d;
    const cap = this.capacity;
    const k = this.kbuf;
    for (let p = 0; p < m; p++) {
      let mu = 0;
      for (let i = 0; i < n; i++) {
        const v = this.kernel(this.X, i * d, xs, p * d);
        k[i] = v;
        mu += v * (this.alpha[i] as number);
      }
      let vv = 0;
      for (let i = 0; i < n; i++) {
        const ri = i * cap;
        let s = k[i] as number;
        for (let j = 0; j < i; j++) s -= (this.L[ri + j] as number) * (k[j] as number);
        s /= this.L[ri + i] as number;
        k[i] = s;
        vv += s * s;
      }
      mean[p] = mu;
      variance[p] = Math.max(0, this.s2 - vv);
    }
  }
}
