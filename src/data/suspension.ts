/**
 * Suspensions hidden as stale prices. Wind (the SSE 50 source) carries the last close through a
 * suspension, so a suspended stock shows a flat run of identical closes instead of empty cells; read
 * literally it looks riskless and is bought at a stale price (issue 7).
 *
 * `staleAsSuspended(panel, k)` is the reference's `--stale-as-suspended K`
 * (../shared/reference/hppo_ref.py, `blank_stale_runs`), replicated exactly:
 *   same[d]  = close[d] == close[d-1]   (pandas `px.diff().eq(0)`: false when either is NaN, and on the first row)
 *   run[d]   = length of the maximal run of consecutive `same` days containing d
 *   blank d  iff same[d] and run[d] >= k
 * So K = number of REPEATED closes in a row: the day before the run (the last real close) keeps its
 * price, and the k repeats after it become NaN; a run of k+1 equal closes in total is needed.
 * Runs are found on the input values (blanking never creates or splits a run), per column, over the
 * whole panel given. The reference first cuts its panel at the backtest's end date, so a run crossing
 * that date is shorter there: pass `{ end }` (or blank restrictDates(panel, undefined, end)) to match
 * it cell for cell. On the SSE 50 file with end 2015-12-31 this matters for k = 5 (601377.SH,
 * 2015-12-29..31), not for k = 2, 3, 10 or 20.
 *
 * Other fields (open/high/low/volume), when present, are blanked on the same cells: a suspended day
 * has no trading at all.
 */
import { InvalidArgumentError } from '../errors.js';
import type { PricePanel } from './panel.js';
import { lowerBound } from './panel.js';

export interface StaleOptions {
  /**
   * Measure runs only over the rows up to and including this date (YYYY-MM-DD), as the reference
   * does: it cuts its panel at the backtest's end before blanking, so a flat run crossing that date
   * counts only its days up to it. Rows after `end` follow the rule on the whole panel. Default: none.
   */
  end?: string;
}

/** 1 where the reference would blank the cell, else 0 (see file comment). */
export function staleMask(column: Float64Array, k: number): Uint8Array {
  const n = column.length;
  const mask = new Uint8Array(n);
  let d = 1;
  while (d < n) {
    // `a === b` is false when either is NaN, like pandas' diff().eq(0); for finite doubles,
    // a - b == 0 exactly when a === b, so this is the same test as the reference's.
    if (column[d] === column[d - 1]) {
      let e = d;
      while (e + 1 < n && column[e + 1] === column[e]) e++;
      if (e - d + 1 >= k) mask.fill(1, d, e + 1);
      d = e + 1;
    } else {
      d++;
    }
  }
  return mask;
}

export interface StaleResult {
  panel: PricePanel;
  /** Cells set to NaN, per ticker (index as in panel.tickers). */
  blankedPerTicker: Int32Array;
  blankedCells: number;
}

/** Like staleAsSuspended, also saying how many cells were blanked (per ticker and in total). */
export function staleAsSuspendedWithReport(panel: PricePanel, k: number, options: StaleOptions = {}): StaleResult {
  if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError('staleAsSuspendedDays', `expected an integer >= 1, got ${k}`);
  const T = panel.dates.length;
  const n = panel.tickers.length;
  if (options.end !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.end)) {
    throw new InvalidArgumentError('end', `expected YYYY-MM-DD, got ${JSON.stringify(options.end)}`);
  }
  const cut = options.end === undefined ? T : lowerBound(panel.dates, `${options.end}\uffff`);
  const masks = panel.close.map((c) => {
    if (cut >= T) return staleMask(c, k);
    const m = staleMask(c, k);
    m.set(staleMask(c.subarray(0, cut), k));
    return m;
  });
  const blankedPerTicker = new Int32Array(n);
  masks.forEach((m, j) => {
    let s = 0;
    for (let i = 0; i < T; i++) s += m[i]!;
    blankedPerTicker[j] = s;
  });
  const apply = (cols: readonly Float64Array[]): Float64Array[] => {
    const store = new Float64Array(n * T);
    return cols.map((c, j) => {
      const out = store.subarray(j * T, (j + 1) * T);
      out.set(c);
      const m = masks[j]!;
      if (blankedPerTicker[j]! > 0) for (let i = 0; i < T; i++) if (m[i] === 1) out[i] = Number.NaN;
      return out;
    });
  };
  const out: { -readonly [K in keyof PricePanel]: PricePanel[K] } = { dates: panel.dates, tickers: panel.tickers, close: apply(panel.close) };
  for (const f of ['open', 'high', 'low', 'volume'] as const) {
    const cols = panel[f];
    if (cols) out[f] = apply(cols);
  }
  return { panel: out, blankedPerTicker, blankedCells: blankedPerTicker.reduce((a, b) => a + b, 0) };
}

/**
 * A copy of `panel` where every run of >= k consecutive unchanged closes is "no price" (NaN),
 * exactly as the reference's --stale-as-suspended K. The input is not modified.
 */
export function staleAsSuspended(panel: PricePanel, k: number, options: StaleOptions = {}): PricePanel {
  return staleAsSuspendedWithReport(panel, k, options).panel;
}
