/**
 * Lockstep backtests of many trials (parameter sets) of one target-weight model: at each
 * rebalance day the model is called ONCE for all trials (so it can build the data window once
 * and solve every candidate's problem in one batch, issue 7), then each trial's exchange
 * rebalances to its weights. Between rebalances the trials only mark to market.
 *
 * The same rules, accounting and metrics as `runBacktestSync`: a trial of the batch gives the
 * same result as running it alone with a strategy whose onRebalance calls
 * `ctx.orderTargetPercents` with the same weights (tested bit for bit).
 */
import type { PricePanel } from '../data/panel.js';
import { CancelledError, InvalidArgumentError } from '../errors.js';
import { TapeFlag } from '../execution/market-tape.js';
import { SimulatedExchange } from '../execution/simulated-exchange.js';
import { computeMetrics, navReturns, type BacktestMetrics } from './metrics.js';
import type { CompiledBacktest } from './engine.js';
import type { Params } from './strategy.js';

export interface BatchRebalanceContext {
  readonly date: string;
  /** Day index within the backtest and panel row (history is rows < row). */
  readonly dayIndex: number;
  readonly row: number;
  readonly panel: PricePanel;
  readonly symbols: readonly string[];
  /** Each trial's parameters (index = trial). */
  readonly params: readonly Params[];
  /**
   * Output: target weights per trial, index-aligned with `symbols`, zeroed before the call
   * (≥ 0, Σ ≤ 1; an asset without a price today cannot trade and keeps its shares).
   */
  readonly weights: readonly Float64Array[];
  /** Output: set skip[j] = 1 to leave trial j's portfolio unchanged today. Zeroed before the call. */
  readonly skip: Uint8Array;
  /** Whether asset i has a price today. */
  canTradeAt(i: number): boolean;
  /** Count a fallback for trial j. */
  countFallback(trial: number, n?: number): void;
  /** Trial j's exchange (read its positions / cash; do not trade on it here). */
  exchange(trial: number): SimulatedExchange;
}

export interface BatchStrategy {
  readonly name?: string;
  onRebalance(ctx: BatchRebalanceContext): void;
}

export interface BatchTrialResult {
  readonly nav: Float64Array;
  readonly metrics: BacktestMetrics;
}

export interface BatchRunOptions {
  signal?: AbortSignal;
  /** Keep each trial's NAV series in the result (default true). */
  keepNav?: boolean;
}

export function runBacktestBatch(
  compiled: CompiledBacktest,
  params: readonly Params[],
  strategy: BatchStrategy,
  options: BatchRunOptions = {},
): BatchTrialResult[] {
  if (typeof strategy?.onRebalance !== 'function') {
    throw new InvalidArgumentError('strategy', 'a batch strategy needs an onRebalance(ctx) function');
  }
  const c = compiled;
  const J = params.length;
  const n = c.panel.tickers.length;
  const T = c.endRow - c.startRow;
  const ex = params.map(
    () => new SimulatedExchange(c.panel, { rules: c.rules, initialCash: c.initialCash, recordFills: false, tape: c.tape }),
  );
  const navs = params.map(() => new Float64Array(T));
  const weights = params.map(() => new Float64Array(n));
  const skip = new Uint8Array(J);
  const fallbacks = new Int32Array(J);
  const frozen = params.map((p) => Object.freeze({ ...p }));
  let row = -1;
  let k = -1;
  const flags = c.tape.flags;
  const ctx: BatchRebalanceContext = {
    get date() {
      return c.panel.dates[row] as string;
    },
    get dayIndex() {
      return k;
    },
    get row() {
      return row;
    },
    panel: c.panel,
    symbols: c.panel.tickers,
    params: frozen,
    weights,
    skip,
    canTradeAt: (i) => ((flags[k * n + i] as number) & TapeFlag.NoPrice) === 0,
    countFallback: (j, m = 1) => {
      if (!Number.isInteger(j) || j < 0 || j >= J) throw new InvalidArgumentError('countFallback.trial', `expected 0 ≤ trial < ${J}, got ${j}`);
      fallbacks[j] = (fallbacks[j] as number) + m;
    },
    exchange: (j) => {
      const e = ex[j];
      if (e === undefined) throw new InvalidArgumentError('exchange.trial', `expected 0 ≤ trial < ${J}, got ${j}`);
      return e;
    },
  };
  let rebalances = 0;
  const marks = c.tape.marks;
  for (k = 0; k < T; k++) {
    if (options.signal?.aborted) throw new CancelledError('backtest batch cancelled', { cause: options.signal.reason });
    row = c.startRow + k;
    for (let j = 0; j < J; j++) (ex[j] as SimulatedExchange).setBar(row);
    if (c.rebalanceDays[k] === 1) {
      rebalances++;
      for (let j = 0; j < J; j++) (weights[j] as Float64Array).fill(0);
      skip.fill(0);
      strategy.onRebalance(ctx);
      for (let j = 0; j < J; j++) if (skip[j] === 0) (ex[j] as SimulatedExchange).rebalanceWeights(weights[j] as Float64Array);
    }
    for (let j = 0; j < J; j++) (navs[j] as Float64Array)[k] = (ex[j] as SimulatedExchange).portfolio.nav(marks, k * n);
  }
  return params.map((_, j) => {
    const nav = navs[j] as Float64Array;
    const pf = (ex[j] as SimulatedExchange).portfolio;
    const metrics = computeMetrics({
      nav,
      returns: navReturns(nav, c.initialCash),
      initialValue: c.initialCash,
      benchmarkReturns: c.benchmarkReturns,
      riskFreeRate: c.riskFreeRate,
      periodsPerYear: c.periodsPerYear,
      fees: pf.fees,
      tradedValue: pf.boughtValue + pf.soldValue,
      rebalances,
      fallbacks: fallbacks[j] as number,
    });
    return { nav: options.keepNav === false ? new Float64Array(0) : nav, metrics };
  });
}
