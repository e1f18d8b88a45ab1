/**
 * The execution interface: what a strategy (through the engine) asks of a venue. The simulated
 * exchange implements it for backtests; a live executor (broker gateway) implements the same
 * interface later, so a model moves from backtest to live unchanged.
 *
 * Submission is synchronous and returns an `OrderResult` at once: the simulated exchange fills at
 * the current bar's close and says so ('filled' / 'partial' / 'rejected'); a live executor answers
 * 'pending' and its fills arrive later through `fills()`. Positions, cash and prices are the
 * venue's latest known state (for a live executor: as of its last broker sync).
 */

export const OrderSide = { Buy: 'buy', Sell: 'sell' } as const;
export type OrderSide = (typeof OrderSide)[keyof typeof OrderSide];

/** An order for one symbol, keyed on `type`. */
export type Order =
  /** Buy (shares > 0) or sell (shares < 0) this many shares. */
  | { readonly type: 'shares'; readonly symbol: string; readonly shares: number }
  /** Trade so the position is worth `value` (currency, at the latest price). */
  | { readonly type: 'targetValue'; readonly symbol: string; readonly value: number }
  /** Trade so the position is `percent` (0.1 = 10 %) of the portfolio value. */
  | { readonly type: 'targetPercent'; readonly symbol: string; readonly percent: number };

export const OrderStatus = {
  /** Filled completely. */
  Filled: 'filled',
  /** Filled in part (lot rounding, cash, or position limits cut it; see `reason`). */
  Partial: 'partial',
  /** Nothing filled (see `reason`). A zero-size order is 'filled' with 0 shares. */
  Rejected: 'rejected',
  /** Accepted, fills will come later (live executors only). */
  Pending: 'pending',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

export const RejectReason = {
  /** No price on this bar (suspended, not listed yet, delisted). */
  NoPrice: 'no-price',
  /** Buy at limit-up. */
  LimitUp: 'limit-up',
  /** Sell at limit-down. */
  LimitDown: 'limit-down',
  /** Not enough cash for the whole buy (with costs). */
  Cash: 'cash',
  /** Sell larger than the position (the simulated exchange does not sell short). */
  Position: 'position',
  /** Size below one lot after rounding down. */
  Lot: 'lot',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export interface OrderResult {
  readonly status: OrderStatus;
  readonly symbol: string;
  /** Shares asked for (signed; + buy, − sell), after converting value/percent targets to shares. */
  readonly requestedShares: number;
  /** Shares filled (signed). */
  readonly filledShares: number;
  /** Fill price (including slippage); NaN when nothing filled. */
  readonly price: number;
  readonly commission: number;
  readonly stampTax: number;
  readonly reason?: RejectReason;
}

/** One fill (a trade that happened). `value` = |shares| × price. */
export interface Fill {
  readonly date: string;
  readonly symbol: string;
  readonly side: OrderSide;
  /** Positive number of shares. */
  readonly shares: number;
  /** Execution price including slippage. */
  readonly price: number;
  readonly value: number;
  readonly commission: number;
  readonly stampTax: number;
}

/** Result of a batch rebalance to target weights. */
export interface RebalanceResult {
  /** Post-cost value V the weights were applied to (V + cost(V) = tradable value A). */
  readonly targetValue: number;
  /** Tradable value before the trades: cash + positions that could trade. */
  readonly tradableValue: number;
  /** Fills made (count), fees of this rebalance. */
  readonly fills: number;
  readonly commission: number;
  readonly stampTax: number;
  /** Symbols that could not trade toward their target (no price, limit-up/down). */
  readonly blocked: readonly { readonly symbol: string; readonly reason: RejectReason }[];
}

/** Target weights by symbol; symbols not listed target 0 (sold). Weights ≥ 0, sum ≤ 1. */
export type TargetWeights = Readonly<Record<string, number>> | ReadonlyMap<string, number>;

/** The interface the simulated exchange and a live executor both implement. */
export interface ExecutionVenue {
  /** Symbols this venue can trade. */
  readonly symbols: readonly string[];
  /** Latest price of a symbol: the last available close (NaN before its first price). */
  latestPrice(symbol: string): number;
  /** Whether the symbol can trade now (has a price on the current bar). */
  canTrade(symbol: string): boolean;
  cash(): number;
  /** Shares held (0 when none). */
  position(symbol: string): number;
  /** All non-zero positions, shares by symbol. */
  positions(): ReadonlyMap<string, number>;
  /** cash + Σ shares × latest price. */
  portfolioValue(): number;
  submit(order: Order): OrderResult;
  /**
   * Rebalance the whole portfolio to target weights of the post-cost value (see
   * docs/backtest.md "Batch rebalance"); symbols not listed go to 0.
   */
  rebalance(weights: TargetWeights): RebalanceResult;
  /** Fills since index `from` (default 0) in the order they happened. */
  fills(from?: number): Fill[];
}
