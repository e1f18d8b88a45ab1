import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CancelledError, InvalidArgumentError } from '../../src/errors.js';
import { readMps } from '../../src/solver/mps.js';
import { solveReferenceCvarBatch, solveReferenceCvarBatchAsync } from '../../src/solver/cvar-batch.js';
import { Rng } from '../../src/util/rng.js';
import {
  BasisStatus,
  solveDenseLp,
  solveDenseLpBatch,
  solveDenseLpBatchAsync,
  type DenseLp,
  type DenseLpResult,
} from '../../src/solver/small-lp.js';
import { buildCvarLp, buildCvarLps, buildReferenceCvarLps, cvarStartBasis, cvarTargetReachable, cvarWeights, remapCvarBasis, type ScenarioWindow } from '../../src/solver/cvar-lp.js';

// Tolerances (named): objective agreement with HiGHS on random LPs, KKT residual of our answers,
// and the reference CVaR cells (weights absolute, objective relative).
const OBJ_REL_TOL = 1e-9;
const KKT_TOL = 1e-8;
const CVAR_WEIGHT_TOL = 1e-9;
const CVAR_OBJ_REL_TOL = 1e-10;

const PYTHON = '/usr/bin/python3';
const REF_SCRIPT = resolve('test/solver/small_lp_ref.py');
const SHARED = resolve(process.env['HPPO_SHARED'] ?? '../shared');
const haveShared = existsSync(join(SHARED, 'reference', 'hppo_ref.py')) && existsSync(join(SHARED, 'data'));
const PEERS = join(SHARED, 'peers');
const havePeers = existsSync(join(PEERS, 'gen_cvar.py')) && existsSync(join(PEERS, 'results', 'scipy_highs.jsonl'));
const havePython = existsSync(PYTHON);

interface HighsResult {
  status: number; // scipy: 0 optimal, 2 infeasible, 3 unbounded
  fun: number | null;
  x: number[] | null;
}
interface CvarCell {
  mu: number;
  alpha: number;
  fallback: boolean;
  objective: number;
  weights: number[];
  x: number[];
}
interface CvarWindow {
  date: string;
  cols: number[];
  S: number;
  n: number;
  returns: number[];
  cells: CvarCell[];
}

function lp(m: number, n: number, a: number[], c: number[], cl: number[], cu: number[], rl: number[], ru: number[]): DenseLp {
  return {
    numRows: m,
    numCols: n,
    a: Float64Array.from(a),
    c: Float64Array.from(c),
    colLower: Float64Array.from(cl),
    colUpper: Float64Array.from(cu),
    rowLower: Float64Array.from(rl),
    rowUpper: Float64Array.from(ru),
  };
}

/** Random LP, feasible by construction around x0; some free columns (kept bounded through box rows),
 *  equality, <=, >= and range rows; `kind` 'infeasible' / 'unbounded' breaks it on purpose. */
function randomLp(rng: Rng, m: number, n: number, kind: 'feasible' | 'infeasible' | 'unbounded' = 'feasible'): DenseLp {
  const a = new Array<number>(m * n).fill(0);
  const cl: number[] = [];
  const cu: number[] = [];
  const x0: number[] = [];
  const c: number[] = [];
  for (let j = 0; j < n; j++) {
    const free = j % 7 === 3;
    cl.push(free ? -Infinity : -rng.uniform(0.5, 2));
    cu.push(free ? Infinity : rng.uniform(0.5, 2));
    x0.push(rng.uniform(-0.4, 0.4));
    c.push(rng.uniform(-1, 1));
  }
  const rl: number[] = [];
  const ru: number[] = [];
  for (let i = 0; i < m; i++) {
    let act = 0;
    for (let j = 0; j < n; j++) {
      const v = rng.next() < 0.35 ? 0 : rng.uniform(-1, 1);
      a[i * n + j] = v;
      act += v * x0[j]!;
    }
    const k = i % 4;
    if (k === 0) (rl.push(act), ru.push(act));
    else if (k === 1) (rl.push(-Infinity), ru.push(act + rng.uniform(0, 0.2)));
    else if (k === 2) (rl.push(act - rng.uniform(0, 0.2)), ru.push(Infinity));
    else (rl.push(act - 0.3), ru.push(act + 0.3));
  }
  // Free columns: box them through rows -3 <= x_j <= 3 so the LP stays bounded.
  let rows = m;
  const extra: number[][] = [];
  for (let j = 0; j < n; j++) {
    if (cl[j] !== -Infinity) continue;
    const row = new Array<number>(n).fill(0);
    row[j] = 1;
    extra.push(row);
    rl.push(kind === 'unbounded' ? -Infinity : -3);
    ru.push(3);
    rows++;
  }
  if (kind === 'unbounded') {
    // Make a free column's cost push it to -inf through its now one-sided row.
    const j = 3;
    c[j] = 1;
    for (let i = 0; i < m; i++) a[i * n + j] = 0;
  }
  if (kind === 'infeasible') {
    // Two rows that cannot both hold: sum x >= big and sum x <= -big.
    const ones = new Array<number>(n).fill(1);
    extra.push(ones, ones);
    rl.push(1, -Infinity);
    ru.push(Infinity, -1);
    rows += 2;
  }
  return lp(rows, n, [...a, ...extra.flat()], c, cl, cu, rl, ru);
}

function toJson(p: DenseLp): object {
  const fin = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return {
    m: p.numRows,
    n: p.numCols,
    a: Array.from(p.a),
    c: Array.from(p.c),
    colLower: Array.from(p.colLower, fin),
    colUpper: Array.from(p.colUpper, fin),
    rowLower: Array.from(p.rowLower, fin),
    rowUpper: Array.from(p.rowUpper, fin),
  };
}

/** Independent KKT check of a result: bounds, rows, c = A'y + z, complementarity (scaled). */
function kktViolation(p: DenseLp, r: DenseLpResult): number {
  const { numRows: m, numCols: n } = p;
  const sc = (v: number): number => Math.max(1, Math.abs(v));
  let v = 0;
  const act = new Float64Array(m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) act[i]! += p.a[i * n + j]! * r.x[j]!;
  for (let j = 0; j < n; j++) {
    const x = r.x[j]!;
    if (Number.isFinite(p.colLower[j]!)) v = Math.max(v, (p.colLower[j]! - x) / sc(p.colLower[j]!));
    if (Number.isFinite(p.colUpper[j]!)) v = Math.max(v, (x - p.colUpper[j]!) / sc(p.colUpper[j]!));
    let s = p.c[j]!;
    for (let i = 0; i < m; i++) s -= p.a[i * n + j]! * r.rowDual[i]!;
    v = Math.max(v, Math.abs(s - r.colDual[j]!) / sc(p.c[j]!));
    const z = r.colDual[j]!;
    if (z > KKT_TOL) v = Math.max(v, Number.isFinite(p.colLower[j]!) ? Math.abs(x - p.colLower[j]!) * z : Infinity);
    if (z < -KKT_TOL) v = Math.max(v, Number.isFinite(p.colUpper[j]!) ? Math.abs(x - p.colUpper[j]!) * -z : Infinity);
  }
  for (let i = 0; i < m; i++) {
    if (Number.isFinite(p.rowLower[i]!)) v = Math.max(v, (p.rowLower[i]! - act[i]!) / sc(p.rowLower[i]!));
    if (Number.isFinite(p.rowUpper[i]!)) v = Math.max(v, (act[i]! - p.rowUpper[i]!) / sc(p.rowUpper[i]!));
    const y = r.rowDual[i]!;
    if (y > KKT_TOL) v = Math.max(v, Number.isFinite(p.rowLower[i]!) ? Math.abs(act[i]! - p.rowLower[i]!) * y : Infinity);
    if (y < -KKT_TOL) v = Math.max(v, Number.isFinite(p.rowUpper[i]!) ? Math.abs(act[i]! - p.rowUpper[i]!) * -y : Infinity);
  }
  return v;
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));
}

// ---------------------------------------------------------------------------------------------
// Fixtures: random LPs and the reference's CVaR windows, answered by HiGHS in ONE python run.
// ---------------------------------------------------------------------------------------------
const rng = new Rng('small-lp-test');
const feasible: DenseLp[] = [];
for (let k = 0; k < 40; k++) feasible.push(randomLp(rng, 4 + (k % 30), 6 + ((k * 13) % 70)));
const infeasible = [randomLp(rng, 8, 12, 'infeasible'), randomLp(rng, 20, 30, 'infeasible')];
const unbounded = [randomLp(rng, 8, 12, 'unbounded'), randomLp(rng, 20, 30, 'unbounded')];
const all = [...feasible, ...infeasible, ...unbounded];

let dir = '';
let highs: HighsResult[] = [];
let windows: CvarWindow[] = [];
let skipReason: string | undefined;

before(() => {
  if (!havePython) {
    skipReason = `${PYTHON} not found (scipy HiGHS reference)`;
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'hppo-small-lp-'));
  writeFileSync(join(dir, 'in.json'), JSON.stringify({ problems: all.map(toJson) }));
  const args = [REF_SCRIPT, 'linprog', join(dir, 'in.json'), join(dir, 'out.json')];
  if (havePeers) {
    execFileSync(PYTHON, [join(PEERS, 'gen_cvar.py'), '--synthetic', '--sizes', '50x250', '--out', dir], { stdio: 'ignore' });
  }
  if (haveShared) {
    args.push('+', 'cvar', SHARED, join(dir, 'cvar.json'), '--cells', '0.10,0.10;0.15,0.13;0.20,0.20;0.20,0.11;0.12,0.17');
  }
  execFileSync(PYTHON, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  highs = (JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { results: HighsResult[] }).results;
  if (haveShared) windows = (JSON.parse(readFileSync(join(dir, 'cvar.json'), 'utf8')) as { windows: CvarWindow[] }).windows;
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('random feasible LPs (equality, range, one-sided rows, free columns) match HiGHS objectives and pass KKT', (t) => {
  if (skipReason) return t.skip(skipReason);
  const results = solveDenseLpBatch(feasible);
  results.forEach((r, k) => {
    const h = highs[k]!;
    assert.equal(h.status, 0, `HiGHS status for problem ${k}`);
    assert.equal(r.status, 'optimal', `problem ${k}`);
    assert.ok(h.x !== null && h.x.length === r.x.length);
    assert.ok(relErr(r.objective, h.fun!) <= OBJ_REL_TOL, `problem ${k}: ${r.objective} vs HiGHS ${h.fun}`);
    const kkt = kktViolation(feasible[k]!, r);
    assert.ok(kkt <= KKT_TOL, `problem ${k}: KKT violation ${kkt}`);
    assert.ok(r.primalInfeasibility <= 1e-9 && r.dualInfeasibility <= 1e-9);
  });
});

test('every pricing rule gives the HiGHS objectives on the random LPs', (t) => {
  if (skipReason) return t.skip(skipReason);
  for (const pricing of ['dantzig', 'steepest_edge'] as const) {
    solveDenseLpBatch(feasible, { pricing }).forEach((r, k) => {
      assert.equal(r.status, 'optimal', `${pricing} problem ${k}`);
      assert.ok(relErr(r.objective, highs[k]!.fun!) <= OBJ_REL_TOL, `${pricing} problem ${k}`);
    });
  }
});

test('infeasible and unbounded LPs are reported as statuses, like HiGHS', (t) => {
  if (skipReason) return t.skip(skipReason);
  infeasible.forEach((p, k) => {
    assert.equal(highs[feasible.length + k]!.status, 2);
    assert.equal(solveDenseLp(p).status, 'infeasible');
  });
  unbounded.forEach((p, k) => {
    assert.equal(highs[feasible.length + infeasible.length + k]!.status, 3);
    assert.equal(solveDenseLp(p).status, 'unbounded');
  });
});

test('a degenerate LP (Beale cycling example) terminates at the optimum', () => {
  const I = Infinity;
  const p = lp(3, 4, [0.25, -60, -1 / 25, 9, 0.5, -90, -1 / 50, 3, 0, 0, 1, 0], [-0.75, 150, -1 / 50, 6], [0, 0, 0, 0], [I, I, I, I], [-I, -I, -I], [0, 0, 1]);
  const r = solveDenseLp(p);
  assert.equal(r.status, 'optimal');
  assert.ok(relErr(r.objective, -0.05) < 1e-14);
  assert.ok(kktViolation(p, r) < 1e-12);
  // Many identical degenerate rows (all through the optimum) still terminate.
  const rows = 40;
  const a: number[] = [];
  for (let i = 0; i < rows; i++) a.push(1, 1, 1);
  const d = lp(rows, 3, a, [-1, -2, -3], [0, 0, 0], [1, 1, 1], new Array(rows).fill(-I), new Array(rows).fill(1));
  const rd = solveDenseLp(d);
  assert.equal(rd.status, 'optimal');
  assert.ok(relErr(rd.objective, -3) < 1e-14);
});

test('warm start from a previous optimal basis reaches the same optimum in fewer iterations', () => {
  const r2 = new Rng('warm');
  let cold = 0;
  let warm = 0;
  for (let k = 0; k < 8; k++) {
    const p = randomLp(r2, 20, 50);
    const first = solveDenseLp(p);
    assert.equal(first.status, 'optimal');
    const q: DenseLp = { ...p, c: p.c.map((v) => v + r2.uniform(-0.01, 0.01)) };
    const c = solveDenseLp(q);
    // A view into the previous result buffer (non-zero byteOffset) or a copy: both work.
    const w = solveDenseLp({ ...q, basis: k % 2 === 0 ? first.basis : first.basis.slice() });
    assert.ok(k % 2 === 1 || first.basis.byteOffset > 0);
    assert.equal(w.status, 'optimal');
    assert.equal(w.warmStarted, true);
    assert.ok(relErr(w.objective, c.objective) < 1e-12);
    assert.ok(kktViolation(q, w) < KKT_TOL);
    cold += c.iterations;
    warm += w.iterations;
  }
  assert.ok(warm * 2 < cold, `warm ${warm} vs cold ${cold} iterations`);
});

test('bad input throws InvalidArgumentError naming the field', () => {
  const I = Infinity;
  const good = lp(1, 2, [1, 1], [1, 1], [0, 0], [1, 1], [-I], [1]);
  assert.throws(() => solveDenseLp({ ...good, a: new Float64Array([1, NaN]) }), (e: unknown) => e instanceof InvalidArgumentError && /^problem: a\[1\]/.test(e.message) && /expected finite/.test(e.message));
  assert.throws(() => solveDenseLp({ ...good, c: new Float64Array(3) }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'problem.c' && /length 3, expected 2/.test(e.message));
  assert.throws(() => solveDenseLp({ ...good, colLower: new Float64Array([2, 0]) }), (e: unknown) => e instanceof InvalidArgumentError && /column 0 bounds/.test(e.message));
  assert.throws(() => solveDenseLp({ ...good, basis: new Int8Array([0, 9, 1]) }), (e: unknown) => e instanceof InvalidArgumentError && /basis\[1\] = 9/.test(e.message));
  assert.throws(() => solveDenseLpBatch([good, { ...good, numRows: 2 }]), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'problems[1].a');
  assert.throws(() => solveDenseLp(good, { primalFeasibilityTol: -1 }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'options.primalFeasibilityTol');
  assert.throws(() => solveDenseLp(good, { pricing: 'devex' as 'auto' }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'options.pricing');
  assert.throws(() => solveDenseLp({ ...good, a: [1, 1] as unknown as Float64Array }), (e: unknown) => e instanceof InvalidArgumentError && /Float64Array/.test(e.message));
});

test('async batch equals the sync batch; an aborted signal rejects with CancelledError', async () => {
  const ps = feasible.slice(0, 12);
  const s = solveDenseLpBatch(ps, { threads: 2 });
  const a = await solveDenseLpBatchAsync(ps, { threads: 2 });
  a.forEach((r, k) => {
    assert.equal(r.status, s[k]!.status);
    assert.deepEqual(Array.from(r.x), Array.from(s[k]!.x));
    assert.deepEqual(Array.from(r.basis), Array.from(s[k]!.basis));
  });
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(solveDenseLpBatchAsync(ps, { signal: ac.signal }), CancelledError);
  assert.throws(() => solveDenseLpBatch(ps, { signal: ac.signal }), CancelledError);
  // Aborted while queued or running: whether the native side saw the flag or had finished, the
  // promise rejects with CancelledError (no timing assumption).
  const ac2 = new AbortController();
  const pending = solveDenseLpBatchAsync([...ps, ...ps, ...ps], { signal: ac2.signal, threads: 1 });
  ac2.abort();
  await assert.rejects(pending, CancelledError);
});

test('an iteration limit is a status with the current point, and warm starting from it finishes the solve', () => {
  const p = feasible[20]!;
  const full = solveDenseLp(p);
  assert.ok(full.iterations > 3);
  const cut = solveDenseLp(p, { maxIterations: 3 });
  assert.equal(cut.status, 'iteration_limit');
  assert.equal(cut.iterations, 3);
  assert.equal(cut.x.length, p.numCols);
  const resumed = solveDenseLp({ ...p, basis: cut.basis.slice() });
  assert.equal(resumed.status, 'optimal');
  assert.ok(relErr(resumed.objective, full.objective) < 1e-12);
});

test('the basis codes of an optimal result are a valid basis (numRows basic variables)', () => {
  const p = feasible[5]!;
  const r = solveDenseLp(p);
  const basic = Array.from(r.basis).filter((b) => b === BasisStatus.Basic).length;
  assert.equal(basic, p.numRows);
});

// ---------------------------------------------------------------------------------------------
// The reference's CVaR LPs: 13 windows of 2015, cells incl. the fallback date (2015-08-27).
// ---------------------------------------------------------------------------------------------
function windowOf(w: CvarWindow): ScenarioWindow {
  return { returns: Float64Array.from(w.returns), numScenarios: w.S, numAssets: w.n };
}

test('reference CVaR LPs: weights agree with HiGHS to 1e-9, objective to 1e-10, fallback detected exactly', (t) => {
  if (skipReason) return t.skip(skipReason);
  if (!haveShared) return t.skip(`${SHARED} absent: no reference data`);
  assert.equal(windows.length, 13);
  let fallbacks = 0;
  let maxW = 0;
  let maxObj = 0;
  for (const w of windows) {
    const win = windowOf(w);
    for (const cell of w.cells) {
      const reachable = cvarTargetReachable(win, cell.mu);
      assert.equal(!reachable, cell.fallback, `${w.date} mu ${cell.mu}: fallback`);
      if (!reachable) fallbacks++;
      const p = buildCvarLp(win, { alpha: cell.alpha, targetAnnualReturn: reachable ? cell.mu : null });
      const r = solveDenseLp(p);
      assert.equal(r.status, 'optimal', `${w.date} (${cell.mu}, ${cell.alpha})`);
      const weights = cvarWeights(r.x, w.n);
      for (let i = 0; i < w.n; i++) maxW = Math.max(maxW, Math.abs(weights[i]! - cell.weights[i]!));
      maxObj = Math.max(maxObj, relErr(r.objective, cell.objective));
      assert.ok(kktViolation(p, r) < KKT_TOL);
    }
  }
  assert.ok(maxW <= CVAR_WEIGHT_TOL, `max weight difference ${maxW}`);
  assert.ok(maxObj <= CVAR_OBJ_REL_TOL, `max objective relative difference ${maxObj}`);
  assert.equal(fallbacks, windows[0]!.cells.length, 'one fallback date (2015-08-27) per cell');
  // The same through buildReferenceCvarLps (fallback rule built in), solved as one batch per date.
  for (const w of windows) {
    const { problems, fallback } = buildReferenceCvarLps(windowOf(w), w.cells);
    assert.deepEqual(fallback, w.cells.map((c) => c.fallback));
    solveDenseLpBatch(problems, { chainWarmStart: true }).forEach((r, k) => {
      const weights = cvarWeights(r.x, w.n);
      for (let i = 0; i < w.n; i++) assert.ok(Math.abs(weights[i]! - w.cells[k]!.weights[i]!) <= CVAR_WEIGHT_TOL);
    });
  }
});

test('cvarStartBasis is a feasible vertex (no phase 1) and a cold solve from it needs fewer pivots for the same optimum', (t) => {
  if (skipReason) return t.skip(skipReason);
  if (!haveShared) return t.skip(`${SHARED} absent: no reference data`);
  let cold = 0;
  let crash = 0;
  for (const w of windows) {
    const win = windowOf(w);
    for (const c of w.cells) {
      const spec = { alpha: c.alpha, targetAnnualReturn: c.fallback ? null : c.mu };
      const lp = buildCvarLp(win, spec);
      const a = solveDenseLp(lp);
      const b = solveDenseLp({ ...lp, basis: cvarStartBasis(win, spec) });
      assert.equal(b.status, 'optimal');
      assert.equal(b.phase1Iterations, 0, `${w.date} (${c.mu}, ${c.alpha}): the crash basis is primal feasible`);
      assert.equal(b.basisRepairs, 0, 'the crash basis is nonsingular with numRows basic entries');
      assert.ok(relErr(b.objective, c.objective) <= CVAR_OBJ_REL_TOL);
      const wb = cvarWeights(b.x, w.n);
      for (let i = 0; i < w.n; i++) assert.ok(Math.abs(wb[i]! - c.weights[i]!) <= CVAR_WEIGHT_TOL);
      cold += a.iterations;
      crash += b.iterations;
    }
  }
  assert.ok(crash * 1.5 < cold, `crash ${crash} vs cold ${cold} pivots`);
  // Unreachable target: no feasible crash exists; the all-lower basis is returned and still solves (as infeasible).
  const tiny: ScenarioWindow = { returns: Float64Array.from([0.01, -0.02, 0.0, 0.01]), numScenarios: 2, numAssets: 2 };
  const spec = { alpha: 0.5, targetAnnualReturn: 10 };
  assert.equal(solveDenseLp({ ...buildCvarLp(tiny, spec), basis: cvarStartBasis(tiny, spec) }).status, 'infeasible');
});

test('solveReferenceCvarBatch (sync and async) reproduces the reference weights and fallbacks per date', async (t) => {
  if (skipReason) return t.skip(skipReason);
  if (!haveShared) return t.skip(`${SHARED} absent: no reference data`);
  for (const w of windows) {
    const win = windowOf(w);
    const s = solveReferenceCvarBatch(win, w.cells, { threads: 2 });
    const a = await solveReferenceCvarBatchAsync(win, w.cells, { threads: 1, crash: false, chainWarmStart: false });
    assert.deepEqual(s.fallback, w.cells.map((c) => c.fallback));
    assert.deepEqual(a.fallback, s.fallback);
    w.cells.forEach((c, k) => {
      assert.equal(s.results[k]!.status, 'optimal');
      assert.ok(relErr(s.results[k]!.objective, c.objective) <= CVAR_OBJ_REL_TOL);
      for (let i = 0; i < w.n; i++) {
        assert.ok(Math.abs(s.weights[k]![i]! - c.weights[i]!) <= CVAR_WEIGHT_TOL);
        assert.ok(Math.abs(a.weights[k]![i]! - s.weights[k]![i]!) <= 1e-12);
      }
    });
  }
});

test('reference CVaR LPs batched per date with chained warm start give the same weights as one by one', (t) => {
  if (skipReason) return t.skip(skipReason);
  if (!haveShared) return t.skip(`${SHARED} absent: no reference data`);
  const grid = [0.1, 0.12, 0.14, 0.16, 0.18, 0.2];
  let warmIters = 0;
  let coldIters = 0;
  for (const w of windows) {
    const win = windowOf(w);
    const specs = grid.flatMap((mu) => grid.map((alpha) => ({ alpha, targetAnnualReturn: cvarTargetReachable(win, mu) ? mu : null })));
    const ps = buildCvarLps(win, specs);
    assert.equal(ps[0]!.a, ps[1]!.a, 'problems of one date share A');
    const batch = solveDenseLpBatch(ps, { chainWarmStart: true, chainLength: 12, threads: 2 });
    const single = solveDenseLpBatch(ps, { threads: 1 });
    batch.forEach((r, k) => {
      assert.equal(r.status, 'optimal');
      const a = cvarWeights(r.x, w.n);
      const b = cvarWeights(single[k]!.x, w.n);
      for (let i = 0; i < w.n; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-12, `${w.date} problem ${k} asset ${i}`);
      warmIters += r.iterations;
      coldIters += single[k]!.iterations;
    });
    // The reference cells of this date, solved in the batch, agree with HiGHS as well.
    for (const cell of w.cells) {
      const k = grid.findIndex((v) => Math.abs(v - cell.mu) < 1e-12) * grid.length + grid.findIndex((v) => Math.abs(v - cell.alpha) < 1e-12);
      if (k < 0 || !grid.includes(cell.mu) || !grid.includes(cell.alpha)) continue;
      const a = cvarWeights(batch[k]!.x, w.n);
      for (let i = 0; i < w.n; i++) assert.ok(Math.abs(a[i]! - cell.weights[i]!) <= CVAR_WEIGHT_TOL);
    }
  }
  assert.ok(warmIters < coldIters, `chained warm start ${warmIters} vs cold ${coldIters} iterations`);
});

test('remapCvarBasis warm starts the next window (other universe, rolling scenarios) to the same optimum', (t) => {
  if (skipReason) return t.skip(skipReason);
  if (!haveShared) return t.skip(`${SHARED} absent: no reference data`);
  const r3 = new Rng('remap');
  let cold = 0;
  let warm = 0;
  for (let d = 1; d < windows.length; d++) {
    const prevW = windows[d - 1]!;
    const w = windows[d]!;
    const prevAssets = prevW.cols;
    const assets = w.cols;
    // Across dates (other universe, disjoint scenarios): still the same optimum.
    const prevLp = buildCvarLp(windowOf(prevW), { alpha: 0.15, targetAnnualReturn: null });
    const prev = solveDenseLp(prevLp);
    const next = buildCvarLp(windowOf(w), { alpha: 0.15, targetAnnualReturn: null });
    const basis = remapCvarBasis(prev.basis, { assets: prevAssets, numScenarios: prevW.S, withTarget: false }, { assets, numScenarios: w.S, withTarget: false });
    const rw = solveDenseLp({ ...next, basis });
    assert.equal(rw.status, 'optimal');
    assert.ok(relErr(rw.objective, solveDenseLp(next).objective) < 1e-13);
    // A rolling window moved by one period (drop the oldest scenario, add a new one).
    const R = windowOf(w);
    const n = w.n;
    const rolled = new Float64Array(R.returns.length);
    rolled.set(R.returns.subarray(n));
    for (let i = 0; i < n; i++) rolled[(w.S - 1) * n + i] = r3.normal(0, 0.02);
    const win2: ScenarioWindow = { returns: rolled, numScenarios: w.S, numAssets: n };
    const base = solveDenseLp(buildCvarLp(R, { alpha: 0.15, targetAnnualReturn: null }));
    const lp2 = buildCvarLp(win2, { alpha: 0.15, targetAnnualReturn: null });
    const c2 = solveDenseLp(lp2);
    const shape = { assets, numScenarios: w.S, withTarget: false };
    const w2 = solveDenseLp({ ...lp2, basis: remapCvarBasis(base.basis, shape, shape, 1) });
    assert.equal(w2.status, 'optimal');
    assert.ok(relErr(w2.objective, c2.objective) < 1e-13);
    cold += c2.iterations;
    warm += w2.iterations;
  }
  assert.ok(warm < cold, `rolling-window warm start ${warm} vs cold ${cold} iterations`);
  assert.throws(() => remapCvarBasis(new Int8Array(3), { assets: [1], numScenarios: 2, withTarget: false }, { assets: [1], numScenarios: 2, withTarget: false }), InvalidArgumentError);
});

test('peer instance cvar_50_250 (352 x 352, above the target size) matches the recorded HiGHS dual simplex objective', async (t) => {
  if (skipReason) return t.skip(skipReason);
  if (!havePeers) return t.skip(`${PEERS} absent: no peer generator / recorded results`);
  let ref: number | undefined;
  for (const line of readFileSync(join(PEERS, 'results', 'scipy_highs.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { solver: string; instance: string; status: string; objective: number };
    if (r.solver === 'scipy-highs-ds' && r.instance === 'cvar_50_250.mps' && r.status === 'optimal') ref = r.objective;
  }
  assert.ok(ref !== undefined, 'recorded HiGHS objective of cvar_50_250.mps');
  const mps = await readMps(join(dir, 'cvar_50_250.mps'));
  const { numRows: m, numCols: n, A } = mps;
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let k = A.rowPtr[i]!; k < A.rowPtr[i + 1]!; k++) a[i * n + A.colIdx[k]!] = A.values[k]!;
  const inf = (v: number): number => (v >= 1e30 ? Infinity : v <= -1e30 ? -Infinity : v);
  const p: DenseLp = { numRows: m, numCols: n, a, c: mps.c, colLower: mps.colLower.map(inf), colUpper: mps.colUpper.map(inf), rowLower: mps.rowLower.map(inf), rowUpper: mps.rowUpper.map(inf) };
  assert.equal(mps.sense, 'min');
  const r = solveDenseLp(p);
  assert.equal(r.status, 'optimal');
  assert.ok(relErr(r.objective + mps.offset, ref) <= 1e-10, `objective ${r.objective + mps.offset} vs HiGHS ${ref}`);
  assert.ok(kktViolation(p, r) <= KKT_TOL);
});

test('buildCvarLp rejects bad windows and specs with the field named', () => {
  const win: ScenarioWindow = { returns: new Float64Array(6), numScenarios: 2, numAssets: 3 };
  assert.throws(() => buildCvarLp({ ...win, returns: new Float64Array(5) }, { alpha: 0.1, targetAnnualReturn: null }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'window.returns');
  assert.throws(() => buildCvarLp(win, { alpha: 0, targetAnnualReturn: null }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'spec.alpha');
  const bad = new Float64Array(6);
  bad[4] = NaN;
  assert.throws(() => buildCvarLp({ ...win, returns: bad }, { alpha: 0.5, targetAnnualReturn: 0.1 }), (e: unknown) => e instanceof InvalidArgumentError && /scenario 1, asset 1/.test(e.message));
  const p = buildCvarLp(win, { alpha: 0.5, targetAnnualReturn: 0.1 });
  assert.equal(p.numRows, 4);
  assert.equal(p.numCols, 6);
  assert.equal(p.rowUpper[2], -0.1);
  assert.equal(p.c[4], 1 / (0.5 * 2));
});
