/**
 * Weighted composite objective (strategy-optimizer design): several backtest metrics folded into
 * one score to MAXIMIZE. Each metric is normalized to [0,1] over a fixed range (values outside
 * the range extrapolate linearly, they are not clipped) with its direction applied, so 1 is
 * "as good as the range's good end":
 *   maximize metrics: u = (v - low) / (high - low);   minimize metrics: u = (high - v) / (high - low)
 *   score = Σ w·u / Σ w
 * Fixed ranges (not min-max over the history) keep the score a pure function of one trial's
 * metrics: replaying a journal gives the same scores, and a trial's score never changes later.
 *
 * Built-in metrics and defaults (override any field per term):
 *   sharpe       maximize  [-1, 3]    annualized Sharpe ratio
 *   totalReturn  maximize  [-0.5, 1]  fraction (0.25 = +25 %)
 *   maxDrawdown  minimize  [0, 0.5]   positive fraction (0.2 = 20 % peak-to-trough); a negative
 *                                     value is read as its magnitude
 *   winRate      maximize  [0, 1]     fraction of winning periods/trades
 * Other metric names are allowed with an explicit direction, low and high.
 */
import { ConfigError } from '../errors.js';
import type { Direction } from './types.js';

export interface CompositeTerm {
  metric: string;
  weight: number;
  direction?: Direction;
  low?: number;
  high?: number;
}

export interface ResolvedTerm {
  readonly metric: string;
  readonly weight: number;
  readonly direction: Direction;
  readonly low: number;
  readonly high: number;
}

export const BUILTIN_METRICS: Readonly<Record<string, { direction: Direction; low: number; high: number }>> = {
  sharpe: { direction: 'maximize', low: -1, high: 3 },
  totalReturn: { direction: 'maximize', low: -0.5, high: 1 },
  maxDrawdown: { direction: 'minimize', low: 0, high: 0.5 },
  winRate: { direction: 'maximize', low: 0, high: 1 },
};

export interface CompositeObjective {
  readonly terms: readonly ResolvedTerm[];
  /** The score (maximize), or null when a metric is missing or not finite (a failed trial). */
  score(metrics: Readonly<Record<string, number>>): number | null;
}

/**
 * Accepts a list of terms or the short form {sharpe: 0.5, maxDrawdown: 0.3, ...} (weights only).
 * Errors name the path ("objective.terms[1].weight").
 */
export function compileCompositeObjective(raw: unknown, path = 'objective'): CompositeObjective {
  let terms: CompositeTerm[];
  let base = path;
  if (Array.isArray(raw)) terms = raw as CompositeTerm[];
  else if (raw !== null && typeof raw === 'object' && Array.isArray((raw as { terms?: unknown }).terms)) {
    terms = (raw as { terms: CompositeTerm[] }).terms;
    base = `${path}.terms`;
  } else if (raw !== null && typeof raw === 'object') {
    terms = Object.entries(raw as Record<string, unknown>).map(([metric, weight]) => ({ metric, weight: weight as number }));
  } else throw new ConfigError(path, `expected a list of {metric, weight} or {metricName: weight}, got ${JSON.stringify(raw)}`);
  if (terms.length === 0) throw new ConfigError(path, 'expected at least one metric');
  const resolved = terms.map((t, i): ResolvedTerm => {
    const at = Array.isArray(raw) || base !== path ? `${base}[${i}]` : `${path}.${t.metric}`;
    if (t === null || typeof t !== 'object' || typeof t.metric !== 'string' || t.metric === '') {
      throw new ConfigError(`${at}.metric`, `expected a metric name, got ${JSON.stringify(t?.metric)}`);
    }
    if (typeof t.weight !== 'number' || !(t.weight > 0) || !Number.isFinite(t.weight)) {
      throw new ConfigError(Array.isArray(raw) || base !== path ? `${at}.weight` : at, `expected a weight > 0, got ${JSON.stringify(t.weight)}`);
    }
    const builtin = BUILTIN_METRICS[t.metric];
    const direction = t.direction ?? builtin?.direction;
    const low = t.low ?? builtin?.low;
    const high = t.high ?? builtin?.high;
    if (direction !== 'minimize' && direction !== 'maximize') {
      throw new ConfigError(`${at}.direction`, `"${t.metric}" is not a built-in metric (${Object.keys(BUILTIN_METRICS).join(', ')}): give direction minimize | maximize`);
    }
    if (typeof low !== 'number' || typeof high !== 'number' || !(high > low)) {
      throw new ConfigError(`${at}.high`, `expected a normalization range low < high for "${t.metric}", got [${low}, ${high}]`);
    }
    return { metric: t.metric, weight: t.weight, direction, low, high };
  });
  const total = resolved.reduce((s, t) => s + t.weight, 0);
  return {
    terms: resolved,
    score(metrics) {
      let s = 0;
      for (const t of resolved) {
        let v = metrics[t.metric];
        if (typeof v !== 'number' || !Number.isFinite(v)) return null;
        if (t.metric === 'maxDrawdown') v = Math.abs(v);
        const u = t.direction === 'maximize' ? (v - t.low) / (t.high - t.low) : (t.high - v) / (t.high - t.low);
        s += t.weight * u;
      }
      return s / total;
    },
  };
}
