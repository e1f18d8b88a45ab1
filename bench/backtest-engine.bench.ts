/**
 * make bench-backtest: cost of the event-driven engine itself (no solver) on the HPPO experiment's
 * shape: SSE 50 over 2015 (244 trading days, rebalance every 20 days = 13 rebalances, 20-day
 * window ending the day before), reference execution rules. The strategy builds the reference's
 * window and universe with ctx.historyBars and rebalances to fixed weights over the universe, so
 * what is timed is the engine, the exchange, the accounting and the metrics: the part of a trial
 * that is not the LP. Uses ../shared/data when present (HPPO_DATA), else a seeded synthetic market.
 * Last output line: one JSON object.
 */
import { existsSync } from 'node:fs';
import { loadBenchmarkCsv, loadPriceCsv } from '../src/data/csv.js';
import { resolveDataset } from '../src/data/datasets.js';
import type { BenchmarkSeries, PricePanel } from '../src/data/panel.js';
import { syntheticMarket } from '../src/data/synthetic.js';
import { runBacktestBatch } from '../src/model/batch.js';
import { compileBacktestOptions, runBacktestSync } from '../src/model/engine.js';
import type { Strategy, StrategyContext } from '../src/model/strategy.js';

const TRIALS = Number(process.env['BENCH_TRIALS'] ?? 121);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 10);

async function market(): Promise<{ panel: PricePanel; bench: BenchmarkSeries; source: string; start: string; end: string }> {
  try {
    const ds = resolveDataset('sse50');
    if (existsSync(ds.pricesPath) && ds.benchmarkPath !== undefined && existsSync(ds.benchmarkPath)) {
      const { panel } = await loadPriceCsv(ds.pricesPath);
      const bench = await loadBenchmarkCsv(ds.benchmarkPath);
      return { panel, bench, source: `sse50 (${ds.pricesPath})`, start: '2015-01-01', end: '2015-12-31' };
    }
  } catch {
    // fall through to the synthetic market
  }
  const m = syntheticMarket({ seed: 1, tickers: 50, days: 264, start: '2014-12-01' });
  const start = m.panel.dates[20] as string;
  return { panel: m.panel, bench: m.benchmark, source: `synthetic: ${m.description}`, start, end: m.panel.dates[263] as string };
}

/** The reference's window and universe, then weights 1:2:3:… over the universe (no solver). */
function referenceWindowStrategy(): Strategy {
  return {
    onRebalance(ctx: StrategyContext) {
      const hist = ctx.historyBars(null, 21);
      const w = new Float64Array(ctx.symbols.length);
      let pos = 0;
      let best = -Infinity;
      for (let j = 0; j < hist.length; j++) {
        const col = hist[j] as Float64Array;
        if (!ctx.canTrade(ctx.symbols[j] as string)) continue;
        let ok = true;
        let m = 0;
        for (let k = 0; k < 21 && ok; k++) if (Number.isNaN(col[k] as number)) ok = false;
        if (!ok) continue;
        for (let k = 1; k < 21; k++) m += (col[k] as number) / (col[k - 1] as number) - 1;
        best = Math.max(best, (252 * m) / 20);
        w[j] = 1 + (pos++ % 3);
      }
      let s = 0;
      for (let j = 0; j < w.length; j++) s += w[j] as number;
      if (s > 0) for (let j = 0; j < w.length; j++) w[j] = (w[j] as number) / s;
      if (pos > 0 && best < Number(ctx.params['mu'])) ctx.countFallback();
      ctx.orderTargetPercents(w);
    },
  };
}

const { panel, bench, source, start, end } = await market();
const results: Record<string, number> = {};
for (const recordFills of [false, true]) {
  const compiled = compileBacktestOptions({ panel, start, end, benchmark: bench, exchange: 'reference', rebalance: 20, recordFills });
  // Warm up the JIT, then time rounds of TRIALS backtests (the grid's size).
  for (let i = 0; i < 50; i++) runBacktestSync(referenceWindowStrategy, compiled, { params: { mu: 0.1 } });
  let best = Infinity;
  let sharpe = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < TRIALS; i++) {
      sharpe = runBacktestSync(referenceWindowStrategy, compiled, { params: { mu: 0.1 + 0.001 * i } }).metrics.sharpe;
    }
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const key = recordFills ? 'withFills' : 'noFills';
  results[`${key}MsPerBacktest`] = best / TRIALS;
  results[`${key}MsPer${TRIALS}`] = best;
  results[`${key}LastSharpe`] = sharpe;
  console.log(`${key}: ${TRIALS} backtests in ${best.toFixed(2)} ms (best of ${ROUNDS}) = ${(best / TRIALS).toFixed(4)} ms per backtest`);
}
// Lockstep batch: one model call per rebalance day for all trials (the sweep engine's shape).
{
  const compiled = compileBacktestOptions({ panel, start, end, benchmark: bench, exchange: 'reference', rebalance: 20, recordFills: false });
  const params = Array.from({ length: TRIALS }, (_, i) => ({ mu: 0.1 + 0.001 * i }));
  const batchModel = {
    onRebalance(ctx: import('../src/model/batch.js').BatchRebalanceContext) {
      // The window and universe once per day, shared by every trial.
      const n = ctx.symbols.length;
      const w0 = new Float64Array(n);
      let pos = 0;
      for (let j = 0; j < n; j++) {
        const col = ctx.panel.close[j] as Float64Array;
        if (!ctx.canTradeAt(j)) continue;
        let ok = true;
        for (let r = ctx.row - 21; r < ctx.row && ok; r++) if (Number.isNaN(col[r] as number)) ok = false;
        if (ok) w0[j] = 1 + (pos++ % 3);
      }
      let s = 0;
      for (let j = 0; j < n; j++) s += w0[j] as number;
      for (const w of ctx.weights) for (let j = 0; j < n; j++) w[j] = s > 0 ? (w0[j] as number) / s : 0;
    },
  };
  for (let i = 0; i < 10; i++) runBacktestBatch(compiled, params, batchModel, { keepNav: false });
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    runBacktestBatch(compiled, params, batchModel, { keepNav: false });
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  results['batchMsPerBacktest'] = best / TRIALS;
  results[`batchMsPer${TRIALS}`] = best;
  console.log(`batch: ${TRIALS} backtests in lockstep in ${best.toFixed(2)} ms (best of ${ROUNDS}) = ${(best / TRIALS).toFixed(4)} ms per backtest`);
}
const c = compileBacktestOptions({ panel, start, end, rebalance: 20 });
console.log(`data: ${source}; ${c.dates.length} trading days ${c.dates[0]}..${c.dates[c.dates.length - 1]}, ${panel.tickers.length} assets, ${c.rebalanceDays.reduce((a, b) => a + b, 0)} rebalances`);
console.log(JSON.stringify({ bench: 'backtest-engine', tradingDays: c.dates.length, assets: panel.tickers.length, trials: TRIALS, ...results }));
