/**
 * LP benchmark: hppo's PDLP against HiGHS (scipy linprog, methods highs-ipm and highs-ds, through
 * ../shared/peers/run_highs.py with Debian's /usr/bin/python3) on the same CVaR MPS files in the
 * same run: 50x250, 100x1000, 397x5000, 397x20000 (generated with ../shared/peers/gen_cvar.py
 * --synthetic into .hppo/cache/peers/ when absent).
 *
 *   make bench-lp          (or: node dist/bench/lp.bench.js, from the repo root)
 *   env: BENCH_SIZES (default 50x250,100x1000,397x5000,397x20000), BENCH_TOL (default 1e-4),
 *        BENCH_DEVICE (auto|cpu|cuda, default auto), BENCH_FLOAT32 (unset: float64 and float32 dense
 *        block both; 0: float64 only; 1: float32 only),
 *        BENCH_HIGHS_METHODS (default highs-ipm,highs-ds; 'none' = hppo only), BENCH_HIGHS_TIME_LIMIT (s, default 300),
 *        BENCH_REPS (hppo repetitions, best taken; default 1), HPPO_PEERS_DIR (default ../shared/peers)
 *
 * Times: hppo = solveLp() wall time (dense-block detection, scaling, upload, iterations); HiGHS =
 * the linprog() call as run_highs.py reports it. MPS parsing is excluded on both sides.
 * Per instance: hppo seconds, best HiGHS seconds, speedup (HiGHS / hppo), relative objective
 * difference to the best HiGHS optimal objective. The last line is one JSON object.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { readMps } from '../src/solver/mps.js';
import { lpFromMps, solveLp, type LpDevice, type LpResult } from '../src/solver/lp.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return dir;
    dir = dirname(dir);
  }
  return resolve('.');
}

const ROOT = repoRoot();
const PEERS = resolve(process.env['HPPO_PEERS_DIR'] ?? join(ROOT, '..', 'shared', 'peers'));
const CACHE = join(ROOT, '.hppo', 'cache', 'peers');
const PYTHON = '/usr/bin/python3';
const SIZES = (process.env['BENCH_SIZES'] ?? '50x250,100x1000,397x5000,397x20000').split(',').map((s) => s.trim()).filter(Boolean);
const TOL = Number(process.env['BENCH_TOL'] ?? 1e-4);
const DEVICE = (process.env['BENCH_DEVICE'] ?? 'auto') as LpDevice;
// Dense-block storage modes to run: both by default (float64 is the library default).
const MODES: boolean[] = process.env['BENCH_FLOAT32'] === '1' ? [true] : process.env['BENCH_FLOAT32'] === '0' ? [false] : [false, true];
const METHODS = process.env['BENCH_HIGHS_METHODS'] ?? 'highs-ipm,highs-ds';
const HIGHS_LIMIT = Number(process.env['BENCH_HIGHS_TIME_LIMIT'] ?? 300);
const REPS = Math.max(1, Number(process.env['BENCH_REPS'] ?? 1));

interface HighsLine {
  solver: string;
  status: string;
  objective: number | null;
  seconds: number | null;
  iterations: number | null;
}

function instancePath(size: string): string {
  const [n, S] = size.split('x');
  const base = join(CACHE, `cvar_${n}_${S}.mps`);
  if (existsSync(base)) return base;
  if (existsSync(`${base}.gz`)) return `${base}.gz`;
  mkdirSync(CACHE, { recursive: true });
  process.stdout.write(`generating ${size} into ${CACHE} ...\n`);
  execFileSync(PYTHON, [join(PEERS, 'gen_cvar.py'), '--synthetic', '--sizes', size, '--out', CACHE], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (existsSync(base)) return base;
  if (existsSync(`${base}.gz`)) return `${base}.gz`;
  throw new Error(`gen_cvar.py did not write ${base}[.gz]`);
}

function runHighs(file: string): HighsLine[] {
  if (METHODS === 'none') return [];
  const out = execFileSync(PYTHON, [join(PEERS, 'run_highs.py'), '--methods', METHODS, '--time-limit', String(HIGHS_LIMIT), file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  return out
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as HighsLine);
}

async function main(): Promise<void> {
  if (!existsSync(join(PEERS, 'gen_cvar.py')) || !existsSync(PYTHON)) {
    process.stdout.write(`${JSON.stringify({ bench: 'lp', skipped: `needs ${PEERS}/gen_cvar.py and ${PYTHON}` })}\n`);
    return;
  }
  const rows: Array<Record<string, unknown>> = [];
  process.stdout.write(`hppo PDLP tol ${TOL} device ${DEVICE} vs HiGHS (${METHODS}, limit ${HIGHS_LIMIT}s)\n`);
  process.stdout.write(`${'instance (dense block)'.padEnd(28)} ${'hppo s'.padStart(8)} ${'iters'.padStart(7)} ${'HiGHS s'.padStart(8)} ${'best'.padEnd(16)} ${'speedup'.padStart(8)} ${'rel.obj.diff'.padStart(12)}\n`);
  for (const size of SIZES) {
    const file = instancePath(size);
    const mps = await readMps(file);
    const problem = lpFromMps(mps);
    const runs: Array<{ float32: boolean; sec: number; res: LpResult }> = [];
    for (const float32 of MODES) {
      let best: LpResult | undefined;
      let bestSec = Infinity;
      for (let r = 0; r < REPS; r++) {
        const t0 = performance.now();
        const res = await solveLp(problem, { tolerance: TOL, device: DEVICE, denseFloat32: float32 });
        const sec = (performance.now() - t0) / 1000;
        if (sec < bestSec) {
          bestSec = sec;
          best = res;
        }
      }
      runs.push({ float32, sec: bestSec, res: best! });
    }
    const highs = runHighs(file);
    const optimal = highs.filter((h) => h.status === 'optimal' && h.seconds !== null && h.objective !== null);
    const fastest = optimal.reduce<HighsLine | undefined>((a, h) => (a === undefined || h.seconds! < a.seconds! ? h : a), undefined);
    const ref = fastest?.objective ?? null;
    const name = file.split('/').pop()!;
    const hppo = runs.map(({ float32, sec, res }) => {
      const relDiff = ref === null ? null : Math.abs(res.objective - ref) / Math.abs(ref);
      const speedup = fastest ? fastest.seconds! / sec : null;
      const label = `${name}${float32 ? ' f32' : ' f64'}`;
      process.stdout.write(
        `${label.padEnd(28)} ${sec.toFixed(3).padStart(8)} ${String(res.iterations).padStart(7)} ${(fastest?.seconds?.toFixed(3) ?? '-').padStart(8)} ${(fastest?.solver ?? 'none optimal').padEnd(16)} ${(speedup?.toFixed(2) ?? '-').padStart(8)} ${(relDiff?.toExponential(2) ?? '-').padStart(12)}  obj ${res.objective}\n`,
      );
      return {
        float32,
        seconds: Number(sec.toFixed(4)),
        setupSeconds: res.setupSeconds,
        solveSeconds: res.solveSeconds,
        status: res.status,
        iterations: res.iterations,
        objective: res.objective,
        speedup: speedup === null ? null : Number(speedup.toFixed(3)),
        relObjectiveDiff: relDiff,
        device: res.device,
      };
    });
    for (const h of highs) process.stdout.write(`    ${h.solver.padEnd(18)} ${h.status.padEnd(12)} ${h.seconds ?? '-'} s  objective ${h.objective ?? '-'}  iterations ${h.iterations ?? '-'}\n`);
    rows.push({
      instance: name,
      rows: mps.numRows,
      cols: mps.numCols,
      nnz: mps.A.values.length,
      denseBlock: runs[0]?.res.denseBlock ?? null,
      hppo,
      highs: highs.map((h) => ({ solver: h.solver, status: h.status, seconds: h.seconds, objective: h.objective })),
      bestHighs: fastest?.solver ?? null,
      bestHighsSeconds: fastest?.seconds ?? null,
    });
  }
  process.stdout.write(`${JSON.stringify({ bench: 'lp', tolerance: TOL, device: DEVICE, date: new Date().toISOString(), instances: rows })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`lp bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
