/**
 * Append-only columnar log of fills (typed arrays that double when full), so a backtest records
 * its trades without allocating an object per fill; `Fill` objects are built only when read.
 */
import type { Fill } from './types.js';

export class FillLog {
  private cap: number;
  private n = 0;
  private bar: Int32Array;
  private asset: Int32Array;
  /** Signed shares (+ buy, − sell). */
  private qty: Float64Array;
  private px: Float64Array;
  private comm: Float64Array;
  private tax: Float64Array;

  /** Capacity 0 allocates nothing until the first push. */
  constructor(initialCapacity = 256) {
    this.cap = Math.max(0, Math.floor(initialCapacity));
    this.bar = new Int32Array(this.cap);
    this.asset = new Int32Array(this.cap);
    this.qty = new Float64Array(this.cap);
    this.px = new Float64Array(this.cap);
    this.comm = new Float64Array(this.cap);
    this.tax = new Float64Array(this.cap);
  }

  get length(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  push(bar: number, asset: number, shares: number, price: number, commission: number, stampTax: number): void {
    if (this.n === this.cap) this.grow();
    const k = this.n++;
    this.bar[k] = bar;
    this.asset[k] = asset;
    this.qty[k] = shares;
    this.px[k] = price;
    this.comm[k] = commission;
    this.tax[k] = stampTax;
  }

  /** Bar index (into the panel calendar) of fill k. */
  barAt(k: number): number {
    return this.bar[k] as number;
  }

  /** Fills from index `from` as objects, dates and symbols looked up in the given tables. */
  toFills(dates: readonly string[], symbols: readonly string[], from = 0): Fill[] {
    const out: Fill[] = [];
    for (let k = Math.max(0, from); k < this.n; k++) {
      const q = this.qty[k] as number;
      const p = this.px[k] as number;
      out.push({
        date: dates[this.bar[k] as number] as string,
        symbol: symbols[this.asset[k] as number] as string,
        side: q > 0 ? 'buy' : 'sell',
        shares: Math.abs(q),
        price: p,
        value: Math.abs(q) * p,
        commission: this.comm[k] as number,
        stampTax: this.tax[k] as number,
      });
    }
    return out;
  }

  private grow(): void {
    this.cap = Math.max(64, this.cap * 2);
    const g = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(this.cap);
      b.set(a);
      return b;
    };
    this.bar = g(this.bar, (n) => new Int32Array(n));
    this.asset = g(this.asset, (n) => new Int32Array(n));
    this.qty = g(this.qty, (n) => new Float64Array(n));
    this.px = g(this.px, (n) => new Float64Array(n));
    this.comm = g(this.comm, (n) => new Float64Array(n));
    this.tax = g(this.tax, (n) => new Float64Array(n));
  }
}
