/**
 * What a finished (or running) search tells the user, as plain JSON:
 *  - convergence: objective 0 per evaluation and the best so far (direction applied);
 *  - best: the best successful trial with all its metrics; paretoFront for several objectives;
 *  - importance of each parameter, from two cheap, model-free estimates on successful trials:
 *      spearman   rank correlation between the parameter and objective 0 (numeric parameters;
 *                 null for categorical ones): sign and strength of a monotone effect;
 *      mainEffect first-order variance share: trials binned by the parameter (one bin per value
 *                 when it has at most `bins` distinct values, else equal-count bins by rank),
 *                 η² = between-bin variance / total variance of objective 0, adjusted for the
 *                 number of bins like an adjusted R² (max(0, 1 - (1-η²)(n-1)/(n-B))) so noise
 *                 alone scores near 0;
 *      importance mainEffect normalized to sum to 1 over parameters (|spearman| when every main
 *                 effect is 0).
 *    Interactions are not attributed (no fANOVA / random forest): a parameter that matters only
 *    together with another one can score low.
 */
import { dominates } from './pareto.js';
import type { Params, SearchSpace } from './space.js';
import type { Direction, Trial } from './types.js';

export interface ConvergencePoint {
  evaluation: number;
  id: number;
  /** Objective 0 of this trial (null when it failed). */
  value: number | null;
  /** Best objective 0 so far (null before the first success). */
  best: number | null;
}

export interface ParameterImportance {
  param: string;
  spearman: number | null;
  mainEffect: number;
  importance: number;
}

export interface TrialSummary {
  id: number;
  evaluation: number;
  params: Params;
  objectives: readonly number[] | null;
  metrics?: Readonly<Record<string, number>>;
}

export interface SearchAnalysis {
  evaluations: number;
  failed: number;
  directions: readonly Direction[];
  best: TrialSummary | null;
  convergence: ConvergencePoint[];
  paretoFront: TrialSummary[];
  importance: ParameterImportance[];
}

export interface AnalysisOptions {
  directions?: readonly Direction[];
  /** Most bins of the main-effect estimate; default 10 (fewer with few trials: ~sqrt(n)). */
  bins?: number;
}

function summary(t: Trial): TrialSummary {
  return { id: t.id, evaluation: t.evaluation, params: t.params, objectives: t.objectives, ...(t.metrics ? { metrics: t.metrics } : {}) };
}

export function analyzeSearch(space: SearchSpace, history: readonly Trial[], options: AnalysisOptions = {}): SearchAnalysis {
  const directions = options.directions ?? ['minimize'];
  const sign = (j: number): number => (directions[j] === 'maximize' ? -1 : 1);
  const convergence: ConvergencePoint[] = [];
  let best: Trial | null = null;
  let bestLoss = Infinity;
  for (const t of history) {
    const v = t.objectives?.[0];
    if (v !== undefined && sign(0) * v < bestLoss) {
      bestLoss = sign(0) * v;
      best = t;
    }
    convergence.push({ evaluation: t.evaluation, id: t.id, value: v ?? null, best: best ? (best.objectives?.[0] as number) : null });
  }
  const ok = history.filter((t) => t.objectives !== null);
  const losses = ok.map((t) => (t.objectives as readonly number[]).map((v, j) => sign(j) * v));
  const paretoFront = directions.length > 1 ? ok.filter((_, i) => !losses.some((l) => dominates(l, losses[i] as number[]))).map(summary) : best ? [summary(best)] : [];
  return {
    evaluations: history.length,
    failed: history.length - ok.length,
    directions,
    best: best ? summary(best) : null,
    convergence,
    paretoFront,
    importance: parameterImportance(space, ok, options.bins ?? 10),
  };
}

/** Average ranks (ties share their mean rank). */
export function ranks(v: readonly number[]): Float64Array {
  const idx = v.map((_, i) => i).sort((a, b) => (v[a] as number) - (v[b] as number) || a - b);
  const r = new Float64Array(v.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && v[idx[j + 1] as number] === v[idx[i] as number]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k] as number] = avg;
    i = j + 1;
  }
  return r;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const n = a.length;
  if (n < 3) return null;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = (a[i] as number) - ma;
    const y = (b[i] as number) - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  if (saa === 0 || sbb === 0) return null;
  return sab / Math.sqrt(saa * sbb);
}

export function spearman(x: readonly number[], y: readonly number[]): number | null {
  return pearson(ranks(x), ranks(y));
}

/** Adjusted correlation ratio of y on the bins; 0 when undefined. */
export function mainEffect(binOf: readonly number[], y: readonly number[]): number {
  const n = y.length;
  const B = new Set(binOf).size;
  if (n < 3 || B < 2 || n <= B) return 0;
  const mean = y.reduce((s, v) => s + v, 0) / n;
  let total = 0;
  for (const v of y) total += (v - mean) * (v - mean);
  if (total === 0) return 0;
  const sums = new Map<number, { s: number; c: number }>();
  binOf.forEach((b, i) => {
    const e = sums.get(b) ?? { s: 0, c: 0 };
    e.s += y[i] as number;
    e.c++;
    sums.set(b, e);
  });
  let between = 0;
  for (const { s, c } of sums.values()) between += c * (s / c - mean) * (s / c - mean);
  const eta2 = between / total;
  return Math.max(0, 1 - ((1 - eta2) * (n - 1)) / (n - B));
}

function parameterImportance(space: SearchSpace, ok: readonly Trial[], maxBins: number): ParameterImportance[] {
  const y = ok.map((t) => (t.objectives as readonly number[])[0] as number);
  const bins = Math.max(2, Math.min(maxBins, Math.floor(Math.sqrt(ok.length))));
  const rows = space.params.map((p) => {
    const raw = ok.map((t) => t.params[p.name]);
    let rho: number | null = null;
    let binOf: number[];
    if (p.type === 'categorical') {
      binOf = raw.map((v) => p.choices.indexOf(v as never));
    } else {
      const x = raw as number[];
      rho = spearman(x, y);
      const distinct = [...new Set(x)].sort((a, b) => a - b);
      if (distinct.length <= bins) binOf = x.map((v) => distinct.indexOf(v));
      else {
        const r = ranks(x);
        binOf = Array.from(r, (v) => Math.min(bins - 1, Math.floor(((v - 1) * bins) / x.length)));
      }
    }
    return { param: p.name, spearman: rho, mainEffect: mainEffect(binOf, y), importance: 0 };
  });
  const total = rows.reduce((s, r) => s + r.mainEffect, 0);
  const totalRho = rows.reduce((s, r) => s + Math.abs(r.spearman ?? 0), 0);
  for (const r of rows) r.importance = total > 0 ? r.mainEffect / total : totalRho > 0 ? Math.abs(r.spearman ?? 0) / totalRho : 0;
  return rows.sort((a, b) => b.importance - a.importance || a.param.localeCompare(b.param));
}
