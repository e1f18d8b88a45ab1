/**
 * The PricePanel / BenchmarkSeries invariants (panel.ts) checked on data that did not come through
 * the CSV parser (a store written elsewhere, a panel built by a user): one pass, no allocation.
 */
import { DataError } from '../errors.js';
import type { BenchmarkSeries, PricePanel } from './panel.js';

const ISO = /^\d{4}-\d{2}-\d{2}$/;

function checkCalendar(dates: readonly string[], source: string): void {
  for (let i = 0; i < dates.length; i++) {
    const d = dates[i]!;
    if (!ISO.test(d)) throw new DataError(`date ${i} "${d}" is not YYYY-MM-DD`, { source });
    if (i > 0 && d <= dates[i - 1]!) throw new DataError(`dates not strictly ascending: ${dates[i - 1]} then ${d} (row ${i})`, { source });
  }
}

/** Throws a DataError naming the first broken invariant of the panel. */
export function validatePanel(panel: PricePanel, source = 'panel'): void {
  checkCalendar(panel.dates, source);
  const T = panel.dates.length;
  const seen = new Set<string>();
  for (const t of panel.tickers) {
    if (t === '' || seen.has(t)) throw new DataError(`ticker ${JSON.stringify(t)} is empty or repeated`, { source });
    seen.add(t);
  }
  for (const f of ['close', 'open', 'high', 'low', 'volume'] as const) {
    const cols = panel[f];
    if (cols === undefined) continue;
    if (cols.length !== panel.tickers.length) throw new DataError(`field ${f} has ${cols.length} columns for ${panel.tickers.length} tickers`, { source });
    cols.forEach((c, j) => {
      if (c.length !== T) throw new DataError(`${f}:${panel.tickers[j]} has ${c.length} rows for ${T} dates`, { source });
      for (let i = 0; i < T; i++) {
        const v = c[i]!;
        // NaN = no price; otherwise finite and > 0 (volume may be 0).
        if (v === v && !(v > 0 && v < Infinity) && !(f === 'volume' && v === 0)) {
          throw new DataError(`${f}:${panel.tickers[j]} on ${panel.dates[i]} is ${v} (expected a finite value > 0 or NaN)`, { source });
        }
      }
    });
  }
}

export function validateBenchmark(b: BenchmarkSeries, source = `benchmark ${b.name}`): void {
  checkCalendar(b.dates, source);
  if (b.close.length !== b.dates.length) throw new DataError(`${b.close.length} values for ${b.dates.length} dates`, { source });
  for (let i = 0; i < b.close.length; i++) {
    const v = b.close[i]!;
    if (!(v > 0 && v < Infinity)) throw new DataError(`value on ${b.dates[i]} is ${v} (expected finite > 0)`, { source });
  }
}
