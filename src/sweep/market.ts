/**
 * The `data:` and `backtest:` sections of a job document → the market (prices, benchmark) and the
 * compiled backtest shared by every trial. Loaded once per process and data section (workers
 * evaluating many batches of the same job pay the CSV parse once).
 *
 *   data:
 *     dataset: sse50            # preset (sse50 | sp500), a wide/long CSV path, or "synthetic"
 *     benchmark: sse-composite  # preset benchmark name or a CSV path (optional)
 *     dataDir: ../shared/data   # where presets live (default HPPO_DATA, else <repo>/../shared/data)
 *     staleAsSuspendedDays: 3   # K unchanged closes in a row = suspended (no price); 0/null = literal prices
 *     cache: true               # keep the parsed market in .hppo/cache/market (market-cache.ts); false = parse the CSV every time
 *     synthetic: {seed: 1, tickers: 50, days: 504, start: 2014-01-02}   # for dataset: synthetic
 *   backtest:
 *     start: 2015-01-01, end: 2015-12-31, initialCash: 1000000,
 *     exchange: reference | cnAShares | usEquities | {preset: cnAShares, ...overrides},
 *     rebalance: 20 | weekly | monthly | {type: everyNDays, n: 20}, riskFreeRate: 0, periodsPerYear: 252
 */
import { ConfigError } from '../errors.js';
import type { BenchmarkSeries, PricePanel } from '../data/panel.js';
import { loadBenchmarkCsv, loadPriceCsv } from '../data/csv.js';
import { repoRoot, resolveDataset } from '../data/datasets.js';
import { staleAsSuspended } from '../data/suspension.js';
import type { SyntheticMarketOptions } from '../data/synthetic.js';
import { join } from 'node:path';
import { marketCachePath, marketCacheUsable, readMarketCache, writeMarketCache } from './market-cache.js';
import { compileBacktestOptions, type BacktestOptions, type CompiledBacktest } from '../model/engine.js';

export interface Market {
  panel: PricePanel;
  benchmark: BenchmarkSeries | undefined;
  /** One line saying where the prices came from. */
  description: string;
  synthetic: boolean;
}

const cache = new Map<string, Promise<Market>>();

function section(doc: Record<string, unknown>, name: string): Record<string, unknown> {
  const s = doc[name] ?? {};
  if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new ConfigError(name, `expected a mapping, got ${JSON.stringify(s)}`);
  return s as Record<string, unknown>;
}

async function load(data: Record<string, unknown>, to: string | undefined): Promise<Market> {
  const dataset = data['dataset'] ?? 'synthetic';
  if (typeof dataset !== 'string' || dataset === '') throw new ConfigError('data.dataset', `expected sse50, sp500, synthetic or a CSV path, got ${JSON.stringify(dataset)}`);
  const k = data['staleAsSuspendedDays'] ?? 0;
  if (k !== null && (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k === 1)) {
    throw new ConfigError('data.staleAsSuspendedDays', `expected 0 (literal prices) or an integer >= 2, got ${JSON.stringify(k)}`);
  }
  let m: Market;
  if (dataset === 'synthetic') {
    const s = (data['synthetic'] ?? {}) as SyntheticMarketOptions;
    // Loaded on demand: synthetic.ts pulls in Apache Arrow (~0.3 s of module loading per worker).
    const { syntheticMarket } = await import('../data/synthetic.js');
    const syn = syntheticMarket(s);
    m = { panel: syn.panel, benchmark: syn.benchmark, description: syn.description, synthetic: true };
  } else {
    const bench = data['benchmark'];
    if (bench !== undefined && typeof bench !== 'string') throw new ConfigError('data.benchmark', `expected a benchmark name or path, got ${JSON.stringify(bench)}`);
    const dd = data['dataDir'];
    const r = resolveDataset(dataset, { ...(typeof dd === 'string' ? { dataDir: dd } : {}), ...(bench ? { benchmark: bench } : {}) });
    const useCache = data['cache'] !== false && marketCacheUsable();
    if (data['cache'] !== undefined && typeof data['cache'] !== 'boolean') throw new ConfigError('data.cache', `expected true or false, got ${JSON.stringify(data['cache'])}`);
    const staleDays = typeof k === 'number' && k >= 2 ? k : 0;
    const file = useCache
      ? marketCachePath(join(repoRoot(), '.hppo', 'cache', 'market'), r.name, { prices: r.pricesPath, benchmark: r.benchmarkPath, transform: { staleAsSuspendedDays: staleDays, benchmarkName: r.benchmarkName ?? null, to: to ?? null } })
      : undefined;
    const hit = file !== undefined ? readMarketCache(file) : undefined;
    if (hit) return { ...hit, synthetic: false };
    const { panel } = await loadPriceCsv(r.pricesPath, to !== undefined ? { to } : {});
    const benchmark = r.benchmarkPath ? await loadBenchmarkCsv(r.benchmarkPath) : undefined;
    m = { panel, benchmark, description: `${r.name}: ${r.pricesPath}${to !== undefined ? ` to ${to}` : ''}${r.benchmarkPath ? ` (benchmark ${r.benchmarkPath})` : ''}`, synthetic: false };
    m = withStale(m, k);
    if (file !== undefined) writeMarketCache(file, m);
    return m;
  }
  return withStale(m, k);
}

function withStale(m: Market, k: unknown): Market {
  if (typeof k === 'number' && k >= 2) {
    return { ...m, panel: staleAsSuspended(m.panel, k), description: `${m.description}; runs of >= ${k} unchanged closes treated as suspended` };
  }
  return m;
}

/** The market of a job document (cached per data section). */
export function loadMarket(doc: Record<string, unknown>): Promise<Market> {
  const data = section(doc, 'data');
  // Prices after the backtest's end are never used; cutting them there also makes the
  // stale-as-suspended runs end at the end date, as the reference (px.loc[:end] before blanking).
  const end = section(doc, 'backtest')['end'];
  const to = typeof end === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(end) ? end : undefined;
  const key = JSON.stringify([data, to ?? null]);
  let p = cache.get(key);
  if (!p) {
    p = load(data, to);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

const BACKTEST_KEYS = ['start', 'end', 'initialCash', 'exchange', 'rebalance', 'riskFreeRate', 'periodsPerYear', 'recordFills'];

/** The `backtest:` section over a market, compiled once for every trial. */
export function compileBacktestSection(doc: Record<string, unknown>, market: Market): CompiledBacktest {
  const b = section(doc, 'backtest');
  for (const key of Object.keys(b)) if (!BACKTEST_KEYS.includes(key)) throw new ConfigError(`backtest.${key}`, `unknown field (allowed: ${BACKTEST_KEYS.join(', ')})`);
  const opts: BacktestOptions = { panel: market.panel, recordFills: false, ...(b as Partial<BacktestOptions>) };
  if (market.benchmark) opts.benchmark = market.benchmark;
  try {
    return compileBacktestOptions(opts);
  } catch (err) {
    if (err instanceof Error && 'field' in err) throw new ConfigError(`backtest.${String((err as { field: string }).field)}`, err.message.replace(/^[^:]*: /, ''), { cause: err });
    throw err;
  }
}
