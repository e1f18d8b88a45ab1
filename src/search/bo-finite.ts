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
import { LazyEiCandidates } from './bo-candidates.js';
import { GaussianProcess } from './gp.js';
import type { Params, ParamSpec, ParamValue, SearchSpace } from './space.js';
import { loadNative } from '../solver/native.js';

/**
 * The feasible grid of a finite space, encoded once. A candidate's unit-cube point is the
 * concatenation of per-parameter encodings (encoding is separable), and a parameter set maps to
 * its candidate number through its level indices, so no per-point strings or objects are made
 * (parameter objects only for the constraints' sake, and for the points actually proposed).
 */
export class FiniteDomain {
  private constructor(
    readonly d: number,
    readonly m: number,
    readonly xs: Float64Array,
    /** Grid index (space.gridPoint order) of every candidate. */
    private readonly gridIndex: Int32Array,
    /** Candidate number of every grid index (-1 = infeasible). */
    private readonly candidateOf: Int32Array,
    private readonly values: ReadonlyArray<readonly ParamValue[]>,
    private readonly strides: Int32Array,
    private readonly space: SearchSpace,
  ) {}

  private tagArray: Float64Array | null = null;

  /**
   * Heap tie-break names of the candidates: their own numbers (lower first, as the native twin);
   * a Float64Array like bo-pool.ts's tags, so the shared heap code sees one array type.
   */
  get tags(): Float64Array {
    return (this.tagArray ??= Float64Array.from({ length: this.m }, (_, i) => i));
  }

  /** The domain when the space is finite with at most `limit` grid points (before constraints); else null. */
  static of(space: SearchSpace, limit: number): FiniteDomain | null {
    const d = space.dim;
    for (let k = 0; k < d; k++) if (space.levelCount(k) === 0) return null;
    const size = space.gridSize();
    if (!(size <= limit)) return null;
    const values = space.params.map((_, k) => space.gridValues(k));
    // Per-parameter encodings of every level (vary one parameter of the defaults).
    const enc = values.map((vals, k) => {
      const base = space.defaults();
      const name = (space.params[k] as ParamSpec).name;
      return Float64Array.from(vals, (v) => {
        base[name] = v;
        return space.encode(base)[k] as number;
      });
    });
    const strides = new Int32Array(d);
    let stride = 1;
    for (let k = d - 1; k >= 0; k--) {
      strides[k] = stride;
      stride *= (values[k] as readonly ParamValue[]).length;
    }
    const constrained = space.constraints.length > 0;
    const candidateOf = new Int32Array(size).fill(-1);
    const gridIndex = new Int32Array(size);
    const xs = new Float64Array(size * d);
    let m = 0;
    for (let i = 0; i < size; i++) {
      if (constrained && !space.isFeasible(space.gridPoint(i))) continue;
      for (let k = 0; k < d; k++) {
        const level = Math.floor(i / (strides[k] as number)) % (values[k] as readonly ParamValue[]).length;
        xs[m * d + k] = (enc[k] as Float64Array)[level] as number;
      }
      candidateOf[i] = m;
      gridIndex[m] = i;
      m++;
    }
    return new FiniteDomain(d, m, xs.slice(0, m * d), gridIndex.slice(0, m), candidateOf, values, strides, space);
  }

  /** The parameters of candidate c (a new object). */
  params(c: number): Params {
    return this.space.gridPoint(this.gridIndex[c] as number);
  }

  /** Candidate number of a parameter set (-1 when it is not a feasible grid point). */
  indexOf(p: Readonly<Params>): number {
    let index = 0;
    const specs = this.space.params;
    for (let k = 0; k < this.d; k++) {
      const spec = specs[k] as ParamSpec;
      const v = p[spec.name];
      const vals = this.values[k] as readonly ParamValue[];
      let level: number;
      if (spec.type === 'categorical') level = vals.indexOf(v as ParamValue);
      else {
        level = typeof v === 'number' ? Math.round((v - spec.low) / (spec.step as number)) : -1;
        if (!(level >= 0 && level < vals.length && vals[level] === v)) level = vals.indexOf(v as ParamValue);
      }
      if (level < 0) return -1;
      index += level * (this.strides[k] as number);
    }
    return this.candidateOf[index] as number;
  }
}

/** How fantasies are valued: the kriging believer (posterior mean) or a constant lie (standardized). */
export type Fantasy = { kind: 'believer' } | { kind: 'constant'; value: number };

/** What BoEngine needs of an acquisition state; TS (`FiniteAcquisition`) or native (`NativeFiniteAcquisition`). */
export interface FiniteProposer {
  theta: Float64Array;
  readonly capacity: number;
  reset(theta: Float64Array): void;
  propose(obs: readonly Observation[], y: Float64Array, all: readonly Observation[], pending: readonly Params[], count: number, fantasy: Fantasy, xi: number, encode: (p: Params) => Float64Array): number[] | null;
}

/**
 * The GP and per-candidate state carried between proposals. Valid for one θ (`reset` for a new
 * one); a GP that needs more room starts a new state.
 */
export class FiniteAcquisition implements FiniteProposer {
  readonly gp: GaussianProcess;
  /** Observation ids of the GP's real rows, in row order (fantasies follow them). */
  private readonly rowIds: number[] = [];
  /** Kernel rows, partial solves, means and the lazy log-EI heap of every grid point. */
  private readonly cand: LazyEiCandidates;
  /** 1 = observed, 2 = pending or taken by this batch (this proposal only). */
  private readonly marks: UsedMarks;
  private readonly used: Uint8Array;
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
    this.cand = new LazyEiCandidates(domain.xs, m, capacity, domain.tags);
    this.marks = new UsedMarks(domain);
    this.used = this.marks.used;
    this.alphaReal = new Float64Array(capacity);
  }

  /** Same domain and buffers, new hyperparameters: every row and solve starts again. */
  reset(theta: Float64Array): void {
    this.theta = theta;
    this.gp.reset(theta);
    this.rowIds.length = 0;
    this.cand.clear();
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
    this.marks.update(all, pending);
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
      else if (c >= 0) f = gp.lazyMean(this.domain.xs, c, this.cand.K, this.cand.kn);
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
      const c = this.cand.popExact(gp, this.used, best, xi);
      if (c < 0) break;
      out.push(c);
      this.used[c] = 2;
      if (j === count - 1) break;
      const f = believer ? (this.cand.mean[c] as number) : (fantasy as { value: number }).value;
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
    this.cand.truncate(n);
  }

  /**
   * Exact means and log-EI upper bounds of every unused candidate, heapified. The believer's means
   * use the real rows only (fantasies do not move them); a liar's use every row.
   */
  private rebuildHeap(best: number, xi: number, realRowsOnly: boolean): void {
    if (realRowsOnly) this.cand.rebuild(this.gp, this.used, best, xi, this.nReal, this.alphaReal);
    else this.cand.rebuild(this.gp, this.used, best, xi);
  }
}

/**
 * Marks of the used candidates: observed (1, permanent: every told observation, not only the
 * model subset) and pending or picked (2, this proposal only: a pending trial may fail and be
 * retried).
 */
class UsedMarks {
  readonly used: Uint8Array;
  private marked = 0;
  constructor(private readonly domain: FiniteDomain) {
    this.used = new Uint8Array(domain.m);
  }

  update(all: readonly Observation[], pending: readonly Params[]): void {
    const used = this.used;
    for (let c = 0; c < used.length; c++) if (used[c] === 2) used[c] = 0;
    for (; this.marked < all.length; this.marked++) {
      const c = this.domain.indexOf((all[this.marked] as Observation).params);
      if (c >= 0) used[c] = 1;
    }
    for (const p of pending) {
      const c = this.domain.indexOf(p);
      if (c >= 0 && used[c] === 0) used[c] = 2;
    }
  }
}

interface NativeFiniteAcquisitionHandle {
  reset(theta: Float64Array): void;
  propose(n: number, p: number, count: number, believer: boolean, lie: number, xi: number): number;
}
/** Exchange buffers are handed over once (see native/binding/bo_binding.cc). */
type NativeFiniteAcquisitionCtor = new (
  xs: Float64Array, m: number, d: number, capacity: number, theta: Float64Array,
  ids: Int32Array, X: Float64Array, y: Float64Array, used: Uint8Array, px: Float64Array, pidx: Int32Array, out: Int32Array,
) => NativeFiniteAcquisitionHandle;

let nativeCtor: NativeFiniteAcquisitionCtor | null | undefined;

/**
 * The addon's FiniteAcquisition class (native/core/gp/finite_acquisition.cc), or null when the
 * addon is not built or HPPO_BO_NATIVE=0 (then the TS twin runs: same picks up to rounding ties).
 */
export function nativeFiniteAcquisition(): NativeFiniteAcquisitionCtor | null {
  if (nativeCtor === undefined) {
    nativeCtor = null;
    if (process.env['HPPO_BO_NATIVE'] !== '0') {
      try {
        const ctor = loadNative()['FiniteAcquisition'];
        if (typeof ctor === 'function') nativeCtor = ctor as NativeFiniteAcquisitionCtor;
      } catch {
        nativeCtor = null;
      }
    }
  }
  return nativeCtor;
}

/** The native acquisition behind the FiniteProposer interface (exchange buffers shared with it). */
export class NativeFiniteAcquisition implements FiniteProposer {
  private readonly handle: NativeFiniteAcquisitionHandle;
  private readonly marks: UsedMarks;
  private readonly ids: Int32Array;
  private readonly X: Float64Array;
  private readonly y: Float64Array;
  private readonly px: Float64Array;
  private readonly pidx: Int32Array;
  private readonly out: Int32Array;

  constructor(
    private readonly domain: FiniteDomain,
    public theta: Float64Array,
    readonly capacity: number,
    ctor: NativeFiniteAcquisitionCtor,
  ) {
    const d = domain.d;
    this.marks = new UsedMarks(domain);
    this.ids = new Int32Array(capacity);
    this.X = new Float64Array(capacity * d);
    this.y = new Float64Array(capacity);
    this.px = new Float64Array(capacity * d);
    this.pidx = new Int32Array(capacity);
    this.out = new Int32Array(capacity);
    this.handle = new ctor(domain.xs, domain.m, d, capacity, theta, this.ids, this.X, this.y, this.marks.used, this.px, this.pidx, this.out);
  }

  reset(theta: Float64Array): void {
    this.theta = theta;
    this.handle.reset(theta);
  }

  propose(obs: readonly Observation[], y: Float64Array, all: readonly Observation[], pending: readonly Params[], count: number, fantasy: Fantasy, xi: number, encode: (p: Params) => Float64Array): number[] | null {
    const d = this.domain.d;
    const n = obs.length;
    for (let i = 0; i < n; i++) {
      const o = obs[i] as Observation;
      this.ids[i] = o.id;
      for (let k = 0; k < d; k++) this.X[i * d + k] = o.x[k] as number;
      this.y[i] = y[i] as number;
    }
    this.marks.update(all, pending);
    const p = pending.length;
    for (let j = 0; j < p; j++) {
      const q = pending[j] as Params;
      const c = this.domain.indexOf(q);
      this.pidx[j] = c;
      this.px.set(c >= 0 ? this.domain.xs.subarray(c * d, (c + 1) * d) : encode(q), j * d);
    }
    const believer = fantasy.kind === 'believer';
    const k = this.handle.propose(n, p, count, believer, believer ? 0 : (fantasy as { value: number }).value, xi);
    if (k < 0) return null;
    const picks: number[] = [];
    for (let j = 0; j < k; j++) picks.push(this.out[j] as number);
    return picks;
  }
}
