/**
 * Performance metrics of a NAV series, with the definitions of ../shared/reference/README.md
 * ("Metrics") where the reference defines them, and documented ones where it does not
 * (docs/backtest.md "Metrics"). Pure functions over typed arrays; field names are those of the
 * proto message hppo.v1.BacktestMetrics.
 */
import { DataError, InvalidArgumentError } from '../errors.js';
import type { BenchmarkSeries } from '../data/panel.js';
import { dateIndex } from '../data/panel.js';
import type { BacktestMetrics as ProtoBacktestMetrics } from '../gen/hppo/v1/backtest.js';

/** Every metric computed (the proto message gives each field explicit presence; a backtest fills all). */
export type BacktestMetrics = Required<Omit<ProtoBacktestMetrics, 'extra'>> & { extra: { [key: string]: number } };

export interface MetricsInput {
  /** NAV at the close of each period (one entry per trading day of the backtest). */
  nav: Float64Array;
  /** Value before the first close (the initial cash): NAV_{−1}. */
  initialValue: number;
  /** navReturns(nav, initialValue) when the caller has it already. */
  returns?: Float64Array;
  /** Benchmark simple returns on the same periods (see `benchmarkReturns`); omitted: alpha, beta, IR = 0. */
  benchmarkReturns?: Float64Array | undefined;
  /** Annual risk-free rate (0.02 = 2 %), converted per period geometrically. Default 0. */
  riskFreeRate?: number;
  /** Default 252. */
  periodsPerYear?: number;
  /** Commission + stamp tax paid, currency. */
  fees?: number;
  /** Value bought + value sold over the backtest, currency (turnover = this / 2 / mean NAV). */
  tradedValue?: number;
  rebalances?: number;
  fallbacks?: number;
  extra?: Record<string, number>;
}

function mean(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  return a.length > 0 ? s / a.length : 0;
}

/** Sample standard deviation (ddof = 1); 0 for fewer than 2 values. */
function sampleStd(a: Float64Array, m: number): number {
  if (a.length < 2) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - m;
    s += d * d;
  }
  return Math.sqrt(s / (a.length - 1));
}

/** a / b, or 0 when b is 0 or not finite (a flat NAV has no Sharpe). */
function ratio(a: number, b: number): number {
  return b > 0 && Number.isFinite(b) ? a / b : 0;
}

/** Daily simple returns of [initialValue, nav_0, …]: r_d = nav_d / nav_{d−1} − 1. */
export function navReturns(nav: Float64Array, initialValue: number, out = new Float64Array(nav.length)): Float64Array {
  let prev = initialValue;
  for (let i = 0; i < nav.length; i++) {
    const v = nav[i] as number;
    out[i] = v / prev - 1;
    prev = v;
  }
  return out;
}

/**
 * Benchmark returns on the given dates, each against the index's OWN previous date:
 * b_d = B_d / B_prev − 1 (reference README "Valuation and returns"). Throws DataError naming the
 * first date the index lacks (or has no earlier date for).
 */
export function benchmarkReturns(bench: BenchmarkSeries, dates: readonly string[]): Float64Array {
  const out = new Float64Array(dates.length);
  let j = -1;
  for (let k = 0; k < dates.length; k++) {
    const d = dates[k] as string;
    // Dates ascend: try the next index entry before a binary search.
    if (j + 1 < bench.dates.length && bench.dates[j + 1] === d) j = j + 1;
    else j = dateIndex(bench.dates, d);
    if (j < 0) throw new DataError(`benchmark ${bench.name} has no close on ${d}`, { source: bench.name });
    if (j === 0) throw new DataError(`benchmark ${bench.name} has no date before ${d} to compute its return`, { source: bench.name });
    const b = (bench.close[j] as number) / (bench.close[j - 1] as number) - 1;
    if (!Number.isFinite(b)) throw new DataError(`benchmark ${bench.name} has no valid return on ${d}`, { source: bench.name });
    out[k] = b;
  }
  return out;
}

export interface Drawdown {
  /** min over the curve of value / running max − 1 (≤ 0). */
  maxDrawdown: number;
  /**
   * Periods from the peak before the deepest trough until the curve is back at that peak (or
   * until the last period when it never is).
   */
  maxDrawdownDays: number;
}

/** Max drawdown of the curve [initialValue, nav_0 … nav_last] (reference definition) and its duration. */
export function drawdown(nav: Float64Array, initialValue: number): Drawdown {
  let peak = initialValue;
  let peakAt = 0;
  let worst = 0;
  let worstPeak = initialValue;
  let worstPeakAt = 0;
  let worstAt = 0;
  for (let k = 0; k < nav.length; k++) {
    const v = nav[k] as number;
    if (v > peak) {
      peak = v;
      peakAt = k + 1;
    }
    const dd = v / peak - 1;
    if (dd < worst) {
      worst = dd;
      worstPeak = peak;
      worstPeakAt = peakAt;
      worstAt = k + 1;
    }
  }
  if (worst === 0) return { maxDrawdown: 0, maxDrawdownDays: 0 };
  let end = nav.length; // curve index of the last value
  for (let j = worstAt + 1; j <= nav.length; j++) {
    if ((nav[j - 1] as number) >= worstPeak) {
      end = j;
      break;
    }
  }
  return { maxDrawdown: worst, maxDrawdownDays: end - worstPeakAt };
}

/** All metrics of one backtest (definitions in docs/backtest.md "Metrics"). */
export function computeMetrics(input: MetricsInput): BacktestMetrics {
  const { nav, initialValue } = input;
  const ppy = input.periodsPerYear ?? 252;
  const rfAnnual = input.riskFreeRate ?? 0;
  if (!(initialValue > 0)) throw new InvalidArgumentError('initialValue', `expected > 0, got ${initialValue}`);
  if (!(ppy > 0)) throw new InvalidArgumentError('periodsPerYear', `expected > 0, got ${ppy}`);
  if (!Number.isFinite(rfAnnual) || rfAnnual <= -1) {
    throw new InvalidArgumentError('riskFreeRate', `expected an annual rate > −1, got ${rfAnnual}`);
  }
  const T = nav.length;
  const bench = input.benchmarkReturns;
  if (bench !== undefined && bench.length !== T) {
    throw new InvalidArgumentError('benchmarkReturns', `expected ${T} returns (one per NAV), got ${bench.length}`);
  }
  const r = input.returns ?? navReturns(nav, initialValue);
  if (r.length !== T) throw new InvalidArgumentError('returns', `expected ${T} returns (one per NAV), got ${r.length}`);
  const rfp = Math.pow(1 + rfAnnual, 1 / ppy) - 1; // per-period rate compounding to rfAnnual
  const excess = new Float64Array(T);
  for (let i = 0; i < T; i++) excess[i] = (r[i] as number) - rfp;
  const mEx = mean(excess);
  const sdR = sampleStd(r, mean(r));
  const sdEx = sampleStd(excess, mEx);

  let down = 0;
  let wins = 0;
  let nonzero = 0;
  for (let i = 0; i < T; i++) {
    const e = excess[i] as number;
    if (e < 0) down += e * e;
    const x = r[i] as number;
    if (x !== 0) {
      nonzero++;
      if (x > 0) wins++;
    }
  }
  const downside = T > 0 ? Math.sqrt(down / T) : 0;

  const finalNav = T > 0 ? (nav[T - 1] as number) : initialValue;
  const totalReturn = finalNav / initialValue - 1;
  const annualReturn = T > 0 ? Math.pow(1 + totalReturn, ppy / T) - 1 : 0;
  const dd = drawdown(nav, initialValue);

  let alpha = 0;
  let beta = 0;
  let informationRatio = 0;
  if (bench !== undefined && T >= 2) {
    const mb = mean(bench);
    const mr = mean(r);
    let cov = 0;
    let varB = 0;
    const active = new Float64Array(T);
    for (let i = 0; i < T; i++) {
      const db = (bench[i] as number) - mb;
      cov += ((r[i] as number) - mr) * db;
      varB += db * db;
      active[i] = (r[i] as number) - (bench[i] as number);
    }
    beta = varB > 0 ? cov / varB : 0;
    // OLS intercept of (r − rf) on (b − rf), × periods per year (arithmetic, as the reference).
    alpha = ppy * (mr - rfp - beta * (mb - rfp));
    const ma = mean(active);
    informationRatio = Math.sqrt(ppy) * ratio(ma, sampleStd(active, ma));
  }

  let navSum = 0;
  for (let i = 0; i < T; i++) navSum += nav[i] as number;
  const meanNav = T > 0 ? navSum / T : initialValue;

  return {
    totalReturn,
    annualReturn,
    annualVolatility: sdR * Math.sqrt(ppy),
    sharpe: Math.sqrt(ppy) * ratio(mEx, sdEx),
    sortino: Math.sqrt(ppy) * ratio(mEx, downside),
    maxDrawdown: dd.maxDrawdown,
    maxDrawdownDays: dd.maxDrawdownDays,
    calmar: dd.maxDrawdown < 0 ? annualReturn / -dd.maxDrawdown : 0,
    alpha,
    beta,
    informationRatio,
    winRate: nonzero > 0 ? wins / nonzero : 0,
    turnover: meanNav > 0 ? (input.tradedValue ?? 0) / 2 / meanNav : 0,
    fees: input.fees ?? 0,
    rebalances: input.rebalances ?? 0,
    fallbacks: input.fallbacks ?? 0,
    finalNav,
    extra: { ...(input.extra ?? {}) },
  };
}
