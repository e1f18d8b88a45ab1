/**
 * Return scenarios for scenario-based risk models (mean-CVaR) and the moments of a return window
 * (mean-variance). A window is S x n simple returns, row-major (ScenarioWindow of cvar-lp.ts).
 *
 * - historical: the window itself (S = its length);
 * - gaussian: S draws of N(m, C) with m, C the window's mean and sample covariance;
 * - kde: S draws from a Gaussian kernel density estimate of the window: pick a historical row
 *   uniformly, add N(0, h² C) with Silverman's factor h = (T (n + 2) / 4)^(−1/(n + 4)) (scipy's
 *   gaussian_kde with bw_method='silverman': the kernel covariance is the data covariance × h²).
 * Draws are seeded (src/util/rng.ts): the same window, count and seed give the same scenarios.
 * Gaussian noise with covariance C is drawn as Xc'g/sqrt(T − 1) (Xc the centered window, g ~ N(0, I_T)):
 * exact for any C, singular ones (fewer days than assets) included, at T·n per draw.
 */
import type { StrategyContext } from '../strategy.js';
import { InvalidArgumentError } from '../../errors.js';
import type { PricePanel } from '../../data/panel.js';
import type { ScenarioWindow } from '../../solver/cvar-lp.js';
import { Rng } from '../../util/rng.js';

export type ScenarioMethod = 'historical' | 'gaussian' | 'kde';
export const SCENARIO_METHODS: readonly ScenarioMethod[] = ['historical', 'gaussian', 'kde'];

/**
 * Daily simple returns of `assets` (panel column indices) over the `days` returns ending at panel
 * row `endRow` (inclusive): rows endRow − days … endRow. NaN where a price is missing.
 */
export function returnsWindow(panel: PricePanel, assets: readonly number[], endRow: number, days: number): ScenarioWindow {
  if (!Number.isInteger(days) || days < 1) throw new InvalidArgumentError('window', `${days}, expected an integer >= 1`);
  const n = assets.length;
  const r = new Float64Array(days * n);
  for (let j = 0; j < n; j++) {
    const col = panel.close[assets[j] as number] as Float64Array;
    for (let s = 0; s < days; s++) {
      const row = endRow - days + s + 1;
      const prev = row - 1 >= 0 ? (col[row - 1] as number) : Number.NaN;
      const cur = row >= 0 && row < col.length ? (col[row] as number) : Number.NaN;
      r[s * n + j] = cur / prev - 1;
    }
  }
  return { returns: r, numScenarios: days, numAssets: n };
}

/** Column indices of the assets with a price on every row endRow − days … endRow. */
export function completeAssets(panel: PricePanel, endRow: number, days: number): number[] {
  const out: number[] = [];
  if (endRow - days < 0) return out;
  for (let i = 0; i < panel.close.length; i++) {
    const col = panel.close[i] as Float64Array;
    let ok = true;
    for (let r = endRow - days; r <= endRow && ok; r++) ok = (col[r] as number) > 0;
    if (ok) out.push(i);
  }
  return out;
}

/** Column means and sample covariance (divisor T − 1; T = 1 gives a zero covariance). */
export function windowMoments(w: ScenarioWindow): { mean: Float64Array; cov: Float64Array } {
  const { returns: R, numScenarios: T, numAssets: n } = w;
  const mean = new Float64Array(n);
  for (let s = 0; s < T; s++) for (let i = 0; i < n; i++) mean[i]! += R[s * n + i]!;
  for (let i = 0; i < n; i++) mean[i]! /= T;
  const cov = new Float64Array(n * n);
  const dev = new Float64Array(n);
  for (let s = 0; s < T; s++) {
    for (let i = 0; i < n; i++) dev[i] = R[s * n + i]! - mean[i]!;
    for (let i = 0; i < n; i++) {
      const di = dev[i]!;
      if (di === 0) continue;
      for (let j = i; j < n; j++) cov[i * n + j]! += di * dev[j]!;
    }
  }
  const div = Math.max(T - 1, 1);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = cov[i * n + j]! / div;
      cov[i * n + j] = v;
      cov[j * n + i] = v;
    }
  }
  return { mean, cov };
}

/** Silverman's bandwidth factor of scipy's gaussian_kde for T points in n dimensions. */
export function silvermanFactor(T: number, n: number): number {
  return (T * (n + 2) / 4) ** (-1 / (n + 4));
}

export interface ScenarioOptions {
  method: ScenarioMethod;
  /** Scenarios to draw (gaussian, kde); ignored by historical. */
  count: number;
  seed: number | string;
}

/** Scenarios from a window of historical returns (every entry must be finite). */
export function generateScenarios(window: ScenarioWindow, o: ScenarioOptions): ScenarioWindow {
  const { returns: R, numScenarios: T, numAssets: n } = window;
  for (let k = 0; k < R.length; k++) {
    if (!Number.isFinite(R[k]!)) throw new InvalidArgumentError('window.returns', `returns[${k}] = ${R[k]}, expected finite`);
  }
  if (o.method === 'historical') return window;
  if (!Number.isInteger(o.count) || o.count < 1) throw new InvalidArgumentError('numScenarios', `${o.count}, expected an integer >= 1`);
  const S = o.count;
  const rng = new Rng(o.seed);
  const { mean } = windowMoments(window);
  // N(0, C) with C = Xc'Xc/(T − 1) (Xc the centered window) is exactly Xc'g/sqrt(T − 1) with
  // g ~ N(0, I_T): no factorization, and a singular C (T <= n) needs no ridge.
  const xc = new Float64Array(T * n);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) xc[t * n + i] = R[t * n + i]! - mean[i]!;
  const h = o.method === 'kde' ? silvermanFactor(T, n) : 1;
  const scale = h / Math.sqrt(Math.max(T - 1, 1));
  const out = new Float64Array(S * n);
  for (let s = 0; s < S; s++) {
    const row = out.subarray(s * n, (s + 1) * n);
    for (let t = 0; t < T; t++) {
      const g = rng.normal() * scale;
      const off = t * n;
      for (let i = 0; i < n; i++) row[i]! += g * xc[off + i]!;
    }
    const center = o.method === 'kde' ? rng.int(0, T - 1) : -1;
    for (let i = 0; i < n; i++) row[i]! += center < 0 ? mean[i]! : R[center * n + i]!;
  }
  return { returns: out, numScenarios: S, numAssets: n };
}

/**
 * Orders a solver's weights over the window's universe (`universe[j]` = the panel column of
 * asset j): negatives (solver round-off) clipped at 0, the whole renormalized only when it exceeds
 * full investment; assets outside the universe get 0.
 */
export function orderUniverseWeights(ctx: StrategyContext, universe: ArrayLike<number>, weights: ArrayLike<number>): void {
  const target = new Float64Array(ctx.symbols.length);
  let sum = 0;
  for (let j = 0; j < universe.length; j++) {
    const w = Math.max(0, weights[j] as number);
    target[universe[j] as number] = w;
    sum += w;
  }
  if (sum > 1) for (let i = 0; i < target.length; i++) target[i]! /= sum;
  ctx.orderTargetPercents(target);
}
