/**
 * A seeded synthetic market for running hppo without ../shared/data (the caller says so on
 * screen). Daily simple returns from a factor model with fat tails:
 *
 *   r_it = a_i + b_i f_t + c_i g_{s(i),t} + s_i e_it,   clipped to >= -0.5
 *
 * f_t (market) ~ 0.0003 + 0.012 t5, g (4 sectors) ~ 0.006 t5, e_it ~ t4 (all Student-t scaled to
 * unit variance), b_i in [0.6, 1.4], c_i in [0.3, 1.0], s_i in [0.008, 0.025]. Prices start between
 * 5 and 200 (log-uniform). The calendar is Monday..Friday from `start` (no holidays).
 *
 * Features a backtest must handle, all reproducible from the seed:
 * - a late listing: the last ticker has no price before about a third of the calendar;
 * - missing-price runs (suspensions as empty cells): about one ticker in ten (at least one) gets a
 *   run of 3..15 days without a price in the middle of the calendar;
 * - a benchmark (equal-weighted index of the listed stocks' returns, base 1000) on its own calendar
 *   that starts one weekday before the stocks, so the first stock day has a benchmark return.
 *
 * Same options and seed → bit-identical panel and benchmark (only src/util/rng.ts draws).
 */
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../util/rng.js';
import type { BenchmarkSeries, PricePanel } from './panel.js';
import { epochDayToIso, isoToEpochDay, weekdayOf } from './dates.js';
import { parseDateKey } from './csv-scan.js';

export interface SyntheticMarketOptions {
  /** Default 1. */
  seed?: number | string;
  /** Number of tickers (named SYN001...) or their names. Default 50. */
  tickers?: number | readonly string[];
  /** Trading days. Default 504 (two years). */
  days?: number;
  /** First trading day (moved to the next Monday when it is a weekend). Default 2015-01-05. */
  start?: string;
}

export interface SyntheticMarket {
  panel: PricePanel;
  benchmark: BenchmarkSeries;
  /** One line for the screen: what was generated and from which seed. */
  description: string;
  /** Where the missing prices are (for tests and the curious). */
  gaps: { lateListing: { ticker: string; firstDate: string } | undefined; missingRuns: Array<{ ticker: string; from: string; days: number }> };
}

function studentT(rng: Rng, df: number): number {
  let chi = 0;
  for (let k = 0; k < df; k++) {
    const z = rng.normal();
    chi += z * z;
  }
  // Scaled to unit variance (var of t_df is df / (df - 2)).
  return (rng.normal() / Math.sqrt(chi / df)) * Math.sqrt((df - 2) / df);
}

function weekdays(start: string, count: number): string[] {
  let day = isoToEpochDay(start);
  const out: string[] = [];
  while (out.length < count) {
    if (weekdayOf(day) < 5) out.push(epochDayToIso(day));
    day++;
  }
  return out;
}

function previousWeekday(date: string): string {
  let day = isoToEpochDay(date) - 1;
  while (weekdayOf(day) >= 5) day--;
  return epochDayToIso(day);
}

export function syntheticMarket(options: SyntheticMarketOptions = {}): SyntheticMarket {
  const seed = options.seed ?? 1;
  const days = options.days ?? 504;
  const start = options.start ?? '2015-01-05';
  const names =
    typeof options.tickers === 'object'
      ? [...options.tickers]
      : Array.from({ length: options.tickers ?? 50 }, (_, j) => `SYN${String(j + 1).padStart(3, '0')}`);
  if (!Number.isInteger(days) || days < 2) throw new InvalidArgumentError('days', `expected an integer >= 2, got ${days}`);
  if (names.length < 1) throw new InvalidArgumentError('tickers', 'expected at least one ticker');
  if (new Set(names).size !== names.length) throw new InvalidArgumentError('tickers', 'ticker names must be unique');
  if (typeof start !== 'string' || parseDateKey(Buffer.from(start, 'latin1'), 0, start.length) < 0) {
    throw new InvalidArgumentError('start', `expected YYYY-MM-DD, got ${JSON.stringify(start)}`);
  }
  const n = names.length;
  const rng = new Rng(typeof seed === 'number' ? seed : `synthetic:${seed}`);
  const params = rng.fork('params');
  const sectors = 4;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const s = new Float64Array(n);
  const sector = new Int32Array(n);
  const p0 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = params.uniform(-0.0002, 0.0004);
    b[i] = params.uniform(0.6, 1.4);
    c[i] = params.uniform(0.3, 1.0);
    s[i] = params.uniform(0.008, 0.025);
    sector[i] = params.int(0, sectors - 1);
    p0[i] = Math.exp(params.uniform(Math.log(5), Math.log(200)));
  }
  const dates = weekdays(start, days);
  const shocks = rng.fork('shocks');
  const store = new Float64Array(n * days);
  const close: Float64Array[] = [];
  for (let i = 0; i < n; i++) close.push(store.subarray(i * days, (i + 1) * days));
  const ret = new Float64Array(n * days); // r_it, row-major by day, for the benchmark
  const g = new Float64Array(sectors);
  for (let t = 0; t < days; t++) {
    const f = 0.0003 + 0.012 * studentT(shocks, 5);
    for (let k = 0; k < sectors; k++) g[k] = 0.006 * studentT(shocks, 5);
    for (let i = 0; i < n; i++) {
      const r = Math.max(-0.5, a[i]! + b[i]! * f + c[i]! * g[sector[i]!]! + s[i]! * studentT(shocks, 4));
      ret[t * n + i] = r;
      const col = close[i]!;
      col[t] = t === 0 ? p0[i]! : col[t - 1]! * (1 + r);
    }
  }
  // Benchmark: equal-weighted mean return of the stocks listed that day (before blanking gaps).
  const gapsRng = rng.fork('gaps');
  let lateListing: SyntheticMarket['gaps']['lateListing'];
  const listedFrom = new Int32Array(n);
  if (n >= 2 && days >= 6) {
    const i = n - 1;
    const first = Math.max(1, Math.floor(days / 3) + gapsRng.int(0, Math.max(0, Math.floor(days / 10))));
    listedFrom[i] = Math.min(first, days - 1);
    close[i]!.fill(Number.NaN, 0, listedFrom[i]);
    lateListing = { ticker: names[i]!, firstDate: dates[listedFrom[i]!]! };
  }
  const benchDates = [previousWeekday(dates[0]!), ...dates];
  const bench = new Float64Array(days + 1);
  bench[0] = 1000;
  for (let t = 0; t < days; t++) {
    let sum = 0;
    let cnt = 0;
    for (let i = 0; i < n; i++) {
      if (t < listedFrom[i]!) continue;
      sum += ret[t * n + i]!;
      cnt++;
    }
    bench[t + 1] = bench[t]! * (1 + (cnt > 0 ? sum / cnt : 0));
  }
  const missingRuns: SyntheticMarket['gaps']['missingRuns'] = [];
  if (days >= 40) {
    const candidates = Array.from({ length: lateListing ? n - 1 : n }, (_, i) => i);
    gapsRng.shuffle(candidates);
    const count = Math.max(1, Math.floor(candidates.length / 10));
    for (const i of candidates.slice(0, count)) {
      const len = gapsRng.int(3, 15);
      const from = gapsRng.int(Math.floor(days / 4), Math.floor((3 * days) / 4) - len);
      close[i]!.fill(Number.NaN, from, from + len);
      missingRuns.push({ ticker: names[i]!, from: dates[from]!, days: len });
    }
  }
  const panel: PricePanel = { dates, tickers: names, close };
  const benchmark: BenchmarkSeries = { name: 'synthetic-index', dates: benchDates, close: bench };
  return {
    panel,
    benchmark,
    description:
      `synthetic market (seed ${JSON.stringify(seed)}): ${n} tickers × ${days} weekdays ${dates[0]} .. ${dates[days - 1]}, ` +
      `fat-tailed factor model, ${missingRuns.length} missing-price run(s)${lateListing ? `, ${lateListing.ticker} listed ${lateListing.firstDate}` : ''}`,
    gaps: { lateListing, missingRuns },
  };
}
