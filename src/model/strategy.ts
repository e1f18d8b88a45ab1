/**
 * The strategy API: what a user-written model (or a built-in one) implements, and the context
 * the engine hands it on each bar. A strategy file's default export is a `Strategy` object or a
 * `StrategyFactory` (see strategy-loader.ts and docs/backtest.md "Strategy API").
 *
 * Timing: on each trading day the engine moves the exchange to that day's close, then calls
 * `onRebalance(ctx)` (rebalance days only) and `onBar(ctx, bar)`; orders fill at that close; the
 * NAV of the day is taken after them. `historyBars` returns the n bars BEFORE the current one
 * unless `{ includeCurrent: true }` (the reference's window ends the day before the rebalance).
 */
import type { PricePanel } from '../data/panel.js';
import { InvalidArgumentError } from '../errors.js';
import type { SimulatedExchange } from '../execution/simulated-exchange.js';
import type { OrderResult, RebalanceResult, TargetWeights } from '../execution/types.js';

export type ParamValue = number | string | boolean;
export type Params = Readonly<Record<string, ParamValue>>;

export type HistoryField = 'close' | 'open' | 'high' | 'low' | 'volume';

export interface HistoryOptions {
  /** Include the current bar as the last row (default false: the n bars before it). */
  includeCurrent?: boolean;
}

/** The current bar. The engine reuses one object: read it inside the callback, do not keep it. */
export interface Bar {
  /** Day index within the backtest (0 = first day). */
  readonly index: number;
  /** Row in the panel (history before the start has smaller rows). */
  readonly row: number;
  readonly date: string;
  readonly isRebalance: boolean;
  /** Close of a symbol on this bar; NaN when it has no price (cannot trade). */
  close(symbol: string): number;
}

export interface StrategyContext {
  /** Current trading date (YYYY-MM-DD). */
  readonly date: string;
  /** Day index within the backtest. */
  readonly dayIndex: number;
  /** Panel row of the current bar; with `panel`, for models that read history without copies. */
  readonly row: number;
  readonly panel: PricePanel;
  readonly symbols: readonly string[];
  /** Parameters of this trial (injected per trial by the sweep). */
  readonly params: Params;
  /** cash + Σ shares × last available close. */
  readonly portfolioValue: number;
  readonly cash: number;
  /** Non-zero positions: shares by symbol (a new map each read). */
  readonly positions: ReadonlyMap<string, number>;
  position(symbol: string): number;
  /** Last available close (the current one when the symbol trades today); NaN before listing. */
  latestPrice(symbol: string): number;
  /** Whether the symbol has a price today (suspended / unlisted ones cannot trade). */
  canTrade(symbol: string): boolean;
  /**
   * The last n values of `field` (default 'close') for each symbol (null = all symbols), oldest
   * first, ending the bar before the current one (or with it, `includeCurrent`). Rows before the
   * first date of the panel, and days without a price, are NaN.
   */
  historyBars(symbols: readonly string[] | null, n: number, field?: HistoryField, options?: HistoryOptions): Float64Array[];
  orderShares(symbol: string, shares: number): OrderResult;
  orderTargetValue(symbol: string, value: number): OrderResult;
  orderTargetPercent(symbol: string, percent: number): OrderResult;
  /**
   * Rebalance the whole portfolio to target weights of the post-cost value (symbols not named go
   * to 0). A Float64Array is index-aligned with `symbols`.
   */
  orderTargetPercents(weights: TargetWeights | Float64Array): RebalanceResult;
  /** Count a model fallback (e.g. target return unreachable) in the trial's `fallbacks`. */
  countFallback(n?: number): void;
  /** Record a custom number in the trial's `metrics.extra` (last value wins). */
  record(name: string, value: number): void;
}

export interface Strategy {
  readonly name?: string;
  onInit?(ctx: StrategyContext): void | Promise<void>;
  onRebalance?(ctx: StrategyContext): void | Promise<void>;
  onBar?(ctx: StrategyContext, bar: Bar): void | Promise<void>;
  onEnd?(ctx: StrategyContext): void | Promise<void>;
}

/** Builds a fresh strategy for one trial from its parameters. */
export type StrategyFactory = (params: Params) => Strategy;

/** The engine's implementation of the context (one per backtest, mutated as bars advance). */
export class EngineContext implements StrategyContext {
  dayIndex = -1;
  fallbacks = 0;
  readonly extra: Record<string, number> = {};
  readonly bar: EngineBar;

  constructor(
    readonly exchange: SimulatedExchange,
    readonly panel: PricePanel,
    readonly params: Params,
  ) {
    this.bar = new EngineBar(exchange);
  }

  get date(): string {
    return this.exchange.date;
  }
  get row(): number {
    return this.exchange.bar;
  }
  get symbols(): readonly string[] {
    return this.exchange.symbols;
  }
  get portfolioValue(): number {
    return this.exchange.portfolioValue();
  }
  get cash(): number {
    return this.exchange.cash();
  }
  get positions(): ReadonlyMap<string, number> {
    return this.exchange.positions();
  }
  position(symbol: string): number {
    return this.exchange.position(symbol);
  }
  latestPrice(symbol: string): number {
    return this.exchange.latestPrice(symbol);
  }
  canTrade(symbol: string): boolean {
    return this.exchange.canTrade(symbol);
  }

  historyBars(symbols: readonly string[] | null, n: number, field: HistoryField = 'close', options?: HistoryOptions): Float64Array[] {
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('historyBars.n', `expected an integer ≥ 1, got ${n}`);
    const cols = this.panel[field];
    if (cols === undefined) throw new InvalidArgumentError('historyBars.field', `the panel has no ${field} prices`);
    const row = this.exchange.bar;
    if (row < 0) throw new InvalidArgumentError('historyBars', 'no current bar (called from onInit?)');
    const end = options?.includeCurrent ? row + 1 : row; // exclusive
    const start = end - n;
    const idx = symbols === null ? null : symbols.map((s) => this.exchange.assetIndex(s));
    const count = idx === null ? cols.length : idx.length;
    const out: Float64Array[] = new Array(count);
    const lo = start < 0 ? 0 : start;
    // One backing buffer for all columns: a view per symbol is much cheaper than an array each.
    const buf = new Float64Array(count * n);
    for (let j = 0; j < count; j++) {
      const col = cols[idx === null ? j : (idx[j] as number)] as Float64Array;
      let k = j * n;
      for (let r = start; r < lo; r++) buf[k++] = Number.NaN;
      for (let r = lo; r < end; r++) buf[k++] = col[r] as number;
      out[j] = buf.subarray(j * n, (j + 1) * n);
    }
    return out;
  }

  orderShares(symbol: string, shares: number): OrderResult {
    return this.exchange.orderSharesAt(this.exchange.assetIndex(symbol), shares);
  }
  orderTargetValue(symbol: string, value: number): OrderResult {
    return this.exchange.orderTargetValueAt(this.exchange.assetIndex(symbol), value);
  }
  orderTargetPercent(symbol: string, percent: number): OrderResult {
    return this.exchange.orderTargetPercentAt(this.exchange.assetIndex(symbol), percent);
  }
  orderTargetPercents(weights: TargetWeights | Float64Array): RebalanceResult {
    return weights instanceof Float64Array ? this.exchange.rebalanceWeights(weights) : this.exchange.rebalance(weights);
  }
  countFallback(n = 1): void {
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('countFallback.n', `expected an integer ≥ 0, got ${n}`);
    this.fallbacks += n;
  }
  record(name: string, value: number): void {
    if (typeof name !== 'string' || name === '') throw new InvalidArgumentError('record.name', 'expected a non-empty string');
    if (!Number.isFinite(value)) throw new InvalidArgumentError(`record.${name}`, `expected a finite number, got ${value}`);
    this.extra[name] = value;
  }
}

export class EngineBar implements Bar {
  index = -1;
  isRebalance = false;
  constructor(private readonly exchange: SimulatedExchange) {}
  get row(): number {
    return this.exchange.bar;
  }
  get date(): string {
    return this.exchange.date;
  }
  close(symbol: string): number {
    return this.exchange.priceAt(this.exchange.assetIndex(symbol));
  }
}
