/**
 * Generational real-coded genetic algorithm on the unit cube: generation 0 is a scrambled Sobol
 * design; then tournament selection, SBX (or BLX-0.5) crossover, polynomial (or Gaussian)
 * mutation, and elitism (the best `eliteCount` individuals pass unchanged and are not
 * re-evaluated). A generation is produced at once (ask hands it out over as many calls as there
 * are free workers) and the next one is bred when every member has been told. Each generation
 * draws from its own seeded stream, so candidates are a pure function of the seed and the
 * results of earlier generations: a rebuilt searcher regenerates any id.
 * Integer and stepped genes are rounded on decode; categorical genes are index-encoded.
 */
import { ConfigError } from '../errors.js';
import type { Engine, EngineContext, Observation, UnknownPolicy } from './engine.js';
import type { SearchSpace } from './space.js';
import type { Candidate, GaOptions } from './types.js';
import { blend, gaussianMutation, initialDesign, polynomialMutation, sbx, settleChild, tournament } from './variation.js';

export interface ResolvedGaOptions {
  populationSize: number;
  eliteCount: number;
  tournamentSize: number;
  crossover: 'sbx' | 'blend';
  crossoverProbability: number;
  crossoverEta: number;
  mutation: 'polynomial' | 'gaussian';
  mutationProbability: number;
  mutationEta: number;
  mutationSigma: number;
}

const GA_KEYS = ['populationSize', 'eliteCount', 'tournamentSize', 'crossover', 'crossoverProbability', 'crossoverEta', 'mutation', 'mutationProbability', 'mutationEta', 'mutationSigma'];

export function checkKeys(raw: object, allowed: readonly string[], path: string): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(path, `expected an object, got ${JSON.stringify(raw)}`);
  for (const k of Object.keys(raw)) {
    if (!allowed.includes(k)) throw new ConfigError(`${path}.${k}`, `unknown option (allowed: ${allowed.join(', ')})`);
  }
}

export function intOpt(v: unknown, def: number, min: number, path: string): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ConfigError(path, `expected an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

export function numOpt(v: unknown, def: number, min: number, max: number, path: string): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !(v >= min && v <= max)) throw new ConfigError(path, `expected a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

export function compileGaOptions(raw: GaOptions, space: SearchSpace, path: string): ResolvedGaOptions {
  checkKeys(raw, GA_KEYS, path);
  const d = space.dim;
  const populationSize = intOpt(raw.populationSize, 4 * d + 8, 4, `${path}.populationSize`);
  const eliteCount = intOpt(raw.eliteCount, Math.max(1, Math.round(populationSize / 10)), 0, `${path}.eliteCount`);
  if (eliteCount >= populationSize) throw new ConfigError(`${path}.eliteCount`, `expected fewer elites than populationSize (${populationSize}), got ${eliteCount}`);
  if (raw.crossover !== undefined && raw.crossover !== 'sbx' && raw.crossover !== 'blend') {
    throw new ConfigError(`${path}.crossover`, `expected sbx | blend, got ${JSON.stringify(raw.crossover)}`);
  }
  if (raw.mutation !== undefined && raw.mutation !== 'polynomial' && raw.mutation !== 'gaussian') {
    throw new ConfigError(`${path}.mutation`, `expected polynomial | gaussian, got ${JSON.stringify(raw.mutation)}`);
  }
  return {
    populationSize,
    eliteCount,
    tournamentSize: intOpt(raw.tournamentSize, 3, 1, `${path}.tournamentSize`),
    crossover: raw.crossover ?? 'sbx',
    crossoverProbability: numOpt(raw.crossoverProbability, 0.9, 0, 1, `${path}.crossoverProbability`),
    crossoverEta: numOpt(raw.crossoverEta, 15, 0, 1000, `${path}.crossoverEta`),
    mutation: raw.mutation ?? 'polynomial',
    mutationProbability: numOpt(raw.mutationProbability, 1 / d, 0, 1, `${path}.mutationProbability`),
    mutationEta: numOpt(raw.mutationEta, 20, 0, 1000, `${path}.mutationEta`),
    mutationSigma: numOpt(raw.mutationSigma, 0.1, 0, 10, `${path}.mutationSigma`),
  };
}

interface Individual {
  x: Float64Array;
  /** Loss on objective 0; Infinity when the trial failed. */
  loss: number;
}

export class GaEngine implements Engine {
  private generation = 0;
  /** Ids of the current generation's new members, and their results as they come. */
  private memberIds: number[] | null = null;
  private readonly results = new Map<number, Individual>();
  private population: Individual[] = [];
  /** Candidates produced so far (the hybrid stops the GA after a number of them). */
  produced = 0;

  constructor(private readonly o: ResolvedGaOptions) {}

  get currentGeneration(): number {
    return this.generation;
  }

  /** True while the current generation is produced but not fully told. */
  get waiting(): boolean {
    return this.memberIds !== null;
  }

  produce(ctx: EngineContext, _n: number): Candidate[] {
    if (this.memberIds !== null) return [];
    const params =
      this.generation === 0 ? initialDesign(ctx, this.o.populationSize, 'ga') : this.breed(ctx, this.o.populationSize - this.o.eliteCount);
    const origin = `ga:${this.generation}`;
    const out = params.map((p) => ({ id: ctx.allocId(), params: p, origin }));
    this.memberIds = out.map((c) => c.id);
    this.produced += out.length;
    return out;
  }

  private breed(ctx: EngineContext, count: number): import('./space.js').Params[] {
    const space = ctx.space;
    const rng = ctx.rng(`ga:${this.generation}`);
    const pop = this.population;
    const better = (a: number, b: number): boolean => (pop[a] as Individual).loss < (pop[b] as Individual).loss;
    const taken = new Set<string>();
    const out: import('./space.js').Params[] = [];
    const c1 = new Float64Array(space.dim);
    const c2 = new Float64Array(space.dim);
    let spare: Float64Array | null = null;
    const makeChild = (): Float64Array => {
      if (spare) {
        const s = spare;
        spare = null;
        return s;
      }
      const a = pop[tournament(rng, pop.length, this.o.tournamentSize, better)] as Individual;
      const b = pop[tournament(rng, pop.length, this.o.tournamentSize, better)] as Individual;
      if (rng.next() < this.o.crossoverProbability) {
        if (this.o.crossover === 'sbx') sbx(space, rng, a.x, b.x, this.o.crossoverEta, c1, c2);
        else blend(space, rng, a.x, b.x, 0.5, c1, c2);
      } else {
        c1.set(a.x);
        c2.set(b.x);
      }
      for (const c of [c1, c2]) {
        if (this.o.mutation === 'polynomial') polynomialMutation(space, rng, c, this.o.mutationProbability, this.o.mutationEta);
        else gaussianMutation(space, rng, c, this.o.mutationProbability, this.o.mutationSigma);
      }
      spare = Float64Array.from(c2);
      return Float64Array.from(c1);
    };
    while (out.length < count) {
      const p = settleChild(ctx, rng, makeChild, taken);
      taken.add(space.key(p));
      out.push(p);
    }
    return out;
  }

  observe(_ctx: EngineContext, obs: Observation): void {
    if (this.memberIds === null || !this.memberIds.includes(obs.id)) return;
    this.results.set(obs.id, { x: obs.x, loss: obs.loss === null ? Infinity : (obs.loss[0] as number) });
    if (this.results.size < this.memberIds.length) return;
    const fresh = this.memberIds.map((id) => this.results.get(id) as Individual);
    const elites = [...this.population].sort((a, b) => a.loss - b.loss).slice(0, this.o.eliteCount);
    this.population = this.generation === 0 ? fresh : [...elites, ...fresh];
    this.results.clear();
    this.memberIds = null;
    this.generation++;
  }

  exhausted(): boolean {
    return false;
  }

  unknownPolicy(): UnknownPolicy {
    return 'produce';
  }
}
