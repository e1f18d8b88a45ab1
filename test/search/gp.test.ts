import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choleskyInPlace, defaultTheta, fitGpHyperparameters, GaussianProcess, gpNegLogPosterior, GpWorkspace } from '../../src/search/gp.js';
import { lbfgsMinimize } from '../../src/search/lbfgs.js';
import { logExpectedImprovement, logH, normalCdf, normalPdf } from '../../src/search/normal.js';
import { Rng } from '../../src/util/rng.js';

const GRAD_RTOL = 1e-5;

function sample(n: number, d: number, seed: number): { X: Float64Array; y: Float64Array } {
  const r = new Rng(seed);
  const X = Float64Array.from({ length: n * d }, () => r.next());
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(6 * (X[i * d] as number)) + (X[i * d + 1] as number) ** 2 + 0.01 * r.normal());
  return { X, y };
}

test('GP negative log posterior gradient matches central finite differences', () => {
  const n = 25;
  const d = 3;
  const { X, y } = sample(n, d, 1);
  const ws = new GpWorkspace(n);
  for (const theta of [Float64Array.from([-1, -0.3, 0.2, 0.1, -5]), Float64Array.from([0.5, -2, -1, -0.7, -9])]) {
    const g = new Float64Array(d + 2);
    gpNegLogPosterior(X, y, n, d, theta, g, ws);
    for (let k = 0; k < d + 2; k++) {
      const h = 1e-6;
      const tp = Float64Array.from(theta);
      tp[k] = (tp[k] as number) + h;
      const tm = Float64Array.from(theta);
      tm[k] = (tm[k] as number) - h;
      const fd = (gpNegLogPosterior(X, y, n, d, tp, null, ws) - gpNegLogPosterior(X, y, n, d, tm, null, ws)) / (2 * h);
      assert.ok(Math.abs(fd - (g[k] as number)) <= GRAD_RTOL * Math.max(1, Math.abs(fd)), `θ${k}: analytic ${g[k]} vs fd ${fd}`);
    }
  }
});

test('fitted GP interpolates its data and is uncertain away from it; fantasies shrink variance', () => {
  const n = 30;
  const d = 2;
  const { X, y } = sample(n, d, 2);
  const fit = fitGpHyperparameters(X, y, n, d, { starts: [defaultTheta(d)], maxIterations: 60 });
  assert.ok(Number.isFinite(fit.value));
  const gp = new GaussianProcess(d, n + 1, fit.theta);
  assert.ok(gp.setData(X, y, n));
  const mean = new Float64Array(n);
  const variance = new Float64Array(n);
  gp.predict(X, n, mean, variance);
  for (let i = 0; i < n; i++) assert.ok(Math.abs((mean[i] as number) - (y[i] as number)) < 0.05, `point ${i}`);
  const far = Float64Array.from([3, 3]);
  const m1 = new Float64Array(1);
  const v1 = new Float64Array(1);
  gp.predict(far, 1, m1, v1);
  assert.ok((v1[0] as number) > 0.5 * gp.signalVariance);
  const x = Float64Array.from([1.6, -0.6]);
  gp.predict(x, 1, m1, v1);
  const before = v1[0] as number;
  assert.ok(gp.addPoint(x, m1[0] as number));
  gp.predict(x, 1, m1, v1);
  assert.ok((v1[0] as number) < before * 0.1);
});

test('lazy pool (kernel rows, partial solves continued across fantasies) and bounds agree with predict', () => {
  const n = 20;
  const d = 2;
  const { X, y } = sample(n, d, 3);
  const theta = Float64Array.from([-1, -1, 0, -6]);
  const gp = new GaussianProcess(d, n + 2, theta);
  gp.setData(X, y, n);
  const m = 50;
  const r = new Rng(9);
  const xs = Float64Array.from({ length: m * d }, () => r.next());
  const K = new Float64Array(m * gp.capacity);
  const V = new Float64Array(m * gp.capacity);
  const kn = new Int32Array(m);
  const done = new Int32Array(m);
  const vv = new Float64Array(m);
  gp.kernelRows(xs, m, K, kn);
  // Half the rows partly solved before the fantasies, the other half not at all.
  for (let p = 0; p < m; p += 2) gp.advanceRow(K, V, p, done, vv, 7 + (p % 13));
  for (const [fx, fy] of [[Float64Array.from([0.3, 0.7]), 0.4], [Float64Array.from([0.9, 0.1]), -1]] as const) {
    assert.ok(gp.addPoint(fx, fy));
  }
  const mean2 = new Float64Array(m);
  const var2 = new Float64Array(m);
  gp.predict(xs, m, mean2, var2);
  const out = new Float64Array(2);
  for (let p = 0; p < m; p++) {
    const mu = gp.lazyMean(xs, p, K, kn);
    const bound = gp.varianceBound(gp.lastKernelMax);
    assert.ok(bound >= (var2[p] as number) - 1e-12, `nearest-point bound ${bound} < variance ${var2[p]}`);
    const partial = gp.signalVariance - (vv[p] as number);
    assert.ok(partial >= (var2[p] as number) - 1e-12);
    while ((done[p] as number) < gp.n) gp.advanceRow(K, V, p, done, vv, 5);
    assert.ok(Math.abs(mu - (mean2[p] as number)) < 1e-8);
    assert.ok(Math.abs(gp.signalVariance - (vv[p] as number) - (var2[p] as number)) < 1e-8);
    const x = xs.slice(p * d, p * d + d);
    assert.equal(gp.predictWhile(x, out, () => true), true);
    assert.ok(Math.abs((out[0] as number) - (mean2[p] as number)) < 1e-8);
    assert.ok(Math.abs((out[1] as number) - (var2[p] as number)) < 1e-8);
    // keep() sees a mean and an upper bound of the variance, and false stops the prediction.
    assert.equal(gp.predictWhile(x, out, (mean, vb) => Math.abs(mean - (mean2[p] as number)) < 1e-8 && vb >= (var2[p] as number) - 1e-12), true);
    assert.equal(gp.predictWhile(x, out, () => false), false);
  }
});

test('Cholesky factorizes an SPD matrix and rejects an indefinite one', () => {
  const A = Float64Array.from([4, 0, 0, 2, 5, 0, 2, 1, 6]);
  assert.ok(choleskyInPlace(A, 3, 3));
  assert.deepEqual(Array.from(A).map((v) => Math.round(v * 1e12) / 1e12), [2, 0, 0, 1, 2, 0, 1, 0, Math.round(Math.sqrt(5) * 1e12) / 1e12]);
  assert.equal(choleskyInPlace(Float64Array.from([1, 0, 2, 1]), 2, 2), false);
});

test('log EI equals the textbook formula where it is representable and stays finite far in the tail', () => {
  for (const [mu, sd, best] of [[0, 1, 0], [0.3, 0.5, 0.1], [-1, 2, 0.5], [2, 0.7, 0]] as const) {
    const z = (best - mu) / sd;
    const ei = sd * (z * normalCdf(z) + normalPdf(z));
    assert.ok(Math.abs(logExpectedImprovement(mu, sd, best, 0) - Math.log(ei)) < 1e-10);
  }
  assert.ok(Math.abs(normalCdf(1.96) - 0.9750021048517795) < 1e-14);
  assert.ok(Math.abs(normalCdf(-6) - 9.865876450376946e-10) / 9.865876450376946e-10 < 1e-10);
  // Far tail: h(z) ~ φ(z)/z², log h ≈ -z²/2 - log(2π)/2 - 2 log|z|; monotone and finite.
  let prev = logH(-4.5);
  for (const z of [-5, -10, -40, -200, -1e4]) {
    const v = logH(z);
    assert.ok(Number.isFinite(v) && v < prev, `z=${z}`);
    const approx = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(-z);
    assert.ok(Math.abs(v - approx) < 3 / (z * z) + 1e-9, `z=${z}: ${v} vs ${approx}`);
    prev = v;
  }
  // Continuity at the switch between direct and continued-fraction branches.
  assert.ok(Math.abs(logH(-4 - 1e-9) - logH(-4 + 1e-9)) < 1e-6);
});

test('L-BFGS with bounds finds the Rosenbrock minimum and respects an active bound', () => {
  const f = (x: Float64Array, g: Float64Array): number => {
    const a = x[0] as number;
    const b = x[1] as number;
    g[0] = -400 * a * (b - a * a) - 2 * (1 - a);
    g[1] = 200 * (b - a * a);
    return 100 * (b - a * a) ** 2 + (1 - a) ** 2;
  };
  const r = lbfgsMinimize(f, Float64Array.from([-1.2, 1]), { maxIterations: 500, lower: Float64Array.from([-5, -5]), upper: Float64Array.from([5, 5]) });
  assert.ok(Math.abs((r.x[0] as number) - 1) < 1e-3 && Math.abs((r.x[1] as number) - 1) < 1e-3, `x=${Array.from(r.x)}`);
  const rb = lbfgsMinimize(f, Float64Array.from([0, 0]), { maxIterations: 500, lower: Float64Array.from([-5, -5]), upper: Float64Array.from([0.5, 5]) });
  assert.ok(Math.abs((rb.x[0] as number) - 0.5) < 1e-9);
  assert.ok(Math.abs((rb.x[1] as number) - 0.25) < 1e-3);
});
