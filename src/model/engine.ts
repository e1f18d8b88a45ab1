/**
 * The event-driven backtest engine: for each trading day between start and end,
 * bar → strategy → orders → simulated exchange → fills → portfolio, then the day's NAV.
 * History before `start` stays in the panel and is visible to the strategy (historyBars).
 *
 * Options are compiled once (`compileBacktestOptions`: calendar slice, rebalance days,
 * exchange rules, benchmark returns) and a compiled backtest runs any number of trials
 * (`runBacktestSync` / `runBacktest` with per-trial params). Per bar the loop touches only typed
 * arrays; a sweep that needs no trade list passes `recordFills: false`.
 */
import { lowerBound, type BenchmarkSeries, type PricePanel } from '../data/panel.js';
import { CancelledError, ErrorCode, HppoError, InvalidArgumentError } from '../errors.js';
import { compileExchangeOptions, type ExchangeOptions, type ExchangePresetName, type ExchangeRules } from '../execution/options.js';
import { MarketTape } from '../execution/market-tape.js';
import { SimulatedExchange } from '../execution/simulated-exchange.js';
import type { Fill } from '../execution/types.js';
import { benchmarkReturns, computeMetrics, navReturns, type BacktestMetrics } from './metrics.js';
import { compileSchedule, rebalanceMask, type RebalanceScheduleLike } from './schedule.js';
import { EngineContext, type Params, type Strategy, type StrategyFactory } from './strategy.js';

export interface BacktestOptions {
  panel: PricePanel;
  /** First trading day (inclusive, YYYY-MM-DD); default the panel's first date. */
  start?: string;
  /** Last trading day (inclusive); default the panel's last date. */
  end?: string;
  /** Default 1 000 000. */
  initialCash?: number;
  /** Exchange rules or a preset name; default 'reference'. */
  exchange?: ExchangeOptions | ExchangePresetName;
  /** Default every 20 trading days from the first day. */
  rebalance?: RebalanceScheduleLike;
  /** Benchmark index on its own calendar; needed for alpha, beta, information ratio. */
  benchmark?: BenchmarkSeries;
  /** Annual risk-free rate for Sharpe, Sortino and alpha; default 0. */
  riskFreeRate?: number;
  /** Default 252. */
  periodsPerYear?: number;
  /** Record every fill (default true). */
  recordFills?: boolean;
}

/** Resolved options shared by every trial of a sweep (read-only). */
export interface CompiledBacktest {
  readonly panel: PricePanel;
  readonly startRow: number;
  /** Exclusive. */
  readonly endRow: number;
  readonly dates: readonly string[];
  readonly rebalanceDays: Uint8Array;
  readonly rules: ExchangeRules;
  /** Closes, marks and trade flags of the backtest's rows, shared by every trial. */
  readonly tape: MarketTape;
  readonly initialCash: number;
  readonly benchmarkReturns: Float64Array | undefined;
  readonly riskFreeRate: number;
  readonly periodsPerYear: number;
  readonly recordFills: boolean;
}

export interface BacktestResult {
  /** The backtest's trading days. */
  readonly dates: readonly string[];
  /** NAV at each day's close, after that day's trades. */
  readonly nav: Float64Array;
  /** Daily returns (day 0 against the initial cash). */
  readonly returns: Float64Array;
  readonly benchmarkReturns: Float64Array | undefined;
  /** Fills in order (empty when recordFills is false). */
  readonly fills: Fill[];
  readonly commission: number;
  readonly stampTax: number;
  readonly slippageCost: number;
  readonly finalCash: number;
  /** Shares held at the end, by symbol (non-zero only). */
  readonly positions: ReadonlyMap<string, number>;
  readonly metrics: BacktestMetrics;
}

export interface RunOptions {
  params?: Params;
  signal?: AbortSignal;
}

const isDate = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s);

export function compileBacktestOptions(o: BacktestOptions): CompiledBacktest {
  const panel = o.panel;
  if (panel === undefined || !Array.isArray(panel.dates) || !Array.isArray(panel.close)) {
    throw new InvalidArgumentError('panel', 'expected a PricePanel { dates, tickers, close }');
  }
  if (panel.close.length !== panel.tickers.length) {
    throw new InvalidArgumentError('panel.close', `expected ${panel.tickers.length} columns (one per ticker), got ${panel.close.length}`);
  }
  for (let i = 0; i < panel.close.length; i++) {
    if ((panel.close[i] as Float64Array).length !== panel.dates.length) {
      throw new InvalidArgumentError(`panel.close[${panel.tickers[i]}]`, `expected ${panel.dates.length} values, got ${(panel.close[i] as Float64Array).length}`);
    }
  }
  for (const [field, v] of [['start', o.start], ['end', o.end]] as const) {
    if (v !== undefined && !isDate(v)) throw new InvalidArgumentError(field, `expected YYYY-MM-DD, got ${JSON.stringify(v)}`);
  }
  const startRow = o.start === undefined ? 0 : lowerBound(panel.dates, o.start);
  const endRow = o.end === undefined ? panel.dates.length : lowerBound(panel.dates, o.end + '\uffff');
  if (endRow <= startRow) {
    throw new InvalidArgumentError('start', `no trading days in ${o.start ?? panel.dates[0]}..${o.end ?? panel.dates[panel.dates.length - 1]}`);
  }
  const initialCash = o.initialCash ?? 1_000_000;
  if (!Number.isFinite(initialCash) || initialCash <= 0) {
    throw new InvalidArgumentError('initialCash', `expected a finite amount > 0, got ${initialCash}`);
  }
  const periodsPerYear = o.periodsPerYear ?? 252;
  if (!Number.isFinite(periodsPerYear) || periodsPerYear <= 0) {
    throw new InvalidArgumentError('periodsPerYear', `expected > 0, got ${periodsPerYear}`);
  }
  const riskFreeRate = o.riskFreeRate ?? 0;
  if (!Number.isFinite(riskFreeRate) || riskFreeRate <= -1) {
    throw new InvalidArgumentError('riskFreeRate', `expected an annual rate > −1, got ${riskFreeRate}`);
  }
  const dates = panel.dates.slice(startRow, endRow);
  const rules = compileExchangeOptions(o.exchange);
  return {
    panel,
    startRow,
    endRow,
    dates,
    rebalanceDays: rebalanceMask(compileSchedule(o.rebalance), dates),
    rules,
    tape: new MarketTape(panel, rules.priceLimit, rules.priceLimitTolerance, startRow, endRow),
    initialCash,
    benchmarkReturns: o.benchmark ? benchmarkReturns(o.benchmark, dates) : undefined,
    riskFreeRate,
    periodsPerYear,
    recordFills: o.recordFills ?? true,
  };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function strategyError(strategy: Strategy, hook: string, date: string, err: unknown): Error {
  if (err instanceof HppoError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new HppoError(ErrorCode.Internal, `strategy ${strategy.name ?? '(unnamed)'}: ${hook} failed on ${date || 'init'}: ${msg}`, { cause: err });
}

/**
 * The loop, written once as a generator that yields only when a strategy hook returns a promise:
 * the sync driver refuses those, the async driver awaits them. Sync strategies never yield, so
 * the generator costs nothing per bar.
 */
function* loop(
  c: CompiledBacktest,
  strategy: Strategy,
  params: Params,
  signal: AbortSignal | undefined,
  out: { result?: BacktestResult },
): Generator<PromiseLike<unknown>, void, void> {
  const ex = new SimulatedExchange(c.panel, { rules: c.rules, initialCash: c.initialCash, recordFills: c.recordFills, tape: c.tape });
  const ctx = new EngineContext(ex, c.panel, params);
  const bar = ctx.bar;
  const T = c.endRow - c.startRow;
  const nav = new Float64Array(T);
  const pf = ex.portfolio;
  const marks = c.tape.marks;
  const n = c.panel.tickers.length;
  const call = (hook: 'onInit' | 'onRebalance' | 'onBar' | 'onEnd'): unknown => {
    let r: unknown;
    try {
      r = hook === 'onBar' ? strategy.onBar?.(ctx, bar) : strategy[hook]?.(ctx);
    } catch (err) {
      throw strategyError(strategy, hook, ctx.date, err);
    }
    if (!isThenable(r)) return r;
    const date = ctx.date;
    return Promise.resolve(r).catch((err: unknown) => {
      throw strategyError(strategy, hook, date, err);
    });
  };
  let r = call('onInit');
  if (isThenable(r)) yield r;
  let rebalances = 0;
  const hasBar = typeof strategy.onBar === 'function';
  const hasReb = typeof strategy.onRebalance === 'function';
  for (let k = 0; k < T; k++) {
    if (signal?.aborted) throw new CancelledError('backtest cancelled', { cause: signal.reason });
    ex.setBar(c.startRow + k);
    ctx.dayIndex = k;
    bar.index = k;
    const reb = c.rebalanceDays[k] === 1;
    bar.isRebalance = reb;
    if (reb) {
      rebalances++;
      if (hasReb) {
        r = call('onRebalance');
        if (isThenable(r)) yield r;
      }
    }
    if (hasBar) {
      r = call('onBar');
      if (isThenable(r)) yield r;
    }
    nav[k] = pf.nav(marks, k * n);
  }
  r = call('onEnd');
  if (isThenable(r)) yield r;
  const returns = navReturns(nav, c.initialCash);
  const metrics = computeMetrics({
    nav,
    returns,
    initialValue: c.initialCash,
    benchmarkReturns: c.benchmarkReturns,
    riskFreeRate: c.riskFreeRate,
    periodsPerYear: c.periodsPerYear,
    fees: pf.fees,
    tradedValue: pf.boughtValue + pf.soldValue,
    rebalances,
    fallbacks: ctx.fallbacks,
    extra: ctx.extra,
  });
  out.result = {
    dates: c.dates,
    nav,
    returns,
    benchmarkReturns: c.benchmarkReturns,
    fills: ex.fills(),
    commission: pf.commission,
    stampTax: pf.stampTax,
    slippageCost: pf.slippageCost,
    finalCash: pf.cash,
    positions: ex.positions(),
    metrics,
  };
}

function resolve(
  strategy: Strategy | StrategyFactory,
  options: BacktestOptions | CompiledBacktest,
  run: RunOptions | undefined,
): { c: CompiledBacktest; s: Strategy; params: Params } {
  const c = 'rebalanceDays' in options ? options : compileBacktestOptions(options);
  const params: Params = Object.freeze({ ...(run?.params ?? {}) });
  const s = typeof strategy === 'function' ? strategy(params) : strategy;
  if (typeof s !== 'object' || s === null) {
    throw new InvalidArgumentError('strategy', `the strategy factory returned ${s === null ? 'null' : typeof s}, expected a strategy object`);
  }
  if (typeof s.onBar !== 'function' && typeof s.onRebalance !== 'function') {
    throw new InvalidArgumentError('strategy', 'a strategy needs an onBar or onRebalance function');
  }
  return { c, s, params };
}

/** Runs one backtest synchronously; throws InvalidArgumentError if a hook returns a promise. */
export function runBacktestSync(
  strategy: Strategy | StrategyFactory,
  options: BacktestOptions | CompiledBacktest,
  run?: RunOptions,
): BacktestResult {
  const { c, s, params } = resolve(strategy, options, run);
  const out: { result?: BacktestResult } = {};
  const it = loop(c, s, params, run?.signal, out);
  if (!it.next().done) {
    it.return();
    throw new InvalidArgumentError('strategy', `strategy ${s.name ?? '(unnamed)'} has async hooks: use runBacktest (async)`);
  }
  return out.result as BacktestResult;
}

/** Runs one backtest; hooks may be async (awaited in order). */
export async function runBacktest(
  strategy: Strategy | StrategyFactory,
  options: BacktestOptions | CompiledBacktest,
  run?: RunOptions,
): Promise<BacktestResult> {
  const { c, s, params } = resolve(strategy, options, run);
  const out: { result?: BacktestResult } = {};
  const it = loop(c, s, params, run?.signal, out);
  for (let n = it.next(); !n.done; n = it.next()) {
    try {
      await n.value;
    } catch (err) {
      it.return();
      throw err;
    }
  }
  return out.result as BacktestResult;
}
