/**
 * `make bench-search` (analytic part): how many evaluations each search algorithm needs to get
 * within 1 % of the known optimum of Branin (2-d) and Hartmann-6 (6-d), against random search,
 * over several seeds (median printed; a run that never gets there within the budget counts as
 * "> budget"; budget 4000 for random/sobol/ga/pso, 400 for bo/hybrid), evaluated in batches as
 * parallel workers would; and the search's own overhead per proposal for BO at 30 / 60 / 120
 * observations (Hartmann-6), against a 5 ms backtest, plus the CPU time per proposal amortized
 * over a whole 120-evaluation BO run in batches of 1, 4 and 16 (hyperparameter refits included;
 * the least of 3 repetitions, as CPU time on a shared machine only ever gets inflated).
 * The HPPO problem is the REAL (α, µ) backtest objective of examples/hppo-var-sse50-2015.yaml
 * (−Sharpe of the 121 cells, each computed once by the hppo-var evaluator: the objective is
 * deterministic, so the searches look cells up instead of re-running identical backtests); its
 * measured per-backtest time replaces the nominal 5 ms in the overhead ratio. Without
 * ../shared/data the synthetic stand-in surface is used and the output says so.
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
  const table = new Map<string, number>();
  out.forEach((o, i) => {
    const sharpe = o.metrics?.['sharpe'];
    if (typeof sharpe !== 'number') throw new Error(`cell ${key(cells[i] as Record<string, unknown>)} failed: ${o.error?.message}`);
    table.set(key(cells[i] as Record<string, unknown>), -sharpe);
  });
  hppoSource = `real backtests, ${file} (${BACKTEST_MS.toFixed(3)} ms per backtest, one worker)`;
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
  process.stdout.write(`\nBO overhead per proposal (Hartmann-6), vs a ${BACKTEST_MS} ms backtest\n`);
  process.stdout.write(`${'obs'.padStart(5)} ${'ask(1) ms'.padStart(10)} ${'ask(16) ms/prop'.padStart(16)} ${'no-refit ms/prop'.padStart(17)} ${'CPU % of bt'.padStart(14)}   (CPU ms: ask(1), ask(16)/prop, no-refit/prop)\n`);
  const overhead = [30, 60, 120].map((n) => boOverhead(n));
  for (const o of overhead) {
    process.stdout.write(
      `${String(o.observations).padStart(5)} ${o.singleMs.toFixed(1).padStart(10)} ${o.batch16PerProposalMs.toFixed(2).padStart(16)} ${o.batch16NoRefitPerProposalMs.toFixed(2).padStart(17)} ${`${((o.batch16PerProposalCpuMs / BACKTEST_MS) * 100).toFixed(0)} %`.padStart(14)}` +
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
      `BO run of ${r.evaluations} evaluations in batches of ${r.batch}: ${r.cpuMsPerProposal.toFixed(2)} CPU ms (${r.wallMsPerProposal.toFixed(2)} wall ms) per proposal, ${((r.cpuMsPerProposal / BACKTEST_MS) * 100).toFixed(0)} % of a ${BACKTEST_MS} ms backtest\n`,
    );
  }
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
      backtestMs: BACKTEST_MS,
      hppoObjective: hppoSource,
      target: {
        boBeatsRandomBranin: beatsRandom('branin', 'bo'),
        boBeatsRandomHartmann6: beatsRandom('hartmann6', 'bo'),
        boGridOptimumWithin30PctOf121: (get('hppo-grid', 'bo')?.medianEvaluations ?? Infinity) <= 0.3 * 121,
        boOverheadUnder5PctAt120: (overhead[2]?.batch16PerProposalCpuMs ?? Infinity) < 0.05 * BACKTEST_MS,
      },
    })}\n`,
  );
}

await main();
