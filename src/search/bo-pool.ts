/**
 * BO's acquisition on spaces that are not small finite grids (continuous, or too many grid
 * points): log EI maximized over a pool of random and local candidates, then a stochastic local
 * refinement of the best ones (scored lazily: exact means, log EI at variance upper bounds, O(n²)
 * solves only for candidates that can still win; see `pick`). Batches: every pending trial and
 * every point already chosen is added to the GP as a fantasy (kriging believer or constant liar).
 * bo.ts decides when this path runs; bo-finite.ts is the exact path on finite grids.
 */
import type { Rng } from '../util/rng.js';
import type { EngineContext, Observation } from './engine.js';
import type { ResolvedBoOptions } from './bo.js';
import { GaussianProcess } from './gp.js';
import { logExpectedImprovement } from './normal.js';
import type { Params } from './space.js';
import type { Candidate } from './types.js';
import { isCategorical } from './variation.js';

/** Pool buffers reused across proposals; contents never outlive a proposal (not state). */
export interface PoolScratch {
  K: Float64Array;
  V: Float64Array;
}

export function poolScratch(): PoolScratch {
  return { K: new Float64Array(0), V: new Float64Array(0) };
}

/**
 * Up to n new candidates for the GP with hyperparameters theta conditioned on obs (standardized
 * losses y) and the pending trials as fantasies; `covered` when nothing unevaluated and feasible
 * could be found (a small discrete space is exhausted).
 */
export function proposeFromPool(
  ctx: EngineContext, n: number, o: ResolvedBoOptions, theta: Float64Array, obs: readonly Observation[], y: Float64Array,
  pending: readonly Candidate[], label: string, scratch: PoolScratch,
): { candidates: Candidate[]; covered: boolean } {
  const space = ctx.space;
  const d = space.dim;
  let covered = false;
  const X = new Float64Array(obs.length * d);
  obs.forEach((ob, i) => X.set(ob.x, i * d));
  const gp = new GaussianProcess(d, obs.length + pending.length + n, theta);
  if (!gp.setData(X, y, obs.length)) return { candidates: [], covered };
  let yMin = Infinity;
  let yMax = -Infinity;
  let ySum = 0;
  for (let i = 0; i < obs.length; i++) {
    const v = y[i] as number;
    yMin = Math.min(yMin, v);
    yMax = Math.max(yMax, v);
    ySum += v;
  }
  const lie = (x: Float64Array): number => {
    switch (o.batchStrategy) {
      case 'constant-liar-min':
        return yMin;
      case 'constant-liar-max':
        return yMax;
      case 'constant-liar-mean':
        return ySum / obs.length;
      default: {
        const m = new Float64Array(1);
        const v = new Float64Array(1);
        gp.predict(x, 1, m, v);
        return m[0] as number;
      }
    }
  };
  const one = new Float64Array(1);
  const oneVar = new Float64Array(1);
  const meanAt = (x: Float64Array): number => {
    gp.predict(x, 1, one, oneVar);
    return one[0] as number;
  };
  let best = yMin;
  for (const c of pending) {
    const x = space.encode(c.params);
    const f = lie(x);
    if (gp.addPoint(x, f)) best = Math.min(best, f);
  }
  // Best real observations seed the local part of the candidate pool.
  const order = Array.from(obs.keys()).sort((a, b) => (y[a] as number) - (y[b] as number) || a - b);
  const anchors = order.slice(0, Math.min(5, order.length)).map((i) => (obs[i] as Observation).x);
  const pool = buildPool(ctx, o, scratch, gp, anchors, ctx.rng(`${label}:pool`));
  const taken = new Set<string>();
  const out: Candidate[] = [];
  for (let j = 0; j < n; j++) {
    const rng = ctx.rng(`${label}:${j}`);
    const picked = pick(ctx, o, gp, pool, best, taken, rng);
    if (picked === null) {
      // Nothing unevaluated and feasible could be found: a small discrete space is covered.
      if (j === 0 && pending.length === 0) covered = true;
      break;
    }
    const key = space.key(picked.params);
    taken.add(key);
    out.push({ id: ctx.allocId(), params: picked.params, origin: 'bo' });
    if (j === n - 1) break;
    const muBefore = meanAt(picked.x);
    const f = o.batchStrategy === 'kriging-believer' ? muBefore : lie(picked.x);
    // The pool follows lazily: kernel rows and solves are extended in the next pick.
    if (gp.addPoint(picked.x, f)) best = Math.min(best, f);
  }
  return { candidates: out, covered };
}

/**
 * Random and local (around the best observations) feasible candidates with their predictions.
 * Duplicates (of each other, of observed/pending trials, of this batch) are rejected lazily in
 * `pick`, only for the few best-scoring ones: a canonical key per candidate cost more than the
 * GP predictions.
 */
function buildPool(ctx: EngineContext, o: ResolvedBoOptions, scratch: PoolScratch, gp: GaussianProcess, anchors: readonly Float64Array[], rng: Rng): Pool {
  const space = ctx.space;
  const d = space.dim;
  const S = o.acquisitionSamples;
  const xs = new Float64Array(S * d);
  const params: Params[] = [];
  const raw = new Float64Array(d);
  let m = 0;
  for (let s = 0; s < S; s++) {
    const local = s % 5 >= 3 && anchors.length > 0;
    if (local) {
      const a = anchors[s % anchors.length] as Float64Array;
      for (let k = 0; k < d; k++) {
        raw[k] = isCategorical(space, k) ? (rng.next() < 0.2 ? rng.next() : (a[k] as number)) : (a[k] as number) + 0.1 * rng.normal();
      }
    } else for (let k = 0; k < d; k++) raw[k] = rng.next();
    const p = space.decode(raw);
    if (!space.isFeasible(p)) continue;
    xs.set(space.encode(p), m * d);
    params.push(p);
    m++;
  }
  // K and V are scratch reused across proposals (every entry read is written first in this
  // proposal: rows from kn = 0 / done = 0), sparing the garbage collector ~1 MB per ask.
  const size = m * gp.capacity;
  if (scratch.K.length < size) Object.assign(scratch, { K: new Float64Array(size), V: new Float64Array(size) });
  const K = scratch.K;
  const kn = new Int32Array(m);
  gp.kernelRows(xs, m, K, kn);
  return { m, xs, keys: new Array<string | undefined>(m), params, K, kn, V: scratch.V, done: new Int32Array(m), vv: new Float64Array(m), alive: new Uint8Array(m).fill(1) };
}

/** The pool's best log-EI points refined by a stochastic local search on the current GP. */
function pick(ctx: EngineContext, o: ResolvedBoOptions, gp: GaussianProcess, pool: Pool, best: number, taken: Set<string>, rng: Rng): { x: Float64Array; params: Params } | null {
  const space = ctx.space;
  const d = space.dim;
  // Lazy scoring: every live candidate gets its exact mean (O(n)) and log EI at an upper bound of
  // its variance (the variance given its nearest point alone, or s² minus the part of vᵀv solved
  // so far); the O(n²) forward solve for the exact variance advances only for the candidate with
  // the highest score, until the top `refineStarts` are exact (log EI grows with σ). The same
  // picks as scoring every candidate exactly, at a fraction of the cost.
  const m = pool.m;
  const n = gp.n;
  const s2 = gp.signalVariance;
  const score = new Float64Array(m);
  const mean = new Float64Array(m);
  const bound = new Float64Array(m);
  const scoreOf = (i: number): number => {
    const v = (pool.done[i] as number) === n ? Math.max(0, s2 - (pool.vv[i] as number)) : Math.min(bound[i] as number, Math.max(0, s2 - (pool.vv[i] as number)));
    return logExpectedImprovement(mean[i] as number, Math.sqrt(v), best, o.xi);
  };
  for (let i = 0; i < m; i++) {
    if (!pool.alive[i]) continue;
    mean[i] = gp.lazyMean(pool.xs, i, pool.K, pool.kn);
    bound[i] = gp.varianceBound(gp.lastKernelMax);
    score[i] = scoreOf(i);
  }
  // The best-scoring new points, keyed (and duplicates dropped) lazily, as many as refinement
  // starts: a max-heap on the score (ties: lower index first); advancing a solve only lowers
  // a candidate's score, so it sifts down.
  const before = (a: number, b: number): boolean => (score[a] as number) > (score[b] as number) || ((score[a] as number) === (score[b] as number) && a < b);
  const heap: number[] = [];
  for (let i = 0; i < m; i++) if (pool.alive[i]) heap.push(i);
  const siftDown = (at: number): void => {
    const len = heap.length;
    const x = heap[at] as number;
    for (;;) {
      const l = 2 * at + 1;
      if (l >= len) break;
      const r = l + 1;
      const c = r < len && before(heap[r] as number, heap[l] as number) ? r : l;
      if (!before(heap[c] as number, x)) break;
      heap[at] = heap[c] as number;
      at = c;
    }
    heap[at] = x;
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
  const live: number[] = [];
  const liveKeys = new Set<string>();
  while (live.length < Math.max(1, o.refineStarts) && heap.length > 0) {
    const top = heap[0] as number;
    if ((pool.done[top] as number) < n) {
      gp.advanceRow(pool.K, pool.V, top, pool.done, pool.vv, 16);
      score[top] = scoreOf(top);
      siftDown(0);
      continue;
    }
    const last = heap.pop() as number;
    if (heap.length > 0) {
      heap[0] = last;
      siftDown(0);
    }
    const key = (pool.keys[top] ??= space.key(pool.params[top] as Params));
    if (taken.has(key) || liveKeys.has(key) || ctx.hasSeen(pool.params[top] as Params)) {
      pool.alive[top] = 0;
      continue;
    }
    liveKeys.add(key);
    live.push(top);
  }
  if (live.length === 0) {
    // The pool found nothing new (small discrete space nearly covered, or tight constraints).
    for (let t = 0; t < 200; t++) {
      let p: Params;
      try {
        p = space.sampleUniform(rng, 1000);
      } catch {
        return null;
      }
      if (!taken.has(space.key(p)) && !ctx.hasSeen(p)) return { x: space.encode(p), params: p };
    }
    return null;
  }
  const first = live[0] as number;
  let bestX: Float64Array = pool.xs.slice(first * d, first * d + d);
  let bestP = pool.params[first] as Params;
  let bestScore = score[first] as number;
  const one = new Float64Array(d);
  const mv = new Float64Array(2);
  for (let r = 0; r < Math.min(o.refineStarts, live.length); r++) {
    const i0 = live[r] as number;
    let x: Float64Array = pool.xs.slice(i0 * d, i0 * d + d);
    let p = pool.params[i0] as Params;
    let sc = score[i0] as number;
    let step = 0.05;
    for (let it = 0; it < o.refineSteps && step > 1e-4; it++) {
      for (let k = 0; k < d; k++) one[k] = isCategorical(space, k) ? (x[k] as number) : (x[k] as number) + step * rng.normal();
      const q = space.decode(one);
      if (!space.isFeasible(q) || taken.has(space.key(q)) || ctx.hasSeen(q)) {
        step *= 0.7;
        continue;
      }
      const xq = space.encode(q);
      // Rejected steps mostly stop at the O(n·d) bound, before the O(n²) solve.
      const s = gp.predictWhile(xq, mv, (mean, vb) => logExpectedImprovement(mean, Math.sqrt(vb), best, o.xi) > sc)
        ? logExpectedImprovement(mv[0] as number, Math.sqrt(mv[1] as number), best, o.xi)
        : -Infinity;
      if (s > sc) {
        x = xq;
        p = q;
        sc = s;
        step *= 1.3;
      } else step *= 0.7;
    }
    if (sc > bestScore) {
      bestScore = sc;
      bestX = x;
      bestP = p;
    }
  }
  return { x: bestX, params: bestP };
}

interface Pool {
  m: number;
  xs: Float64Array;
  /** Canonical keys, computed on demand. */
  keys: Array<string | undefined>;
  params: Params[];
  /** Row p: kernel entries k(X, x_p), kn[p] of them (extended as the GP gets fantasies). */
  K: Float64Array;
  kn: Int32Array;
  /** Row p: v = L⁻¹k(X, x_p), solved for the first done[p] entries; vv[p] = their sum of squares. */
  V: Float64Array;
  done: Int32Array;
  vv: Float64Array;
  alive: Uint8Array;
}
