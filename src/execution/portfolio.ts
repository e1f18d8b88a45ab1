/**
 * Portfolio accounting: cash, shares per asset (index-aligned with the panel's tickers) and
 * running totals of fees and traded value. Valuation takes the marks (last available close of
 * each asset) from the caller, a row of the exchange's MarketTape.
 *
 * Invariant (checked by the tests): NAV = cash + Σ shares_i × marks_i at every bar, and every
 * currency unit that leaves cash is either in a position's cost or in `commission`,
 * `stampTax` (fees) — slippage is part of the fill price and also reported on its own.
 * Owned by one SimulatedExchange; not shared between backtests.
 */
export class Portfolio {
  cash: number;
  readonly initialCash: number;
  /** Shares held per asset (fractional when the lot size is 0). Long only: ≥ 0. */
  readonly shares: Float64Array;
  /** Commission paid, currency. */
  commission = 0;
  /** Stamp tax paid, currency. */
  stampTax = 0;
  /** Cost of slippage (|shares| × close × slippage), currency; already inside fill prices. */
  slippageCost = 0;
  /** Value bought and sold at fill prices, currency. */
  boughtValue = 0;
  soldValue = 0;
  /** Number of fills. */
  fillCount = 0;

  constructor(assets: number, initialCash: number) {
    this.cash = initialCash;
    this.initialCash = initialCash;
    this.shares = new Float64Array(assets);
  }

  /** Fees = commission + stamp tax (what the reference calls `fees`). */
  get fees(): number {
    return this.commission + this.stampTax;
  }

  /** Value of the positions at marks[off + i] (the last available closes). */
  positionsValue(marks: Float64Array, off = 0): number {
    const s = this.shares;
    let v = 0;
    for (let i = 0; i < s.length; i++) {
      const q = s[i] as number;
      if (q !== 0) v += q * (marks[off + i] as number);
    }
    return v;
  }

  /** NAV = cash + Σ shares × last available close. */
  nav(marks: Float64Array, off = 0): number {
    return this.cash + this.positionsValue(marks, off);
  }
}
