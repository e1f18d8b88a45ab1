import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, InvalidArgumentError, ParseError } from '../../src/errors.js';
import { parseMps } from '../../src/solver/mps.js';
import { csrToCsc, qpFromMps, solveQp, type CscData, type QpProblem } from '../../src/solver/qp.js';
import { Rng } from '../../src/util/rng.js';

// Named tolerances: objective agreement with a known optimum, independently recomputed KKT
// residuals (infinity norm) of returned points at tolerance 1e-8.
const OBJ_TOL = 1e-6;
const KKT_TOL = 1e-6;

function denseUpperCsc(M: number[][]): CscData {
  const n = M.length;
  const colPtr = new Int32Array(n + 1);
  const rows: number[] = [];
  const vals: number[] = [];
  for (let j = 0; j < n; j++) {
    for (let i = 0; i <= j; i++) {
      const v = M[i]![j]!;
      if (v !== 0) { rows.push(i); vals.push(v); }
    }
    colPtr[j + 1] = rows.length;
  }
  return { colPtr, rowIdx: Int32Array.from(rows), values: Float64Array.from(vals) };
}

function denseCsc(M: number[][], cols: number): CscData {
  const colPtr = new Int32Array(cols + 1);
  const rows: number[] = [];
  const vals: number[] = [];
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < M.length; i++) {
      const v = M[i]![j]!;
      if (v !== 0) { rows.push(i); vals.push(v); }
    }
    colPtr[j + 1] = rows.length;
  }
  return { colPtr, rowIdx: Int32Array.from(rows), values: Float64Array.from(vals) };
}

const f64 = (a: number[]): Float64Array => Float64Array.from(a);

/** min 1/2 (x1^2 + x2^2) - x1 - x2  s.t. x1 + x2 = 1: x = (.5, .5), objective -0.75. */
function twoVar(): QpProblem {
  return { n: 2, m: 1, P: denseUpperCsc([[1, 0], [0, 1]]), q: f64([-1, -1]), A: denseCsc([[1, 1]], 2), l: f64([1]), u: f64([1]) };
}

function mulSym(P: CscData, x: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) {
    for (let p = P.colPtr[j]!; p < P.colPtr[j + 1]!; p++) {
      const i = P.rowIdx[p]!;
      const v = P.values[p]!;
      y[i]! += v * x[j]!;
      if (i !== j) y[j]! += v * x[i]!;
    }
  }
  return y;
}

/** Independent KKT check of a pure QP result: feasibility, stationarity, sign conditions. */
function kkt(p: QpProblem, x: Float64Array, y: Float64Array, yVar: Float64Array): { prim: number; dual: number } {
  const n = p.n;
  const A = p.A!;
  const Ax = new Float64Array(p.m);
  const g = p.P ? mulSym(p.P, x) : new Float64Array(n);
  for (let j = 0; j < n; j++) {
    g[j]! += p.q[j]! + yVar[j]!;
    for (let k = A.colPtr[j]!; k < A.colPtr[j + 1]!; k++) {
      Ax[A.rowIdx[k]!]! += A.values[k]! * x[j]!;
      g[j]! += A.values[k]! * y[A.rowIdx[k]!]!;
    }
  }
  let prim = 0;
  for (let i = 0; i < p.m; i++) prim = Math.max(prim, p.l[i]! - Ax[i]!, Ax[i]! - p.u[i]!);
  for (let j = 0; j < n; j++) if (p.lb && p.ub) prim = Math.max(prim, p.lb[j]! - x[j]!, x[j]! - p.ub[j]!);
  let dual = 0;
  for (let j = 0; j < n; j++) dual = Math.max(dual, Math.abs(g[j]!));
  return { prim, dual };
}

test('solveQp: equality-constrained QP reaches the known optimum with valid KKT residuals', async () => {
  const p = twoVar();
  const r = await solveQp(p, { tolerance: 1e-8 });
  assert.equal(r.status, 'optimal');
  assert.ok(Math.abs(r.objective - -0.75) <= OBJ_TOL, `objective ${r.objective}`);
  assert.ok(Math.abs(r.x[0]! - 0.5) <= 1e-6 && Math.abs(r.x[1]! - 0.5) <= 1e-6);
  const k = kkt(p, r.x, r.y, r.yVar);
  assert.ok(k.prim <= KKT_TOL && k.dual <= KKT_TOL, JSON.stringify(k));
  assert.equal(r.backend, 'cpu');
  assert.equal(r.device, 'cpu/kkt-ldl');
});

test('solveQp: box-constrained QP with an active bound returns a sign-correct bound multiplier', async () => {
  // min 1/2 x1^2 + 1/2 x2^2 - 2 x1 + x2, 0 <= x <= 1: x = (1, 0), objective -1.5.
  const p: QpProblem = {
    n: 2, m: 0, P: denseUpperCsc([[1, 0], [0, 1]]), q: f64([-2, 1]), A: denseCsc([], 2), l: f64([]), u: f64([]),
    lb: f64([0, 0]), ub: f64([1, 1]),
  };
  const r = await solveQp(p, { tolerance: 1e-8 });
  assert.equal(r.status, 'optimal');
  assert.ok(Math.abs(r.objective - -1.5) <= OBJ_TOL);
  assert.ok(r.yVar[0]! > 0.99 && r.yVar[1]! < -0.99, `yVar ${Array.from(r.yVar)}`);
  const k = kkt(p, r.x, r.y, r.yVar);
  assert.ok(k.prim <= KKT_TOL && k.dual <= KKT_TOL, JSON.stringify(k));
});

test('solveQp: factor form with every cost type matches the same problem with sparse P', async () => {
  const rng = new Rng(5);
  const n = 30, k = 4;
  const F = new Float64Array(n * k).map(() => 0.3 * rng.normal());
  const d = new Float64Array(n).map(() => 0.02 + 0.05 * rng.next());
  const q = new Float64Array(n).map(() => -0.2 * rng.next());
  const P: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => {
    let v = i === j ? d[i]! : 0;
    for (let a = 0; a < k; a++) v += F[i * k + a]! * F[j * k + a]!;
    return v;
  }));
  const ones = [Array.from({ length: n }, () => 1)];
  const x0 = new Float64Array(n).map((_, j) => (j % 3 === 0 ? 0.05 : 0));
  const buy = new Float64Array(n).fill(0.002);
  const sell = new Float64Array(n).fill(0.003);
  const quad = new Float64Array(n).map((_, j) => (j % 4 === 1 ? 0.05 : 0));
  const impact = new Float64Array(n).map((_, j) => (j % 5 === 2 ? 0.01 : 0));
  const base = {
    n, m: 1, q, A: denseCsc(ones, n), l: f64([1]), u: f64([1]), lb: new Float64Array(n), ub: new Float64Array(n).fill(0.2),
    costs: { x0, buy, sell, quad, impact },
  };
  const a = await solveQp({ ...base, factor: { F, k, d } }, { tolerance: 1e-8 });
  const b = await solveQp({ ...base, P: denseUpperCsc(P) }, { tolerance: 1e-8 });
  assert.equal(a.status, 'optimal');
  assert.equal(b.status, 'optimal');
  assert.equal(a.device, 'cpu/woodbury');
  assert.ok(Math.abs(a.objective - b.objective) <= 1e-6 * Math.max(1, Math.abs(b.objective)), `${a.objective} vs ${b.objective}`);
  let sum = 0;
  for (let j = 0; j < n; j++) { sum += a.x[j]!; assert.ok(a.x[j]! >= -1e-6 && a.x[j]! <= 0.2 + 1e-6); }
  assert.ok(Math.abs(sum - 1) <= 1e-6);
});

test('solveQp: piecewise-linear cost is solved exactly (1-D against a fine grid)', async () => {
  // min 1/2 0.7 x^2 - 0.9 x + f(x - 0.2), f with breakpoints 0, 0.5 and slopes -0.2, 0.1, 0.6.
  const p: QpProblem = {
    n: 1, m: 0, P: denseUpperCsc([[0.7]]), q: f64([-0.9]), A: denseCsc([], 1), l: f64([]), u: f64([]), lb: f64([-1]), ub: f64([2]),
    costs: { x0: f64([0.2]), piecewiseLinear: { ptr: Int32Array.from([0, 2]), breaks: f64([0, 0.5]), slopes: f64([-0.2, 0.1, 0.6]) } },
  };
  const r = await solveQp(p, { tolerance: 1e-9 });
  assert.equal(r.status, 'optimal');
  const f = (x: number): number => {
    const t = x - 0.2;
    const pwl = t <= 0 ? -0.2 * t : t <= 0.5 ? 0.1 * t : 0.05 + 0.6 * (t - 0.5);
    return 0.35 * x * x - 0.9 * x + pwl;
  };
  let best = Infinity;
  for (let i = 0; i <= 300000; i++) best = Math.min(best, f(-1 + (3 * i) / 300000));
  assert.ok(Math.abs(r.objective - best) <= 1e-7, `${r.objective} vs grid ${best}`);
});

test('solveQp: primal infeasible problem is a status with a certificate, not an error', async () => {
  const p: QpProblem = { ...twoVar(), l: f64([3]), u: f64([Infinity]), lb: f64([0, 0]), ub: f64([1, 1]) };
  const r = await solveQp(p);
  assert.equal(r.status, 'primal_infeasible');
  assert.ok(r.certificate?.y && r.certificate.y[0]! < 0);
});

test('solveQp: unbounded problem is reported dual infeasible', async () => {
  const p: QpProblem = { n: 2, m: 1, q: f64([-1, -1]), A: denseCsc([[1, -1]], 2), l: f64([0]), u: f64([0]), lb: f64([0, 0]), ub: f64([Infinity, Infinity]) };
  const r = await solveQp(p);
  assert.equal(r.status, 'dual_infeasible');
  assert.ok(r.certificate?.x && r.certificate.x[0]! > 0);
});

test('solveQp: iteration and time limits return the best iterate with their status', async () => {
  const it = await solveQp(twoVar(), { tolerance: 1e-10, maxIter: 3, checkInterval: 1 });
  assert.equal(it.status, 'iteration_limit');
  assert.equal(it.iterations, 3);
  assert.ok(Number.isFinite(it.x[0]!));
  const tl = await solveQp(twoVar(), { tolerance: 1e-12, timeLimitSec: 1e-9 });
  assert.equal(tl.status, 'time_limit');
  assert.equal(tl.x.length, 2);
});

function bigFactorQp(n: number, k: number, seed: number): QpProblem {
  const rng = new Rng(seed);
  const F = new Float64Array(n * k).map(() => 0.05 * rng.normal());
  return {
    n, m: 1, factor: { F, k, d: new Float64Array(n).fill(1e-4) }, q: new Float64Array(n).map(() => -0.1 * rng.next()),
    A: { colPtr: Int32Array.from({ length: n + 1 }, (_, j) => j), rowIdx: new Int32Array(n), values: new Float64Array(n).fill(1) },
    l: f64([1]), u: f64([1]), lb: new Float64Array(n), ub: new Float64Array(n).fill(5 / n),
    costs: { x0: new Float64Array(n).fill(1 / n), buy: new Float64Array(n).fill(1e-3), sell: new Float64Array(n).fill(1e-3) },
  };
}

test('solveQp: an aborted signal rejects with CancelledError (before and during the solve)', async () => {
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(solveQp(twoVar(), {}, { signal: pre.signal }), CancelledError);
  const ac = new AbortController();
  const p = bigFactorQp(1500, 100, 3);
  const running = solveQp(p, { tolerance: 1e-12, maxIter: 100000, polish: false }, {
    signal: ac.signal,
    onProgress: () => ac.abort(),
  });
  await assert.rejects(running, CancelledError);
});

test('solveQp: the event loop stays free during a long solve (timers fire, progress arrives)', async () => {
  const p = bigFactorQp(1500, 100, 4);
  let ticks = 0;
  let progress = 0;
  const timer = setInterval(() => { ticks++; }, 1);
  try {
    const r = await solveQp(p, { tolerance: 1e-12, maxIter: 3000, polish: false, progressIntervalMs: 0 }, { onProgress: () => { progress++; } });
    assert.equal(r.status, 'iteration_limit');
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks >= 2, `interval fired ${ticks} times during the solve`);
  assert.ok(progress >= 2, `progress callbacks: ${progress}`);
});

test('solveQp: warm start from a solution converges in fewer iterations', async () => {
  const p = bigFactorQp(200, 20, 9);
  const a = await solveQp(p, { tolerance: 1e-7, polish: false });
  const b = await solveQp(p, { tolerance: 1e-7, polish: false, warmStart: { x: a.x, y: a.y, yVar: a.yVar } });
  assert.equal(a.status, 'optimal');
  assert.equal(b.status, 'optimal');
  assert.ok(b.iterations < a.iterations, `${b.iterations} vs ${a.iterations}`);
});

test('solveQp: bad input is rejected with InvalidArgumentError naming the field', async () => {
  await assert.rejects(solveQp({ ...twoVar(), q: f64([1, NaN]) }), (e: unknown) => e instanceof InvalidArgumentError && /q\[1\]/.test(e.message));
  await assert.rejects(solveQp({ ...twoVar(), l: f64([1, 2]) }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'problem.l');
  await assert.rejects(solveQp({ ...twoVar(), q: [1, 2] as unknown as Float64Array }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'problem.q');
  await assert.rejects(solveQp(twoVar(), { tolerance: -1 }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'settings.tolerance');
  // Negative diagonal: not PSD (validation); indefinite with positive diagonal: detected by the factorization.
  await assert.rejects(solveQp({ ...twoVar(), P: denseUpperCsc([[-1, 0], [0, 1]]) }), (e: unknown) => e instanceof InvalidArgumentError && /positive semidefinite/.test(e.message));
  await assert.rejects(solveQp({ ...twoVar(), P: denseUpperCsc([[1, 3], [3, 1]]) }), (e: unknown) => e instanceof InvalidArgumentError && /not positive semidefinite/.test(e.message));
  await assert.rejects(solveQp({ ...twoVar(), costs: { buy: f64([-1, 0]) } }), (e: unknown) => e instanceof InvalidArgumentError && /costs\.buy\[0\]/.test(e.message));
  await assert.rejects(solveQp({ ...twoVar(), factor: { F: new Float64Array(3), k: 2 }, P: undefined }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'problem.factor.F');
});

const QPS = `NAME          TINYQP
ROWS
 N  obj
 E  c1
COLUMNS
    x1        obj       -1.0         c1        1.0
    x2        obj       -1.0         c1        1.0
RHS
    rhs       c1        1.0
BOUNDS
 UP bnd       x1        0.3
QUADOBJ
    x1        x1        1.0
    x2        x2        1.0
ENDATA
`;

test('qpFromMps: a QPS file solves to its known optimum; a malformed one is a ParseError', async () => {
  // min 1/2(x1^2 + x2^2) - x1 - x2, x1 + x2 = 1, x1 <= 0.3 -> x = (0.3, 0.7), objective 0.29 - 1 = -0.71.
  const p = qpFromMps(parseMps(QPS, 'tiny.qps'));
  const r = await solveQp(p, { tolerance: 1e-9 });
  assert.equal(r.status, 'optimal');
  assert.ok(Math.abs(r.objective - -0.71) <= OBJ_TOL, `objective ${r.objective}`);
  assert.ok(Math.abs(r.x[0]! - 0.3) <= 1e-6);
  assert.throws(() => parseMps(QPS.replace('    x1        x1        1.0', '    x1        x9        oops'), 'bad.qps'), ParseError);
});

test('csrToCsc: transposes the storage order and keeps row indices increasing', () => {
  const c = csrToCsc(2, 3, Int32Array.from([0, 2, 3]), Int32Array.from([0, 2, 1]), f64([1, 2, 3]));
  assert.deepEqual(Array.from(c.colPtr), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(c.rowIdx), [0, 1, 0]);
  assert.deepEqual(Array.from(c.values), [1, 3, 2]);
});

test("solveQp: device 'cuda' runs the factor form on the GPU, or says why it fell back to the CPU", async () => {
  const p = bigFactorQp(300, 20, 11);
  const cpu = await solveQp(p, { tolerance: 1e-6, device: 'cpu' });
  const r = await solveQp(p, { tolerance: 1e-6, device: 'cuda' });
  assert.equal(r.status, 'optimal');
  if (r.backend === 'cuda') {
    assert.equal(r.device, 'cuda/woodbury');
    assert.ok(Math.abs(r.objective - cpu.objective) <= 1e-7 * Math.max(1, Math.abs(cpu.objective)));
  } else {
    process.stdout.write(`# cuda path not exercised: ${r.warnings.join('; ')}\n`);
    assert.equal(r.device, 'cpu/woodbury');
    assert.ok(r.warnings.some((w) => w.startsWith("device 'cuda'")), JSON.stringify(r.warnings));
    assert.equal(r.objective, cpu.objective);
  }
});

test('solveQp: concurrent solves (libuv worker threads) give the same results as sequential ones', async () => {
  const problems = [bigFactorQp(200, 10, 21), bigFactorQp(250, 12, 22), bigFactorQp(300, 8, 23)];
  const seq = [];
  for (const p of problems) seq.push(await solveQp(p, { tolerance: 1e-6 }));
  const par = await Promise.all(problems.map((p) => solveQp(p, { tolerance: 1e-6 })));
  for (let i = 0; i < problems.length; i++) {
    assert.equal(par[i]!.status, 'optimal');
    assert.equal(par[i]!.objective, seq[i]!.objective);
    assert.deepEqual(Array.from(par[i]!.x), Array.from(seq[i]!.x));
  }
});
