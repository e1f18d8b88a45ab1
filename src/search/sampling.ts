/**
 * Random search (uniform in the unit cube, i.e. log-uniform for log parameters) and Sobol
 * search (scrambled low-discrepancy points). Candidate k is a pure function of the seed and the
 * candidates before it (rejection of infeasible points and of already-seen points in discrete
 * spaces), so a rebuilt searcher regenerates any id.
 */
import { ConfigError } from '../errors.js';
import type { Engine, EngineContext, Observation, UnknownPolicy } from './engine.js';
import { DEFAULT_MAX_REJECTIONS, type Params, ParamsSet, type SearchSpace } from './space.js';
import { Sobol, SOBOL_MAX_DIM } from './sobol.js';
import type { Candidate } from './types.js';

/** Draws spent looking for a point not evaluated yet before accepting a repeat (discrete spaces). */
const UNSEEN_TRIES = 100;

export class RandomEngine implements Engine {
  produce(ctx: EngineContext, n: number): Candidate[] {
    const out: Candidate[] = [];
    // The parameter sets of `out` (a repeat within the batch is rejected like a seen point).
    let outSet: ParamsSet | null = null;
    for (let k = 0; k < n; k++) {
      const id = ctx.allocId();
      const rng = ctx.rng(`random:${id}`);
      let params: Params = ctx.space.sampleUniform(rng);
      for (let t = 1; t < UNSEEN_TRIES && (ctx.hasSeen(params) || (outSet !== null && outSet.has(params))); t++) {
        params = ctx.space.sampleUniform(rng);
      }
      out.push({ id, params, origin: 'random' });
      if (k + 1 < n) (outSet ??= new ParamsSet(ctx.space)).add(params);
    }
    return out;
  }
  observe(_ctx: EngineContext, _obs: Observation): void {}
  exhausted(): boolean {
    return false;
  }
  unknownPolicy(): UnknownPolicy {
    return 'produce';
  }
}

export class SobolEngine implements Engine {
  private readonly sobol: Sobol;
  private index = 0;
  private readonly u: Float64Array;

  constructor(space: SearchSpace, scramble: boolean, seed: string) {
    if (space.dim > SOBOL_MAX_DIM) {
      throw new ConfigError('search.algorithm', `sobol supports up to ${SOBOL_MAX_DIM} parameters, the space has ${space.dim}; use random`);
    }
    // Unscrambled, skip the origin: it is a corner, rarely a useful first point.
    this.sobol = new Sobol(space.dim, scramble ? `search:${seed}` : undefined);
    if (!scramble) this.index = 1;
    this.u = new Float64Array(space.dim);
  }

  produce(ctx: EngineContext, n: number): Candidate[] {
    const out: Candidate[] = [];
    let taken: ParamsSet | null = null;
    for (let k = 0; k < n; k++) {
      let params: Params | null = null;
      let fallback: Params | null = null;
      for (let t = 0; t < DEFAULT_MAX_REJECTIONS && params === null; t++) {
        const p = ctx.space.decode(this.sobol.point(this.index++, this.u));
        if (!ctx.space.isFeasible(p)) continue;
        if (ctx.hasSeen(p) || (taken !== null && taken.has(p))) {
          fallback ??= p;
          if (t < UNSEEN_TRIES * 10) continue;
        }
        params = p;
      }
      params ??= fallback;
      if (params === null) {
        throw new ConfigError('space.constraints', `no feasible point in ${DEFAULT_MAX_REJECTIONS} Sobol points: the constraints look unsatisfiable`);
      }
      if (k + 1 < n) (taken ??= new ParamsSet(ctx.space)).add(params);
      out.push({ id: ctx.allocId(), params, origin: 'sobol' });
    }
    return out;
  }
  observe(_ctx: EngineContext, _obs: Observation): void {}
  exhausted(): boolean {
    return false;
  }
  unknownPolicy(): UnknownPolicy {
    return 'produce';
  }
}
