/**
 * BO's acquisition on spaces that are not small finite grids (continuous, or too many grid
 * points): log EI maximized over a candidate pool, then a stochastic local refinement of the best
 * pool points. bo.ts decides when this path runs; bo-finite.ts is the exact path on finite grids.
 *
 * The pool is a pure function of the seed, the space and the best observations, so it is carried
 * from one proposal to the next with its per-candidate work, as bo-finite.ts does for grid points:
 *  - base: a window of `0.3 · acquisitionSamples` points of a scrambled Sobol sequence seeded by
 *    the search seed (infeasible ones left out), sliding by 3 % of its size per told observation
 *    (fresh exploration points, each computed once);
 *  - clouds: around each of the 5 best observations, `0.04 · acquisitionSamples` points drawn
 *    from a stream labelled by that observation's id (Gaussian steps of 0.1, 0.1, 0.03, 0.01 in
 *    turn; categorical inputs redrawn with probability 0.2); a cloud lives while its observation
 *    stays among the 5 best;
 *  - the GP keeps its Cholesky factor while θ is unchanged: a proposal drops only the rows that
 *    changed (pending fantasies, or a model subset that moved) and appends the new observations;
 *    every candidate keeps its kernel row and partial forward solve v = L⁻¹k (L's earlier rows
 *    never change). A new θ starts every row again.
 * Scoring is lazy (as in bo-finite.ts): every live candidate gets its exact mean (O(n)) and an upper
 * bound of log EI (variance bounded by its nearest point or the part of vᵀv solved so far); the
 * solve advances only for the candidate on top of a max-heap until the top is exact.
 * The best is refined by 10 random steps (scored on a probe row, rejected at the O(n·d) bound
 * where it can) and the result is proposed. With the kriging believer a fantasy at the posterior
 * mean leaves the mean function unchanged: means are those of the real observations (also the
 * pending fantasies' values) and one heap serves a whole batch; a constant liar moves the means,
 * which are recomputed for each pick.
 *
 * Determinism: a proposal is a pure function of (seed, observations in tell order, pending
 * candidates, θ). Carried kernel entries and solves are appended with the same arithmetic in the
 * same order as a fresh build computes them, and the heap orders candidates by (score, tag) with
 * a tag that names the point (Sobol index, or cloud owner and position), not its slot, so a
 * rebuilt searcher proposes bit-identical points (tested in test/search/bo-pool.test.ts).
 */
import type { EngineContext, Observation } from './engine.js';
import type { ResolvedBoOptions } from './bo.js';
import { BOUND_SLACK, LazyEiCandidates, SOLVE_CHUNK } from './bo-candidates.js';
import { GaussianProcess } from './gp.js';
import { logExpectedImprovement, logExpectedImprovementBound } from './normal.js';
import type { Params } from './space.js';
import { Sobol, SOBOL_MAX_DIM } from './sobol.js';
import type { Candidate } from './types.js';
import { isCategorical } from './variation.js';

/** Best observations that own a local cloud. */
const ANCHORS = 5;
/** Share of `acquisitionSamples` in the Sobol base window. */
const BASE_SHARE = 0.3;
/** Share of `acquisitionSamples` in the clouds, all anchors together. */
const CLOUD_SHARE = 0.2;
/** Gaussian step of the cloud points, by position modulo 4. */
/** Share of the base window replaced per told observation (fresh exploration points). */
const WINDOW_SHARE = 0.03;
const CLOUD_SCALES = [0.1, 0.1, 0.03, 0.01] as const;
/**
 * Refinement: the best pool point, `REFINE_STEPS` random steps (most steps cost a full O(n²)
 * solve: the nearest-point bound rarely rejects a point next to a good one). Measured against
 * 2 starts × 20 steps (the pool path's former `refineStarts` / `refineSteps`): same Branin and
 * Hartmann-6 counts within seed noise at a third of the cost.
 */
const REFINE_STARTS = 1;
const REFINE_STEPS = 10;

/** BoEngine's carried pool state (null until the first pool proposal). */
export interface PoolScratch {
  state: PoolAcquisition | null;
}

export function poolScratch(): PoolScratch {
  return { state: null };
}

/**
 * Up to n new candidates for the GP with hyperparameters theta conditioned on obs (standardized
 * losses y) and the pending trials as fantasies; `covered` when nothing unevaluated and feasible
 * could be found (a small discrete space is exhausted). `scratch` carries the pool between calls.
 */
export function proposeFromPool(
  ctx: EngineContext, n: number, o: ResolvedBoOptions, theta: Float64Array, obs: readonly Observation[], y: Float64Array,
  pending: readonly Candidate[], label: string, scratch: PoolScratch,
): { candidates: Candidate[]; covered: boolean } {
  const need = obs.length + pending.length + Math.max(1, n);
  let st = scratch.state;
  if (st === null || st.capacity < need || st.seed !== ctx.seed) {
    st = new PoolAcquisition(ctx, o, theta, Math.max(64, 2 * need));
    scratch.state = st;
  } else st.setTheta(theta);
  return st.propose(ctx, n, o, obs, y, pending, label);
}

/** The carried pool: candidates with their kernel rows and solves, and the GP they refer to. */
export class PoolAcquisition {
  readonly seed: string;
  readonly capacity: number;
  private theta: Float64Array;
  private readonly gp: GaussianProcess;
  private readonly d: number;
  /** Observation ids of the GP's real rows, in row order (fantasies follow them). */
  private readonly rowIds: number[] = [];
  /** The GP was conditioned with jitter (setData): the next proposal starts again. */
  private dirty = false;
  /** Slots: [0, base) Sobol points, then ANCHORS blocks of `cloud` slots. */
  private readonly base: number;
  private readonly cloud: number;
  private readonly slots: number;
  private readonly xs: Float64Array;
  private readonly params: Array<Params | undefined>;
  private readonly keys: Array<string | undefined>;
  /** Point identity for tie-breaks (independent of the slot): Sobol index, or < 0 for a cloud point. */
  private readonly tag: Float64Array;
  /** 1 = the slot holds a feasible candidate. */
  private readonly exists: Uint8Array;
  /** Observation id owning each cloud block (-1 = free). */
  private readonly blockOwner: Float64Array;
  /** Kernel rows, partial solves, means and the lazy log-EI heap of every slot. */
  private readonly cand: LazyEiCandidates;
  /** Per proposal: 1 = seen, taken, duplicate or a refinement start in use. */
  private readonly used: Uint8Array;
  /** α of the real rows (the believer's means). */
  private readonly alphaReal: Float64Array;
  /** A probe row (refinement steps, pending points): kernel entries and solve. */
  private readonly probeK: Float64Array;
  private readonly probeV: Float64Array;
  private readonly probeKn = new Int32Array(1);
  private readonly probeDone = new Int32Array(1);
  private readonly probeVv = new Float64Array(1);
  private probeMean = 0;
  /** Per proposal: rows and weights the means use (believer: real rows only). */
  private meanRows = 0;
  private meanAlpha: Float64Array;
  private best = Infinity;
  private xi = 0;
  /** Base window: Sobol points entering per told observation. */
  private readonly window: number;
  private readonly sobol: Sobol | null;
  private readonly u: Float64Array;

  constructor(ctx: EngineContext, o: ResolvedBoOptions, theta: Float64Array, capacity: number) {
    const space = ctx.space;
    const d = space.dim;
    this.seed = ctx.seed;
    this.d = d;
    this.capacity = capacity;
    this.theta = Float64Array.from(theta);
    this.gp = new GaussianProcess(d, capacity, theta);
    this.base = Math.max(1, Math.round(BASE_SHARE * o.acquisitionSamples));
    this.cloud = Math.max(1, Math.round((CLOUD_SHARE * o.acquisitionSamples) / ANCHORS));
    this.slots = this.base + ANCHORS * this.cloud;
    const S = this.slots;
    this.xs = new Float64Array(S * d);
    this.params = new Array<Params | undefined>(S);
    this.keys = new Array<string | undefined>(S);
    this.tag = new Float64Array(S);
    this.exists = new Uint8Array(S);
    this.blockOwner = new Float64Array(ANCHORS).fill(-1);
    this.cand = new LazyEiCandidates(this.xs, S, capacity, this.tag);
    this.used = new Uint8Array(S);
    this.alphaReal = new Float64Array(capacity);
    this.meanAlpha = this.alphaReal;
    this.probeK = new Float64Array(capacity);
    this.probeV = new Float64Array(capacity);
    this.tag.fill(-1, 0, this.base);
    this.window = Math.max(1, Math.round(WINDOW_SHARE * this.base));
    this.sobol = d <= SOBOL_MAX_DIM ? new Sobol(d, `${ctx.seed}:bo-pool`) : null;
    this.u = new Float64Array(d);
  }

  /**
   * The base window for `told` observations: Sobol indices [W·told, W·told + base) (uniform
   * random points by index beyond Sobol's dimensions), index i in slot i mod base; the points
   * that entered since the last proposal get their slots (infeasible ones leave a hole).
   */
  private updateBase(ctx: EngineContext, told: number): void {
    const space = ctx.space;
    const d = this.d;
    const B = this.base;
    const from = this.window * told;
    const u = this.u;
    for (let i = from; i < from + B; i++) {
      const s = i % B;
      if (this.tag[s] === i) continue;
      if (this.sobol) this.sobol.point(i, u);
      else {
        const rng = ctx.rng(`bo-pool:base:${i}`);
        for (let k = 0; k < d; k++) u[k] = rng.next();
      }
      const p = space.decode(u);
      this.tag[s] = i;
      this.cand.clearOne(s);
      this.keys[s] = undefined;
      if (!space.isFeasible(p)) {
        this.exists[s] = 0;
        this.params[s] = undefined;
        continue;
      }
      this.xs.set(space.encode(p), s * d);
      this.params[s] = p;
      this.exists[s] = 1;
    }
  }

  /** New hyperparameters (by value): the GP and every row start again. */
  setTheta(theta: Float64Array): void {
    let same = theta.length === this.theta.length;
    for (let k = 0; same && k < theta.length; k++) same = Object.is(theta[k], this.theta[k]);
    if (same) return;
    this.theta = Float64Array.from(theta);
    this.restart();
  }

  private restart(): void {
    this.gp.reset(this.theta);
    this.rowIds.length = 0;
    this.cand.clear();
    this.dirty = false;
  }

  propose(ctx: EngineContext, n: number, o: ResolvedBoOptions, obs: readonly Observation[], y: Float64Array, pending: readonly Candidate[], label: string): { candidates: Candidate[]; covered: boolean } {
    const space = ctx.space;
    const gp = this.gp;
    if (!this.condition(obs, y)) return { candidates: [], covered: false };
    const nReal = gp.n;
    this.alphaReal.set(gp.weights.subarray(0, nReal));
    const believer = o.batchStrategy === 'kriging-believer';
    let yMin = Infinity;
    let yMax = -Infinity;
    let ySum = 0;
    for (let i = 0; i < obs.length; i++) {
      const v = y[i] as number;
      yMin = Math.min(yMin, v);
      yMax = Math.max(yMax, v);
      ySum += v;
    }
    const lie = o.batchStrategy === 'constant-liar-min' ? yMin : o.batchStrategy === 'constant-liar-max' ? yMax : ySum / obs.length;
    this.best = yMin;
    this.xi = o.xi;
    this.meanRows = nReal;
    this.meanAlpha = this.alphaReal;
    this.updateBase(ctx, ctx.observations().length);
    this.updateClouds(ctx, obs, y);
    // Pending trials: fantasies valued on the real rows (the believer's real-data mean, which is
    // what believing them one after another gives), then added.
    const px: Float64Array[] = [];
    const pf: number[] = [];
    for (const c of pending) {
      const x = space.encode(c.params);
      px.push(x);
      pf.push(believer ? this.probeMeanAt(x) : lie);
    }
    for (let i = 0; i < px.length; i++) if (gp.addPoint(px[i] as Float64Array, pf[i] as number, !believer)) this.best = Math.min(this.best, pf[i] as number);
    if (!believer) {
      this.meanRows = gp.n;
      this.meanAlpha = gp.weights;
    }
    this.used.fill(0);
    this.rebuildHeap();
    const taken = new Set<string>();
    const out: Candidate[] = [];
    let covered = false;
    for (let j = 0; j < n; j++) {
      const picked = this.pick(ctx, o, taken, label, j);
      if (picked === null) {
        // Nothing unevaluated and feasible could be found: a small discrete space is covered.
        if (j === 0 && pending.length === 0) covered = true;
        break;
      }
      taken.add(space.key(picked.params));
      out.push({ id: ctx.allocId(), params: picked.params, origin: 'bo' });
      if (j === n - 1) break;
      const f = believer ? picked.mean : lie;
      if (gp.addPoint(picked.x, f, !believer)) this.best = Math.min(this.best, f);
      if (!believer) {
        this.meanRows = gp.n;
        this.rebuildHeap();
      }
    }
    return { candidates: out, covered };
  }

  /**
   * Conditions the GP's real rows on `obs` (reusing the longest unchanged prefix) with targets y.
   * When a row cannot be appended, the GP is conditioned afresh with jitter for this proposal
   * (and the next one starts again, as a fresh build would); false if even that fails.
   */
  private condition(obs: readonly Observation[], y: Float64Array): boolean {
    const gp = this.gp;
    if (this.dirty) this.restart();
    let keep = 0;
    while (keep < this.rowIds.length && keep < obs.length && this.rowIds[keep] === (obs[keep] as Observation).id) keep++;
    if (keep < gp.n) this.truncate(keep);
    this.rowIds.length = keep;
    for (let i = keep; i < obs.length; i++) {
      const ob = obs[i] as Observation;
      if (!gp.addPoint(ob.x, 0, false)) {
        this.restart();
        this.dirty = true;
        const d = this.d;
        const X = new Float64Array(obs.length * d);
        obs.forEach((q, r) => X.set(q.x, r * d));
        return gp.setData(X, y, obs.length);
      }
      this.rowIds.push(ob.id);
    }
    gp.setTargets(y);
    return true;
  }

  /** Drops GP rows from n on and the candidates' kernel entries and solves past them. */
  private truncate(n: number): void {
    this.gp.truncate(n);
    this.cand.truncate(n);
  }

  /** Clouds around the ANCHORS best observations (ties: tell order); others' clouds are dropped. */
  private updateClouds(ctx: EngineContext, obs: readonly Observation[], y: Float64Array): void {
    const order = Array.from(obs.keys()).sort((a, b) => (y[a] as number) - (y[b] as number) || a - b);
    const anchors = order.slice(0, Math.min(ANCHORS, order.length)).map((i) => obs[i] as Observation);
    const ids = new Set(anchors.map((a) => a.id));
    for (let b = 0; b < ANCHORS; b++) {
      const owner = this.blockOwner[b] as number;
      if (owner >= 0 && !ids.has(owner)) {
        this.blockOwner[b] = -1;
        this.exists.fill(0, this.base + b * this.cloud, this.base + (b + 1) * this.cloud);
      }
    }
    for (const a of anchors) {
      if (this.blockOwner.includes(a.id)) continue;
      const b = this.blockOwner.indexOf(-1);
      this.blockOwner[b] = a.id;
      this.fillCloud(ctx, b, a);
    }
  }

  private fillCloud(ctx: EngineContext, b: number, a: Observation): void {
    const space = ctx.space;
    const d = this.d;
    const rng = ctx.rng(`bo-pool:cloud:${a.id}`);
    const raw = new Float64Array(d);
    const ax = a.x;
    for (let j = 0; j < this.cloud; j++) {
      const s = this.base + b * this.cloud + j;
      const scale = CLOUD_SCALES[j % CLOUD_SCALES.length] as number;
      for (let k = 0; k < d; k++) {
        raw[k] = isCategorical(space, k) ? (rng.next() < 0.2 ? rng.next() : (ax[k] as number)) : (ax[k] as number) + scale * rng.normal();
      }
      const p = space.decode(raw);
      this.cand.clearOne(s);
      this.keys[s] = undefined;
      // Tag: negative (Sobol indices are the base's), by owner id and position.
      this.tag[s] = -1 - (a.id * this.cloud + j);
      if (!space.isFeasible(p)) {
        this.exists[s] = 0;
        this.params[s] = undefined;
        continue;
      }
      this.xs.set(space.encode(p), s * d);
      this.params[s] = p;
      this.exists[s] = 1;
    }
  }

  /** Exact means (on meanRows) and log-EI upper bounds of every live candidate, heapified. */
  private rebuildHeap(): void {
    const { used, exists } = this;
    for (let c = 0; c < this.slots; c++) if (exists[c] === 0) used[c] = 1;
    this.cand.rebuild(this.gp, used, this.best, this.xi, this.meanRows, this.meanAlpha);
  }

  /**
   * The next best live candidate with its exact score (refreshing the top until it is exact),
   * keyed and checked against this batch, the other starts and every seen point; -1 when none.
   */
  private nextLive(ctx: EngineContext, taken: Set<string>, liveKeys: Set<string>): number {
    for (;;) {
      const c = this.cand.popExact(this.gp, this.used, this.best, this.xi);
      if (c < 0) return -1;
      this.used[c] = 1;
      const p = this.params[c] as Params;
      const key = (this.keys[c] ??= ctx.space.key(p));
      if (taken.has(key) || liveKeys.has(key) || ctx.hasSeen(p)) continue;
      liveKeys.add(key);
      return c;
    }
  }

  /** The best pool points refined by random steps on the current GP; null when nothing new is found. */
  private pick(ctx: EngineContext, o: ResolvedBoOptions, taken: Set<string>, label: string, j: number): { x: Float64Array; params: Params; mean: number } | null {
    const space = ctx.space;
    const d = this.d;
    const rng = ctx.rng(`${label}:${j}`);
    const starts: number[] = [];
    const liveKeys = new Set<string>();
    while (starts.length < REFINE_STARTS) {
      const c = this.nextLive(ctx, taken, liveKeys);
      if (c < 0) break;
      starts.push(c);
    }
    if (starts.length === 0) {
      // The pool found nothing new (small discrete space nearly covered, or tight constraints).
      for (let t = 0; t < 200; t++) {
        let p: Params;
        try {
          p = space.sampleUniform(rng, 1000);
        } catch {
          return null;
        }
        if (!taken.has(space.key(p)) && !ctx.hasSeen(p)) {
          const x = space.encode(p);
          return { x, params: p, mean: this.probeMeanAt(x) };
        }
      }
      return null;
    }
    let bestStart = starts[0] as number;
    let bestX: Float64Array = this.xs.slice(bestStart * d, bestStart * d + d);
    let bestP = this.params[bestStart] as Params;
    let bestMean = this.cand.mean[bestStart] as number;
    let bestScore = this.cand.score[bestStart] as number;
    let moved = false;
    const one = new Float64Array(d);
    for (const c of starts) {
      let x: Float64Array = this.xs.slice(c * d, c * d + d);
      let p = this.params[c] as Params;
      let sc = this.cand.score[c] as number;
      let mu = this.cand.mean[c] as number;
      let stepped = false;
      let step = 0.05;
      for (let it = 0; it < REFINE_STEPS && step > 1e-4; it++) {
        for (let k = 0; k < d; k++) one[k] = isCategorical(space, k) ? (x[k] as number) : (x[k] as number) + step * rng.normal();
        const q = space.decode(one);
        if (!space.isFeasible(q)) {
          step *= 0.7;
          continue;
        }
        const xq = space.encode(q);
        const s = this.probeScore(xq, sc);
        // Only an improving step is checked against the batch and the seen points.
        if (s > sc && !taken.has(space.key(q)) && !ctx.hasSeen(q)) {
          x = xq;
          p = q;
          sc = s;
          mu = this.probeMean;
          stepped = true;
          step *= 1.3;
        } else step *= 0.7;
      }
      if (sc > bestScore || c === starts[0]) {
        bestScore = sc;
        bestX = x;
        bestP = p;
        bestMean = mu;
        bestStart = c;
        moved = stepped;
      }
    }
    // Starts not proposed go back to the heap (their scores stay upper bounds: variances and the
    // incumbent only fall with fantasies); a proposed pool point stays used.
    for (const c of starts) {
      if (c === bestStart && !moved) continue;
      this.used[c] = 0;
      this.cand.exactAt[c] = -1;
      this.cand.push(c);
    }
    return { x: bestX, params: bestP, mean: bestMean };
  }

  /** Mean of the probe point on meanRows (kernel entries into the probe row). */
  private probeMeanAt(x: Float64Array): number {
    this.probeKn[0] = 0;
    this.gp.extendKernelRow(x, 0, this.probeK, this.probeKn, this.capacity, this.meanRows);
    let mu = 0;
    const a = this.meanAlpha;
    for (let i = 0; i < this.meanRows; i++) mu += (this.probeK[i] as number) * (a[i] as number);
    return mu;
  }

  /**
   * Exact log EI at x when it exceeds `threshold`, else -Infinity (decided at the O(n·d)
   * nearest-point bound for most points, then along the solve); the mean into probeMean.
   */
  private probeScore(x: Float64Array, threshold: number): number {
    const gp = this.gp;
    const n = gp.n;
    const mr = this.meanRows;
    const K = this.probeK;
    this.probeKn[0] = 0;
    gp.extendKernelRow(x, 0, K, this.probeKn, this.capacity, mr);
    let mu = 0;
    let kmax = 0;
    const a = this.meanAlpha;
    for (let i = 0; i < mr; i++) {
      const v = K[i] as number;
      mu += v * (a[i] as number);
      if (v > kmax) kmax = v;
    }
    this.probeMean = mu;
    const best = this.best;
    const xi = this.xi;
    const vb = gp.varianceBound(kmax);
    if (!(logExpectedImprovementBound(mu, Math.sqrt(vb), best, xi) + BOUND_SLACK > threshold)) return -Infinity;
    if (n > mr) gp.extendKernelRow(x, 0, K, this.probeKn, this.capacity, n);
    this.probeDone[0] = 0;
    this.probeVv[0] = 0;
    const s2 = gp.signalVariance;
    while ((this.probeDone[0] as number) < n) {
      gp.advanceRow(K, this.probeV, 0, this.probeDone, this.probeVv, SOLVE_CHUNK);
      if ((this.probeDone[0] as number) < n) {
        const v = Math.min(vb, Math.max(0, s2 - (this.probeVv[0] as number)));
        if (!(logExpectedImprovementBound(mu, Math.sqrt(v), best, xi) + BOUND_SLACK > threshold)) return -Infinity;
      }
    }
    return logExpectedImprovement(mu, Math.sqrt(Math.max(0, s2 - (this.probeVv[0] as number))), best, xi);
  }
}
