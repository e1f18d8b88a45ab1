/**
 * Bayesian optimization: a scrambled-Sobol initial design, then a Matérn 5/2 ARD Gaussian
 * process (gp.ts) on objective 0's loss and log expected improvement. Parallel workers get
 * distinct points: every pending trial and every point already chosen for the batch is added to
 * the GP as a fantasy (kriging believer: the posterior mean; or constant liar: min / mean / max
 * of y). The acquisition is maximized
 *  - on finite spaces (every parameter stepped, integer or categorical, at most
 *    `finiteDomainLimit` grid points, e.g. the HPPO (α, µ) grid): exactly, over every unused
 *    feasible grid point, with the GP and per-candidate work carried between proposals
 *    (bo-finite.ts; native twin in native/core/gp/finite_acquisition.cc);
 *  - otherwise: over a pool of random and local candidates followed by a stochastic local
 *    refinement (bo-pool.ts).
 *
 * Determinism: a proposal is a pure function of (seed, observations in tell order, pending
 * candidates). Hyperparameters are refitted only at checkpoints of the observation count: the
 * initial design's size (cold: default + random starts; the prior's default θ before), then each
 * ×1.5 (warm-started from the previous checkpoint), on the first m observations (at most
 * max(32, 16d) of them); the warm chain is fitted in order whatever the batch sizes were, so a
 * rebuilt searcher finds the same hyperparameters an uninterrupted one computed earlier. Fits use
 * the native likelihood when the addon is built (gp-native.ts), gp.ts otherwise: same maths,
 * results equal to rounding.
 * Failed trials are imputed with the worst observed loss (they teach the GP to stay away).
 * Categorical parameters are index-encoded (one GP dimension); integers are rounded on decode
 * and the GP sees the rounded point.
 */
import type { Engine, EngineContext, Observation, UnknownPolicy } from './engine.js';
import { checkKeys, intOpt, numOpt } from './ga.js';
import { ConfigError } from '../errors.js';
import { defaultTheta, fitGpHyperparameters, thetaBounds } from './gp.js';
import type { SearchSpace } from './space.js';
import type { BoOptions, Candidate } from './types.js';
import { initialDesign } from './variation.js';
import { poolScratch, proposeFromPool } from './bo-pool.js';
import { FiniteAcquisition, FiniteDomain, nativeFiniteAcquisition, NativeFiniteAcquisition, type Fantasy, type FiniteProposer } from './bo-finite.js';

export interface ResolvedBoOptions {
  initialPoints: number;
  acquisitionSamples: number;
  batchStrategy: NonNullable<BoOptions['batchStrategy']>;
  hyperparameterRestarts: number;
  xi: number;
  maxModelPoints: number;
  /** L-BFGS iterations per hyperparameter start. */
  fitIterations: number;
  /** Finite spaces with at most this many grid points score every point exactly (bo-finite.ts); 0 = never. */
  finiteDomainLimit: number;
}

const STRATEGIES = ['kriging-believer', 'constant-liar-min', 'constant-liar-mean', 'constant-liar-max'] as const;

export function compileBoOptions(raw: BoOptions, space: SearchSpace, path: string): ResolvedBoOptions {
  checkKeys(raw, ['initialPoints', 'acquisitionSamples', 'batchStrategy', 'hyperparameterRestarts', 'xi', 'maxModelPoints', 'finiteDomainLimit'], path);
  const d = space.dim;
  if (raw.batchStrategy !== undefined && !STRATEGIES.includes(raw.batchStrategy)) {
    throw new ConfigError(`${path}.batchStrategy`, `expected one of ${STRATEGIES.join(' | ')}, got ${JSON.stringify(raw.batchStrategy)}`);
  }
  return {
    initialPoints: intOpt(raw.initialPoints, Math.max(5, 2 * d + 1), 1, `${path}.initialPoints`),
    acquisitionSamples: intOpt(raw.acquisitionSamples, 300 + 50 * d, 10, `${path}.acquisitionSamples`),
    batchStrategy: raw.batchStrategy ?? 'kriging-believer',
    hyperparameterRestarts: intOpt(raw.hyperparameterRestarts, 2, 1, `${path}.hyperparameterRestarts`),
    xi: numOpt(raw.xi, 0, 0, 10, `${path}.xi`),
    maxModelPoints: intOpt(raw.maxModelPoints, 200, 10, `${path}.maxModelPoints`),
    fitIterations: 30,
    finiteDomainLimit: intOpt(raw.finiteDomainLimit, 4096, 0, `${path}.finiteDomainLimit`),
  };
}

/**
 * L-BFGS stop for hyperparameter fits (max-norm of the projected gradient of the negative log
 * posterior): log-lengthscales to a few 1e-3, far below what moves a proposal.
 */
const FIT_GRADIENT_TOLERANCE = 1e-3;
/**
 * ...or when an L-BFGS iteration improves the negative log posterior by at most 1e-4 nats (a
 * likelihood ratio of 1.0001: no evidence either way): the tail of a fit is spent there. About a
 * tenth fewer likelihood evaluations on the HPPO problem, θ equal to ~1e-3, evaluations to the
 * optimum unchanged (Branin, 20 seeds: mean 30.1 against 30.3; 1e-3 cost 4 %).
 */
const FIT_FUNCTION_TOLERANCE = 1e-4;

/**
 * Most observations a hyperparameter fit sees (the best half and the most recent, as the model
 * subset): an evaluation is O(n³) and 16 points per dimension (at least 32) pin down d + 2
 * hyperparameters; the GP that makes the proposals still conditions on up to `maxModelPoints`.
 * (At least 64 before: on the HPPO grid the fits past 32 points were 80 % of the fitting cost
 * and changed no evaluation count to the optimum, HPPO or Branin, 20 seeds.)
 */
function maxFitPoints(d: number): number {
  return Math.max(32, 16 * d);
}

/** Growth of the observation count between warm-started hyperparameter refits. */
const REFIT_GROWTH = 1.5;

/** The checkpoint after m: every count up to `cold` (the walk to the cold fit), then ×1.5 steps. */
function nextCheckpoint(m: number, cold: number): number {
  return m < cold ? m + 1 : Math.max(m + 1, Math.ceil(m * REFIT_GROWTH));
}

/**
 * Observation count whose prefix the hyperparameters are fitted on: n itself up to `cold` (the
 * initial design: cold multi-start fits, cheap at that size), then the last of cold·1.5^k <= n
 * (each warm-started from the one before).
 */
export function hyperparameterCheckpoint(n: number, cold: number): number {
  let m = 1;
  for (;;) {
    const next = nextCheckpoint(m, cold);
    if (next > n) return m;
    m = next;
  }
}

export class BoEngine implements Engine {
  private initProduced = false;
  private covered = false;
  /** θ per hyperparameter checkpoint (observation count), a pure function of the told history. */
  private readonly thetaMemo = new Map<number, Float64Array>();
  /** θ before the initial design is told (one object, so the finite path keeps its state). */
  private priorTheta: Float64Array | null = null;
  /** Continuous spaces: the candidate pool and GP carried between proposals (bo-pool.ts). */
  private readonly poolScratch = poolScratch();
  /** Finite spaces: the feasible grid (undefined = not computed yet) and the carried-over GP state. */
  private domain: FiniteDomain | null | undefined;
  private finiteState: FiniteProposer | null = null;
  /** Wall time of the last model-based produce (ms), for benchmarks; not part of the state. */
  lastProduceMs = 0;

  constructor(
    private readonly o: ResolvedBoOptions,
    /** 0 in the hybrid: the GA history is the design. */
    private readonly initialPoints = o.initialPoints,
  ) {}

  produce(ctx: EngineContext, n: number): Candidate[] {
    if (!this.initProduced) {
      this.initProduced = true;
      if (this.initialPoints > 0) {
        return initialDesign(ctx, this.initialPoints, 'bo').map((p) => ({ id: ctx.allocId(), params: p, origin: 'init' }));
      }
    }
    if (n <= 0) return [];
    const t0 = performance.now();
    const out = this.propose(ctx, n);
    this.lastProduceMs = performance.now() - t0;
    return out;
  }

  private propose(ctx: EngineContext, n: number): Candidate[] {
    const space = ctx.space;
    const d = space.dim;
    const obs = modelSubset(ctx.observations(), this.o.maxModelPoints);
    const pending = ctx.pending();
    const ok = obs.filter((o) => o.loss !== null);
    const label = `bo:${ctx.observations().length}:${pending.length}`;
    if (ok.length < 2) {
      // Nothing to model yet (initial design still running, or every trial failed): explore at
      // random rather than leave workers idle.
      const rng = ctx.rng(`${label}:random`);
      const taken = new Set<string>();
      return Array.from({ length: n }, () => {
        let p = space.sampleUniform(rng);
        for (let t = 0; t < 100 && (ctx.hasSeen(p) || taken.has(space.key(p))); t++) p = space.sampleUniform(rng);
        taken.add(space.key(p));
        return { id: ctx.allocId(), params: p, origin: 'bo-random' };
      });
    }
    const theta = this.hyperparameters(ctx, ctx.observations());
    const domain = this.finiteDomain(space);
    if (domain !== null) {
      const out = this.proposeFinite(ctx, n, domain, theta, obs, pending);
      if (out !== null) return out;
    }
    const picked = proposeFromPool(ctx, n, this.o, theta, obs, standardize(obs).y, pending, label, this.poolScratch);
    if (picked.covered) this.covered = true;
    return picked.candidates;
  }

  /** The space's feasible grid when it is finite and small enough (computed once), else null. */
  private finiteDomain(space: SearchSpace): FiniteDomain | null {
    if (this.domain === undefined) this.domain = this.o.finiteDomainLimit > 0 ? FiniteDomain.of(space, this.o.finiteDomainLimit) : null;
    return this.domain;
  }

  /**
   * The finite-space proposal (bo-finite.ts): log EI maximized exactly over every unused feasible
   * grid point, with the GP and per-candidate work carried over from the previous proposal while
   * θ is unchanged. Null when the covariance cannot be factorized incrementally (the pool path
   * then conditions a fresh GP with jitter).
   */
  private proposeFinite(ctx: EngineContext, n: number, domain: FiniteDomain, theta: Float64Array, obs: readonly Observation[], pending: readonly Candidate[]): Candidate[] | null {
    const need = obs.length + pending.length + n;
    let st = this.finiteState;
    if (st === null || st.capacity < need) {
      const native = nativeFiniteAcquisition();
      // 64 rows first (a short search's buffers stay small: below malloc's mmap threshold on the
      // HPPO grid, no fresh zeroed pages per search), then all the real rows there can be (the
      // model subset or the grid: a grid point is evaluated once, bar failed retries) plus room
      // for twice as many pending and batch points: at most one rebuild per search.
      const full = Math.min(this.o.maxModelPoints, domain.m) + 2 * (pending.length + n) + 8;
      const cap = st === null && need <= 32 ? 64 : Math.max(need, full);
      st = native ? new NativeFiniteAcquisition(domain, theta, cap, native) : new FiniteAcquisition(domain, theta, cap);
      this.finiteState = st;
    } else if (st.theta !== theta) st.reset(theta);
    const { y } = standardize(obs);
    let fantasy: Fantasy = { kind: 'believer' };
    if (this.o.batchStrategy !== 'kriging-believer') {
      let lo = Infinity;
      let hi = -Infinity;
      let sum = 0;
      for (let i = 0; i < obs.length; i++) {
        const v = y[i] as number;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        sum += v;
      }
      const value = this.o.batchStrategy === 'constant-liar-min' ? lo : this.o.batchStrategy === 'constant-liar-max' ? hi : sum / obs.length;
      fantasy = { kind: 'constant', value };
    }
    const picks = st.propose(obs, y, ctx.observations(), pending.map((c) => c.params), n, fantasy, this.o.xi, (p) => ctx.space.encode(p));
    if (picks === null) {
      this.finiteState = null;
      return null;
    }
    if (picks.length === 0 && pending.length === 0) this.covered = true;
    return picks.map((c) => ({ id: ctx.allocId(), params: domain.params(c), origin: 'bo' }));
  }

  /**
   * Hyperparameters fitted on the first checkpoint(n) observations. Before the initial design is
   * told (parallel workers ask while design points are pending): the prior's default θ, as a fit
   * on a handful of points mostly returns the prior anyway. At the initial design's size: fitted
   * from the default and `hyperparameterRestarts - 1` random starts (cold); beyond, from the
   * previous checkpoint's θ alone (warm start: one L-BFGS run instead of several from scratch).
   * The warm chain is computed in order from the cold checkpoint (memoized), whatever the batch
   * sizes were, so θ stays a pure function of the told history and a rebuilt searcher finds the
   * same values.
   */
  private hyperparameters(ctx: EngineContext, obs: readonly Observation[]): Float64Array {
    const cold = this.o.initialPoints;
    if (obs.length < cold) return (this.priorTheta ??= defaultTheta(ctx.space.dim));
    const target = hyperparameterCheckpoint(obs.length, cold);
    const memo = this.thetaMemo;
    // A cold checkpoint stands alone; a warm one needs its predecessor: walk the chain from the
    // last cold checkpoint, so the cold ones before it (never used) are never fitted.
    let m = Math.min(target, cold);
    let prev: Float64Array | null = null;
    for (;;) {
      let theta = memo.get(m);
      if (theta === undefined) {
        theta = this.fitAt(ctx, obs, m, m > cold ? prev : null);
        memo.set(m, theta);
      }
      prev = theta;
      if (m >= target) return theta;
      m = nextCheckpoint(m, cold);
    }
  }

  private fitAt(ctx: EngineContext, obs: readonly Observation[], m: number, warm: Float64Array | null): Float64Array {
    const d = ctx.space.dim;
    const prefix = modelSubset(obs.slice(0, m), Math.min(this.o.maxModelPoints, maxFitPoints(ctx.space.dim)));
    if (prefix.filter((o) => o.loss !== null).length < 2) return warm ?? defaultTheta(d);
    const { y } = standardize(prefix);
    const X = new Float64Array(prefix.length * d);
    prefix.forEach((o, i) => X.set(o.x, i * d));
    const { lower, upper } = thetaBounds(d);
    const starts = warm ? [warm] : [defaultTheta(d)];
    if (!warm) {
      const rng = ctx.rng(`bo-fit:${m}`);
      for (let s = 1; s < this.o.hyperparameterRestarts; s++) {
        const t = new Float64Array(d + 2);
        for (let k = 0; k < d; k++) t[k] = Math.log(0.05) + rng.next() * (Math.log(2) - Math.log(0.05));
        t[d] = Math.log(0.3) + rng.next() * (Math.log(3) - Math.log(0.3));
        t[d + 1] = Math.log(1e-5) + rng.next() * (Math.log(1e-1) - Math.log(1e-5));
        for (let k = 0; k < d + 2; k++) t[k] = Math.min(upper[k] as number, Math.max(lower[k] as number, t[k] as number));
        starts.push(t);
      }
    }
    const fit = fitGpHyperparameters(X, y, prefix.length, d, { starts, maxIterations: this.o.fitIterations, gradientTolerance: FIT_GRADIENT_TOLERANCE, functionTolerance: FIT_FUNCTION_TOLERANCE });
    return Number.isFinite(fit.value) ? fit.theta : (warm ?? defaultTheta(d));
  }

  observe(_ctx: EngineContext, _obs: Observation): void {}

  exhausted(): boolean {
    return this.covered;
  }

  unknownPolicy(_ctx: EngineContext, _id: number): UnknownPolicy {
    // The initial design is regenerable; model-based points are taken as journaled.
    return this.initProduced || this.initialPoints === 0 ? 'adopt' : 'produce';
  }
}

/**
 * The GP's training set when there are more than `cap` observations (exact GPs are O(n³)): the
 * best cap/2 by loss (failed ones last) and then the most recent ones, in tell order.
 */
export function modelSubset(obs: readonly Observation[], cap: number): readonly Observation[] {
  if (obs.length <= cap) return obs;
  const loss = (o: Observation): number => (o.loss === null ? Infinity : (o.loss[0] as number));
  const byLoss = Array.from(obs.keys()).sort((a, b) => {
    const x = loss(obs[a] as Observation);
    const y = loss(obs[b] as Observation);
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  const chosen = new Set(byLoss.slice(0, Math.floor(cap / 2)));
  for (let i = obs.length - 1; i >= 0 && chosen.size < cap; i--) chosen.add(i);
  return [...chosen].sort((a, b) => a - b).map((i) => obs[i] as Observation);
}

/** Losses of objective 0, failed ones imputed with the worst success, standardized. */
function standardize(obs: readonly Observation[]): { y: Float64Array; mean: number; sd: number } {
  let worst = -Infinity;
  for (let i = 0; i < obs.length; i++) {
    const loss = (obs[i] as Observation).loss;
    if (loss !== null) worst = Math.max(worst, loss[0] as number);
  }
  const y = new Float64Array(obs.length);
  let mean = 0;
  for (let i = 0; i < obs.length; i++) {
    const loss = (obs[i] as Observation).loss;
    const v = loss === null ? worst : (loss[0] as number);
    y[i] = v;
    mean += v;
  }
  mean /= y.length;
  let ss = 0;
  for (let i = 0; i < y.length; i++) ss += ((y[i] as number) - mean) * ((y[i] as number) - mean);
  const sd = y.length > 1 && ss > 0 ? Math.sqrt(ss / (y.length - 1)) : 1;
  for (let i = 0; i < y.length; i++) y[i] = ((y[i] as number) - mean) / sd;
  return { y, mean, sd };
}
