/**
 * A precomputed, row-major view of a panel's closes over a range of rows, for the simulated
 * exchange: per (row, asset) the close (NaN = cannot trade), the last available close up to that
 * row (the mark for valuation) and flags (no price, limit-up, limit-down against the previous
 * available close). Built once per backtest definition and shared read-only by every trial, so
 * moving to the next bar costs nothing per asset.
 */
import type { PricePanel } from '../data/panel.js';
import { InvalidArgumentError } from '../errors.js';

export const TapeFlag = { NoPrice: 1, LimitUp: 2, LimitDown: 4 } as const;

export class MarketTape {
  readonly panel: PricePanel;
  /** First panel row covered (inclusive) and the end (exclusive). */
  readonly fromRow: number;
  readonly toRow: number;
  /** Number of assets (panel tickers). */
  readonly n: number;
  /** price[(row − fromRow)·n + i]: close of asset i on that row, NaN when it has none. */
  readonly price: Float64Array;
  /** Last available close up to and including the row; NaN before the asset's first price. */
  readonly marks: Float64Array;
  /** Last available close before `fromRow` (the previous close of the first row). */
  readonly marksBefore: Float64Array;
  readonly flags: Uint8Array;
  readonly indexOf: ReadonlyMap<string, number>;

  constructor(panel: PricePanel, priceLimit: number, priceLimitTolerance: number, fromRow = 0, toRow = panel.dates.length) {
    if (!Number.isInteger(fromRow) || !Number.isInteger(toRow) || fromRow < 0 || toRow > panel.dates.length || toRow <= fromRow) {
      throw new InvalidArgumentError('rows', `expected 0 ≤ from < to ≤ ${panel.dates.length}, got ${fromRow}..${toRow}`);
    }
    const n = panel.tickers.length;
    const rows = toRow - fromRow;
    this.panel = panel;
    this.fromRow = fromRow;
    this.toRow = toRow;
    this.n = n;
    this.price = new Float64Array(rows * n);
    this.marks = new Float64Array(rows * n);
    this.marksBefore = new Float64Array(n);
    this.flags = new Uint8Array(rows * n);
    this.indexOf = new Map(panel.tickers.map((s, i) => [s, i]));
    for (let i = 0; i < n; i++) {
      const col = panel.close[i] as Float64Array;
      let m = Number.NaN;
      for (let k = fromRow - 1; k >= 0; k--) {
        const v = col[k] as number;
        if (v === v) {
          m = v;
          break;
        }
      }
      this.marksBefore[i] = m;
      for (let r = 0; r < rows; r++) {
        const p = col[fromRow + r] as number;
        const at = r * n + i;
        this.price[at] = p;
        if (p !== p) {
          this.flags[at] = TapeFlag.NoPrice;
          this.marks[at] = m;
          continue;
        }
        let f = 0;
        if (priceLimit > 0 && m === m) {
          const ret = p / m - 1;
          if (ret >= priceLimit - priceLimitTolerance) f = TapeFlag.LimitUp;
          else if (ret <= -priceLimit + priceLimitTolerance) f = TapeFlag.LimitDown;
        }
        this.flags[at] = f;
        m = p;
        this.marks[at] = m;
      }
    }
  }
}
