/**
 * NSGA-II (Deb et al. 2002) for several objectives: generation 0 is a scrambled Sobol design;
 * then binary tournament on (front rank, crowding distance), SBX + polynomial mutation, and
 * (μ+λ) survival by non-dominated sorting and crowding distance. Failed trials get +Infinity in
 * every objective (dominated by any success). Generations are produced whole and bred when
 * fully told, from per-generation seeded streams (replayable). The answer is the searcher's
 * paretoFront() over every evaluated trial.
 */
import type { Engine, EngineContext, Observation, UnknownPolicy } from './engine.js';
import { checkKeys, intOpt, numOpt } from './ga.js';
import { crowdingDistance, nonDominatedSort } from './pareto.js';
import type { Params, SearchSpace } from './space.js';
import type { Candidate, Nsga2Options } from './types.js';
import { initialDesign, polynomialMutation, sbx, settleChild, tournament } from './variation.js';

export interface ResolvedNsga2Options {
  populationSize: number;
  crossoverProbability: number;
  crossoverEta: number;
  mutationProbability: number;
  mutationEta: number;
}

export function compileNsga2Options(raw: Nsga2Options, space: SearchSpace, path: string): ResolvedNsga2Options {
  checkKeys(raw, ['populationSize', 'crossoverProbability', 'crossoverEta', 'mutationProbability', 'mutationEta'], path);
  let populationSize = intOpt(raw.populationSize, 4 * space.dim + 8, 4, `${path}.populationSize`);
  populationSize += populationSize % 2;
  return {
    populationSize,
    crossoverProbability: numOpt(raw.crossoverProbability, 0.9, 0, 1, `${path}.crossoverProbability`),
    crossoverEta: numOpt(raw.crossoverEta, 15, 0, 1000, `${path}.crossoverEta`),
    mutationProbability: numOpt(raw.mutationProbability, 1 / space.dim, 0, 1, `${path}.mutationProbability`),
    mutationEta: numOpt(raw.mutationEta, 20, 0, 1000, `${path}.mutationEta`),
  };
}

interface Member {
  x: Float64Array;
  loss: Float64Array;
  rank: number;
  crowding: number;
}

export class Nsga2Engine implements Engine {
  private generation = 0;
  private memberIds: number[] | null = null;
  private readonly results = new Map<number, Member>();
  private population: Member[] = [];

  constructor(private readonly o: ResolvedNsga2Options) {}

  produce(ctx: EngineContext, _n: number): Candidate[] {
    if (this.memberIds !== null) return [];
    const params = this.generation === 0 ? initialDesign(ctx, this.o.populationSize, 'nsga2') : this.breed(ctx);
    const origin = `nsga2:${this.generation}`;
    const out = params.map((p) => ({ id: ctx.allocId(), params: p, origin }));
    this.memberIds = out.map((c) => c.id);
    return out;
  }

  private breed(ctx: EngineContext): Params[] {
    const space = ctx.space;
    const rng = ctx.rng(`nsga2:${this.generation}`);
    const pop = this.population;
    const better = (a: number, b: number): boolean => {
      const A = pop[a] as Member;
      const B = pop[b] as Member;
      return A.rank < B.rank || (A.rank === B.rank && A.crowding > B.crowding);
    };
    const taken = new Set<string>();
    const out: Params[] = [];
    const c1 = new Float64Array(space.dim);
    const c2 = new Float64Array(space.dim);
    let spare: Float64Array | null = null;
    const makeChild = (): Float64Array => {
      if (spare) {
        const s = spare;
        spare = null;
        return s;
      }
      const a = pop[tournament(rng, pop.length, 2, better)] as Member;
      const b = pop[tournament(rng, pop.length, 2, better)] as Member;
      if (rng.next() < this.o.crossoverProbability) sbx(space, rng, a.x, b.x, this.o.crossoverEta, c1, c2);
      else {
        c1.set(a.x);
        c2.set(b.x);
      }
      polynomialMutation(space, rng, c1, this.o.mutationProbability, this.o.mutationEta);
      polynomialMutation(space, rng, c2, this.o.mutationProbability, this.o.mutationEta);
      spare = Float64Array.from(c2);
      return Float64Array.from(c1);
    };
    while (out.length < this.o.populationSize) {
      const p = settleChild(ctx, rng, makeChild, taken);
      taken.add(space.key(p));
      out.push(p);
    }
    return out;
  }

  observe(ctx: EngineContext, obs: Observation): void {
    if (this.memberIds === null || !this.memberIds.includes(obs.id)) return;
    const loss = obs.loss ?? new Float64Array(ctx.objectiveCount).fill(Infinity);
    this.results.set(obs.id, { x: obs.x, loss, rank: 0, crowding: 0 });
    if (this.results.size < this.memberIds.length) return;
    const combined = [...this.population, ...this.memberIds.map((id) => this.results.get(id) as Member)];
    this.population = survive(combined, this.o.populationSize);
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

/** (μ+λ) survival: whole fronts while they fit, then the most spread-out of the next front. */
export function survive(combined: Member[], size: number): Member[] {
  const points = combined.map((m) => m.loss);
  const fronts = nonDominatedSort(points);
  const next: Member[] = [];
  for (let r = 0; r < fronts.length && next.length < size; r++) {
    const front = fronts[r] as number[];
    const dist = crowdingDistance(points, front);
    const members = front.map((i) => ({ ...(combined[i] as Member), rank: r, crowding: dist.get(i) as number }));
    if (next.length + members.length <= size) next.push(...members);
    else {
      members.sort((a, b) => (b.crowding > a.crowding ? 1 : b.crowding < a.crowding ? -1 : 0));
      next.push(...members.slice(0, size - next.length));
    }
  }
  return next;
}
