/**
 * The in-memory shape of price history that the whole model layer reads: one column per ticker
 * over a shared trading calendar. Columns are Float64Arrays (zero-copy views over Arrow buffers when
 * loaded from the columnar store); NaN means "no price that day" (not listed yet, delisted,
 * suspended, or a bad value removed) and a strategy cannot trade that ticker on that day.
 *
 * Invariants: `dates` strictly ascending ISO dates (YYYY-MM-DD); every column has dates.length
 * entries; prices are finite and > 0 where not NaN.
 */
export interface PricePanel {
  readonly dates: readonly string[];
  readonly tickers: readonly string[];
  /** Adjusted close, one column per ticker (index as in `tickers`). */
  readonly close: readonly Float64Array[];
  /** Optional OHLCV columns, same layout as `close`. */
  readonly open?: readonly Float64Array[];
  readonly high?: readonly Float64Array[];
  readonly low?: readonly Float64Array[];
  readonly volume?: readonly Float64Array[];
}

/**
 * A benchmark index on its OWN calendar (it may miss or add days relative to the stocks); returns
 * on a stock date d are B_d / B_prev - 1 with prev = the index's previous date (see
 * ../shared/reference/README.md "Valuation and returns").
 */
export interface BenchmarkSeries {
  readonly name: string;
  readonly dates: readonly string[];
  readonly close: Float64Array;
}

/** Index of a date in an ascending calendar, or -1. Binary search. */
export function dateIndex(dates: readonly string[], date: string): number {
  let lo = 0;
  let hi = dates.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const d = dates[mid] as string;
    if (d === date) return mid;
    if (d < date) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** First index whose date is >= `date` (dates.length when none). */
export function lowerBound(dates: readonly string[], date: string): number {
  let lo = 0;
  let hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((dates[mid] as string) < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
