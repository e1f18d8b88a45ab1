/**
 * `make bench-search`: how many evaluations each search algorithm needs to get within 1 % of the
 * known optimum of Branin (2-d) and Hartmann-6 (6-d), and to the exact grid best on the HPPO
 * problem, against random search, over several seeds (median printed; a run that never gets there
 * within the budget counts as "> budget"; budget 4000 for random/sobol/ga/pso, 400 for bo/hybrid,
 * 121 on HPPO), evaluated in batches as parallel workers would.
 * The HPPO problem is the REAL (α, µ) backtest objective of examples/hppo-var-sse50-2015.yaml
 * (−Sharpe of the 121 cells, each computed once by the hppo-var evaluator: the objective is
 * deterministic, so the searches look cells up instead of re-running identical backtests).
 * Without ../shared/data the synthetic stand-in surface is used and the output says so.
 * BO's own cost (the issue's "< 5 % of a backtest"): ask + tell per proposal over whole HPPO runs
 * (36 = 30 % of the grid, and 121 evaluations; batches of 1 and 4, and 4 workers streaming),
 * against the backtest time measured in the same run the way that mode hands trials to a worker
 * (1 or 4 cells per evaluate() call) and against the lockstep 121-cell grid backtest (the
 * cheapest). Then BO's cost per proposal on a continuous 6-d space (Hartmann-6) at 30 / 60 / 120
 * observations and amortized over 120-evaluation runs (least of 3 repetitions).
 *
 * Env: HPPO_BENCH_SEARCH_SEEDS (default 5), HPPO_BENCH_SEARCH_BATCH (default 4),
 *      HPPO_BENCH_SEARCH_ALGOS (default random,sobol,ga,pso,bo,hybrid).
 * Prints a table; the last line is one JSON object.
 */
import { braninProblem, hartmann6Problem, withinTolerance, type AnalyticProblem } from '../src/search/benchmarks.js';
import { parseSpace } from '../src/search/space.js';
import { createSearcher } from '../src/search/searcher.js';
import type { AlgorithmName, SearchOptions } from '../src/search/types.js';

const REL_TOL = 0.01;
let BACKTEST_MS = 5;
/** ms per backtest when evaluated b cells per call (b = 1, 4: how BO's trials reach a worker). */
const BACKTEST_MS_AT = new Map<number, number>();
let hppoSource = 'synthetic stand-in surface (no ../shared/data)';
const seeds = Number(process.env.HPPO_BENCH_SEARCH_SEEDS ?? 5);
const batch = Number(process.env.HPPO_BENCH_SEARCH_BATCH ?? 4);
const algos = (process.env.HPPO_BENCH_SEARCH_ALGOS ?? 'grid,random,sobol,ga,pso,bo,hybrid').split(',') as AlgorithmName[];
/** Cheap algorithms get a budget large enough to show their count; model-based ones 400. */
const budgetOf = (alg: AlgorithmName, p: AnalyticProblem): number => (p.name === 'hppo-grid' ? 121 : alg === 'bo' || alg === 'hybrid' ? 400 : 4000);

/**
 * Stand-in for the HPPO (α, µ) experiment until the sweep wires the real backtest: the paper's
 * 11×11 grid (0.10..0.20 step 0.01) and a Sharpe-like surface (tilted ridge, bump, wiggle),
 * minimized as -Sharpe. Target: the exact grid optimum.
 */
function hppoGridProxy(): AnalyticProblem & { exact: true } {
  const space = parseSpace({ alpha: { type: 'float', low: 0.1, high: 0.2, step: 0.01 }, mu: { type: 'float', low: 0.1, high: 0.2, step: 0.01 } });
  const negSharpe = (p: Readonly<Record<string, unknown>>): number => {
    const a = ((p.alpha as number) - 0.1) * 10;
    const m = ((p.mu as number) - 0.1) * 10;
    return -(1.2 - 2 * (m - 0.3 - 0.4 * a) ** 2 - 0.5 * (a - 0.7) ** 2 + 0.05 * Math.sin(17 * a + 11 * m));
  };
  let optimum = Infinity;
  for (let i = 0; i < space.gridSize(); i++) optimum = Math.min(optimum, negSharpe(space.gridPoint(i)));
  return { name: 'hppo-grid', space, optimum, evaluate: negSharpe, exact: true };
}

/** The real objective: every cell of the paper's grid backtested once by the hppo-var evaluator. */
async function realHppoProblem(): Promise<(AnalyticProblem & { exact: true }) | undefined> {
  const { loadJobDocument } = await import('../src/sweep/job-config.js');
  const { createHppoVarEvaluator } = await import('../src/sweep/hppo-var-evaluator.js');
  const { repoRoot, resolveDataset } = await import('../src/data/datasets.js');
  const { join } = await import('node:path');
  try {
    resolveDataset('sse50');
  } catch {
    return undefined;
  }
  const file = join(repoRoot(), 'examples', 'hppo-var-sse50-2015.yaml');
  const doc = loadJobDocument(file);
  const space = parseSpace(doc['space']);
  const ev = await createHppoVarEvaluator(doc as never);
  const cells = Array.from({ length: space.gridSize() }, (_, i) => space.gridPoint(i));
  const key = (p: Readonly<Record<string, unknown>>): string => `${(p.alpha as number).toFixed(2)}:${(p.mu as number).toFixed(2)}`;
  await ev.evaluate(cells.map((p, i) => ({ trialId: `w${i}`, params: p })));
  const t0 = performance.now();
  const out = await ev.evaluate(cells.map((p, i) => ({ trialId: `t${i}`, params: p })));
  BACKTEST_MS = (performance.now() - t0) / cells.length;
  // What a backtest costs as a search runs it: a few at a time (one per free worker), not the
  // whole grid in lockstep. Per backtest, every cell once, in evaluate() calls of b cells.
  for (const b of [1, 4]) {
    const t1 = performance.now();
    for (let i = 0; i < cells.length; i += b) await ev.evaluate(cells.slice(i, i + b).map((p, j) => ({ trialId: `b${b}:${i + j}`, params: p })));
    BACKTEST_MS_AT.set(b, (performance.now() - t1) / cells.length);
  }
  const table = new Map<string, number>();
  out.forEach((o, i) => {
    const sharpe = o.metrics?.['sharpe'];
    if (typeof sharpe !== 'number') throw new Error(`cell ${key(cells[i] as Record<string, unknown>)} failed: ${o.error?.message}`);
    table.set(key(cells[i] as Record<string, unknown>), -sharpe);
  });
  hppoSource = `real backtests, ${file} (one worker, ms per backtest: ${BACKTEST_MS.toFixed(3)} with the 121 cells in lockstep, ${BACKTEST_MS_AT.get(4)?.toFixed(3)} in calls of 4, ${BACKTEST_MS_AT.get(1)?.toFixed(3)} one at a time)`;
  const optimum = Math.min(...table.values());
  return {
    name: 'hppo-grid',
    space,
    optimum,
    exact: true, // target: the grid's best Sharpe itself, as the issue asks
    evaluate: (p) => {
      const v = table.get(key(p));
      if (v === undefined) throw new Error(`proposal off the grid: ${JSON.stringify(p)}`);
      return v;
    },
  };
}

interface Run {
  /** Evaluations until the first trial within 1 % (null = not within the budget). */
  evaluations: number | null;
  best: number;
  searchMs: number;
}

function options(alg: AlgorithmName, seed: number, budget: number): SearchOptions {
  const o: SearchOptions = { algorithm: alg, seed, maxEvaluations: budget };
  if (alg === 'hybrid') o.hybrid = { gaEvaluations: budget <= 121 ? 12 : 40 };
  return o;
}

function run(p: AnalyticProblem, alg: AlgorithmName, seed: number, budget: number): Run {
  const s = createSearcher(p.space, options(alg, seed, budget));
  let searchMs = 0;
  let hit: number | null = null;
  let best = Infinity;
  while (!s.isDone() && hit === null) {
    const t0 = performance.now();
    const b = s.ask(batch);
    searchMs += performance.now() - t0;
    if (b.length === 0) break;
    const res = b.map((c) => ({ candidate: c, objectives: [p.evaluate(c.params)] }));
    // Count in tell order: the first of the batch that is within tolerance.
    res.forEach((r, i) => {
      const v = r.objectives[0] as number;
      best = Math.min(best, v);
      const reached = 'exact' in p ? v <= p.optimum : withinTolerance(v, p.optimum, REL_TOL);
      if (hit === null && reached) hit = s.history().length + i + 1;
    });
    const t1 = performance.now();
    s.tell(res);
    searchMs += performance.now() - t1;
  }
  return { evaluations: hit, best, searchMs };
}

function median(xs: Array<number | null>, budget: number): number | null {
  const v = xs.map((x) => (x === null ? Infinity : x)).sort((a, b) => a - b);
  const m = v.length % 2 === 1 ? (v[(v.length - 1) / 2] as number) : ((v[v.length / 2 - 1] as number) + (v[v.length / 2] as number)) / 2;
  return Number.isFinite(m) && m <= budget ? m : null;
}

interface Overhead {
  observations: number;
  /** ask(1) on a fresh searcher: includes the hyperparameter fit at this observation count. */
  singleMs: number;
  singleCpuMs: number;
  /** ask(16) on a fresh searcher (fit included), per proposal. */
  batch16PerProposalMs: number;
  batch16PerProposalCpuMs: number;
  /** A second ask(16) with the first 16 pending (fantasized), no refit, per proposal. */
  batch16NoRefitPerProposalMs: number;
  batch16NoRefitPerProposalCpuMs: number;
}

/** Wall and CPU (user + system of this process) milliseconds of fn; CPU is robust to a busy machine. */
function timed(fn: () => void): { wallMs: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000 };
}

function boOverhead(nObs: number): Overhead {
  const p = hartmann6Problem();
  const make = () => {
    const s = createSearcher(p.space, { algorithm: 'bo', seed: 1, maxEvaluations: 10_000, bo: { initialPoints: nObs } });
    const b = s.ask(nObs);
    s.tell(b.map((c) => ({ candidate: c, objectives: [p.evaluate(c.params)] })));
    return s;
  };
  const s1 = make();
  const single = timed(() => s1.ask(1));
  const s2 = make();
  const batch16 = timed(() => s2.ask(16));
  const noRefit = timed(() => s2.ask(16));
  return {
    observations: nObs,
    singleMs: single.wallMs,
    singleCpuMs: single.cpuMs,
    batch16PerProposalMs: batch16.wallMs / 16,
    batch16PerProposalCpuMs: batch16.cpuMs / 16,
    batch16NoRefitPerProposalMs: noRefit.wallMs / 16,
    batch16NoRefitPerProposalCpuMs: noRefit.cpuMs / 16,
  };
}

/** CPU ms of the searcher per proposal over a whole BO run of `evals` evaluations in batches of `b`. */
function amortized(evals: number, b: number): { evaluations: number; batch: number; cpuMsPerProposal: number; wallMsPerProposal: number } {
  const p = hartmann6Problem();
  const s = createSearcher(p.space, { algorithm: 'bo', seed: 1, maxEvaluations: evals });
  let cpu = 0;
  let wall = 0;
  while (!s.isDone()) {
    let batch: ReturnType<typeof s.ask> = [];
    const t = timed(() => {
      batch = s.ask(b);
    });
    cpu += t.cpuMs;
    wall += t.wallMs;
    if (batch.length === 0) break;
    const res = batch.map((c) => ({ candidate: c, objectives: [p.evaluate(c.params)] }));
    const t2 = timed(() => s.tell(res));
    cpu += t2.cpuMs;
    wall += t2.wallMs;
  }
  return { evaluations: evals, batch: b, cpuMsPerProposal: cpu / evals, wallMsPerProposal: wall / evals };
}

interface HppoOverheadRow {
  evaluations: number;
  mode: string;
  /** Trials per evaluate() call on a worker in this mode (1 or 4): which backtest time applies. */
  backtestBatch: number;
  wallUsPerProposal: number;
  cpuUsPerProposal: number;
}

/**
 * The search's own cost on the HPPO problem: ask + tell over whole BO runs of `evals` evaluations
 * (10 seeds per pass, a warm-up pass discarded, the least of 3 passes: time on a shared machine
 * only ever gets inflated). Modes: batches of b (ask(b), tell all, again), or W workers streaming
 * (ask(W), then each result: tell(1) + ask(1) with W - 1 pending, as the job master does).
 */
function hppoOverhead(p: AnalyticProblem, evals: number, mode: { batch: number } | { workers: number }): HppoOverheadRow {
  const runOnce = (seed: number): number => {
    const s = createSearcher(p.space, { algorithm: 'bo', seed, maxEvaluations: evals });
    let proposals = 0;
    if ('batch' in mode) {
      while (!s.isDone()) {
        const b = s.ask(mode.batch);
        if (b.length === 0) break;
        proposals += b.length;
        s.tell(b.map((c) => ({ candidate: c, objectives: [p.evaluate(c.params)] })));
      }
    } else {
      const inflight = s.ask(mode.workers);
      proposals += inflight.length;
      for (let c = inflight.shift(); c !== undefined; c = inflight.shift()) {
        s.tell([{ candidate: c, objectives: [p.evaluate(c.params)] }]);
        const more = s.ask(1);
        proposals += more.length;
        inflight.push(...more);
      }
    }
    return proposals;
  };
  let bestWall = Infinity;
  let bestCpu = Infinity;
  for (let pass = 0; pass < 4; pass++) {
    let proposals = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let seed = 1; seed <= 10; seed++) proposals += runOnce(seed);
    const wall = ((performance.now() - t0) * 1000) / proposals;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / proposals;
    if (pass === 0) continue;
    bestWall = Math.min(bestWall, wall);
    bestCpu = Math.min(bestCpu, cpu);
  }
  const label = 'batch' in mode ? `batches of ${mode.batch}` : `${mode.workers} workers streaming`;
  return { evaluations: evals, mode: label, backtestBatch: 'batch' in mode ? mode.batch : 1, wallUsPerProposal: bestWall, cpuUsPerProposal: bestCpu };
}

/**
 * BO's own cost on a CONTINUOUS (α, µ) space (no step: BO takes the pool path, bo-pool.ts), the
 * objective a bilinear interpolation of the HPPO grid table (real backtests when the data is
 * there), per proposal over whole runs as hppoOverhead() measures it, against the same backtest
 * times. The interpolation only stands in for a backtest at an off-grid point.
 */
function continuousHppoOverhead(grid: AnalyticProblem): Array<HppoOverheadRow & { backtestMs: number; pctOfBacktest: number }> {
  const [pa, pm] = grid.space.params;
  if (pa === undefined || pm === undefined || pa.type === 'categorical' || pm.type === 'categorical') throw new Error('the HPPO space must have two numeric parameters');
  const levels = (lo: number, hi: number): number[] => Array.from({ length: Math.round((hi - lo) / 0.01) + 1 }, (_, i) => Number((lo + i * 0.01).toFixed(2)));
  const av = levels(pa.low, pa.high);
  const mv = levels(pm.low, pm.high);
  const cell = (i: number, j: number): number => grid.evaluate({ [pa.name]: av[i] as number, [pm.name]: mv[j] as number });
  const space = parseSpace({ [pa.name]: { type: 'float', low: pa.low, high: pa.high }, [pm.name]: { type: 'float', low: pm.low, high: pm.high } });
  const bilinear = (p: Readonly<Record<string, unknown>>): number => {
    const u = (((p[pa.name] as number) - pa.low) / (pa.high - pa.low)) * (av.length - 1);
    const v = (((p[pm.name] as number) - pm.low) / (pm.high - pm.low)) * (mv.length - 1);
    const i = Math.min(av.length - 2, Math.max(0, Math.floor(u)));
    const j = Math.min(mv.length - 2, Math.max(0, Math.floor(v)));
    const s = u - i;
    const t = v - j;
    return (1 - s) * (1 - t) * cell(i, j) + s * (1 - t) * cell(i + 1, j) + (1 - s) * t * cell(i, j + 1) + s * t * cell(i + 1, j + 1);
  };
  const problem: AnalyticProblem = { name: 'hppo-continuous', space, optimum: grid.optimum, evaluate: bilinear };
  const rows: Array<HppoOverheadRow & { backtestMs: number; pctOfBacktest: number }> = [];
  for (const evals of [36, 121]) {
    for (const mode of [{ batch: 1 }, { batch: 4 }, { workers: 4 }]) {
      const r = hppoOverhead(problem, evals, mode);
      const bt = BACKTEST_MS_AT.get(r.backtestBatch) ?? BACKTEST_MS;
      rows.push({ ...r, backtestMs: bt, pctOfBacktest: (r.wallUsPerProposal / 1000 / bt) * 100 });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const problems: AnalyticProblem[] = [braninProblem(), hartmann6Problem(), (await realHppoProblem()) ?? hppoGridProxy()];
  process.stdout.write(`HPPO (alpha, mu) problem: ${hppoSource}\n`);
  const table: Array<{ problem: string; algorithm: string; budget: number; medianEvaluations: number | null; perSeed: Array<number | null>; reached: number; medianSearchMsPerEval: number }> = [];
  process.stdout.write(`search bench: evaluations to reach ${REL_TOL * 100} % of the optimum, ${seeds} seeds, batches of ${batch}\n`);
  process.stdout.write(`${'problem'.padEnd(10)} ${'algorithm'.padEnd(9)} ${'median'.padStart(8)} ${'reached'.padStart(8)}  ${'search ms/eval'.padStart(14)}  per seed\n`);
  for (const p of problems) {
    for (const alg of algos) {
      // Grid search only makes sense on the stepped grid (lexicographic order, seed-independent).
      if (alg === 'grid' && p.name !== 'hppo-grid') continue;
      const budget = budgetOf(alg, p);
      const runs = Array.from({ length: seeds }, (_, k) => run(p, alg, k + 1, budget));
      const evals = runs.map((r) => r.evaluations);
      const med = median(evals, budget);
      const perEval = runs.map((r) => r.searchMs / (r.evaluations ?? budget)).sort((a, b) => a - b);
      const msPerEval = perEval[Math.floor(perEval.length / 2)] as number;
      table.push({ problem: p.name, algorithm: alg, budget, medianEvaluations: med, perSeed: evals, reached: evals.filter((e) => e !== null).length, medianSearchMsPerEval: msPerEval });
      process.stdout.write(
        `${p.name.padEnd(10)} ${alg.padEnd(9)} ${(med === null ? `>${budget}` : String(med)).padStart(8)} ${`${evals.filter((e) => e !== null).length}/${seeds}`.padStart(8)}  ${msPerEval.toFixed(3).padStart(14)}  ${evals.map((e) => (e === null ? '-' : String(e))).join(' ')}\n`,
      );
    }
  }
  const hppoProblem = problems[2] as AnalyticProblem;
  process.stdout.write(
    `\nBO's own cost on the HPPO (alpha, mu) problem: ask + tell per proposal (least of 3 passes of 10 seeds), against a backtest\n` +
      `evaluated the way that mode hands trials to a worker (1 or 4 per call), and against the cheapest backtest there is (121 cells in lockstep, ${BACKTEST_MS.toFixed(3)} ms)\n`,
  );
  process.stdout.write(`${'evals'.padStart(5)}  ${'mode'.padEnd(20)} ${'wall us'.padStart(8)} ${'CPU us'.padStart(8)}  ${'backtest ms'.padStart(11)} ${'% of it'.padStart(8)} ${'% lockstep'.padStart(10)}\n`);
  const hppoRows: Array<HppoOverheadRow & { backtestMs: number; pctOfBacktest: number; pctOfLockstep: number }> = [];
  for (const evals of [36, 121]) {
    for (const mode of [{ batch: 1 }, { batch: 4 }, { workers: 4 }]) {
      const r = hppoOverhead(hppoProblem, evals, mode);
      const bt = BACKTEST_MS_AT.get(r.backtestBatch) ?? BACKTEST_MS;
      const row = { ...r, backtestMs: bt, pctOfBacktest: (r.wallUsPerProposal / 1000 / bt) * 100, pctOfLockstep: (r.wallUsPerProposal / 1000 / BACKTEST_MS) * 100 };
      hppoRows.push(row);
      process.stdout.write(
        `${String(evals).padStart(5)}  ${r.mode.padEnd(20)} ${r.wallUsPerProposal.toFixed(1).padStart(8)} ${r.cpuUsPerProposal.toFixed(1).padStart(8)}  ${bt.toFixed(3).padStart(11)} ${`${row.pctOfBacktest.toFixed(1)} %`.padStart(8)} ${`${row.pctOfLockstep.toFixed(1)} %`.padStart(10)}\n`,
      );
    }
  }
  process.stdout.write(`\nBO cost per proposal on a continuous space (Hartmann-6, d = 6; no backtest to compare with)\n`);
  process.stdout.write(`${'obs'.padStart(5)} ${'ask(1) ms'.padStart(10)} ${'ask(16) ms/prop'.padStart(16)} ${'no-refit ms/prop'.padStart(17)}   (CPU ms: ask(1), ask(16)/prop, no-refit/prop)\n`);
  const overhead = [30, 60, 120].map((n) => boOverhead(n));
  for (const o of overhead) {
    process.stdout.write(
      `${String(o.observations).padStart(5)} ${o.singleMs.toFixed(1).padStart(10)} ${o.batch16PerProposalMs.toFixed(2).padStart(16)} ${o.batch16NoRefitPerProposalMs.toFixed(2).padStart(17)}` +
        `   (${o.singleCpuMs.toFixed(1)}, ${o.batch16PerProposalCpuMs.toFixed(2)}, ${o.batch16NoRefitPerProposalCpuMs.toFixed(2)})\n`,
    );
  }
  const leastOf3 = (b: number): ReturnType<typeof amortized> => {
    const rs = [amortized(120, b), amortized(120, b), amortized(120, b)];
    return rs.reduce((x, y) => (y.cpuMsPerProposal < x.cpuMsPerProposal ? y : x));
  };
  const runs = [leastOf3(1), leastOf3(4), leastOf3(16)];
  for (const r of runs) {
    process.stdout.write(
      `BO run of ${r.evaluations} evaluations in batches of ${r.batch}: ${r.cpuMsPerProposal.toFixed(2)} CPU ms (${r.wallMsPerProposal.toFixed(2)} wall ms) per proposal\n`,
    );
  }
  process.stdout.write(
    `\nBO's own cost on a CONTINUOUS (alpha, mu) space (no step: the pool path), objective = bilinear interpolation of the HPPO grid table above\n` +
      `(${hppoSource}); ask + tell per proposal (least of 3 passes of 10 seeds) against the backtest as that mode hands trials to a worker\n`,
  );
  process.stdout.write(`${'evals'.padStart(5)}  ${'mode'.padEnd(20)} ${'wall us'.padStart(8)} ${'CPU us'.padStart(8)}  ${'backtest ms'.padStart(11)} ${'% of it'.padStart(8)}\n`);
  const continuousRows = continuousHppoOverhead(hppoProblem);
  for (const r of continuousRows) {
    process.stdout.write(
      `${String(r.evaluations).padStart(5)}  ${r.mode.padEnd(20)} ${r.wallUsPerProposal.toFixed(1).padStart(8)} ${r.cpuUsPerProposal.toFixed(1).padStart(8)}  ${r.backtestMs.toFixed(3).padStart(11)} ${`${r.pctOfBacktest.toFixed(1)} %`.padStart(8)}\n`,
    );
  }
  process.stdout.write(`(Hartmann-6, continuous d = 6, the pool path too: ${runs.map((r) => `${r.cpuMsPerProposal.toFixed(2)} CPU ms per proposal in batches of ${r.batch}`).join(', ')}; see above)\n`);
  const get = (problem: string, alg: string) => table.find((r) => r.problem === problem && r.algorithm === alg);
  const beatsRandom = (problem: string, alg: string): boolean | null => {
    const a = get(problem, alg)?.medianEvaluations;
    const r = get(problem, 'random');
    if (a === undefined || r === undefined) return null;
    if (a === null) return false;
    return r.medianEvaluations === null || a < r.medianEvaluations;
  };
  process.stdout.write(
    `${JSON.stringify({
      bench: 'search',
      tolerance: REL_TOL,
      seeds,
      batch,
      rows: table,
      boOverhead: overhead,
      boAmortized: runs,
      hppoOverhead: hppoRows,
      hppoContinuousOverhead: continuousRows,
      backtestMs: BACKTEST_MS,
      backtestMsAt: Object.fromEntries(BACKTEST_MS_AT),
      hppoObjective: hppoSource,
      target: {
        boBeatsRandomBranin: beatsRandom('branin', 'bo'),
        boBeatsRandomHartmann6: beatsRandom('hartmann6', 'bo'),
        boGridOptimumWithin30PctOf121: (get('hppo-grid', 'bo')?.medianEvaluations ?? Infinity) <= 0.3 * 121,
        // The issue's target: BO's own cost per proposal < 5 % of a backtest (every HPPO row, the
        // backtest evaluated as that mode hands it to a worker); and the stricter reading against
        // the lockstep grid backtest, reported alongside.
        boOverheadUnder5PctOfBacktest: hppoRows.every((r) => r.pctOfBacktest < 5),
        boOverheadUnder5PctOfLockstepBacktest: hppoRows.every((r) => r.pctOfLockstep < 5),
      },
    })}\n`,
  );
}

await main();
