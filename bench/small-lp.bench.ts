/**
 * Small-LP benchmark: the HPPO reference's 13 x 121 CVaR LPs of 2015 (1573 LPs), solved by hppo's
 * dense simplex (a) one by one and (b) batched per rebalance date with chained warm start, and by
 * the reference's own code (scipy HiGHS, `solve_var_model`: build + linprog, best of 3) in the same
 * run. Every hppo answer is checked against HiGHS' weights. Times include building the LPs and the
 * reachability (fallback) test, like the reference's LP timer.
 *
 *   make bench-small-lp            (or: node dist/bench/small-lp.bench.js, from the repo root)
 *   env: HPPO_SHARED (default ../shared), BENCH_REPS (default 5), BENCH_THREADS (default 0 = all)
 *
 * Prints per-LP microseconds and the ratios; the last line is JSON.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildCvarLp, buildReferenceCvarLps, cvarStartBasis, cvarTargetReachable, cvarWeights, type ScenarioWindow } from '../src/solver/cvar-lp.js';
import { solveReferenceCvarBatch } from '../src/solver/cvar-batch.js';
import { solveDenseLp, solveDenseLpBatchAsync, solveDenseLpBatchPacked, type DenseLp } from '../src/solver/small-lp.js';

interface Cell {
  mu: number;
  alpha: number;
  fallback: boolean;
  objective: number;
  weights: number[];
}
interface Window {
  date: string;
  S: number;
  n: number;
  returns: number[];
  cells: Cell[];
}
interface RefOut {
  windows: Window[];
  secondsPerLp: number;
  cpuSecondsPerLp: number;
  lps: number;
}

const SHARED = resolve(process.env['HPPO_SHARED'] ?? '../shared');
const REPS = Number(process.env['BENCH_REPS'] ?? 5);
const THREADS = Number(process.env['BENCH_THREADS'] ?? 0);
const CHAIN = Number(process.env['BENCH_CHAIN'] ?? 16);

/** Best wall time (ms) of `reps` runs, and the best CPU time (ms, user + system, all threads). */
function best(reps: number, fn: () => void): number {
  let b = Infinity;
  lastCpuMs = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    b = Math.min(b, performance.now() - t0);
    const c = process.cpuUsage(c0);
    lastCpuMs = Math.min(lastCpuMs, (c.user + c.system) / 1000);
  }
  return b;
}
let lastCpuMs = Infinity;

async function bestAsync(reps: number, fn: () => Promise<void>): Promise<number> {
  let b = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

async function main(): Promise<void> {
  if (!existsSync(join(SHARED, 'reference', 'hppo_ref.py'))) {
    console.log(`skipped: ${SHARED}/reference/hppo_ref.py not found (set HPPO_SHARED)`);
    console.log(JSON.stringify({ bench: 'small-lp', skipped: true }));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'hppo-bench-small-lp-'));
  let ref: RefOut;
  try {
    const out = join(dir, 'cvar.json');
    execFileSync('/usr/bin/python3', [resolve('test/solver/small_lp_ref.py'), 'cvar', SHARED, out, '--cells', 'all', '--time', '--no-raw'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    ref = JSON.parse(readFileSync(out, 'utf8')) as RefOut;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const windows = ref.windows.map((w) => ({
    w,
    win: { returns: Float64Array.from(w.returns), numScenarios: w.S, numAssets: w.n } satisfies ScenarioWindow,
  }));
  const lps = windows.reduce((s, x) => s + x.w.cells.length, 0);

  // Agreement with HiGHS (weights after the reference's clip/normalize), from the batched path.
  let maxWeightDiff = 0;
  let maxObjRel = 0;
  let iterations = 0;
  let warmStarted = 0;
  let notOptimal = 0;
  // The sweep's per-date work: build the date's LPs once (shared A, fallback rule), one native call.
  const solveDate = (win: ScenarioWindow, cells: Cell[], threads = THREADS) => {
    const { problems, fallback } = buildReferenceCvarLps(win, cells);
    return { fallback, r: solveDenseLpBatchPacked(problems, { chainWarmStart: true, chainLength: CHAIN, threads }) };
  };
  let fallbackMismatches = 0;
  for (const { w, win } of windows) {
    const { r, fallback } = solveDate(win, w.cells);
    w.cells.forEach((c, k) => {
      if (fallback[k] !== c.fallback) fallbackMismatches++;
      if (r.status[k] !== 0) notOptimal++;
      const x = r.x.subarray(k * (w.n + 1 + w.S), (k + 1) * (w.n + 1 + w.S)); // every LP of a date has n + 1 + S columns
      const wt = cvarWeights(x, w.n);
      for (let i = 0; i < w.n; i++) maxWeightDiff = Math.max(maxWeightDiff, Math.abs(wt[i]! - c.weights[i]!));
      maxObjRel = Math.max(maxObjRel, Math.abs(r.objective[k]! - c.objective) / Math.max(1, Math.abs(c.objective)));
      iterations += r.iterations[k]!;
      warmStarted += r.warmStarted[k]!;
    });
  }

  // (a) one by one, cold, single thread: build + reachability + solve per LP.
  let coldIterations = 0;
  const oneByOneMs = best(REPS, () => {
    coldIterations = 0;
    for (const { w, win } of windows) {
      for (const c of w.cells) {
        const p: DenseLp = buildCvarLp(win, { alpha: c.alpha, targetAnnualReturn: cvarTargetReachable(win, c.mu) ? c.mu : null });
        coldIterations += solveDenseLp(p).iterations;
      }
    }
  });
  const oneByOneCpuMs = lastCpuMs;
  // (a') one by one, started from the CVaR crash basis (a feasible vertex).
  let crashIterations = 0;
  const crashMs = best(REPS, () => {
    crashIterations = 0;
    for (const { w, win } of windows) {
      for (const c of w.cells) {
        const spec = { alpha: c.alpha, targetAnnualReturn: cvarTargetReachable(win, c.mu) ? c.mu : null };
        crashIterations += solveDenseLp({ ...buildCvarLp(win, spec), basis: cvarStartBasis(win, spec) }).iterations;
      }
    }
  });
  // (b) batched per date, chained warm start, multithreaded (sync: as inside a worker thread).
  const batchedMs = best(REPS, () => {
    for (const { w, win } of windows) solveDate(win, w.cells);
  });
  // (b') the same through the async binding (event loop free while solving).
  const batchedAsyncMs = await bestAsync(REPS, async () => {
    for (const { w, win } of windows) {
      await solveDenseLpBatchAsync(buildReferenceCvarLps(win, w.cells).problems, { chainWarmStart: true, chainLength: CHAIN, threads: THREADS });
    }
  });
  // (b'') batched, single thread (per-core throughput).
  const batched1Ms = best(REPS, () => {
    for (const { w, win } of windows) solveDate(win, w.cells, 1);
  });
  const batched1CpuMs = lastCpuMs;
  // (c) the high-level per-date call (fallback rule, crash for chain heads, weights post-processed).
  let refIterations = 0;
  const refBatchMs = best(REPS, () => {
    refIterations = 0;
    for (const { w, win } of windows) refIterations += solveReferenceCvarBatch(win, w.cells, { chainLength: CHAIN, threads: THREADS }).iterations;
  });

  const refUs = ref.secondsPerLp * 1e6;
  const refCpuUs = ref.cpuSecondsPerLp * 1e6;
  const us = (ms: number) => (ms * 1000) / lps;
  const fmt = (v: number) => v.toFixed(2).padStart(9);
  console.log(`small-lp bench: ${lps} reference CVaR LPs (13 dates x 121 cells), ${availableParallelism()} hardware threads, best of ${REPS}`);
  console.log(`  scipy HiGHS (reference solve_var_model, 1 thread)   ${fmt(refUs)} us/LP`);
  console.log(`  hppo one by one, cold, 1 thread                     ${fmt(us(oneByOneMs))} us/LP   ${(refUs / us(oneByOneMs)).toFixed(1)}x   (${(coldIterations / lps).toFixed(1)} iterations/LP)`);
  console.log(`  hppo one by one, crash start, 1 thread              ${fmt(us(crashMs))} us/LP   ${(refUs / us(crashMs)).toFixed(1)}x   (${(crashIterations / lps).toFixed(1)} iterations/LP)`);
  console.log(`  hppo batched per date, warm chain, 1 thread         ${fmt(us(batched1Ms))} us/LP   ${(refUs / us(batched1Ms)).toFixed(1)}x`);
  console.log(`  hppo batched per date, warm chain, all threads      ${fmt(us(batchedMs))} us/LP   ${(refUs / us(batchedMs)).toFixed(1)}x   (${(iterations / lps).toFixed(1)} iterations/LP, ${warmStarted} warm)`);
  console.log(`  hppo batched per date, async binding, all threads   ${fmt(us(batchedAsyncMs))} us/LP   ${(refUs / us(batchedAsyncMs)).toFixed(1)}x`);
  console.log(`  solveReferenceCvarBatch per date, all threads       ${fmt(us(refBatchMs))} us/LP   ${(refUs / us(refBatchMs)).toFixed(1)}x   (${(refIterations / lps).toFixed(1)} iterations/LP, weights included)`);
  console.log(
    `  CPU time per LP (robust to other load on the machine): HiGHS ${refCpuUs.toFixed(1)} us, one by one ${us(oneByOneCpuMs).toFixed(2)} us ` +
      `(${(refCpuUs / us(oneByOneCpuMs)).toFixed(1)}x), batched 1 thread ${us(batched1CpuMs).toFixed(2)} us (${(refCpuUs / us(batched1CpuMs)).toFixed(1)}x)`,
  );
  console.log(`  all ${lps} LPs batched: ${batchedMs.toFixed(1)} ms (target < 80 ms); HiGHS: ${(ref.secondsPerLp * lps * 1000).toFixed(0)} ms`);
  console.log(`  agreement with HiGHS: max |w - w_highs| ${maxWeightDiff.toExponential(2)}, max objective rel diff ${maxObjRel.toExponential(2)}, not optimal ${notOptimal}, fallback mismatches ${fallbackMismatches}`);
  console.log(
    JSON.stringify({
      bench: 'small-lp',
      lps,
      threads: THREADS || availableParallelism(),
      chainLength: CHAIN,
      highsUsPerLp: refUs,
      highsCpuUsPerLp: refCpuUs,
      oneByOneCpuUsPerLp: us(oneByOneCpuMs),
      batched1ThreadCpuUsPerLp: us(batched1CpuMs),
      oneByOneUsPerLp: us(oneByOneMs),
      batched1ThreadUsPerLp: us(batched1Ms),
      batchedUsPerLp: us(batchedMs),
      batchedAsyncUsPerLp: us(batchedAsyncMs),
      oneByOneCrashUsPerLp: us(crashMs),
      referenceBatchUsPerLp: us(refBatchMs),
      referenceBatchIterationsPerLp: refIterations / lps,
      batchedTotalMs: batchedMs,
      ratioOneByOne: refUs / us(oneByOneMs),
      ratioBatched: refUs / us(batchedMs),
      coldIterationsPerLp: coldIterations / lps,
      warmIterationsPerLp: iterations / lps,
      maxWeightDiff,
      maxObjectiveRelDiff: maxObjRel,
      notOptimal,
      fallbackMismatches,
    }),
  );
}

await main();
