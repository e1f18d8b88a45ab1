/**
 * BO's acquisition on a finite space (every parameter stepped, integer or categorical, and few
 * enough grid points): every feasible grid point is a candidate, so log EI is maximized exactly
 * instead of over a random pool plus local refinement, and the per-candidate work persists from
 * one proposal to the next while the hyperparameters stay the same:
 *  - the GP keeps its Cholesky factor; a proposal drops only the rows that changed (pending
 *    fantasies, or a model subset that moved) and appends the new observations (O(n²) each);
 *  - every candidate keeps its kernel row k(X, c) and its partial forward solve v = L⁻¹k, which
 *    stay valid for the unchanged prefix of rows (L's earlier rows never change);
 *  - scoring is lazy: every live candidate gets its exact mean (O(n), α changes with every
 *    observation) and an upper bound of log EI (variance bounded by its nearest point or by the
 *    part of vᵀv solved so far; `logExpectedImprovementBound` instead of the exact log EI); the
 *    solve advances and the exact log EI is computed only for the candidate on top of a max-heap,
 *    until the top is exact. Same pick as scoring every candidate exactly.
 * With the kriging believer a fantasy at the posterior mean leaves the mean function unchanged
 * and only lowers variances (and the incumbent): the means are those given the real observations
 * alone (kernel rows never touch fantasy rows except for the few candidates whose exact variance
 * is needed), every pending fantasy is the real-data mean at its point (what sequential believing
 * gives), every bound stays valid through a batch and one heap serves every pick of the batch. A
 * constant liar moves the means: they and the heap are recomputed over every row for each pick.
 */
import type { Observation } from './engine.js';
import { GaussianProcess } from './gp.js';
import { logExpectedImprovement, logExpectedImprovementBound } from './normal.js';
import type { Params, SearchSpace } from './space.js';

/** Slack for rounding: the exact log EI may exceed the bound by an ulp. */
const BOUND_SLACK = 1e-9;
/** Forward-solve entries advanced per heap visit. */
const SOLVE_CHUNK = 16;

/** The feasible grid of a finite space, encoded once. */
export class FiniteDomain {
  private constructor(
    readonly d: number,
    readonly m: number,
    readonly xs: Float64Array,
    readonly params: readonly Params[],
    private readonly index: ReadonlyMap<string, number>,
    private readonly space: SearchSpace,
  ) {}

  /** The domain when the space is finite with at most `limit` grid points (before constraints); else null. */
  static of(space: SearchSpace, limit: number): FiniteDomain | null {
    const d = space.dim;
    for (let k = 0; k < d; k++) if (space.levelCount(k) === 0) return null;
    const size = space.gridSize();
    if (!(size <= limit)) return null;
    const params: Params[] = [];
    const index = new Map<string, number>();
    const xs = new Float64Array(size * d);
    for (let i = 0; i < size; i++) {
      const p = space.gridPoint(i);
      if (!space.isFeasible(p)) continue;
      const key = space.key(p);
      if (index.has(key)) continue;
      xs.set(space.encode(p), params.length * d);
      index.set(key, params.length);
      params.push(p);
    }
    return new FiniteDomain(d, params.length, xs.slice(0, params.length * d), params, index, space);
  }

  /** Candidate number of a parameter set (-1 when it is not a feasible grid point). */
  indexOf(p: Readonly<Params>): number {
    return this.index.get(this.space.key(p)) ?? -1;
  }
}

/** How fantasies are valued: the kriging believer (posterior mean) or a constant lie (standardized). */
export type Fantasy = { kind: 'believer' } | { kind: 'constant'; value: number };

/**
 * The GP and per-candidate state carried between proposals. Valid for one θ (`reset` for a new
 * one); a GP that needs more room starts a new state.
 */
export class FiniteAcquisition {
  readonly gp: GaussianProcess;
  /** Observation ids of the GP's real rows, in row order (fantasies follow them). */
  private readonly rowIds: number[] = [];
  private readonly K: Float64Array;
  private readonly V: Float64Array;
  private readonly kn: Int32Array;
  private readonly done: Int32Array;
  private readonly vv: Float64Array;
  /** 1 = observed, 2 = pending or taken by this batch (this proposal only). */
  private readonly used: Uint8Array;
  /** How many of ctx.observations() have been marked in `used`. */
  private markedObservations = 0;
  private readonly mean: Float64Array;
  private readonly varBound: Float64Array;
  private readonly score: Float64Array;
  /** gp.n at which score[c] is the exact log EI; -1 = an upper bound. */
  private readonly exactAt: Int32Array;
  private readonly heap: Int32Array;
  private heapLen = 0;
  /** α of the real rows alone (the believer's means), and how many real rows there are. */
  private alphaReal: Float64Array;
  private nReal = 0;

  constructor(
    readonly domain: FiniteDomain,
    public theta: Float64Array,
    capacity: number,
  ) {
    const m = domain.m;
    this.gp = new GaussianProcess(domain.d, capacity, theta);
    this.K = new Float64Array(m * capacity);
    this.V = new Float64Array(m * capacity);
    this.kn = new Int32Array(m);
    this.done = new Int32Array(m);
    this.vv = new Float64Array(m);
    this.used = new Uint8Array(m);
    this.mean = new Float64Array(m);
    this.varBound = new Float64Array(m);
    this.score = new Float64Array(m);
    this.exactAt = new Int32Array(m);
    this.heap = new Int32Array(m);
    this.alphaReal = new Float64Array(capacity);
  }

  /** Same domain and buffers, new hyperparameters: every row and solve starts again. */
  reset(theta: Float64Array): void {
    this.theta = theta;
    this.gp.reset(theta);
    this.rowIds.length = 0;
    this.kn.fill(0);
    this.done.fill(0);
    this.vv.fill(0);
  }

  get capacity(): number {
    return this.gp.capacity;
  }

  /**
   * One proposal of up to `count` grid points (candidate numbers; fewer when the domain runs
   * out). `obs` is the model subset in tell order with standardized targets y; `all` every told
   * observation (marks the used points); pending = trials in flight. Null when the covariance
   * cannot be factorized incrementally (the caller then uses a fresh GP with jitter).
   */
  propose(obs: readonly Observation[], y: Float64Array, all: readonly Observation[], pending: readonly Params[], count: number, fantasy: Fantasy, xi: number, encode: (p: Params) => Float64Array): number[] | null {
    if (!this.condition(obs, y)) return null;
    this.markUsed(all, pending);
    const gp = this.gp;
    this.nReal = gp.n;
    this.alphaReal.set(gp.weights.subarray(0, gp.n));
    let best = Infinity;
    for (let i = 0; i < obs.length; i++) best = Math.min(best, y[i] as number);
    const believer = fantasy.kind === 'believer';
    // Pending trials: fantasies valued on the real rows (for the believer the real-data mean,
    // which is what believing them one after another gives), then added.
    const d = this.domain.d;
    const px: Float64Array[] = [];
    const pf: number[] = [];
    const one = new Float64Array(1);
    const oneVar = new Float64Array(1);
    for (const p of pending) {
      const c = this.domain.indexOf(p);
      const x = c >= 0 ? this.domain.xs.subarray(c * d, (c + 1) * d) : encode(p);
      let f: number;
      if (!believer) f = (fantasy as { value: number }).value;
      else if (c >= 0) f = gp.lazyMean(this.domain.xs, c, this.K, this.kn);
      else {
        gp.predict(x, 1, one, oneVar);
        f = one[0] as number;
      }
      px.push(x);
      pf.push(f);
    }
    for (let i = 0; i < px.length; i++) if (gp.addPoint(px[i] as Float64Array, pf[i] as number, !believer)) best = Math.min(best, pf[i] as number);
    const out: number[] = [];
    this.rebuildHeap(best, xi, believer);
    for (let j = 0; j < count; j++) {
      const c = this.popBest(best, xi);
      if (c < 0) break;
      out.push(c);
      this.used[c] = 2;
      if (j === count - 1) break;
      const f = believer ? (this.mean[c] as number) : (fantasy as { value: number }).value;
      if (gp.addPoint(this.domain.xs.subarray(c * d, (c + 1) * d), f, !believer)) best = Math.min(best, f);
      // Believer: means unchanged, bounds still valid (variances and incumbent only fell).
      if (!believer) this.rebuildHeap(best, xi, false);
    }
    return out;
  }

  /** Conditions the GP's real rows on `obs` (reusing the longest unchanged prefix) with targets y. */
  private condition(obs: readonly Observation[], y: Float64Array): boolean {
    const gp = this.gp;
    let keep = 0;
    while (keep < this.rowIds.length && keep < obs.length && this.rowIds[keep] === (obs[keep] as Observation).id) keep++;
    if (keep < gp.n) this.truncate(keep);
    this.rowIds.length = keep;
    for (let i = keep; i < obs.length; i++) {
      const o = obs[i] as Observation;
      if (!gp.addPoint(o.x, 0, false)) {
        this.rowIds.length = 0;
        return false;
      }
      this.rowIds.push(o.id);
    }
    gp.setTargets(y);
    return true;
  }

  /** Drops GP rows from n on and the candidates' kernel entries and solves past them. */
  private truncate(n: number): void {
    this.gp.truncate(n);
    const cap = this.gp.capacity;
    const { kn, done, vv, V } = this;
    for (let c = 0; c < this.domain.m; c++) {
      if ((kn[c] as number) > n) kn[c] = n;
      if ((done[c] as number) > n) {
        done[c] = n;
        let s = 0;
        const base = c * cap;
        for (let i = 0; i < n; i++) s += (V[base + i] as number) * (V[base + i] as number);
        vv[c] = s;
      }
    }
  }

  /** Marks observed (all of them, not only the model subset) and pending points as used. */
  private markUsed(all: readonly Observation[], pending: readonly Params[]): void {
    const used = this.used;
    for (let c = 0; c < used.length; c++) if (used[c] === 2) used[c] = 0;
    for (; this.markedObservations < all.length; this.markedObservations++) {
      const c = this.domain.indexOf((all[this.markedObservations] as Observation).params);
      if (c >= 0) used[c] = 1;
    }
    // Pending points are marked for this proposal only (a pending trial may fail and be retried).
    for (const p of pending) {
      const c = this.domain.indexOf(p);
      if (c >= 0 && used[c] === 0) used[c] = 2;
    }
  }

  /**
   * Exact means and log-EI upper bounds of every unused candidate, heapified. The believer's means
   * use the real rows only (fantasies do not move them); a liar's use every row.
   */
  private rebuildHeap(best: number, xi: number, realRowsOnly: boolean): void {
    const gp = this.gp;
    const s2 = gp.signalVariance;
    const { used, mean, score, exactAt, heap, vv, varBound } = this;
    const m = this.domain.m;
    if (realRowsOnly) gp.meansAndBounds(this.domain.xs, m, this.K, this.kn, gp.capacity, used, mean, varBound, this.nReal, this.alphaReal);
    else gp.meansAndBounds(this.domain.xs, m, this.K, this.kn, gp.capacity, used, mean, varBound);
    let len = 0;
    for (let c = 0; c < m; c++) {
      if (used[c] !== 0) continue;
      const ub = Math.min(varBound[c] as number, Math.max(0, s2 - (vv[c] as number)));
      score[c] = logExpectedImprovementBound(mean[c] as number, Math.sqrt(ub), best, xi) + BOUND_SLACK;
      exactAt[c] = -1;
      heap[len++] = c;
    }
    this.heapLen = len;
    for (let i = (len >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Pops the exact maximizer: refreshes the top until its score is exact at the current n. */
  private popBest(best: number, xi: number): number {
    const gp = this.gp;
    const n = gp.n;
    const s2 = gp.signalVariance;
    const cap = gp.capacity;
    const { heap, score, exactAt, done, vv, mean, used } = this;
    while (this.heapLen > 0) {
      const c = heap[0] as number;
      if (used[c] !== 0) {
        this.removeTop();
        continue;
      }
      if (exactAt[c] === n) {
        this.removeTop();
        return c;
      }
      if ((this.kn[c] as number) < n) gp.extendKernelRow(this.domain.xs, c, this.K, this.kn, cap);
      if ((done[c] as number) < n) gp.advanceRow(this.K, this.V, c, done, vv, SOLVE_CHUNK);
      const v = Math.max(0, s2 - (vv[c] as number));
      if ((done[c] as number) === n) {
        score[c] = logExpectedImprovement(mean[c] as number, Math.sqrt(v), best, xi);
        exactAt[c] = n;
      } else {
        score[c] = Math.min(score[c] as number, logExpectedImprovementBound(mean[c] as number, Math.sqrt(v), best, xi) + BOUND_SLACK);
      }
      this.siftDown(0);
    }
    return -1;
  }

  private removeTop(): void {
    const last = this.heap[--this.heapLen] as number;
    if (this.heapLen > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
  }

  /** Max-heap on score; ties: lower candidate number first (deterministic). */
  private siftDown(at: number): void {
    const { heap, score } = this;
    const len = this.heapLen;
    const x = heap[at] as number;
    const sx = score[x] as number;
    for (;;) {
      const l = 2 * at + 1;
      if (l >= len) break;
      const r = l + 1;
      let c = l;
      if (r < len) {
        const a = heap[r] as number;
        const b = heap[l] as number;
        if ((score[a] as number) > (score[b] as number) || ((score[a] as number) === (score[b] as number) && a < b)) c = r;
      }
      const hc = heap[c] as number;
      const sc = score[hc] as number;
      if (!(sc > sx || (sc === sx && hc < x))) break;
      heap[at] = hc;
      at = c;
    }
    heap[at] = x;
  }
}
