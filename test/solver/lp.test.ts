import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CancelledError, InvalidArgumentError } from '../../src/errors.js';
import { readMps } from '../../src/solver/mps.js';
import { compileLpSettings, lpFromMps, solveLp, type LpProblem, type LpResult } from '../../src/solver/lp.js';
import { nativeCapabilities } from '../../src/solver/native.js';

// Named tolerances: KKT residuals recomputed here (relative, PDLP's definitions), agreement with
// hand-derived optima, agreement with HiGHS' recorded objectives on the peer CVaR instances.
const KKT_TOL = 1e-6;
const HAND_TOL = 1e-6;
const PEER_OBJ_REL_TOL = 1e-4;
// PDLP tolerance for the peer comparisons: its gap is relative to 1 + |obj| and these objectives
// are O(1e-3), so 1e-6 is what puts the objective within PEER_OBJ_REL_TOL of HiGHS.
const PEER_TOL = 1e-6;

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return dir;
    dir = dirname(dir);
  }
  return resolve('.');
}

const caps = nativeCapabilities();
const backends: Array<{ device: 'cpu' | 'cuda'; skip: string | false }> = [
  { device: 'cpu', skip: false },
  { device: 'cuda', skip: caps.cuda.devices.length > 0 ? false : `no CUDA device (${caps.cuda.message || 'not compiled'})` },
];
for (const b of backends) if (b.skip) process.stdout.write(`# lp tests on ${b.device} skipped: ${b.skip}\n`);

const inf = Infinity;
const f64 = (a: number[]): Float64Array => Float64Array.from(a);

/** Dense rows -> CSR problem. */
function lp(rows: number[][], c: number[], rl: number[], ru: number[], cl: number[], cu: number[], extra: Partial<LpProblem> = {}): LpProblem {
  const rowPtr = [0];
  const colIdx: number[] = [];
  const values: number[] = [];
  for (const r of rows) {
    r.forEach((v, j) => {
      if (v !== 0) {
        colIdx.push(j);
        values.push(v);
      }
    });
    rowPtr.push(colIdx.length);
  }
  return {
    numRows: rows.length,
    numCols: c.length,
    c: f64(c),
    A: { rowPtr: Int32Array.from(rowPtr), colIdx: Int32Array.from(colIdx), values: f64(values) },
    rowLower: f64(rl),
    rowUpper: f64(ru),
    colLower: f64(cl),
    colUpper: f64(cu),
    ...extra,
  };
}

/** Independent KKT residuals of a result, in the problem's own sense (relative, as PDLP defines them). */
function kkt(p: LpProblem, r: LpResult): { primal: number; dual: number; gap: number; objective: number } {
  const sign = p.sense === 'max' ? -1 : 1;
  const m = p.numRows;
  const n = p.numCols;
  const ax = new Float64Array(m);
  const aty = new Float64Array(n);
  const A = p.A!;
  for (let i = 0; i < m; i++) {
    for (let k = A.rowPtr[i]!; k < A.rowPtr[i + 1]!; k++) {
      ax[i]! += A.values[k]! * r.x[A.colIdx[k]!]!;
      aty[A.colIdx[k]!]! += A.values[k]! * sign * r.y[i]!; // min-form duals
    }
  }
  let pr = 0;
  let bn = 0;
  let dr = 0;
  let cn = 0;
  let obj = p.offset ?? 0;
  let dobj = sign * (p.offset ?? 0);
  for (let i = 0; i < m; i++) {
    const v = ax[i]! < p.rowLower[i]! ? p.rowLower[i]! - ax[i]! : ax[i]! > p.rowUpper[i]! ? ax[i]! - p.rowUpper[i]! : 0;
    pr += v * v;
    let b = 0;
    if (Number.isFinite(p.rowLower[i]!)) b = Math.abs(p.rowLower[i]!);
    if (Number.isFinite(p.rowUpper[i]!)) b = Math.max(b, Math.abs(p.rowUpper[i]!));
    bn += b * b;
    const y = sign * r.y[i]!;
    if (y > 0) {
      if (Number.isFinite(p.rowLower[i]!)) dobj += y * p.rowLower[i]!;
      else dr += y * y;
    } else if (y < 0) {
      if (Number.isFinite(p.rowUpper[i]!)) dobj += y * p.rowUpper[i]!;
      else dr += y * y;
    }
  }
  for (let j = 0; j < n; j++) {
    assert.ok(r.x[j]! >= p.colLower[j]! && r.x[j]! <= p.colUpper[j]!, `x[${j}] within its bounds`);
    const c = sign * p.c[j]!;
    obj += p.c[j]! * r.x[j]!;
    cn += c * c;
    const l = c - aty[j]!;
    if (l > 0) {
      if (Number.isFinite(p.colLower[j]!)) dobj += l * p.colLower[j]!;
      else dr += l * l;
    } else if (l < 0) {
      if (Number.isFinite(p.colUpper[j]!)) dobj += l * p.colUpper[j]!;
      else dr += l * l;
    }
  }
  const pobjMin = sign * obj;
  return {
    primal: Math.sqrt(pr) / (1 + Math.sqrt(bn)),
    dual: Math.sqrt(dr) / (1 + Math.sqrt(cn)),
    gap: Math.abs(pobjMin - dobj) / (1 + Math.abs(pobjMin) + Math.abs(dobj)),
    objective: obj,
  };
}

function assertKkt(p: LpProblem, r: LpResult, tol = KKT_TOL): void {
  const k = kkt(p, r);
  assert.ok(k.primal <= tol, `primal residual ${k.primal}`);
  assert.ok(k.dual <= tol, `dual residual ${k.dual}`);
  assert.ok(k.gap <= tol, `gap ${k.gap}`);
  assert.ok(Math.abs(k.objective - r.objective) <= 1e-9 * (1 + Math.abs(k.objective)), `objective ${r.objective} vs recomputed ${k.objective}`);
}

// min -x - y s.t. x + 2y <= 4, 3x + y <= 6, x, y >= 0 -> (1.6, 1.2), objective -2.8
const small = (): LpProblem => lp([[1, 2], [3, 1]], [-1, -1], [-inf, -inf], [4, 6], [0, 0], [inf, inf]);

for (const { device, skip } of backends) {
  describe(`solveLp on ${device}`, { skip }, () => {
    test('a 2x2 LP reaches its hand-derived optimum with duals and KKT residuals', async () => {
      const p = small();
      const r = await solveLp(p, { device, tolerance: 1e-9 });
      assert.equal(r.status, 'optimal');
      assert.equal(r.backend, device);
      assert.ok(Math.abs(r.x[0]! - 1.6) <= HAND_TOL && Math.abs(r.x[1]! - 1.2) <= HAND_TOL, `x = ${Array.from(r.x)}`);
      assert.ok(Math.abs(r.objective + 2.8) <= HAND_TOL);
      assert.ok(Math.abs(r.y[0]! + 0.4) <= HAND_TOL && Math.abs(r.y[1]! + 0.2) <= HAND_TOL, `y = ${Array.from(r.y)}`);
      assertKkt(p, r);
    });

    test('maximization with an offset reports the objective in the problem sense', async () => {
      // max x + y + 10 s.t. same constraints -> 12.8
      const p = { ...small(), c: f64([1, 1]), offset: 10, sense: 'max' as const };
      const r = await solveLp(p, { device, tolerance: 1e-9 });
      assert.equal(r.status, 'optimal');
      assert.ok(Math.abs(r.objective - 12.8) <= HAND_TOL, `objective ${r.objective}`);
      assert.ok(Math.abs(r.dualObjective - 12.8) <= HAND_TOL, `dual objective ${r.dualObjective}`);
      assertKkt(p, r);
    });

    test('x + y <= 1 and x + y >= 3 is primal infeasible', async () => {
      const r = await solveLp(lp([[1, 1], [1, 1]], [1, 1], [-inf, 3], [1, inf], [0, 0], [inf, inf]), { device, iterationLimit: 200000 });
      assert.equal(r.status, 'primal_infeasible');
    });

    test('min -x s.t. x - y <= 1, x, y >= 0 is dual infeasible (unbounded)', async () => {
      const r = await solveLp(lp([[1, -1]], [-1, 0], [-inf], [1], [0, 0], [inf, inf]), { device, iterationLimit: 200000 });
      assert.equal(r.status, 'dual_infeasible');
    });

    test('the iteration limit returns a real iterate and its residuals', async () => {
      const r = await solveLp(small(), { device, tolerance: 1e-10, iterationLimit: 7 });
      assert.equal(r.status, 'iteration_limit');
      assert.equal(r.iterations, 7);
      assert.equal(r.x.length, 2);
      assert.ok(r.x.every(Number.isFinite) && Number.isFinite(r.primalResidual) && Number.isFinite(r.gap));
    });

    test('a time limit reached before the first check returns the start point with status time_limit', async () => {
      const r = await solveLp(small(), { device, tolerance: 1e-10, timeLimitSec: 1e-9 });
      assert.equal(r.status, 'time_limit');
      assert.equal(r.x.length, 2);
      assert.ok(r.x.every(Number.isFinite));
    });

    test('a warm start at the optimum stops at the first check', async () => {
      const p = small();
      const cold = await solveLp(p, { device, tolerance: 1e-7 });
      const warm = await solveLp(p, { device, tolerance: 1e-7, warmStart: { x: cold.x, y: cold.y } });
      assert.equal(warm.status, 'optimal');
      assert.ok(warm.iterations < cold.iterations, `warm ${warm.iterations} vs cold ${cold.iterations}`);
    });
  });
}

describe('solveLp input errors', () => {
  test('NaN in c is an InvalidArgumentError naming c[1], and the process keeps working', async () => {
    const p = { ...small(), c: f64([-1, NaN]) };
    await assert.rejects(solveLp(p, { device: 'cpu' }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'c[1]');
    const ok = await solveLp(small(), { device: 'cpu' });
    assert.equal(ok.status, 'optimal');
  });

  test('mismatched lengths name the argument', async () => {
    const p = { ...small(), rowUpper: f64([4]) };
    await assert.rejects(solveLp(p), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'problem.rowUpper');
    const q = small();
    q.A = { ...q.A!, values: f64([1, 2, 3]) };
    await assert.rejects(solveLp(q, { device: 'cpu' }), (e: unknown) => e instanceof InvalidArgumentError && /problem\.A\.values/.test(e.message));
  });

  test('a column index out of range is rejected', async () => {
    const q = small();
    q.A = { ...q.A!, colIdx: Int32Array.from([0, 5, 0, 1]) };
    await assert.rejects(solveLp(q, { device: 'cpu' }), (e: unknown) => e instanceof InvalidArgumentError && /out of range/.test(e.message));
  });

  test('bad settings are rejected when compiled', () => {
    assert.throws(() => compileLpSettings({ tolerance: 0 }), InvalidArgumentError);
    assert.throws(() => compileLpSettings({ device: 'gpu' as 'cuda' }), /settings.device/);
    assert.throws(() => compileLpSettings({ advanced: { nope: 1 } as never }), /settings.advanced.nope/);
  });
});

// ---- Peer CVaR instances (generated here with ../shared/peers' generator).
const PYTHON = '/usr/bin/python3';
const PEERS = resolve(process.env['HPPO_PEERS_DIR'] ?? join(repoRoot(), '..', 'shared', 'peers'));
const peerSkip = !existsSync(join(PEERS, 'gen_cvar.py'))
  ? `${PEERS}/gen_cvar.py not found (../shared/peers absent)`
  : !existsSync(PYTHON)
    ? `${PYTHON} not found`
    : !existsSync(join(PEERS, 'results', 'scipy_highs.jsonl'))
      ? 'no recorded HiGHS results in ../shared/peers/results'
      : false;
if (peerSkip) process.stdout.write(`# lp peer tests skipped: ${peerSkip}\n`);

describe('PDLP on the peer CVaR instances', { skip: peerSkip }, () => {
  let dir = '';
  const highs = new Map<string, number>();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hppo-lp-'));
    execFileSync(PYTHON, [join(PEERS, 'gen_cvar.py'), '--synthetic', '--sizes', '50x250,100x1000', '--out', dir], { stdio: 'pipe' });
    for (const line of readFileSync(join(PEERS, 'results', 'scipy_highs.jsonl'), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as { solver: string; instance: string; status: string; objective: number };
      if (r.solver === 'scipy-highs-ipm' && r.status === 'optimal') highs.set(r.instance, r.objective);
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const { device, skip } of backends) {
    for (const name of ['cvar_50_250.mps', 'cvar_100_1000.mps']) {
      test(`${name} on ${device} matches HiGHS within ${PEER_OBJ_REL_TOL} relative`, { skip }, async () => {
        const ref = highs.get(name);
        assert.ok(ref !== undefined, `HiGHS objective of ${name} recorded`);
        const mps = await readMps(join(dir, name));
        const p = lpFromMps(mps);
        const r = await solveLp(p, { device, tolerance: PEER_TOL });
        assert.equal(r.status, 'optimal');
        assert.ok(r.denseBlock !== null, 'the scenario block was detected');
        const rel = Math.abs(r.objective - ref) / Math.abs(ref);
        assert.ok(rel <= PEER_OBJ_REL_TOL, `objective ${r.objective} vs HiGHS ${ref}: rel ${rel}`);
        assertKkt(p, r, 1e-6);
        if (name === 'cvar_50_250.mps') {
          // float32 storage of the dense block: the same answer (the returns are rounded to 1e-7).
          const r32 = await solveLp(p, { device, tolerance: PEER_TOL, denseFloat32: true });
          assert.equal(r32.status, 'optimal');
          assert.equal(r32.denseBlock?.float32, true);
          assert.ok(Math.abs(r32.objective - ref) / Math.abs(ref) <= PEER_OBJ_REL_TOL, `float32 objective ${r32.objective}`);
        }
      });
    }
  }

  test('cancellation rejects with CancelledError and a timer keeps firing during the solve', async () => {
    const p = lpFromMps(await readMps(join(dir, 'cvar_100_1000.mps')));
    const ac = new AbortController();
    let ticks = 0;
    let progress = 0;
    const timer = setInterval(() => {
      ticks++;
      if (ticks >= 3) ac.abort();
    }, 1);
    try {
      // Tolerance 1e-10 and a large iteration limit: only the abort (fired by the timer, which can
      // only run while the event loop is free) ends this solve early.
      await assert.rejects(
        solveLp(p, { device: 'cpu', tolerance: 1e-10, iterationLimit: 5_000_000, progressIntervalMs: 0 }, { signal: ac.signal, onProgress: () => progress++ }),
        CancelledError,
      );
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 3, `timer ticks during the solve: ${ticks}`);
    const again = await solveLp(small(), { device: 'cpu' });
    assert.equal(again.status, 'optimal');
  });

  test('progress callbacks report the iteration and finite residuals while solving', async () => {
    const p = lpFromMps(await readMps(join(dir, 'cvar_50_250.mps')));
    const seen: Array<{ iteration: number; gap: number; primalResidual: number }> = [];
    const r = await solveLp(p, { device: 'cpu', tolerance: 1e-8, progressIntervalMs: 0 }, { onProgress: (q) => seen.push(q) });
    assert.equal(r.status, 'optimal');
    assert.ok(seen.length >= 1, 'at least one progress report');
    for (const q of seen) assert.ok(q.iteration > 0 && q.iteration <= r.iterations && Number.isFinite(q.gap) && Number.isFinite(q.primalResidual));
  });

  test('an already aborted signal rejects before starting', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(solveLp(small(), {}, { signal: ac.signal }), CancelledError);
  });
});

describe('hppo solve lp', () => {
  const MPS = 'NAME cli\nOBJSENSE MAX\nROWS\n N obj\n L c1\n L c2\nCOLUMNS\n x obj 1 c1 1\n x c2 3\n y obj 1 c1 2\n y c2 1\nRHS\n rhs c1 4 c2 6\n rhs obj -10\nENDATA\n';
  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const { solveLpCommand } = await import('../../cli/solve-lp.js');
    let out = '';
    let err = '';
    const ow = process.stdout.write.bind(process.stdout);
    const ew = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
    try {
      const code = await solveLpCommand(argv);
      return { code, out, err };
    } finally {
      process.stdout.write = ow;
      process.stderr.write = ew;
    }
  }
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hppo-lp-cli-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('--json prints one object with the objective in the file sense', async () => {
    const file = join(dir, 'cli.mps');
    writeFileSync(file, MPS);
    const r = await run([file, '--json', '--tol', '1e-8', '--device', 'cpu']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines.length, 1);
    const o = JSON.parse(lines[0]!) as Record<string, unknown>;
    for (const k of ['status', 'objective', 'iterations', 'solveSeconds', 'primalResidual', 'dualResidual', 'gap', 'device']) assert.ok(k in o, k);
    assert.equal(o['status'], 'optimal');
    // max x + y + 10 (objective RHS -10 -> constant +10) -> 2.8 + 10
    assert.ok(Math.abs((o['objective'] as number) - 12.8) <= 1e-6, String(o['objective']));
  });

  test('a malformed file exits 2 with the line number', async () => {
    const file = join(dir, 'bad.mps');
    writeFileSync(file, 'NAME bad\nROWS\n N obj\nCOLUMNS\n x nope 1\n');
    const r = await run([file]);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.mps:5: unknown row "nope"/);
  });

  test('bad options exit 2 with a message', async () => {
    assert.equal((await run(['x.mps', '--device', 'gpu'])).code, 2);
    assert.equal((await run(['x.mps', '--tol', 'abc'])).code, 2);
    const missing = await run([join(dir, 'missing.mps')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /missing\.mps/);
  });
});
