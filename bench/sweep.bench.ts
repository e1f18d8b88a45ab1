/**
 * make bench-sweep (issues 5 and 7): the HPPO paper's 121-point (alpha, mu) VaR sweep on SSE 50
 * over 2015 under the reference's rules (examples/reference-rules.yaml), hppo against the Python
 * reference (../shared/reference/hppo_ref.py --serial: pandas + scipy HiGHS) IN THE SAME RUN.
 *
 * Prints:
 *  - reference: process wall (timed here as a subprocess) and its own reported sweep time;
 *  - hppo end to end: `node bin/hppo.js optimize --config examples/reference-rules.yaml --json`
 *    wall (process start, embedded nats-server, worker threads, data load, 121 trials, output),
 *    with its phases, and its CPU time (user + sys of the process tree);
 *  - hppo per backtest per core: the 121 trials in this process on one thread (the backtester's
 *    code path: runBacktestBatch + the model's batch form), CPU time cold (first run, JIT cold)
 *    and warm, split into LP solves, windows and the rest (execution, accounting, metrics);
 *  - the ratio of per-backtest time per core (reference sweep / 121 on its one core vs hppo),
 *    backtests/s/core, the ratio to the paper's 10.9 s per backtest;
 *  - the 1 210-point grid end to end: mu 0.100 … 0.209 step 0.001 (110 values) × the 11 alphas
 *    (one batch of 605 per worker, as the 121-point config's one batch of 61);
 *  - a profile breakdown of the end-to-end run.
 * Last line: one JSON object. Needs dist/ built (make build) and ../shared (HPPO_DATA,
 * HPPO_REFERENCE_DIR); without them it says what is missing and exits 0 with {"skipped": ...}.
 * BENCH_E2E_RUNS (default 3) end-to-end repetitions; the minimum and the median are reported.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBacktestBatch } from '../src/model/batch.js';
import { hppoVarBatchStrategy, compileHppoVarOptions } from '../src/model/models/hppo-var.js';
import { compileBacktestSection, loadMarket } from '../src/sweep/market.js';
import { loadJobDocument } from '../src/sweep/job-config.js';

const here = dirname(fileURLToPath(import.meta.url));
// dist/bench/ when compiled, bench/ under tsx.
const ROOT = existsSync(join(here, '..', 'package.json')) ? resolve(here, '..') : resolve(here, '..', '..');
const PY = '/usr/bin/python3';
const REFERENCE_DIR = resolve(process.env['HPPO_REFERENCE_DIR'] ?? join(ROOT, '..', 'shared', 'reference'));
const DATA_DIR = resolve(process.env['HPPO_DATA'] ?? join(ROOT, '..', 'shared', 'data'));
const CONFIG = join(ROOT, 'examples', 'reference-rules.yaml');
const E2E_RUNS = Math.max(1, Number(process.env['BENCH_E2E_RUNS'] ?? 3));
const PAPER_SEC_PER_BACKTEST = 10.9;
const GRID = Array.from({ length: 11 }, (_, k) => Math.round((0.1 + 0.01 * k) * 100) / 100);

interface Timed {
  wallSec: number;
  cpuSec: number;
  stdout: string;
  stderr: string;
}

/** Runs a command under /usr/bin/time for the CPU time of the whole process tree. */
function timed(cmd: string, args: string[], cwd = ROOT): Timed {
  const useTime = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const p = useTime
    ? spawnSync('/usr/bin/time', ['-f', 'HPPO_BENCH_TIME %U %S', cmd, ...args], { cwd, encoding: 'utf8', maxBuffer: 256 << 20 })
    : spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  const wallSec = (performance.now() - t0) / 1000;
  if (p.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${p.status}: ${p.stderr.slice(-2000)}`);
  const m = /HPPO_BENCH_TIME ([\d.]+) ([\d.]+)/.exec(p.stderr);
  return { wallSec, cpuSec: m ? Number(m[1]) + Number(m[2]) : Number.NaN, stdout: p.stdout, stderr: p.stderr };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? (s[k] as number) : ((s[k - 1] as number) + (s[k] as number)) / 2;
};
const f3 = (x: number): string => x.toFixed(3);
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface E2e {
  wallSec: number;
  cpuSec: number;
  timings: { nodeStartSec: number; workersReadySec: number; jobSec: number; totalSec: number };
  best: { params: Record<string, number>; metrics: Record<string, number> };
  trials: number;
  failed: number;
}

function hppoEndToEnd(config: string): E2e {
  const r = timed(process.execPath, [join(ROOT, 'bin', 'hppo.js'), 'optimize', '--config', config, '--json']);
  const line = r.stdout.trim().split('\n').pop() as string;
  const d = JSON.parse(line) as { timings: E2e['timings']; best: E2e['best']; trials: unknown[]; failed: number };
  return { wallSec: r.wallSec, cpuSec: r.cpuSec, timings: d.timings, best: d.best, trials: d.trials.length, failed: d.failed };
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

const CATEGORIES = ['start-up', 'data', 'solves', 'accounting', 'messaging', 'search+job', 'gc', 'other'] as const;
type Category = (typeof CATEGORIES)[number];

/** Category of a sample from its stack (leaf first): module loading wins, then the leaf's file. */
function categorize(stack: { functionName: string; url: string }[]): Category | 'idle' {
  const leaf = stack[0] as { functionName: string; url: string };
  if (leaf.functionName === '(idle)' || leaf.functionName === '(root)') return 'idle';
  if (leaf.functionName === '(garbage collector)') return 'gc';
  if (stack.some((f) => /node:internal\/(modules|bootstrap|main)|node:internal\/process\/pre_execution/.test(f.url) || f.functionName === 'compileForInternalLoader')) return 'start-up';
  for (const f of stack) {
    const u = f.url;
    if (u === '' || u.startsWith('node:')) continue;
    if (/\/(solver\/(small-lp|cvar-lp)|models\/hppo-var)\.js$/.test(u)) return 'solves';
    if (/\/(execution\/|model\/(batch|engine|metrics|strategy)\.js)/.test(u)) return 'accounting';
    if (/\/(data\/|sweep\/market)/.test(u)) return 'data';
    if (/\/(search\/|actors\/job-master\/|sweep\/(objectives|job-config)\.js)/.test(u) || /node_modules\/yaml\//.test(u)) return 'search+job';
    if (/@nats-io|@bufbuild|\/gen\/hppo|\/runtime\/|\/actors\/backtester\/|sweep\/(params|evaluator|hppo-var-evaluator)\.js|pino|sonic-boom/.test(u)) return 'messaging';
    return 'other';
  }
  // Only node internals on the stack (socket writes, timers, streams): the transport.
  return stack.some((f) => /net|stream|timers|child_process/.test(f.url)) ? 'messaging' : 'other';
}

/** CPU milliseconds per category over the profiles of one run (main thread + workers). */
function profileBreakdown(dir: string): Record<Category | 'idle', number> {
  const out = Object.fromEntries([...CATEGORIES, 'idle'].map((c) => [c, 0])) as Record<Category | 'idle', number>;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const cat = new Map<number, Category | 'idle'>();
    p.samples.forEach((id, k) => {
      let c = cat.get(id);
      if (c === undefined) {
        const stack: { functionName: string; url: string }[] = [];
        for (let j: number | undefined = id; j !== undefined; j = parent.get(j)) stack.push((byId.get(j) as CpuProfile['nodes'][number]).callFrame);
        c = categorize(stack);
        cat.set(id, c);
      }
      out[c] += (p.timeDeltas[k] ?? 0) / 1000;
    });
  }
  return out;
}

async function main(): Promise<void> {
  const missing = [PY, join(REFERENCE_DIR, 'hppo_ref.py'), join(DATA_DIR, 'cn_sse50_close_adj_2008_2016.csv'), join(ROOT, 'dist', 'src', 'cli', 'main.js')].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    console.log(`bench-sweep: skipped, missing ${missing.join(', ')}`);
    console.log(JSON.stringify({ bench: 'sweep', skipped: `missing ${missing.join(', ')}` }));
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'hppo-bench-sweep-'));
  try {
    console.log(`machine: ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; node ${process.version}`);

    // --- the reference, as a subprocess --------------------------------------------------------
    const ref = timed(PY, [join(REFERENCE_DIR, 'hppo_ref.py'), '--serial', '--data-dir', DATA_DIR, '--out-dir', tmp]);
    const rm = /serial: (\d+) backtests in ([\d.]+) s = ([\d.]+) s per backtest \(LP solves ([\d.]+) s/.exec(ref.stdout);
    const refSweepSec = rm ? Number(rm[2]) : Number.NaN;
    const refLpSec = rm ? Number(rm[4]) : Number.NaN;
    const refPerBacktest = refSweepSec / 121;
    console.log(`reference (hppo_ref.py --serial, 1 process): process wall ${f3(ref.wallSec)} s (cpu ${f3(ref.cpuSec)} s); its sweep ${f3(refSweepSec)} s = ${(refPerBacktest * 1e3).toFixed(2)} ms per backtest (LP ${f3(refLpSec)} s)`);

    // --- hppo end to end ------------------------------------------------------------------------
    const runs: E2e[] = [];
    for (let k = 0; k < E2E_RUNS; k++) runs.push(hppoEndToEnd(CONFIG));
    const e2eWalls = runs.map((r) => r.wallSec);
    const last = runs[runs.length - 1] as E2e;
    if (last.trials !== 121 || last.failed !== 0) throw new Error(`hppo optimize: ${last.trials} trials, ${last.failed} failed`);
    console.log(
      `hppo optimize --config examples/reference-rules.yaml --json: wall min ${f3(Math.min(...e2eWalls))} / median ${f3(median(e2eWalls))} s over ${E2E_RUNS} runs (cpu median ${f3(median(runs.map((r) => r.cpuSec)))} s); best (mu ${last.best.params['mu']}, alpha ${last.best.params['alpha']}) sharpe ${last.best.metrics['sharpe']?.toFixed(4)}`,
    );

    // --- 1 210-point grid ------------------------------------------------------------------------
    const doc = readFileSync(CONFIG, 'utf8')
      .replace(/^name: .*$/m, 'name: hppo-var-reference-rules-1210')
      .replace(/^  dataDir: .*$/m, `  dataDir: ${JSON.stringify(DATA_DIR)}`)
      .replace(/^  mu: .*$/m, '  mu: {type: float, low: 0.1, high: 0.209, step: 0.001}')
      .replace(/^  batchSize: .*$/m, '  batchSize: 605');
    const bigConfig = join(tmp, 'grid-1210.yaml');
    writeFileSync(bigConfig, doc);
    const big = hppoEndToEnd(bigConfig);
    if (big.trials !== 1210 || big.failed !== 0) throw new Error(`1 210-point grid: ${big.trials} trials, ${big.failed} failed`);
    console.log(`hppo 1 210-point grid (mu 0.100..0.209 step 0.001 x 11 alphas) end to end: wall ${f3(big.wallSec)} s (cpu ${f3(big.cpuSec)} s; job ${f3(big.timings.jobSec)} s)`);

    // --- hppo per backtest, one thread, the backtester's code path ----------------------------------
    const jobDoc = loadJobDocument(CONFIG);
    (jobDoc['data'] as Record<string, unknown>)['dataDir'] = DATA_DIR;
    let c0 = cpuNow();
    let w0 = performance.now();
    const market = await loadMarket(jobDoc);
    const compiled = compileBacktestSection(jobDoc, market);
    const dataCpu = cpuNow() - c0;
    const dataWall = (performance.now() - w0) / 1000;
    const params = GRID.flatMap((mu) => GRID.map((alpha) => ({ mu, alpha })));
    const options = compileHppoVarOptions((jobDoc['model'] as { options?: object }).options ?? {});
    const one = (): { cpu: number; wall: number; lp: number; window: number; iterations: number } => {
      const strat = hppoVarBatchStrategy(options);
      const c = cpuNow();
      const w = performance.now();
      runBacktestBatch(compiled, params, strat, { keepNav: false });
      return { cpu: cpuNow() - c, wall: (performance.now() - w) / 1000, lp: strat.lpSeconds, window: strat.windowSeconds, iterations: strat.lpIterations };
    };
    const cold = one();
    const warmRuns = Array.from({ length: 10 }, one);
    const warm = warmRuns.reduce((a, b) => (b.cpu < a.cpu ? b : a));
    const perBacktestCold = cold.cpu / 121;
    const perBacktestWarm = warm.cpu / 121;
    console.log(`hppo data load (CSV parse + compile, one thread): cpu ${f3(dataCpu)} s, wall ${f3(dataWall)} s`);
    console.log(
      `hppo 121 backtests on one thread: cold (first run) cpu ${f3(cold.cpu)} s = ${(perBacktestCold * 1e3).toFixed(3)} ms per backtest; warm (best of 10) cpu ${f3(warm.cpu)} s = ${(perBacktestWarm * 1e3).toFixed(3)} ms per backtest`,
    );
    // Same run, same machine load: the reference's sweep time is wall (its perf_counter); hppo's
    // warm wall is compared with it, and hppo's CPU time is given as the load-independent figure.
    const perBacktestWarmWall = warm.wall / 121;
    const ratioWall = refPerBacktest / perBacktestWarmWall;
    const ratioColdWall = refPerBacktest / (cold.wall / 121);
    const ratioWarm = refPerBacktest / perBacktestWarm;
    const ratioCold = refPerBacktest / perBacktestCold;
    const lpShare = warm.lp / warm.wall;
    const windowShare = warm.window / warm.wall;
    console.log(
      `  warm split: LP batches ${(100 * lpShare).toFixed(0)} % (${121 * 13} LPs, ${(warm.iterations / (121 * 13)).toFixed(1)} simplex iterations each), windows ${(100 * windowShare).toFixed(1)} %, execution + accounting + metrics ${(100 * (1 - lpShare - windowShare)).toFixed(0)} %`,
    );
    console.log(
      `per backtest per core (one thread, same run): reference ${(refPerBacktest * 1e3).toFixed(2)} ms (its sweep wall / 121) vs hppo warm ${(perBacktestWarmWall * 1e3).toFixed(3)} ms wall (${(perBacktestWarm * 1e3).toFixed(3)} ms cpu), cold ${((cold.wall / 121) * 1e3).toFixed(3)} ms wall: ${ratioWall.toFixed(1)}x warm, ${ratioColdWall.toFixed(1)}x cold (target >= 10x); ` +
        `${(1 / perBacktestWarmWall).toFixed(0)} backtests/s/core (${(1 / perBacktestWarm).toFixed(0)} per cpu-second); paper's 10.9 s per backtest: ${(PAPER_SEC_PER_BACKTEST / perBacktestWarmWall).toFixed(0)}x`,
    );
    const eMin = runs.reduce((a, b) => (b.wallSec < a.wallSec ? b : a));
    const startup = eMin.wallSec - eMin.timings.totalSec;
    console.log(
      `end-to-end phases (fastest run, wall): process start + imports + exit ${f3(startup)} s, embedded nats-server ${f3(eMin.timings.nodeStartSec)} s, worker threads ready ${f3(eMin.timings.workersReadySec)} s, job ${f3(eMin.timings.jobSec)} s`,
    );
    // One more end-to-end run under --cpu-prof (main thread and both workers): CPU by category.
    const profDir = join(tmp, 'prof');
    timed(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, join(ROOT, 'bin', 'hppo.js'), 'optimize', '--config', CONFIG, '--json']);
    const prof = profileBreakdown(profDir);
    const busy = CATEGORIES.reduce((acc, c) => acc + prof[c], 0);
    const share = Object.fromEntries(CATEGORIES.map((c) => [c, prof[c] / busy])) as Record<Category, number>;
    // Sampled time is wall time while a thread runs JS or native code (on a loaded machine it also
    // counts time the thread waited for a core): read the shares, not the milliseconds.
    console.log(
      `end-to-end profile (main thread + 2 workers, --cpu-prof samples; nats-server not included): ${CATEGORIES.map((c) => `${c} ${(100 * share[c]).toFixed(0)} %`).join(', ')}`,
    );
    const result = {
      bench: 'sweep',
      date: new Date().toISOString(),
      loadAverage: loadavg()[0],
      reference: { processWallSec: ref.wallSec, processCpuSec: ref.cpuSec, sweepSec: refSweepSec, lpSec: refLpSec, perBacktestSec: refPerBacktest },
      hppo: {
        e2eWallSec: { min: Math.min(...e2eWalls), median: median(e2eWalls), runs: e2eWalls },
        e2eCpuSec: median(runs.map((r) => r.cpuSec)),
        e2eTimings: eMin.timings,
        e2eProfileShare: share,
        grid1210: { trials: big.trials, wallSec: big.wallSec, cpuSec: big.cpuSec, jobSec: big.timings.jobSec },
        dataCpuSec: dataCpu,
        perBacktestCpuSec: { warm: perBacktestWarm, cold: perBacktestCold },
        perBacktestWallSec: { warm: perBacktestWarmWall, cold: cold.wall / 121 },
        warmSplit: { lp: lpShare, windows: windowShare, rest: 1 - lpShare - windowShare },
        backtestsPerSecPerCore: 1 / perBacktestWarmWall,
        best: eMin.best.params,
      },
      ratioPerCore: { warmWall: ratioWall, coldWall: ratioColdWall, warmCpu: ratioWarm, coldCpu: ratioCold },
      ratioToPaper: PAPER_SEC_PER_BACKTEST / perBacktestWarmWall,
      targets: { perCore10x: ratioWall >= 10, e2eUnder1s: Math.min(...e2eWalls) <= 1, grid1210Under2s: big.wallSec <= 2 },
    };
    console.log(JSON.stringify(result));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
