/**
 * Small L-BFGS with box bounds by projection (enough for GP hyperparameters: a handful of
 * variables, smooth objective with analytic gradient). Backtracking Armijo line search on the
 * projected path; curvature pairs with s·y <= 0 are skipped.
 */
export interface LbfgsOptions {
  maxIterations: number;
  /** History pairs kept; default 6. */
  memory?: number;
  lower: Float64Array;
  upper: Float64Array;
  /** Stop when the projected gradient's max norm is below this; default 1e-5. */
  gradientTolerance?: number;
  /**
   * Also stop when an iteration lowers f by at most this much (absolute; default 0: only the
   * relative 1e-10 floor). For a negative log likelihood, a few 1e-3 nats is statistically nothing.
   */
  functionTolerance?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
}

/** Minimizes f; `f(x, grad)` returns the value and writes the gradient (may return Infinity). */
export function lbfgsMinimize(f: (x: Float64Array, grad: Float64Array) => number, x0: Float64Array, o: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const m = o.memory ?? 6;
  const gtol = o.gradientTolerance ?? 1e-5;
  const clamp = (x: Float64Array): void => {
    for (let i = 0; i < n; i++) x[i] = Math.min(o.upper[i] as number, Math.max(o.lower[i] as number, x[i] as number));
  };
  const x = Float64Array.from(x0);
  clamp(x);
  const g = new Float64Array(n);
  let fx = f(x, g);
  let evaluations = 1;
  if (!Number.isFinite(fx)) return { x, f: fx, iterations: 0, evaluations };
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const p = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const alphaBuf = new Float64Array(m);
  const active = new Uint8Array(n);
  let it = 0;
  for (; it < o.maxIterations; it++) {
    // Projected gradient: components pushing out of an active bound do not count.
    let pg = 0;
    for (let i = 0; i < n; i++) {
      const gi = g[i] as number;
      const atLo = (x[i] as number) <= (o.lower[i] as number) && gi > 0;
      const atHi = (x[i] as number) >= (o.upper[i] as number) && gi < 0;
      if (!atLo && !atHi) pg = Math.max(pg, Math.abs(gi));
    }
    if (pg < gtol) break;
    // Two-loop recursion on the free variables: those held at a bound by the gradient stay put.
    for (let i = 0; i < n; i++) {
      const gi = g[i] as number;
      active[i] = ((x[i] as number) <= (o.lower[i] as number) && gi > 0) || ((x[i] as number) >= (o.upper[i] as number) && gi < 0) ? 1 : 0;
      p[i] = active[i] ? 0 : -gi;
    }
    for (let k = S.length - 1; k >= 0; k--) {
      const s = S[k] as Float64Array;
      let a = 0;
      for (let i = 0; i < n; i++) a += (s[i] as number) * (p[i] as number);
      a *= rho[k] as number;
      alphaBuf[k] = a;
      const y = Y[k] as Float64Array;
      for (let i = 0; i < n; i++) p[i] = (p[i] as number) - a * (y[i] as number);
    }
    if (S.length > 0) {
      const s = S[S.length - 1] as Float64Array;
      const y = Y[Y.length - 1] as Float64Array;
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < n; i++) {
        sy += (s[i] as number) * (y[i] as number);
        yy += (y[i] as number) * (y[i] as number);
      }
      const gamma = sy / yy;
      for (let i = 0; i < n; i++) p[i] = (p[i] as number) * gamma;
    } else {
      // First step: at most unit length in the max norm.
      let mx = 0;
      for (let i = 0; i < n; i++) mx = Math.max(mx, Math.abs(p[i] as number));
      if (mx > 1) for (let i = 0; i < n; i++) p[i] = (p[i] as number) / mx;
    }
    for (let k = 0; k < S.length; k++) {
      const y = Y[k] as Float64Array;
      let b = 0;
      for (let i = 0; i < n; i++) b += (y[i] as number) * (p[i] as number);
      b *= rho[k] as number;
      const s = S[k] as Float64Array;
      const a = alphaBuf[k] as number;
      for (let i = 0; i < n; i++) p[i] = (p[i] as number) + (a - b) * (s[i] as number);
    }
    for (let i = 0; i < n; i++) if (active[i]) p[i] = 0;
    let dg = 0;
    for (let i = 0; i < n; i++) dg += (p[i] as number) * (g[i] as number);
    if (!(dg < 0)) {
      // Not a descent direction (bounds or bad curvature): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) p[i] = active[i] ? 0 : -(g[i] as number);
    }
    let step = 1;
    let fNew = Infinity;
    let accepted = false;
    for (let ls = 0; ls < 30; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = (x[i] as number) + step * (p[i] as number);
      clamp(xNew);
      let decrease = 0;
      for (let i = 0; i < n; i++) decrease += (g[i] as number) * ((xNew[i] as number) - (x[i] as number));
      fNew = f(xNew, gNew);
      evaluations++;
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = (xNew[i] as number) - (x[i] as number);
      y[i] = (gNew[i] as number) - (g[i] as number);
      sy += (s[i] as number) * (y[i] as number);
    }
    const fOld = fx;
    x.set(xNew);
    g.set(gNew);
    fx = fNew;
    if (sy > 1e-12) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    if (Math.abs(fOld - fx) <= Math.max(1e-10 * Math.max(1, Math.abs(fx)), o.functionTolerance ?? 0)) break;
  }
  return { x, f: fx, iterations: it, evaluations };
}
