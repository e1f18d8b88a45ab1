/**
 * `make bench-qp`: hppo's ADMM QP solver against CVXOPT (Debian python3-cvxopt, the peer runner
 * ../shared/peers/run_cvxopt.py) on the fund-of-funds instances, in the same run on this machine.
 *
 * hppo solves the compact factor form (fof_<N>.json + .F.f64: P = F F' + diag(d), proportional cost
 * as an exact prox); CVXOPT solves fof_<N>_factor.mps (the same problem as a pure QP with a buy/sell
 * split, CVXOPT's faster encoding). File reading is excluded on both sides: hppo's time is the
 * native setup + solve, CVXOPT's the solve call as reported by the runner.
 * Instances are generated into .hppo/cache/peers/ when absent (gen_fof.py, deterministic).
 *
 * Env: HPPO_BENCH_QP_SIZES=50,200 (default 50,200,1000,2000,5000), HPPO_BENCH_QP_NO_CVXOPT=1,
 *      HPPO_BENCH_QP_TOL (default 1e-4), HPPO_PEERS_DIR (default <repo>/../shared/peers).
 * Prints a table; the last line is one JSON object.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readFof } from '../src/solver/fof.js';
import { solveQp } from '../src/solver/qp.js';

const execFileAsync = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const CVXOPT_MAX_N = 2000; // CVXOPT alone beyond: ~150 s at N = 5000 (see ../shared/peers/RESULTS.md)

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the repository root');
}

interface Row {
  N: number;
  status: string;
  objective: number;
  hppoSec: number;
  iterations: number;
  polished: boolean | null;
  cvxoptSec: number | null;
  cvxoptObjective: number | null;
  cvxoptStatus: string | null;
  ratio: number | null;
  relObjDiff: number | null;
}

async function ensureInstances(peers: string, cache: string, sizes: number[]): Promise<void> {
  const missing = sizes.filter((n) => !existsSync(join(cache, `fof_${n}.json`)) || !existsSync(join(cache, `fof_${n}.F.f64`)) ||
    (n <= CVXOPT_MAX_N && !existsSync(join(cache, `fof_${n}_factor.mps`)) && !existsSync(join(cache, `fof_${n}_factor.mps.gz`))));
  if (missing.length === 0) return;
  mkdirSync(cache, { recursive: true });
  process.stdout.write(`generating fof_{${missing.join(',')}} into ${cache} ...\n`);
  await execFileAsync(PYTHON, [join(peers, 'gen_fof.py'), '--out', cache, '--sizes', missing.join(','), '--dense-max', '0'], { maxBuffer: 1 << 24 });
}

async function runCvxopt(peers: string, file: string): Promise<{ seconds: number; objective: number | null; status: string }> {
  const { stdout } = await execFileAsync(PYTHON, [join(peers, 'run_cvxopt.py'), '--time-limit', '300', file], { maxBuffer: 1 << 24 });
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`run_cvxopt.py printed no result for ${file}`);
  const r = JSON.parse(line) as { seconds: number; objective: number | null; status: string };
  return { seconds: r.seconds, objective: r.objective, status: r.status };
}

async function main(): Promise<void> {
  const root = repoRoot();
  const peers = resolve(process.env['HPPO_PEERS_DIR'] ?? join(root, '..', 'shared', 'peers'));
  const cache = join(root, '.hppo', 'cache', 'peers');
  const sizes = (process.env['HPPO_BENCH_QP_SIZES'] ?? '50,200,1000,2000,5000').split(',').map(Number);
  const tol = Number(process.env['HPPO_BENCH_QP_TOL'] ?? '1e-4');
  const withCvxopt = process.env['HPPO_BENCH_QP_NO_CVXOPT'] !== '1' && existsSync(join(peers, 'run_cvxopt.py')) && existsSync(PYTHON);
  if (!existsSync(join(peers, 'gen_fof.py'))) {
    process.stdout.write(`bench-qp: ${peers}/gen_fof.py not found; set HPPO_PEERS_DIR\n`);
    process.exitCode = 1;
    return;
  }
  await ensureInstances(peers, cache, sizes);
  const rows: Row[] = [];
  process.stdout.write(`hppo ADMM (tolerance ${tol}) vs CVXOPT 1.3.0 (runner defaults) on FOF; seconds exclude file reading\n`);
  process.stdout.write('     N  status        hppo s   iters  polished  cvxopt s   ratio    rel obj diff\n');
  for (const N of sizes) {
    const inst = await readFof(join(cache, `fof_${N}.json`));
    const t0 = performance.now();
    const r = await solveQp(inst.problem, { tolerance: tol });
    const wall = (performance.now() - t0) / 1000;
    const hppoSec = r.setupSeconds + r.solveSeconds;
    let cv: { seconds: number; objective: number | null; status: string } | null = null;
    if (withCvxopt && N <= CVXOPT_MAX_N) {
      const mps = [`fof_${N}_factor.mps`, `fof_${N}_factor.mps.gz`].map((f) => join(cache, f)).find((f) => existsSync(f));
      if (mps) cv = await runCvxopt(peers, mps);
    }
    const ratio = cv && cv.status === 'optimal' ? cv.seconds / hppoSec : null;
    const rel = cv && cv.objective !== null ? Math.abs(r.objective - cv.objective) / Math.abs(cv.objective) : null;
    rows.push({
      N, status: r.status, objective: r.objective, hppoSec, iterations: r.iterations, polished: r.polished,
      cvxoptSec: cv?.seconds ?? null, cvxoptObjective: cv?.objective ?? null, cvxoptStatus: cv?.status ?? null, ratio, relObjDiff: rel,
    });
    process.stdout.write(
      `${String(N).padStart(6)}  ${r.status.padEnd(12)} ${hppoSec.toFixed(3).padStart(7)} ${String(r.iterations).padStart(7)}  ${String(r.polished).padEnd(8)}` +
        `  ${cv ? cv.seconds.toFixed(3).padStart(8) : '       -'} ${ratio !== null ? `${ratio.toFixed(1)}x`.padStart(7) : '      -'}  ${rel !== null ? rel.toExponential(2) : '-'}` +
        `   (wall ${wall.toFixed(3)} s, objective ${r.objective.toPrecision(10)})\n`,
    );
  }
  const at = (n: number): Row | undefined => rows.find((x) => x.N === n);
  const target = {
    speedup20xAt1000: at(1000)?.ratio != null ? at(1000)!.ratio! >= 20 : null,
    speedup20xAt2000: at(2000)?.ratio != null ? at(2000)!.ratio! >= 20 : null,
    objWithin1e4: rows.every((x) => x.relObjDiff === null || x.relObjDiff <= 1e-4),
    n5000Within10s: at(5000) ? at(5000)!.hppoSec <= 10 && at(5000)!.status === 'optimal' : null,
  };
  process.stdout.write(`${JSON.stringify({ bench: 'qp', tolerance: tol, rows, target })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-qp failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
