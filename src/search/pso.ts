/**
 * Synchronous particle swarm optimization (global-best topology, Clerc–Kennedy constriction
 * defaults) on the unit cube. Iteration 0 is a scrambled Sobol design; each later iteration moves
 * every particle once and evaluates all of them, so an iteration is a batch for parallel workers.
 * Positions stay continuous; integer, stepped and categorical dimensions are rounded on decode.
 * A move that lands outside the constraints is halved up to 8 times, then the particle restarts
 * at a random feasible point. Each iteration draws from its own seeded stream (replayable).
 */
import type { Engine, EngineContext, Observation, UnknownPolicy } from './engine.js';
import { checkKeys, intOpt, numOpt } from './ga.js';
import type { SearchSpace } from './space.js';
import type { Candidate, PsoOptions } from './types.js';
import { initialDesign } from './variation.js';

export interface ResolvedPsoOptions {
  swarmSize: number;
  inertia: number;
  cognitive: number;
  social: number;
  maxVelocity: number;
}

export function compilePsoOptions(raw: PsoOptions, space: SearchSpace, path: string): ResolvedPsoOptions {
  checkKeys(raw, ['swarmSize', 'inertia', 'cognitive', 'social', 'maxVelocity'], path);
  return {
    swarmSize: intOpt(raw.swarmSize, 4 * space.dim + 8, 2, `${path}.swarmSize`),
    inertia: numOpt(raw.inertia, 0.7298, 0, 2, `${path}.inertia`),
    cognitive: numOpt(raw.cognitive, 1.49618, 0, 10, `${path}.cognitive`),
    social: numOpt(raw.social, 1.49618, 0, 10, `${path}.social`),
    maxVelocity: numOpt(raw.maxVelocity, 0.5, 1e-6, 1, `${path}.maxVelocity`),
  };
}

interface Particle {
  x: Float64Array;
  v: Float64Array;
  bestX: Float64Array;
  bestLoss: number;
}

export class PsoEngine implements Engine {
  private iteration = 0;
  private particles: Particle[] = [];
  private memberIds: number[] | null = null;
  private readonly results = new Map<number, number>();
  private globalX: Float64Array | null = null;
  private globalLoss = Infinity;

  constructor(private readonly o: ResolvedPsoOptions) {}

  produce(ctx: EngineContext, _n: number): Candidate[] {
    if (this.memberIds !== null) return [];
    const space = ctx.space;
    const rng = ctx.rng(`pso:${this.iteration}`);
    const origin = `pso:${this.iteration}`;
    let params;
    if (this.iteration === 0) {
      params = initialDesign(ctx, this.o.swarmSize, 'pso');
      this.particles = params.map((p) => {
        const x = space.encode(p);
        const v = Float64Array.from(x, () => (rng.next() - 0.5) * 0.2);
        return { x, v, bestX: Float64Array.from(x), bestLoss: Infinity };
      });
    } else {
      const g = this.globalX as Float64Array;
      params = this.particles.map((pt) => {
        const { inertia: w, cognitive: c1, social: c2, maxVelocity: vmax } = this.o;
        for (let k = 0; k < pt.x.length; k++) {
          let v = w * (pt.v[k] as number) + c1 * rng.next() * ((pt.bestX[k] as number) - (pt.x[k] as number)) + c2 * rng.next() * ((g[k] as number) - (pt.x[k] as number));
          v = Math.max(-vmax, Math.min(vmax, v));
          pt.v[k] = v;
        }
        const next = new Float64Array(pt.x.length);
        for (let half = 0; half <= 8; half++) {
          const scale = Math.pow(0.5, half);
          for (let k = 0; k < next.length; k++) {
            let x = (pt.x[k] as number) + scale * (pt.v[k] as number);
            if (x < 0 || x > 1) {
              // Absorb at the wall and stop moving outward.
              x = x < 0 ? 0 : 1;
              pt.v[k] = 0;
            }
            next[k] = x;
          }
          const p = space.decode(next);
          if (space.isFeasible(p)) {
            pt.x.set(next);
            return p;
          }
        }
        const p = space.sampleUniform(rng);
        pt.x.set(space.encode(p));
        pt.v.fill(0);
        return p;
      });
    }
    const out = params.map((p) => ({ id: ctx.allocId(), params: p, origin }));
    this.memberIds = out.map((c) => c.id);
    return out;
  }

  observe(_ctx: EngineContext, obs: Observation): void {
    if (this.memberIds === null) return;
    const idx = this.memberIds.indexOf(obs.id);
    if (idx < 0) return;
    this.results.set(idx, obs.loss === null ? Infinity : (obs.loss[0] as number));
    if (this.results.size < this.memberIds.length) return;
    this.particles.forEach((pt, i) => {
      const loss = this.results.get(i) as number;
      if (loss < pt.bestLoss) {
        pt.bestLoss = loss;
        pt.bestX.set(pt.x);
      }
      if (loss < this.globalLoss) {
        this.globalLoss = loss;
        this.globalX = Float64Array.from(pt.x);
      }
    });
    // All failed so far: aim at the first particle so the swarm still moves.
    this.globalX ??= Float64Array.from((this.particles[0] as Particle).x);
    this.results.clear();
    this.memberIds = null;
    this.iteration++;
  }

  exhausted(): boolean {
    return false;
  }

  unknownPolicy(): UnknownPolicy {
    return 'produce';
  }
}
