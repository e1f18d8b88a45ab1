import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '../../src/errors.js';
import { parseFof, readFof, type FofInstance } from '../../src/solver/fof.js';
import { readMps } from '../../src/solver/mps.js';
import { qpFromMps, solveQp } from '../../src/solver/qp.js';

// Named tolerances: agreement with CVXOPT's recorded objectives (the target), and the
// feasibility of returned weights (budget/group equalities, bounds).
const OBJ_REL_TOL = 1e-4;
const FEAS_TOL = 1e-6;

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return dir;
    dir = dirname(dir);
  }
  return resolve('.');
}

const PYTHON = '/usr/bin/python3';
const PEERS = resolve(process.env['HPPO_PEERS_DIR'] ?? join(repoRoot(), '..', 'shared', 'peers'));
const skipReason = !existsSync(join(PEERS, 'gen_fof.py'))
  ? `${PEERS}/gen_fof.py not found (../shared/peers absent)`
  : !existsSync(PYTHON)
    ? `${PYTHON} not found`
    : undefined;
if (skipReason) process.stdout.write(`# fof tests skipped: ${skipReason}\n`);

let dir = '';
const recorded = new Map<string, number>();

before(() => {
  if (skipReason) return;
  dir = mkdtempSync(join(tmpdir(), 'hppo-fof-'));
  execFileSync(PYTHON, [join(PEERS, 'gen_fof.py'), '--out', dir, '--sizes', '50,200', '--dense-max', '0'], { stdio: 'pipe' });
  const lines = readFileSync(join(PEERS, 'results', 'cvxopt.jsonl'), 'utf8').split('\n').filter((l) => l.trim().startsWith('{'));
  for (const l of lines) {
    const r = JSON.parse(l) as { instance: string; status: string; objective: number | null };
    if (r.status === 'optimal' && r.objective !== null) recorded.set(r.instance, r.objective);
  }
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function checkFeasible(inst: FofInstance, x: Float64Array): void {
  const p = inst.problem;
  const A = p.A!;
  const Ax = new Float64Array(p.m);
  for (let j = 0; j < p.n; j++) {
    for (let k = A.colPtr[j]!; k < A.colPtr[j + 1]!; k++) Ax[A.rowIdx[k]!]! += A.values[k]! * x[j]!;
    assert.ok(x[j]! >= p.lb![j]! - FEAS_TOL && x[j]! <= p.ub![j]! + FEAS_TOL, `x[${j}] = ${x[j]} outside [${p.lb![j]}, ${p.ub![j]}]`);
  }
  for (let i = 0; i < p.m; i++) assert.ok(Math.abs(Ax[i]! - p.l[i]!) <= FEAS_TOL, `row ${i}: ${Ax[i]} vs ${p.l[i]}`);
}

/** Objective recomputed in TS from the raw instance: 1/2 |F'x|^2 + 1/2 x'diag(d)x + q'x + kappa|x - x0|. */
function objective(inst: FofInstance, x: Float64Array): number {
  const { F, k, d } = inst.problem.factor!;
  const Ftx = new Float64Array(k);
  for (let i = 0; i < inst.N; i++) for (let a = 0; a < k; a++) Ftx[a]! += F[i * k + a]! * x[i]!;
  let v = 0;
  for (let a = 0; a < k; a++) v += 0.5 * Ftx[a]! * Ftx[a]!;
  const c = inst.problem.costs!;
  for (let i = 0; i < inst.N; i++) v += 0.5 * d![i]! * x[i]! * x[i]! + inst.problem.q[i]! * x[i]! + c.buy![i]! * Math.abs(x[i]! - c.x0![i]!);
  return v;
}

for (const N of [50, 200]) {
  test(`FOF N=${N}: factor-form ADMM matches CVXOPT's recorded objective within 1e-4`, { skip: skipReason }, async () => {
    const inst = await readFof(join(dir, `fof_${N}.json`));
    assert.equal(inst.N, N);
    assert.equal(inst.problem.factor?.k, inst.T);
    const ref = recorded.get(`fof_${N}_factor.mps`) ?? recorded.get(`fof_${N}_dense.mps`);
    assert.ok(ref !== undefined, `no CVXOPT record for fof_${N}`);
    const r = await solveQp(inst.problem, { tolerance: 1e-4 });
    assert.equal(r.status, 'optimal');
    checkFeasible(inst, r.x);
    const mine = objective(inst, r.x);
    assert.ok(Math.abs(mine - r.objective) <= 1e-12 + 1e-10 * Math.abs(mine), `reported ${r.objective} vs recomputed ${mine}`);
    assert.ok(Math.abs(r.objective - ref) <= OBJ_REL_TOL * Math.abs(ref), `objective ${r.objective} vs CVXOPT ${ref}`);
  });
}

test('FOF N=50: the QPS factor encoding (sparse KKT path) gives the same optimum', { skip: skipReason }, async () => {
  const ref = recorded.get('fof_50_factor.mps');
  assert.ok(ref !== undefined);
  const p = qpFromMps(await readMps(join(dir, 'fof_50_factor.mps')));
  const r = await solveQp(p, { tolerance: 1e-5 });
  assert.equal(r.status, 'optimal');
  assert.equal(r.device, 'cpu/kkt-ldl');
  assert.ok(Math.abs(r.objective - ref) <= OBJ_REL_TOL * Math.abs(ref), `objective ${r.objective} vs CVXOPT ${ref}`);
});

test('FOF: an infeasible budget (group targets above the caps) is detected', { skip: skipReason }, async () => {
  const inst = await readFof(join(dir, 'fof_50.json'));
  const p = inst.problem;
  const ub = new Float64Array(p.n).fill(0.001); // 50 funds x 0.1% cannot hold a budget of 1
  const r = await solveQp({ ...p, ub });
  assert.equal(r.status, 'primal_infeasible');
});

test('parseFof: a wrong F size and a bad vector are DataErrors naming the problem', () => {
  const json = JSON.stringify({ N: 2, T: 1, d: [1, 1], q: [0, 0], kappa: [0, 0], x0: [0, 0], lb: [0, 0], ub: [1, 1], A: [[1, 1]], b: [1], F: { file: 'x' } });
  assert.throws(() => parseFof(json, new Uint8Array(8), 'f.json'), (e: unknown) => e instanceof DataError && /expected N\*T\*8 = 16/.test(e.message));
  const bad = json.replace('"q":[0,0]', '"q":[0,"a"]');
  assert.throws(() => parseFof(bad, new Uint8Array(16), 'f.json'), (e: unknown) => e instanceof DataError && /"q"\[1\]/.test(e.message));
  const inst = parseFof(json, new Uint8Array(16), 'f.json');
  assert.equal(inst.problem.n, 2);
  assert.deepEqual(Array.from(inst.problem.A!.colPtr), [0, 1, 2]);
});
