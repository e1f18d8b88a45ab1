/**
 * Portfolio accounting: cash, shares per asset (index-aligned with the panel's tickers), the last
 * available close of each asset (`marks`), and running totals of fees and traded value.
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
  /** Last available close per asset up to the current bar; NaN before its first price. */
  readonly marks: Float64Array;
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
    this.marks = new Float64Array(assets).fill(Number.NaN);
  }

  /** Fees = commission + stamp tax (what the reference calls `fees`). */
  get fees(): number {
    return this.commission + this.stampTax;
  }

  /** Value of the positions at the last available closes. */
  positionsValue(): number {
    const s = this.shares;
    const m = this.marks;
    let v = 0;
    for (let i = 0; i < s.length; i++) {
      const q = s[i] as number;
      if (q !== 0) v += q * (m[i] as number);
    }
    return v;
  }

  /** NAV = cash + Σ shares × last available close. */
  nav(): number {
    return this.cash + this.positionsValue();
  }
}
