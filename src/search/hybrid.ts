/**
 * Hybrid: the GA explores for `gaEvaluations` candidates (rounded up to whole generations), then
 * BO takes over with the GA history as its design (no separate initial design). GA candidates
 * still in flight at the switch are fantasies for BO's first batch.
 */
import { BoEngine, type ResolvedBoOptions } from './bo.js';
import type { Engine, EngineContext, Observation, UnknownPolicy } from './engine.js';
import { GaEngine, type ResolvedGaOptions } from './ga.js';
import type { Candidate } from './types.js';

export class HybridEngine implements Engine {
  private readonly ga: GaEngine;
  private readonly bo: BoEngine;

  constructor(ga: ResolvedGaOptions, bo: ResolvedBoOptions, private readonly gaEvaluations: number) {
    this.ga = new GaEngine(ga);
    this.bo = new BoEngine(bo, 0);
  }

  private inGa(): boolean {
    return this.ga.produced < this.gaEvaluations;
  }

  produce(ctx: EngineContext, n: number): Candidate[] {
    return this.inGa() ? this.ga.produce(ctx, n) : this.bo.produce(ctx, n);
  }

  observe(ctx: EngineContext, obs: Observation): void {
    this.ga.observe(ctx, obs);
    this.bo.observe(ctx, obs);
  }

  exhausted(ctx: EngineContext): boolean {
    return !this.inGa() && this.bo.exhausted();
  }

  unknownPolicy(ctx: EngineContext, id: number): UnknownPolicy {
    return this.inGa() ? 'produce' : this.bo.unknownPolicy(ctx, id);
  }
}
