/**
 * Momentum with stop-loss and take-profit (the strategy-optimizer design's example model), an
 * event-driven strategy:
 *
 * - On each rebalance day (the backtest's `rebalance` schedule, or every `rebalanceEvery` trading
 *   days of the backtest when that parameter is given) the momentum of each tradable symbol is its
 *   return over the last `lookback` trading days, close to close, ending today:
 *   m_i = P_i(t) / P_i(t − lookback) − 1 (symbols without both prices are skipped). The symbols
 *   with m_i > `threshold`, best first (ties: panel order), up to K = floor(1 / positionSize), are
 *   the selection. Held symbols outside the selection are sold; selected symbols not held are
 *   bought at `positionSize` of the portfolio value. Held symbols that stay selected are left
 *   alone (a position's size is set at entry, then drifts with its price).
 * - Every trading day, each position is checked against its entry price E (the fill price,
 *   slippage included, of the order that opened it): close ≤ E·(1 − stopLoss) sells it all
 *   (stop-loss), close ≥ E·(1 + takeProfit) sells it all (take-profit). A symbol that cannot trade
 *   that day (suspended, limit) is retried the next day. An exited symbol may be bought again at a
 *   later rebalance if it is selected again.
 *
 * Orders fill at the day's close (the engine's timing), sells before buys. The trial records
 * `stopLosses`, `takeProfits` and `entries` in metrics.extra.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { Params, Strategy, StrategyContext } from '../strategy.js';
import { checkKnownParams, numParam, rawParam } from './params.js';

export interface MomentumParams {
  /** Trading days of the momentum return. Default 20. */
  lookback: number;
  /** Minimum momentum (a return, 0.05 = 5 %) to hold a symbol. Default 0. */
  threshold: number;
  /** Portfolio fraction bought per new position, in (0, 1]. Default 0.1. */
  positionSize: number;
  /** Exit when the close falls this fraction below the entry price, in (0, 1). Default 0.1. */
  stopLoss: number;
  /** Exit when the close rises this fraction above the entry price, > stopLoss. Default 0.2. */
  takeProfit: number;
  /** Rebalance every N trading days of the backtest (day 0, N, 2N, …); null = the backtest's schedule. */
  rebalanceEvery: number | null;
}

export const MOMENTUM_PARAMS = ['lookback', 'threshold', 'positionSize', 'stopLoss', 'takeProfit', 'rebalanceEvery'] as const;

/** Validates and resolves the parameters (errors name `params.<field>`). */
export function compileMomentumParams(p: Params): MomentumParams {
  checkKnownParams(p, MOMENTUM_PARAMS, 'momentum');
  const lookback = numParam(p, 'lookback', { def: 20, integer: true, min: 1 });
  const threshold = numParam(p, 'threshold', { def: 0, gt: -1 });
  const positionSize = numParam(p, 'positionSize', { def: 0.1, gt: 0, max: 1 });
  const stopLoss = numParam(p, 'stopLoss', { def: 0.1, gt: 0, lt: 1 });
  const takeProfit = numParam(p, 'takeProfit', { def: 0.2, gt: 0 });
  if (!(takeProfit > stopLoss)) {
    throw new InvalidArgumentError('params.takeProfit', `${takeProfit}, expected takeProfit > stopLoss (${stopLoss})`);
  }
  const rebalanceEvery = rawParam(p, 'rebalanceEvery') === undefined ? null : numParam(p, 'rebalanceEvery', { integer: true, min: 1 });
  return { lookback, threshold, positionSize, stopLoss, takeProfit, rebalanceEvery };
}

/** Momentum of each symbol at panel row `row` (NaN when either price is missing). */
export function momentumScores(ctx: StrategyContext, lookback: number): Float64Array {
  const cols = ctx.panel.close;
  const row = ctx.row;
  const out = new Float64Array(cols.length).fill(Number.NaN);
  if (row - lookback < 0) return out;
  for (let i = 0; i < cols.length; i++) {
    const col = cols[i] as Float64Array;
    const now = col[row] as number;
    const then = col[row - lookback] as number;
    if (now > 0 && then > 0) out[i] = now / then - 1;
  }
  return out;
}

/** Indices of the selected symbols: momentum > threshold, best first, at most k. */
export function selectMomentum(scores: Float64Array, threshold: number, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if ((scores[i] as number) > threshold) idx.push(i);
  idx.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  return idx.slice(0, k);
}

/** A fresh momentum strategy for one trial. */
export function momentumStrategy(params: Params): Strategy {
  const o = compileMomentumParams(params);
  const maxPositions = Math.max(1, Math.floor(1 / o.positionSize + 1e-9));
  let entry = new Map<string, number>();
  let stopLosses = 0;
  let takeProfits = 0;
  let entries = 0;

  const rebalance = (ctx: StrategyContext): void => {
    const scores = momentumScores(ctx, o.lookback);
    const chosen = new Set(selectMomentum(scores, o.threshold, maxPositions).map((i) => ctx.symbols[i] as string));
    for (const [sym] of ctx.positions) {
      if (chosen.has(sym) || !ctx.canTrade(sym)) continue;
      const r = ctx.orderTargetPercent(sym, 0);
      if (ctx.position(sym) === 0 || r.filledShares !== 0) entry.delete(sym);
    }
    for (const sym of chosen) {
      if (ctx.position(sym) !== 0 || !ctx.canTrade(sym)) continue;
      const r = ctx.orderTargetPercent(sym, o.positionSize);
      if (r.filledShares > 0) {
        entry.set(sym, r.price);
        entries++;
      }
    }
  };

  const exits = (ctx: StrategyContext): void => {
    for (const [sym, e] of entry) {
      if (ctx.position(sym) === 0) {
        entry.delete(sym);
        continue;
      }
      if (!ctx.canTrade(sym)) continue;
      const px = ctx.latestPrice(sym);
      const stop = px <= e * (1 - o.stopLoss);
      const take = !stop && px >= e * (1 + o.takeProfit);
      if (!stop && !take) continue;
      const r = ctx.orderTargetPercent(sym, 0);
      if (r.filledShares !== 0 && ctx.position(sym) === 0) {
        entry.delete(sym);
        if (stop) stopLosses++;
        else takeProfits++;
      }
    }
  };

  return {
    name: 'momentum',
    onInit() {
      entry = new Map();
      stopLosses = 0;
      takeProfits = 0;
      entries = 0;
    },
    onRebalance(ctx) {
      if (o.rebalanceEvery === null) rebalance(ctx);
    },
    onBar(ctx, bar) {
      if (o.rebalanceEvery !== null && bar.index % o.rebalanceEvery === 0) rebalance(ctx);
      exits(ctx);
    },
    onEnd(ctx) {
      ctx.record('stopLosses', stopLosses);
      ctx.record('takeProfits', takeProfits);
      ctx.record('entries', entries);
    },
  };
}
