/**
 * What an algorithm implements to plug into the Searcher bookkeeping (searcher.ts). Engines see
 * losses (every objective turned into "smaller is better"), never raw directions.
 */
import { Rng } from '../util/rng.js';
import type { Params, SearchSpace } from './space.js';
import type { Candidate } from './types.js';

export interface Observation {
  readonly id: number;
  readonly params: Params;
  /** Unit-cube point (space.encode(params)). */
  readonly x: Float64Array;
  /** One loss per objective (minimize); null = failed trial. */
  readonly loss: Float64Array | null;
}

export interface EngineContext {
  readonly space: SearchSpace;
  readonly seed: string;
  readonly objectiveCount: number;
  /** Evaluations the searcher may still start (max-evaluations minus told minus in flight). */
  readonly maxEvaluations: number;
  /** A fresh generator for a label: identical for the same (seed, label) in every process. */
  rng(label: string): Rng;
  allocId(): number;
  /** Generated and not told (queued or in flight), ascending id. */
  pending(): readonly Candidate[];
  /** Told observations in tell order. */
  observations(): readonly Observation[];
  /** Keys (space.key) of every told or pending candidate. */
  hasSeen(params: Params): boolean;
}

/** How a told candidate the searcher never generated (journal replay, user-supplied points) is handled. */
export type UnknownPolicy = 'produce' | 'adopt' | 'reject';

export interface Engine {
  /**
   * New candidates, ids from ctx.allocId() in increasing order. May return fewer than n (or
   * more: a generational engine returns the rest of its generation; extras are queued) or []
   * when it must wait for results or is exhausted.
   */
  produce(ctx: EngineContext, n: number): Candidate[];
  /** Called for each told trial, in tell order. */
  observe(ctx: EngineContext, obs: Observation): void;
  /** No candidate will ever be produced again. */
  exhausted(ctx: EngineContext): boolean;
  /**
   * 'produce': call produce() until the id shows up (structural ids: grid, GA generations...);
   * 'adopt': take the candidate as given (BO's model phase); 'reject': an error.
   */
  unknownPolicy(ctx: EngineContext, id: number): UnknownPolicy;
}

export function makeRng(seed: string, label: string): Rng {
  return new Rng(`${seed}|${label}`);
}
