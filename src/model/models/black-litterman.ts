/**
 * Black–Litterman expected returns (He & Litterman 1999):
 *
 *   prior       π = δ Σ w_mkt                       (market-implied: reverse optimization)
 *   views       P μ = Q + ε,  ε ~ N(0, Ω)           (k views over n assets)
 *   posterior   μ_BL = π + τΣP'(PτΣP' + Ω)⁻¹(Q − Pπ)
 *                    = [(τΣ)⁻¹ + P'Ω⁻¹P]⁻¹ [(τΣ)⁻¹π + P'Ω⁻¹Q]
 *
 * The first form is computed (one k x k solve, no n x n inverse); the tests check it against the
 * second. With Ω omitted, Ω = diag(P τΣ P') (each view as uncertain as the prior of its
 * portfolio). Σ is n x n row-major in the same units as Q (e.g. annualized).
 */
import { InvalidArgumentError } from '../../errors.js';

export interface BlackLittermanInput {
  /** n x n covariance, row-major. */
  cov: Float64Array;
  n: number;
  /** δ > 0. */
  riskAversion: number;
  /** τ > 0: the uncertainty of the prior relative to Σ. */
  tau: number;
  /** Market (benchmark) weights w_mkt, length n. */
  marketWeights: Float64Array;
  /** k x n view portfolios, row-major (k = Q.length; k = 0: posterior = prior). */
  P: Float64Array;
  Q: Float64Array;
  /** k x k view covariance, row-major; default diag(P τΣ P'). */
  omega?: Float64Array;
}

export interface BlackLittermanResult {
  prior: Float64Array;
  posterior: Float64Array;
  /** The Ω used (k x k). */
  omega: Float64Array;
}

/** Solves A X = B for a k x k A and k x c B (row-major) by Gaussian elimination with partial pivoting. */
export function solveDense(A: Float64Array, B: Float64Array, k: number, c: number): Float64Array {
  const a = Float64Array.from(A);
  const b = Float64Array.from(B);
  for (let col = 0; col < k; col++) {
    let piv = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r * k + col]!) > Math.abs(a[piv * k + col]!)) piv = r;
    const p = a[piv * k + col]!;
    if (!(Math.abs(p) > 1e-300)) throw new InvalidArgumentError('matrix', 'singular system (are two views the same portfolio, or is Ω singular?)');
    if (piv !== col) {
      for (let j = 0; j < k; j++) [a[col * k + j], a[piv * k + j]] = [a[piv * k + j]!, a[col * k + j]!];
      for (let j = 0; j < c; j++) [b[col * c + j], b[piv * c + j]] = [b[piv * c + j]!, b[col * c + j]!];
    }
    for (let r = col + 1; r < k; r++) {
      const f = a[r * k + col]! / p;
      if (f === 0) continue;
      for (let j = col; j < k; j++) a[r * k + j]! -= f * a[col * k + j]!;
      for (let j = 0; j < c; j++) b[r * c + j]! -= f * b[col * c + j]!;
    }
  }
  for (let col = k - 1; col >= 0; col--) {
    const p = a[col * k + col]!;
    for (let j = 0; j < c; j++) {
      let s = b[col * c + j]!;
      for (let q = col + 1; q < k; q++) s -= a[col * k + q]! * b[q * c + j]!;
      b[col * c + j] = s / p;
    }
  }
  return b;
}

export function blackLitterman(inp: BlackLittermanInput): BlackLittermanResult {
  const { cov, n, riskAversion: delta, tau, marketWeights: wm, P, Q } = inp;
  const k = Q.length;
  if (!(cov instanceof Float64Array) || cov.length !== n * n) throw new InvalidArgumentError('cov', `expected a Float64Array of n*n = ${n * n}`);
  if (!(delta > 0)) throw new InvalidArgumentError('riskAversion', `${delta}, expected > 0`);
  if (!(tau > 0)) throw new InvalidArgumentError('tau', `${tau}, expected > 0`);
  if (wm.length !== n) throw new InvalidArgumentError('marketWeights', `length ${wm.length}, expected ${n}`);
  if (P.length !== k * n) throw new InvalidArgumentError('P', `length ${P.length}, expected k*n = ${k * n}`);
  const prior = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += cov[i * n + j]! * wm[j]!;
    prior[i] = delta * s;
  }
  if (k === 0) return { prior, posterior: Float64Array.from(prior), omega: new Float64Array(0) };
  // S = τΣP' (n x k); M = P S (k x k) = PτΣP'.
  const S = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let v = 0; v < k; v++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += cov[i * n + j]! * P[v * n + j]!;
      S[i * k + v] = tau * s;
    }
  }
  const M = new Float64Array(k * k);
  for (let v = 0; v < k; v++) {
    for (let w = 0; w < k; w++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += P[v * n + j]! * S[j * k + w]!;
      M[v * k + w] = s;
    }
  }
  let omega = inp.omega;
  if (omega === undefined) {
    omega = new Float64Array(k * k);
    for (let v = 0; v < k; v++) omega[v * k + v] = M[v * k + v]!;
  } else if (omega.length !== k * k) {
    throw new InvalidArgumentError('omega', `length ${omega.length}, expected k*k = ${k * k}`);
  }
  const lhs = new Float64Array(k * k);
  for (let e = 0; e < k * k; e++) lhs[e] = M[e]! + omega[e]!;
  const rhs = new Float64Array(k);
  for (let v = 0; v < k; v++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += P[v * n + j]! * prior[j]!;
    rhs[v] = Q[v]! - s;
  }
  const y = solveDense(lhs, rhs, k, 1);
  const posterior = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let v = 0; v < k; v++) s += S[i * k + v]! * y[v]!;
    posterior[i] = prior[i]! + s;
  }
  return { prior, posterior, omega };
}
