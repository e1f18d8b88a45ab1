/**
 * Shared pieces of the population methods (GA, NSGA-II, PSO, BO's initial design): the initial
 * design (scrambled Sobol, random beyond 21 dimensions), real-coded crossover and mutation on
 * the unit cube, and turning a raw child into a feasible, preferably new, candidate.
 * Categorical genes are index-encoded: crossover swaps them (uniform), mutation redraws them.
 */
import type { Rng } from '../util/rng.js';
import type { EngineContext } from './engine.js';
import type { Params, SearchSpace } from './space.js';
import { Sobol, SOBOL_MAX_DIM } from './sobol.js';

/** Attempts at a feasible, never-seen child before settling for a feasible repeat. */
export const CHILD_ATTEMPTS = 20;

/**
 * `count` feasible, distinct, unseen points: scrambled Sobol (seeded by `label`) in order,
 * skipping infeasible and seen ones; random points when the space has more than 21 dimensions.
 */
export function initialDesign(ctx: EngineContext, count: number, label: string): Params[] {
  const space = ctx.space;
  const out: Params[] = [];
  const keys = new Set<string>();
  const rng = ctx.rng(`${label}:design`);
  const sobol = space.dim <= SOBOL_MAX_DIM ? new Sobol(space.dim, `${ctx.seed}:${label}`) : null;
  const u = new Float64Array(space.dim);
  let index = 0;
  let misses = 0;
  while (out.length < count) {
    let p: Params;
    if (sobol) p = space.decode(sobol.point(index++, u));
    else {
      for (let i = 0; i < u.length; i++) u[i] = rng.next();
      p = space.decode(u);
    }
    const key = space.key(p);
    if (space.isFeasible(p) && ((!ctx.hasSeen(p) && !keys.has(key)) || misses > 1000)) {
      out.push(p);
      keys.add(key);
      misses = 0;
      continue;
    }
    misses++;
    if (misses > 1000 && !space.isFeasible(p)) {
      // Many rejections in a row: let sampleFeasible decide whether the region is empty.
      const q = space.sampleUniform(rng);
      out.push(q);
      keys.add(space.key(q));
      misses = 0;
    }
  }
  return out;
}

export function isCategorical(space: SearchSpace, k: number): boolean {
  return space.params[k]?.type === 'categorical';
}

/** SBX (Deb & Agrawal, bounded [0,1] version); children written into c1, c2. */
export function sbx(space: SearchSpace, rng: Rng, p1: Float64Array, p2: Float64Array, eta: number, c1: Float64Array, c2: Float64Array): void {
  for (let k = 0; k < p1.length; k++) {
    const a = p1[k] as number;
    const b = p2[k] as number;
    if (isCategorical(space, k)) {
      const swap = rng.next() < 0.5;
      c1[k] = swap ? b : a;
      c2[k] = swap ? a : b;
      continue;
    }
    if (rng.next() > 0.5 || Math.abs(a - b) < 1e-14) {
      c1[k] = a;
      c2[k] = b;
      continue;
    }
    const y1 = Math.min(a, b);
    const y2 = Math.max(a, b);
    const u = rng.next();
    const spread = (beta: number): number => {
      const alpha = 2 - Math.pow(beta, -(eta + 1));
      return u <= 1 / alpha ? Math.pow(u * alpha, 1 / (eta + 1)) : Math.pow(1 / (2 - u * alpha), 1 / (eta + 1));
    };
    const bq1 = spread(1 + (2 * y1) / (y2 - y1));
    const bq2 = spread(1 + (2 * (1 - y2)) / (y2 - y1));
    let v1 = Math.min(1, Math.max(0, 0.5 * (y1 + y2 - bq1 * (y2 - y1))));
    let v2 = Math.min(1, Math.max(0, 0.5 * (y1 + y2 + bq2 * (y2 - y1))));
    if (rng.next() < 0.5) [v1, v2] = [v2, v1];
    c1[k] = v1;
    c2[k] = v2;
  }
}

/** BLX-alpha blend crossover. */
export function blend(space: SearchSpace, rng: Rng, p1: Float64Array, p2: Float64Array, alpha: number, c1: Float64Array, c2: Float64Array): void {
  for (let k = 0; k < p1.length; k++) {
    const a = p1[k] as number;
    const b = p2[k] as number;
    if (isCategorical(space, k)) {
      const swap = rng.next() < 0.5;
      c1[k] = swap ? b : a;
      c2[k] = swap ? a : b;
      continue;
    }
    const lo = Math.min(a, b) - alpha * Math.abs(a - b);
    const hi = Math.max(a, b) + alpha * Math.abs(a - b);
    c1[k] = Math.min(1, Math.max(0, lo + rng.next() * (hi - lo)));
    c2[k] = Math.min(1, Math.max(0, lo + rng.next() * (hi - lo)));
  }
}

/** Polynomial mutation (Deb, bounded) per gene with probability `prob`; categorical genes are redrawn. */
export function polynomialMutation(space: SearchSpace, rng: Rng, x: Float64Array, prob: number, eta: number): void {
  for (let k = 0; k < x.length; k++) {
    if (rng.next() >= prob) continue;
    if (isCategorical(space, k)) {
      x[k] = rng.next();
      continue;
    }
    const y = x[k] as number;
    const u = rng.next();
    const pow = 1 / (eta + 1);
    let dq: number;
    if (u < 0.5) {
      const xy = 1 - y;
      dq = Math.pow(2 * u + (1 - 2 * u) * Math.pow(xy, eta + 1), pow) - 1;
    } else {
      const xy = y;
      dq = 1 - Math.pow(2 * (1 - u) + 2 * (u - 0.5) * Math.pow(xy, eta + 1), pow);
    }
    x[k] = Math.min(1, Math.max(0, y + dq));
  }
}

export function gaussianMutation(space: SearchSpace, rng: Rng, x: Float64Array, prob: number, sigma: number): void {
  for (let k = 0; k < x.length; k++) {
    if (rng.next() >= prob) continue;
    x[k] = isCategorical(space, k) ? rng.next() : Math.min(1, Math.max(0, (x[k] as number) + sigma * rng.normal()));
  }
}

/**
 * Repeatedly asks `make()` for a raw unit-cube child until it decodes to a feasible point not in
 * `taken` and never seen; after CHILD_ATTEMPTS, a feasible repeat is accepted; with no feasible
 * child at all, a uniformly random feasible point (rejection sampling, clear error if none).
 */
export function settleChild(ctx: EngineContext, rng: Rng, make: () => Float64Array, taken: Set<string>): Params {
  const space = ctx.space;
  let feasibleRepeat: Params | null = null;
  for (let t = 0; t < CHILD_ATTEMPTS; t++) {
    const p = space.decode(make());
    if (!space.isFeasible(p)) continue;
    if (!taken.has(space.key(p)) && !ctx.hasSeen(p)) return p;
    feasibleRepeat ??= p;
  }
  if (feasibleRepeat) {
    // A repeat wastes an evaluation; a fresh random point is worth more when one is available.
    for (let t = 0; t < CHILD_ATTEMPTS; t++) {
      const p = space.sampleUniform(rng);
      if (!taken.has(space.key(p)) && !ctx.hasSeen(p)) return p;
    }
    return feasibleRepeat;
  }
  return space.sampleUniform(rng);
}

/** Tournament: the index with the smallest `rank` among `size` uniform draws (ties: first drawn). */
export function tournament(rng: Rng, count: number, size: number, better: (a: number, b: number) => boolean): number {
  let best = Math.floor(rng.next() * count);
  for (let t = 1; t < size; t++) {
    const c = Math.floor(rng.next() * count);
    if (better(c, best)) best = c;
  }
  return best;
}
