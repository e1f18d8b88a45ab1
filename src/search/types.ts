/**
 * The ask/tell contract between a search algorithm and whoever evaluates candidates (the job
 * master). Pure data in, pure data out: no I/O, no clock except the injected one, no Math.random.
 *
 *   const s = createSearcher(space, {algorithm: 'bo', seed: 7, directions: ['maximize']});
 *   while (!s.isDone()) {
 *     const batch = s.ask(freeSlots);          // may be fewer than asked, [] = wait for results
 *     ...evaluate in parallel...
 *     s.tell([{candidate, objectives: [sharpe]}, ...]);   // objectives null = the trial failed
 *   }
 *
 * Determinism and crash recovery (see docs/search.md): candidates carry a sequence `id`. The
 * searcher's state is a pure function of (space, options, seed, the results told in order), so a
 * restarted job master rebuilds it with `rebuildSearcher(space, options, journal)` (= a new
 * searcher + `tell` of every journaled result in journal order) and then gets the same proposals
 * an uninterrupted run would. Candidates that were handed out but never finished are handed out
 * again by the next ask with the same id and params (grid, random, Sobol, GA, PSO, NSGA-II, the
 * initial design of BO); BO's model-based proposals in flight at a crash are proposed afresh.
 */
import type { Params, SearchSpace } from './space.js';

export const ALGORITHMS = ['grid', 'random', 'sobol', 'ga', 'bo', 'pso', 'hybrid', 'nsga2'] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];

export const Direction = { Minimize: 'minimize', Maximize: 'maximize' } as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

export interface Candidate {
  /** Sequence number, unique within a search; the journal key of the trial. */
  readonly id: number;
  readonly params: Params;
  /** What produced it: "grid", "random", "sobol", "init", "ga:3" (generation), "pso:2", "bo", ... */
  readonly origin: string;
}

export interface TrialResult {
  candidate: { readonly id: number; readonly params: Params; readonly origin?: string };
  /** One value per objective (order of `directions`); null = the trial failed. Non-finite = failed. */
  objectives: readonly number[] | null;
  /** Anything else worth keeping in history (full backtest metrics); not read by algorithms. */
  metrics?: Readonly<Record<string, number>>;
}

export interface Trial {
  readonly id: number;
  readonly params: Params;
  readonly origin: string;
  /** As told; null when failed. */
  readonly objectives: readonly number[] | null;
  readonly metrics: Readonly<Record<string, number>> | undefined;
  /** 1-based position in tell order. */
  readonly evaluation: number;
}

export const StopReason = {
  Exhausted: 'exhausted',
  MaxEvaluations: 'max-evaluations',
  Patience: 'patience',
  TimeBudget: 'time-budget',
} as const;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

export interface TellSummary {
  accepted: number;
  /** Ids told before: ignored, never counted twice (at-least-once delivery is expected). */
  duplicates: number[];
}

export interface Searcher {
  readonly algorithm: AlgorithmName;
  readonly space: SearchSpace;
  /** Up to `n` new candidates (n = free worker slots); fewer or [] while waiting or when done. */
  ask(n: number): Candidate[];
  tell(results: readonly TrialResult[]): TellSummary;
  isDone(): boolean;
  stopReason(): StopReason | null;
  /** Every told trial in tell order. */
  history(): readonly Trial[];
  /** Best successful trial on objective 0 (its direction applied); null before any success. */
  best(): Trial | null;
  /** Trials no other successful trial dominates (all objectives, directions applied). */
  paretoFront(): Trial[];
  /** Handed out by ask and not told yet, by id. */
  pending(): Candidate[];
  /** Evaluations left before max-evaluations (pending ones count as used). */
  remainingBudget(): number;
}

/** Injectable time source; src/runtime's Clock fits. */
export interface NowClock {
  now(): number;
}

export interface GaOptions {
  /** Default 4*dim + 8. */
  populationSize?: number;
  /** Best individuals copied unchanged into the next generation (not re-evaluated). Default max(1, round(pop/10)). */
  eliteCount?: number;
  /** Default 3. */
  tournamentSize?: number;
  /** 'sbx' (simulated binary, default) or 'blend' (BLX-alpha, alpha 0.5). */
  crossover?: 'sbx' | 'blend';
  /** Default 0.9. */
  crossoverProbability?: number;
  /** SBX distribution index, default 15. */
  crossoverEta?: number;
  /** 'polynomial' (default) or 'gaussian'. */
  mutation?: 'polynomial' | 'gaussian';
  /** Per gene; default 1/dim. */
  mutationProbability?: number;
  /** Polynomial mutation index, default 20. */
  mutationEta?: number;
  /** Gaussian sigma in unit-cube units, default 0.1. */
  mutationSigma?: number;
}

export interface BoOptions {
  /** Scrambled-Sobol initial design before the GP takes over; default max(5, 2*dim + 1). */
  initialPoints?: number;
  /** Candidate pool for the acquisition (random + local), shared by a batch; default 300 + 50*dim. */
  acquisitionSamples?: number;
  /** How parallel proposals in one batch (and pending trials) are fantasized; default 'kriging-believer'. */
  batchStrategy?: 'kriging-believer' | 'constant-liar-min' | 'constant-liar-mean' | 'constant-liar-max';
  /** Starts of the marginal-likelihood optimization (first one is a fixed default); default 2. */
  hyperparameterRestarts?: number;
  /** Improvement threshold of EI in standardized units; default 0. */
  xi?: number;
  /** Most observations in the GP (best half + most recent); default 200. Bounds the O(n³) cost. */
  maxModelPoints?: number;
  /**
   * When every parameter is stepped, integer or categorical and the grid has at most this many
   * points, log EI is maximized exactly over every feasible grid point (with per-candidate work
   * carried between proposals) instead of over a random pool; default 4096, 0 = never.
   */
  finiteDomainLimit?: number;
}

export interface PsoOptions {
  /** Default 4*dim + 8. */
  swarmSize?: number;
  /** Constriction defaults (Clerc & Kennedy): inertia 0.7298, cognitive = social = 1.49618. */
  inertia?: number;
  cognitive?: number;
  social?: number;
  /** Velocity clamp in unit-cube units; default 0.5. */
  maxVelocity?: number;
}

export interface Nsga2Options {
  /** Default 4*dim + 8 (rounded up to even). */
  populationSize?: number;
  crossoverProbability?: number;
  crossoverEta?: number;
  mutationProbability?: number;
  mutationEta?: number;
}

export interface HybridOptions {
  /** Evaluations given to the GA before BO takes over, rounded up to whole generations; default 40% of maxEvaluations. */
  gaEvaluations?: number;
}

export interface SearchOptions {
  algorithm: AlgorithmName;
  /** Default 0. Same seed + same results told in the same order = same proposals. */
  seed?: number | string;
  /** One per objective; default ['minimize']. Single-objective algorithms optimize objective 0. */
  directions?: readonly Direction[];
  /** Default: the grid size for grid search, 100 otherwise. Failed trials count. */
  maxEvaluations?: number;
  /** Stop after this many evaluations without improving the best (nsga2: without a new front member); default off. */
  patience?: number;
  /** Improvement needed to reset patience (absolute, objective units); default 0 (any strict improvement). */
  minImprovement?: number;
  /** Stop proposing once this much time has passed since the searcher was created; default off. */
  timeBudgetMs?: number;
  clock?: NowClock;
  /** Grid: visit points in a seeded random order instead of lexicographic (useful with early stop). Default false. */
  gridShuffle?: boolean;
  /** Sobol: random digital shift; default true. */
  sobolScramble?: boolean;
  ga?: GaOptions;
  bo?: BoOptions;
  pso?: PsoOptions;
  nsga2?: Nsga2Options;
  hybrid?: HybridOptions;
}
