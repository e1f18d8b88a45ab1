/**
 * Rebalance schedules over a backtest's trading days. `everyNDays` counts trading days from the
 * first day of the backtest (indices 0, n, 2n, … as the reference: 0, 20, 40, … 240);
 * `weekly` / `monthly` rebalance on the first trading day of each ISO week / calendar month
 * (the first day of the backtest always counts as one).
 */
import { InvalidArgumentError } from '../errors.js';

export type RebalanceSchedule =
  | { readonly type: 'everyNDays'; readonly n: number; readonly offset?: number }
  | { readonly type: 'daily' }
  | { readonly type: 'weekly' }
  | { readonly type: 'monthly' }
  | { readonly type: 'never' };

/** "20" / 20 → everyNDays 20; "weekly", "monthly", "daily", "never"; or the object form. */
export type RebalanceScheduleLike = RebalanceSchedule | number | string;

export function compileSchedule(s: RebalanceScheduleLike | undefined, field = 'rebalance'): RebalanceSchedule {
  if (s === undefined) return { type: 'everyNDays', n: 20 };
  if (typeof s === 'number' || (typeof s === 'string' && /^\d+$/.test(s))) {
    return compileSchedule({ type: 'everyNDays', n: Number(s) }, field);
  }
  if (typeof s === 'string') {
    if (s === 'daily' || s === 'weekly' || s === 'monthly' || s === 'never') return { type: s };
    throw new InvalidArgumentError(field, `expected a number of trading days or daily|weekly|monthly|never, got ${JSON.stringify(s)}`);
  }
  if (s.type === 'everyNDays') {
    if (!Number.isInteger(s.n) || s.n < 1) throw new InvalidArgumentError(`${field}.n`, `expected an integer ≥ 1, got ${s.n}`);
    const off = s.offset ?? 0;
    if (!Number.isInteger(off) || off < 0) throw new InvalidArgumentError(`${field}.offset`, `expected an integer ≥ 0, got ${off}`);
    return { type: 'everyNDays', n: s.n, offset: off };
  }
  if (s.type === 'daily' || s.type === 'weekly' || s.type === 'monthly' || s.type === 'never') return s;
  throw new InvalidArgumentError(`${field}.type`, `unknown schedule ${JSON.stringify((s as { type: unknown }).type)}`);
}

/** ISO week key (year*100 + week) of a YYYY-MM-DD date; UTC arithmetic. */
function isoWeekKey(date: string): number {
  const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  const d = new Date(t);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(t + (3 - day) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return year * 100 + week;
}

/**
 * Marks the rebalance days among `dates` (the backtest's trading days, ascending): out[k] = 1 when
 * day k rebalances.
 */
export function rebalanceMask(schedule: RebalanceSchedule, dates: readonly string[]): Uint8Array {
  const out = new Uint8Array(dates.length);
  switch (schedule.type) {
    case 'never':
      break;
    case 'daily':
      out.fill(1);
      break;
    case 'everyNDays':
      for (let k = schedule.offset ?? 0; k < dates.length; k += schedule.n) out[k] = 1;
      break;
    case 'weekly': {
      let prev = -1;
      for (let k = 0; k < dates.length; k++) {
        const w = isoWeekKey(dates[k] as string);
        if (w !== prev) out[k] = 1;
        prev = w;
      }
      break;
    }
    case 'monthly': {
      let prev = '';
      for (let k = 0; k < dates.length; k++) {
        const m = (dates[k] as string).slice(0, 7);
        if (m !== prev) out[k] = 1;
        prev = m;
      }
      break;
    }
  }
  return out;
}
