/**
 * The one Searcher implementation: bookkeeping of ids, queued / in-flight / told candidates,
 * duplicate tells, replay of journaled results, budgets and early stopping. The algorithm itself
 * is an Engine (grid.ts, sampling.ts, ga.ts, pso.ts, nsga2.ts, bo.ts, hybrid.ts).
 */
import { ConfigError, InvalidArgumentError } from '../errors.js';
import { BoEngine, compileBoOptions } from './bo.js';
import type { Engine, EngineContext, Observation } from './engine.js';
import { compileGaOptions, GaEngine } from './ga.js';
import { GridEngine } from './grid.js';
import { HybridEngine } from './hybrid.js';
import { compileNsga2Options, Nsga2Engine } from './nsga2.js';
import { dominates } from './pareto.js';
import { compilePsoOptions, PsoEngine } from './pso.js';
import { RandomEngine, SobolEngine } from './sampling.js';
import { type Params, ParamsSet, type SearchSpace } from './space.js';
import {
  ALGORITHMS,
  type AlgorithmName,
  type Candidate,
  type Direction,
  type NowClock,
  type SearchOptions,
  type Searcher,
  StopReason,
  type TellSummary,
  type Trial,
  type TrialResult,
} from './types.js';
import { Rng } from '../util/rng.js';

export interface ResolvedSearchOptions {
  readonly algorithm: AlgorithmName;
  readonly seed: string;
  readonly directions: readonly Direction[];
  readonly maxEvaluations: number;
  readonly patience: number | null;
  readonly minImprovement: number;
  readonly timeBudgetMs: number | null;
  readonly clock: NowClock;
  readonly raw: SearchOptions;
}

const systemNow: NowClock = { now: () => Date.now() };
const OPTION_KEYS = [
  'algorithm', 'seed', 'directions', 'maxEvaluations', 'patience', 'minImprovement', 'timeBudgetMs', 'clock',
  'gridShuffle', 'sobolScramble', 'ga', 'bo', 'pso', 'nsga2', 'hybrid',
];

function positiveInt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(path, `expected an integer >= 1, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Validates user options (TS object or the parsed `search:` section of a config) and fills the
 * documented defaults. Errors name the path, e.g. "search.ga.populationSize".
 */
export function compileSearchOptions(raw: SearchOptions, space: SearchSpace, path = 'search'): ResolvedSearchOptions {
  if (raw === null || typeof raw !== 'object') throw new ConfigError(path, `expected an object, got ${JSON.stringify(raw)}`);
  for (const k of Object.keys(raw)) {
    if (!OPTION_KEYS.includes(k)) throw new ConfigError(`${path}.${k}`, `unknown option (allowed: ${OPTION_KEYS.join(', ')})`);
  }
  if (!ALGORITHMS.includes(raw.algorithm)) {
    throw new ConfigError(`${path}.algorithm`, `expected one of ${ALGORITHMS.join(' | ')}, got ${JSON.stringify(raw.algorithm)}`);
  }
  const seedRaw = raw.seed ?? 0;
  if (!(typeof seedRaw === 'string' || (typeof seedRaw === 'number' && Number.isFinite(seedRaw)))) {
    throw new ConfigError(`${path}.seed`, `expected a number or string, got ${JSON.stringify(seedRaw)}`);
  }
  const directions = raw.directions ?? ['minimize'];
  if (!Array.isArray(directions) || directions.length === 0) {
    throw new ConfigError(`${path}.directions`, `expected a non-empty list of minimize | maximize, got ${JSON.stringify(directions)}`);
  }
  directions.forEach((d, i) => {
    if (d !== 'minimize' && d !== 'maximize') throw new ConfigError(`${path}.directions[${i}]`, `expected minimize | maximize, got ${JSON.stringify(d)}`);
  });
  if (raw.algorithm === 'nsga2' && directions.length < 2) {
    throw new ConfigError(`${path}.directions`, 'nsga2 needs at least two objectives (one direction each)');
  }
  let maxEvaluations: number;
  if (raw.maxEvaluations !== undefined) maxEvaluations = positiveInt(raw.maxEvaluations, `${path}.maxEvaluations`);
  else maxEvaluations = raw.algorithm === 'grid' ? Math.min(space.gridSize(), Number.MAX_SAFE_INTEGER) : 100;
  const patience = raw.patience === undefined ? null : positiveInt(raw.patience, `${path}.patience`);
  const minImprovement = raw.minImprovement ?? 0;
  if (typeof minImprovement !== 'number' || !(minImprovement >= 0)) {
    throw new ConfigError(`${path}.minImprovement`, `expected a number >= 0, got ${JSON.stringify(minImprovement)}`);
  }
  let timeBudgetMs: number | null = null;
  if (raw.timeBudgetMs !== undefined) {
    if (typeof raw.timeBudgetMs !== 'number' || !(raw.timeBudgetMs > 0)) {
      throw new ConfigError(`${path}.timeBudgetMs`, `expected a number of milliseconds > 0, got ${JSON.stringify(raw.timeBudgetMs)}`);
    }
    timeBudgetMs = raw.timeBudgetMs;
  }
  for (const k of ['gridShuffle', 'sobolScramble'] as const) {
    if (raw[k] !== undefined && typeof raw[k] !== 'boolean') throw new ConfigError(`${path}.${k}`, `expected true or false, got ${JSON.stringify(raw[k])}`);
  }
  return {
    algorithm: raw.algorithm,
    seed: String(seedRaw),
    directions,
    maxEvaluations,
    patience,
    minImprovement,
    timeBudgetMs,
    clock: raw.clock ?? systemNow,
    raw,
  };
}

function createEngine(space: SearchSpace, o: ResolvedSearchOptions, path: string): Engine {
  const raw = o.raw;
  switch (o.algorithm) {
    case 'grid':
      return new GridEngine(space, raw.gridShuffle ?? false, o.seed);
    case 'random':
      return new RandomEngine();
    case 'sobol':
      return new SobolEngine(space, raw.sobolScramble ?? true, o.seed);
    case 'ga':
      return new GaEngine(compileGaOptions(raw.ga ?? {}, space, `${path}.ga`));
    case 'pso':
      return new PsoEngine(compilePsoOptions(raw.pso ?? {}, space, `${path}.pso`));
    case 'nsga2':
      return new Nsga2Engine(compileNsga2Options(raw.nsga2 ?? {}, space, `${path}.nsga2`));
    case 'bo':
      return new BoEngine(compileBoOptions(raw.bo ?? {}, space, `${path}.bo`));
    case 'hybrid': {
      const ga = compileGaOptions(raw.ga ?? {}, space, `${path}.ga`);
      const h = raw.hybrid ?? {};
      let gaEvaluations = Math.round(0.4 * o.maxEvaluations);
      if (h.gaEvaluations !== undefined) gaEvaluations = positiveInt(h.gaEvaluations, `${path}.hybrid.gaEvaluations`);
      return new HybridEngine(ga, compileBoOptions(raw.bo ?? {}, space, `${path}.bo`), gaEvaluations);
    }
  }
}

/** Compaction threshold of the queue's consumed head. */
const QUEUE_COMPACT = 64;

class SearcherImpl implements Searcher {
  readonly algorithm: AlgorithmName;
  readonly space: SearchSpace;
  private readonly o: ResolvedSearchOptions;
  private readonly engine: Engine;
  private readonly ctx: EngineContext;
  private readonly names: readonly string[];
  private nextId = 0;
  /**
   * Generated, not handed out (replay holes and generation remainders), ascending id: the live
   * part is queued[qHead..] (ask() advances qHead instead of shifting).
   */
  private readonly queued: Candidate[] = [];
  private qHead = 0;
  /** Handed out, not told; insertion order (pending() sorts by id). */
  private readonly inFlight = new Map<number, Candidate>();
  private readonly toldIds = new Set<number>();
  /** Every told or generated parameter set (key() equality). */
  private readonly seen: ParamsSet;
  private readonly trials: Trial[] = [];
  private readonly obs: Observation[] = [];
  private bestTrial: Trial | null = null;
  private bestLoss = Infinity;
  private lastImprovementAt = 0;
  private readonly startedMs: number;
  private exhaustedFlag = false;

  constructor(space: SearchSpace, o: ResolvedSearchOptions, engine: Engine) {
    this.algorithm = o.algorithm;
    this.space = space;
    this.o = o;
    this.engine = engine;
    this.names = space.names;
    this.seen = new ParamsSet(space);
    this.startedMs = o.clock.now();
    const self = this;
    // makeRng(seed, label) = new Rng(`${seed}|${label}`): the seed part is hashed once.
    const seedHash = Rng.hashPrefix(`${o.seed}|`);
    this.ctx = {
      space,
      seed: o.seed,
      objectiveCount: o.directions.length,
      get maxEvaluations() {
        return o.maxEvaluations;
      },
      rng: (label: string): Rng => new Rng(label, seedHash),
      allocId: () => self.nextId++,
      pending: () => self.pendingAll(),
      observations: () => self.obs,
      hasSeen: (p: Params) => self.seen.has(p),
    };
  }

  ask(n: number): Candidate[] {
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('n', `expected an integer >= 0, got ${n}`);
    if (this.isDone()) return [];
    const cap = Math.min(n, this.remainingBudget());
    const out: Candidate[] = [];
    while (out.length < cap) {
      if (this.qHead === this.queued.length && !this.fill(cap - out.length)) break;
      const c = this.queued[this.qHead++] as Candidate;
      this.inFlight.set(c.id, c);
      out.push(c);
    }
    this.compactQueue();
    return out;
  }

  private compactQueue(): void {
    if (this.qHead >= QUEUE_COMPACT && this.qHead * 2 >= this.queued.length) {
      this.queued.splice(0, this.qHead);
      this.qHead = 0;
    }
  }

  private fill(n: number): boolean {
    if (this.exhaustedFlag) return false;
    const made = this.engine.produce(this.ctx, n);
    const q = this.queued;
    // Engines allocate ids in increasing order, after every queued one: sorting (stable, by id)
    // is needed only when that does not hold.
    let ordered = true;
    let last = q.length > this.qHead ? (q[q.length - 1] as Candidate).id : -Infinity;
    for (const c of made) {
      q.push(c);
      this.seen.add(c.params);
      if (!(c.id >= last)) ordered = false;
      last = c.id;
    }
    if (!ordered) {
      const live = q.splice(this.qHead).sort((a, b) => a.id - b.id);
      q.length = 0;
      this.qHead = 0;
      for (const s of live) q.push(s);
    }
    if (made.length === 0 && this.engine.exhausted(this.ctx)) this.exhaustedFlag = true;
    return made.length > 0;
  }

  /** Every parameter of `a` is the same value (===) as in `b`: then space.key(a) === space.key(b). */
  private sameValues(a: Readonly<Params>, b: Readonly<Params>): boolean {
    const names = this.names;
    for (let i = 0; i < names.length; i++) {
      const n = names[i] as string;
      if (a[n] !== b[n]) return false;
    }
    return true;
  }

  tell(results: readonly TrialResult[]): TellSummary {
    if (!Array.isArray(results)) throw new InvalidArgumentError('results', 'expected an array of trial results');
    const summary: TellSummary = { accepted: 0, duplicates: [] };
    const count = results.length;
    for (let i = 0; i < count; i++) {
      if (!(i in results)) continue; // as forEach: holes are skipped
      this.tellOne(results[i] as TrialResult, i, summary);
    }
    return summary;
  }

  private tellOne(r: TrialResult, i: number, summary: TellSummary): void {
    const id = r?.candidate?.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new InvalidArgumentError(`results[${i}].candidate.id`, `expected an integer >= 0, got ${JSON.stringify(id)}`);
    }
    if (this.toldIds.has(id)) {
      summary.duplicates.push(id);
      return;
    }
    const told = r.candidate.params;
    const flying = this.inFlight.get(id);
    let cand: Candidate;
    // The common case: a candidate in flight told with valid parameters equal to the proposed
    // ones (validateParams would pass and the keys match), checked without copies or keys.
    if (flying !== undefined && this.space.isValidParams(told) && (told === flying.params || this.sameValues(told, flying.params))) {
      this.inFlight.delete(id);
      cand = flying;
    } else {
      const at = `results[${i}]`;
      const params = this.space.validateParams(told, `${at}.candidate.params`);
      cand = this.resolve(id, params, r.candidate.origin, at);
    }
    let objectives: number[] | null = null;
    if (r.objectives !== null) {
      const nObj = this.o.directions.length;
      if (!Array.isArray(r.objectives) || r.objectives.length !== nObj) {
        throw new InvalidArgumentError(`results[${i}].objectives`, `expected null or ${nObj} number(s) (one per direction), got ${JSON.stringify(r.objectives)}`);
      }
      const values = r.objectives as readonly unknown[];
      let finite = true;
      for (let j = 0; j < values.length; j++) {
        if (!(j in values)) continue; // as every(): holes are skipped
        const v = values[j];
        if (!(typeof v === 'number' && Number.isFinite(v))) {
          finite = false;
          break;
        }
      }
      objectives = finite ? (values as number[]).slice() : null;
    }
    const trial: Trial = { id, params: cand.params, origin: cand.origin, objectives, metrics: r.metrics, evaluation: this.trials.length + 1 };
    this.trials.push(trial);
    this.toldIds.add(id);
    this.seen.add(cand.params);
    let loss: Float64Array | null = null;
    if (objectives !== null) {
      loss = new Float64Array(objectives.length);
      for (let j = 0; j < objectives.length; j++) {
        const v = objectives[j] as number;
        loss[j] = this.o.directions[j] === 'maximize' ? -v : v;
      }
    }
    const obs: Observation = { id, params: cand.params, x: this.space.encode(cand.params), loss };
    this.obs.push(obs);
    this.trackProgress(trial, loss);
    this.engine.observe(this.ctx, obs);
    summary.accepted++;
  }

  /** Index in `queued` of the live slot with this id, or -1. */
  private queuedIndex(id: number): number {
    const q = this.queued;
    for (let k = this.qHead; k < q.length; k++) if ((q[k] as Candidate).id === id) return k;
    return -1;
  }

  /** The candidate a told result refers to; replays the engine for ids it never handed out. */
  private resolve(id: number, params: Params, origin: string | undefined, at: string): Candidate {
    let c = this.inFlight.get(id);
    if (c) this.inFlight.delete(id);
    else {
      let qi = this.queuedIndex(id);
      // The policy is asked again after every fill: a hybrid switches from GA (regenerable ids)
      // to BO (adopted ids) part-way through a replay.
      while (qi < 0 && id >= this.nextId && this.engine.unknownPolicy(this.ctx, id) === 'produce') {
        if (!this.fill(id - this.nextId + 1)) break;
        qi = this.queuedIndex(id);
      }
      if (qi < 0 && this.engine.unknownPolicy(this.ctx, id) === 'adopt') {
        this.nextId = Math.max(this.nextId, id + 1);
        return { id, params, origin: origin ?? 'external' };
      }
      if (qi < 0) {
        throw new InvalidArgumentError(
          `${at}.candidate.id`,
          `candidate ${id} was never proposed by this ${this.algorithm} search and cannot be replayed here (different seed, options or space?)`,
        );
      }
      c = this.queued.splice(qi, 1)[0] as Candidate;
    }
    if (this.space.key(c.params) !== this.space.key(params)) {
      throw new InvalidArgumentError(
        `${at}.candidate.params`,
        `candidate ${id} was proposed as ${JSON.stringify(c.params)} but told as ${JSON.stringify(params)} (journal from a different seed, options or space?)`,
      );
    }
    return c;
  }

  private trackProgress(trial: Trial, loss: Float64Array | null): void {
    if (loss === null) return;
    const l0 = loss[0] as number;
    if (l0 < this.bestLoss) {
      if (this.o.directions.length === 1 && l0 < this.bestLoss - this.o.minImprovement) this.lastImprovementAt = trial.evaluation;
      this.bestLoss = l0;
      this.bestTrial = trial;
    }
    if (this.o.directions.length > 1) {
      // Multi-objective progress: the new trial is not dominated by any earlier success.
      let dominated = false;
      for (const o of this.obs) {
        if (o.loss !== null && o.id !== trial.id && dominates(o.loss, loss)) {
          dominated = true;
          break;
        }
      }
      if (!dominated) this.lastImprovementAt = trial.evaluation;
    }
  }

  stopReason(): StopReason | null {
    const idle = this.qHead === this.queued.length && this.inFlight.size === 0;
    if (idle && !this.exhaustedFlag && this.engine.exhausted(this.ctx)) this.exhaustedFlag = true;
    if (idle && this.exhaustedFlag) return StopReason.Exhausted;
    if (this.trials.length >= this.o.maxEvaluations) return StopReason.MaxEvaluations;
    if (this.o.patience !== null && this.trials.length - this.lastImprovementAt >= this.o.patience) return StopReason.Patience;
    if (this.o.timeBudgetMs !== null && this.o.clock.now() - this.startedMs >= this.o.timeBudgetMs) return StopReason.TimeBudget;
    return null;
  }

  isDone(): boolean {
    return this.stopReason() !== null;
  }

  history(): readonly Trial[] {
    return this.trials;
  }

  best(): Trial | null {
    return this.bestTrial;
  }

  paretoFront(): Trial[] {
    const ok = this.obs.map((o, i) => ({ o, t: this.trials[i] as Trial })).filter((e) => e.o.loss !== null);
    return ok.filter((a) => !ok.some((b) => dominates(b.o.loss as Float64Array, a.o.loss as Float64Array))).map((e) => e.t);
  }

  pending(): Candidate[] {
    return sortedById([...this.inFlight.values()]);
  }

  private pendingAll(): Candidate[] {
    const out = [...this.inFlight.values()];
    for (let k = this.qHead; k < this.queued.length; k++) out.push(this.queued[k] as Candidate);
    return sortedById(out);
  }

  remainingBudget(): number {
    return Math.max(0, this.o.maxEvaluations - this.trials.length - this.inFlight.size);
  }
}

/** Sorted by id (stable); usually already is, then no sort. */
function sortedById(cs: Candidate[]): Candidate[] {
  for (let k = 1; k < cs.length; k++) {
    if (!((cs[k] as Candidate).id >= (cs[k - 1] as Candidate).id)) return cs.sort((a, b) => a.id - b.id);
  }
  return cs;
}

/** A new searcher. Options are validated (ConfigError naming the path) before anything runs. */
export function createSearcher(space: SearchSpace, options: SearchOptions, path = 'search'): Searcher {
  const o = compileSearchOptions(options, space, path);
  return new SearcherImpl(space, o, createEngine(space, o, path));
}

/**
 * The crash-recovery path: a new searcher with the same space, options and seed, told the
 * journaled results in journal order. It then proposes what the uninterrupted searcher would.
 */
export function rebuildSearcher(space: SearchSpace, options: SearchOptions, journal: readonly TrialResult[], path = 'search'): Searcher {
  const s = createSearcher(space, options, path);
  s.tell(journal);
  return s;
}
