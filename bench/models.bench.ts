/**
 * make bench-models: seconds per backtest of the built-in event-driven models through the same
 * path as `hppo backtest` / the 'strategy' evaluator (market loaded once, then one runBacktest per
 * trial): momentum, mean-CVaR with historical scenarios (exact dense simplex), mean-CVaR with
 * 2000 KDE scenarios (PDLP), FOF Black–Litterman (ADMM). SSE 50 over 2015, rebalanced every 20
 * trading days, when ../shared/data is present (HPPO_DATA), else a seeded synthetic market of the
 * same shape. Last output line: one JSON object.
 */
import { existsSync } from 'node:fs';
import { resolveDataset } from '../src/data/datasets.js';
import { prepareStrategyRun, runStrategyTrial } from '../src/sweep/strategy-evaluator.js';
import type { Params } from '../src/model/strategy.js';

const TRIALS = Number(process.env['BENCH_TRIALS'] ?? 4);

function dataSection(): { data: Record<string, unknown>; backtest: Record<string, unknown>; source: string } {
  try {
    const ds = resolveDataset('sse50');
    if (existsSync(ds.pricesPath)) {
      return { data: { dataset: 'sse50', staleAsSuspendedDays: 3 }, backtest: { start: '2015-01-01', end: '2015-12-31', rebalance: 20 }, source: 'sse50 2015' };
    }
  } catch {
    // synthetic below
  }
  return { data: { dataset: 'synthetic', synthetic: { seed: 1, tickers: 50, days: 330, start: '2014-09-01' } }, backtest: { start: '2015-01-01', rebalance: 20 }, source: 'synthetic 50 x 330 (no ../shared/data)' };
}

interface Case {
  name: string;
  model: Record<string, unknown>;
  trial: (k: number) => Params;
}

const cases: Case[] = [
  { name: 'momentum', model: { name: 'momentum' }, trial: (k) => ({ lookback: 10 + 5 * k, stopLoss: 0.08, takeProfit: 0.2 }) },
  { name: 'mean-cvar historical (dense simplex)', model: { name: 'mean-cvar', options: { window: 60, maxWeight: 0.2, solver: 'dense' } }, trial: (k) => ({ riskAversion: 0.5 + k }) },
  { name: 'mean-cvar kde 2000 (PDLP)', model: { name: 'mean-cvar', options: { window: 60, scenarios: 'kde', numScenarios: 2000, maxWeight: 0.2, solver: 'pdlp' } }, trial: (k) => ({ riskAversion: 0.5 + k }) },
  { name: 'fof-bl (ADMM)', model: { name: 'fof-bl', options: { window: 60, maxWeight: 0.15 } }, trial: (k) => ({ riskAversion: 1 + k, cost: 0.002 }) },
];

const { data, backtest, source } = dataSection();
console.log(`market: ${source}; ${TRIALS} trials per model`);
const results: Record<string, { secondsPerBacktest: number; rebalances: number; fallbacks: number }> = {};
for (const c of cases) {
  const prepared = await prepareStrategyRun({ model: c.model, data, backtest });
  await runStrategyTrial(prepared, c.trial(0)); // warm-up (JIT, native load)
  const t0 = performance.now();
  let rebalances = 0;
  let fallbacks = 0;
  for (let k = 0; k < TRIALS; k++) {
    const r = await runStrategyTrial(prepared, c.trial(k));
    rebalances = r.metrics.rebalances;
    fallbacks += r.metrics.fallbacks;
  }
  const s = (performance.now() - t0) / 1000 / TRIALS;
  results[c.name] = { secondsPerBacktest: s, rebalances, fallbacks };
  console.log(`${c.name.padEnd(40)} ${s.toFixed(3)} s/backtest  (${rebalances} rebalances, ${fallbacks} fallbacks over ${TRIALS} trials)`);
}
console.log(JSON.stringify({ bench: 'models', market: source, trials: TRIALS, results }));
