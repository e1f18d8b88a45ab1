/**
 * The simulated exchange: fills orders at the current bar's close under the compiled
 * `ExchangeRules` (commission with minimum, sell-side stamp tax, slippage, lot size, no trade
 * without a price, no buy at limit-up / no sell at limit-down), long only, and keeps the
 * `Portfolio` accounts.
 *
 * Two faces: the symbol-based `ExecutionVenue` methods (what a live executor also offers), and
 * index-based methods (`orderSharesAt`, `rebalanceWeights`, …) the engine and built-in models use
 * on the hot path without string lookups.
 *
 * Bars: `setBar(t)` moves to panel row t (strictly increasing, inside the MarketTape's rows):
 * that row's closes, last available closes (marks) and limit / no-price flags, all precomputed
 * by the tape, so a bar costs nothing per asset.
 */
import type { PricePanel } from '../data/panel.js';
import { InvalidArgumentError } from '../errors.js';
import { FillLog } from './fill-log.js';
import { MarketTape, TapeFlag } from './market-tape.js';
import type { ExchangeRules } from './options.js';
import { Portfolio } from './portfolio.js';
import type {
  ExecutionVenue,
  Fill,
  Order,
  OrderResult,
  OrderStatus,
  RebalanceResult,
  RejectReason,
  TargetWeights,
} from './types.js';

export interface SimulatedExchangeOptions {
  rules: ExchangeRules;
  initialCash: number;
  /** Record each fill in `fillLog` (default true). A sweep that needs only totals turns it off. */
  recordFills?: boolean;
  /**
   * The precomputed prices to trade on (built with these rules' price limit); shared by the
   * trials of a backtest. Default: a tape over the whole panel.
   */
  tape?: MarketTape;
}

const NO_PRICE = TapeFlag.NoPrice;
const LIMIT_UP = TapeFlag.LimitUp;
const LIMIT_DOWN = TapeFlag.LimitDown;

/** Relative slack on the cash check of a buy, so round-off (1e-10 on 1e6) never cuts a fill. */
const CASH_SLACK = 1e-9;
/** The V + cost(V) = A fixed point stops when |ΔV| ≤ this × A (as the reference). */
const FIXED_POINT_TOL = 1e-13;
const FIXED_POINT_MAX_ITER = 100;

export class SimulatedExchange implements ExecutionVenue {
  readonly symbols: readonly string[];
  readonly rules: ExchangeRules;
  readonly portfolio: Portfolio;
  readonly fillLog: FillLog;
  readonly tape: MarketTape;
  private readonly recordFills: boolean;
  private readonly panel: PricePanel;
  private readonly indexOf: ReadonlyMap<string, number>;
  private readonly n: number;
  private barIdx = -1;
  /** Offset of the current bar's row in the tape's row-major arrays. */
  private off = 0;
  private readonly price: Float64Array;
  private readonly marks: Float64Array;
  private readonly flags: Uint8Array;
  // Scratch for the batch rebalance (no allocation per call).
  private readonly held: Float64Array;
  private readonly active: Uint8Array;
  private readonly wEff: Float64Array;
  /** Reason of the last rejected / partial order (set by tradeAt). */
  private lastReason: RejectReason | undefined;

  constructor(panel: PricePanel, options: SimulatedExchangeOptions) {
    if (!Number.isFinite(options.initialCash) || options.initialCash < 0) {
      throw new InvalidArgumentError('initialCash', `expected a finite number ≥ 0, got ${options.initialCash}`);
    }
    const tape = options.tape ?? new MarketTape(panel, options.rules.priceLimit, options.rules.priceLimitTolerance);
    if (tape.panel !== panel) throw new InvalidArgumentError('tape', 'the market tape was built from another panel');
    this.tape = tape;
    this.panel = panel;
    this.symbols = panel.tickers;
    this.rules = options.rules;
    this.n = panel.tickers.length;
    this.indexOf = tape.indexOf;
    this.portfolio = new Portfolio(this.n, options.initialCash);
    this.recordFills = options.recordFills ?? true;
    this.fillLog = new FillLog(this.recordFills ? 256 : 0);
    this.price = tape.price;
    this.marks = tape.marks;
    this.flags = tape.flags;
    this.held = new Float64Array(this.n);
    this.active = new Uint8Array(this.n);
    this.wEff = new Float64Array(this.n);
  }

  /** Panel row of the current bar (−1 before the first `setBar`). */
  get bar(): number {
    return this.barIdx;
  }

  get date(): string {
    return this.panel.dates[this.barIdx] ?? '';
  }

  /** Index of a symbol; throws InvalidArgumentError for an unknown one. */
  assetIndex(symbol: string): number {
    const i = this.indexOf.get(symbol);
    if (i === undefined) throw new InvalidArgumentError('symbol', `unknown symbol ${JSON.stringify(symbol)}`);
    return i;
  }

  /** Moves to panel row t (after the current one, inside the tape): its closes, marks and flags. */
  setBar(t: number): void {
    if (!Number.isInteger(t) || t <= this.barIdx || t < this.tape.fromRow || t >= this.tape.toRow) {
      throw new InvalidArgumentError(
        'bar',
        `expected a row after ${this.barIdx} in [${this.tape.fromRow}, ${this.tape.toRow}), got ${t}`,
      );
    }
    this.barIdx = t;
    this.off = (t - this.tape.fromRow) * this.n;
  }

  // ------------------------------------------------------------------ queries (ExecutionVenue)

  latestPrice(symbol: string): number {
    return this.markAt(this.assetIndex(symbol));
  }

  canTrade(symbol: string): boolean {
    return this.barIdx >= 0 && (this.flagAt(this.assetIndex(symbol)) & NO_PRICE) === 0;
  }

  /** Close of asset i on the current bar (NaN = no trade). */
  priceAt(i: number): number {
    return this.barIdx < 0 ? Number.NaN : (this.price[this.off + i] as number);
  }

  /** Last available close of asset i up to the current bar (NaN before its first price). */
  markAt(i: number): number {
    return this.barIdx < 0 ? (this.tape.marksBefore[i] as number) : (this.marks[this.off + i] as number);
  }

  private flagAt(i: number): number {
    return this.flags[this.off + i] as number;
  }

  isLimitUp(i: number): boolean {
    return this.barIdx >= 0 && (this.flagAt(i) & LIMIT_UP) !== 0;
  }

  isLimitDown(i: number): boolean {
    return this.barIdx >= 0 && (this.flagAt(i) & LIMIT_DOWN) !== 0;
  }

  cash(): number {
    return this.portfolio.cash;
  }

  position(symbol: string): number {
    return this.portfolio.shares[this.assetIndex(symbol)] as number;
  }

  positions(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    const s = this.portfolio.shares;
    for (let i = 0; i < this.n; i++) if (s[i] !== 0) out.set(this.symbols[i] as string, s[i] as number);
    return out;
  }

  portfolioValue(): number {
    return this.barIdx < 0 ? this.portfolio.nav(this.tape.marksBefore) : this.portfolio.nav(this.marks, this.off);
  }

  fills(from = 0): Fill[] {
    return this.fillLog.toFills(this.panel.dates, this.symbols, from);
  }

  // ------------------------------------------------------------------ single orders

  submit(order: Order): OrderResult {
    const i = this.assetIndex(order.symbol);
    switch (order.type) {
      case 'shares':
        return this.orderSharesAt(i, order.shares);
      case 'targetValue':
        return this.orderTargetValueAt(i, order.value);
      case 'targetPercent':
        return this.orderTargetPercentAt(i, order.percent);
      default: {
        const never: never = order;
        throw new InvalidArgumentError('order.type', `unknown order type ${JSON.stringify((never as { type: unknown }).type)}`);
      }
    }
  }

  /** Buy (shares > 0) or sell (shares < 0) asset i at the current close. */
  orderSharesAt(i: number, shares: number): OrderResult {
    this.checkAsset(i);
    if (!Number.isFinite(shares)) {
      throw new InvalidArgumentError('shares', `expected a finite number, got ${shares}`);
    }
    return this.result(i, shares, this.tradeAt(i, shares));
  }

  /** Trade asset i so its position is worth `value` at the current close. */
  orderTargetValueAt(i: number, value: number): OrderResult {
    this.checkAsset(i);
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError('value', `expected a finite target value ≥ 0 (long only), got ${value}`);
    }
    const p = this.price[this.off + i] as number;
    if (p !== p) return this.result(i, Number.NaN, 0, 'no-price');
    const target = value / p;
    const cur = this.portfolio.shares[i] as number;
    return this.result(i, target - cur, this.tradeAt(i, target - cur, target));
  }

  /** Trade asset i so its position is `percent` of the portfolio value (NAV at latest prices). */
  orderTargetPercentAt(i: number, percent: number): OrderResult {
    if (!Number.isFinite(percent) || percent < 0 || percent > 1 + 1e-12) {
      throw new InvalidArgumentError('percent', `expected a fraction in [0, 1] (long only), got ${percent}`);
    }
    return this.orderTargetValueAt(i, percent * this.portfolioValue());
  }

  /**
   * Core single trade: fills as much of `q` shares of asset i as the rules allow, books it,
   * returns the signed shares filled and sets `lastReason` when cut. `target` (optional) is the
   * exact resulting position wanted (fractional mode assigns it instead of adding, so a target
   * lands exactly).
   */
  private tradeAt(i: number, q: number, target?: number): number {
    this.lastReason = undefined;
    if (q === 0) return 0;
    const f = this.flags[this.off + i] as number;
    if (f & NO_PRICE) {
      this.lastReason = 'no-price';
      return 0;
    }
    const P = this.price[this.off + i] as number;
    const r = this.rules;
    const cur = this.portfolio.shares[i] as number;
    if (q > 0) {
      if (f & LIMIT_UP) {
        this.lastReason = 'limit-up';
        return 0;
      }
      let buy = r.lotSize > 0 ? Math.floor(q / r.lotSize + 1e-9) * r.lotSize : q;
      if (buy <= 0) {
        this.lastReason = 'lot';
        return 0;
      }
      const px = P * (1 + r.slippage);
      const affordable = this.affordableShares(px);
      if (buy > affordable) {
        buy = affordable;
        this.lastReason = 'cash';
        if (buy <= 0) return 0;
      } else if (buy < q) {
        this.lastReason = 'lot';
      }
      const next = r.lotSize === 0 && buy === q && target !== undefined ? target : cur + buy;
      this.book(i, next, P, px);
      return buy;
    }
    if (f & LIMIT_DOWN) {
      this.lastReason = 'limit-down';
      return 0;
    }
    let sell = -q;
    if (sell > cur) {
      sell = cur;
      this.lastReason = 'position';
      if (sell <= 0) return 0;
    }
    // Lots: round the sell down, except that a whole position (odd lot included) may be sold.
    if (r.lotSize > 0 && sell < cur) {
      const lots = Math.floor(sell / r.lotSize + 1e-9) * r.lotSize;
      if (lots < sell) this.lastReason ??= 'lot';
      sell = lots;
      if (sell <= 0) return 0;
    }
    const next = sell === cur ? 0 : r.lotSize === 0 && sell === -q && target !== undefined ? target : cur - sell;
    this.book(i, next, P, P * (1 - r.slippage));
    return -sell;
  }

  /** Largest buy (in shares, lot-rounded) that cash pays for at fill price px, with costs. */
  private affordableShares(px: number): number {
    const r = this.rules;
    const cash = this.portfolio.cash * (1 + CASH_SLACK);
    if (cash <= 0) return 0;
    let q = cash / (px * (1 + r.commissionRate));
    if (r.commissionRate * q * px < r.minCommission) q = (cash - r.minCommission) / px;
    if (q <= 0) return 0;
    return r.lotSize > 0 ? Math.floor(q / r.lotSize + 1e-9) * r.lotSize : q;
  }

  /** Books a fill that moves asset i to `next` shares at fill price px (close P). */
  private book(i: number, next: number, P: number, px: number): void {
    const pf = this.portfolio;
    const q = next - (pf.shares[i] as number);
    if (q === 0) return;
    const r = this.rules;
    const value = Math.abs(q) * px;
    const commission = Math.max(r.commissionRate * value, r.minCommission);
    let tax = 0;
    if (q > 0) {
      pf.cash -= value + commission;
      pf.boughtValue += value;
    } else {
      tax = r.stampTaxRate * value;
      pf.cash += value - commission - tax;
      pf.soldValue += value;
    }
    pf.shares[i] = next;
    pf.commission += commission;
    pf.stampTax += tax;
    pf.slippageCost += Math.abs(q) * P * r.slippage;
    pf.fillCount++;
    if (this.recordFills) this.fillLog.push(this.barIdx, i, q, px, commission, tax);
  }

  private result(i: number, requested: number, filled: number, reason?: RejectReason): OrderResult {
    const why = reason ?? this.lastReason;
    let status: OrderStatus;
    if (filled === 0 && requested !== 0) status = 'rejected';
    else if (why !== undefined) status = 'partial';
    else status = 'filled';
    let price = Number.NaN;
    let commission = 0;
    let stampTax = 0;
    if (filled !== 0) {
      const P = this.price[this.off + i] as number;
      price = filled > 0 ? P * (1 + this.rules.slippage) : P * (1 - this.rules.slippage);
      const value = Math.abs(filled) * price;
      commission = Math.max(this.rules.commissionRate * value, this.rules.minCommission);
      stampTax = filled < 0 ? this.rules.stampTaxRate * value : 0;
    }
    const out: OrderResult = {
      status,
      symbol: this.symbols[i] as string,
      requestedShares: requested,
      filledShares: filled,
      price,
      commission,
      stampTax,
      ...(why !== undefined ? { reason: why } : {}),
    };
    return out;
  }

  private checkAsset(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.n) {
      throw new InvalidArgumentError('asset', `expected an index in [0, ${this.n}), got ${i}`);
    }
    if (this.barIdx < 0) throw new InvalidArgumentError('bar', 'no current bar: call setBar before trading');
  }

  // ------------------------------------------------------------------ batch rebalance

  rebalance(weights: TargetWeights): RebalanceResult {
    const w = new Float64Array(this.n);
    const entries: Iterable<[string, number]> =
      weights instanceof Map ? weights.entries() : Object.entries(weights as Record<string, number>);
    for (const [sym, v] of entries) {
      const i = this.indexOf.get(sym);
      if (i === undefined) throw new InvalidArgumentError(`weights.${sym}`, 'unknown symbol');
      w[i] = v;
    }
    return this.rebalanceWeights(w);
  }

  /**
   * Rebalance to target weights `w` (index-aligned, ≥ 0, Σ ≤ 1) of the post-cost value V.
   *
   * Tradable value A = cash + Σ h_i over assets that can trade toward their target (h_i =
   * shares_i × close_i). Assets without a price, and those whose trade the limit rule blocks
   * (buy at limit-up, sell at limit-down), keep their shares; their value is not in A and their
   * weight is dropped (it stays in cash), as the reference does for assets without a price.
   * V solves V + cost(V) = A by the fixed point V ← A − cost(V) (|cost′| ≤ rates < 1), where
   * cost sums each asset's commission (with minimum), stamp tax and slippage for the trade
   * x_i − h_i, x_i = w_i·V. Then target shares x_i / close_i (lot-rounded toward the current
   * position), sells first, then buys (cash-capped). With the reference rules (no minimum, no
   * slippage, fractional) this is exactly the reference's rebalance and cash ends at 0 up to
   * round-off.
   */
  rebalanceWeights(w: Float64Array): RebalanceResult {
    if (this.barIdx < 0) throw new InvalidArgumentError('bar', 'no current bar: call setBar before trading');
    if (w.length !== this.n) {
      throw new InvalidArgumentError('weights', `expected ${this.n} weights (one per symbol), got ${w.length}`);
    }
    let sumW = 0;
    for (let i = 0; i < this.n; i++) {
      const v = w[i] as number;
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new InvalidArgumentError(`weights.${this.symbols[i]}`, `expected a finite weight ≥ 0 (long only), got ${v}`);
      }
      sumW += v;
    }
    if (sumW > 1 + 1e-9) throw new InvalidArgumentError('weights', `weights must sum to ≤ 1, got ${sumW}`);

    const pf = this.portfolio;
    const shares = pf.shares;
    const h = this.held;
    const act = this.active;
    const we = this.wEff;
    const blocked: { symbol: string; reason: RejectReason }[] = [];
    // Tradable value before any limit rule, to decide the direction of each trade.
    let A0 = pf.cash;
    const off = this.off;
    for (let i = 0; i < this.n; i++) {
      const p = this.price[off + i] as number;
      h[i] = p === p ? (shares[i] as number) * p : 0;
      A0 += h[i] as number;
    }
    let A = pf.cash;
    for (let i = 0; i < this.n; i++) {
      const f = this.flags[off + i] as number;
      const wi = w[i] as number;
      let ok = (f & NO_PRICE) === 0;
      if (!ok) {
        if (wi > 0 || shares[i] !== 0) blocked.push({ symbol: this.symbols[i] as string, reason: 'no-price' });
      } else if (f & (LIMIT_UP | LIMIT_DOWN)) {
        const d = wi * A0 - (h[i] as number);
        if (f & LIMIT_UP && d > 0) {
          ok = false;
          blocked.push({ symbol: this.symbols[i] as string, reason: 'limit-up' });
        } else if (f & LIMIT_DOWN && d < 0) {
          ok = false;
          blocked.push({ symbol: this.symbols[i] as string, reason: 'limit-down' });
        }
      }
      act[i] = ok ? 1 : 0;
      we[i] = ok ? wi : 0;
      if (ok) A += h[i] as number;
    }

    const commission0 = pf.commission;
    const tax0 = pf.stampTax;
    const fills0 = pf.fillCount;
    let V = A;
    if (A > 0) {
      for (let it = 0; it < FIXED_POINT_MAX_ITER; it++) {
        const next = A - this.batchCost(V);
        if (Math.abs(next - V) <= FIXED_POINT_TOL * A) {
          V = next;
          break;
        }
        V = next;
      }
      if (V < 0) V = 0;
    } else {
      V = 0;
    }

    // Sells first (they raise the cash the buys need), then buys.
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < this.n; i++) {
        if (act[i] === 0) continue;
        const P = this.price[off + i] as number;
        const target = ((we[i] as number) * V) / P;
        const cur = shares[i] as number;
        const q = target - cur;
        if (pass === 0 ? q < 0 : q > 0) this.tradeAt(i, q, target);
      }
    }
    return {
      targetValue: V,
      tradableValue: A,
      fills: pf.fillCount - fills0,
      commission: pf.commission - commission0,
      stampTax: pf.stampTax - tax0,
      blocked,
    };
  }

  /** Σ_i cost of trading active asset i from h_i to we_i·V (mark value), all costs included. */
  private batchCost(V: number): number {
    const r = this.rules;
    const h = this.held;
    const we = this.wEff;
    const act = this.active;
    let c = 0;
    for (let i = 0; i < this.n; i++) {
      if (act[i] === 0) continue;
      const d = (we[i] as number) * V - (h[i] as number);
      if (d > 0) {
        c += r.slippage * d + Math.max(r.commissionRate * d * (1 + r.slippage), r.minCommission);
      } else if (d < 0) {
        const v = -d * (1 - r.slippage);
        c += r.slippage * -d + Math.max(r.commissionRate * v, r.minCommission) + r.stampTaxRate * v;
      }
    }
    return c;
  }
}
