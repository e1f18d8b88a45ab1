/**
 * Grid search: every combination of the parameters' grid values (steps, choices, or `gridPoints`
 * levels of unstepped floats), lexicographic (last parameter fastest) or in a seeded shuffled
 * order; infeasible points (constraints) are skipped. Candidate ids follow the visiting order, so
 * a rebuilt searcher regenerates any id.
 */
import { ConfigError } from '../errors.js';
import type { Engine, EngineContext, Observation, UnknownPolicy } from './engine.js';
import { makeRng } from './engine.js';
import type { SearchSpace } from './space.js';
import type { Candidate } from './types.js';

const MAX_SHUFFLED_GRID = 10_000_000;

export class GridEngine implements Engine {
  private cursor = 0;
  private readonly size: number;
  private readonly order: Uint32Array | null;

  constructor(space: SearchSpace, shuffle: boolean, seed: string) {
    this.size = space.gridSize();
    if (!Number.isSafeInteger(this.size)) throw new ConfigError('space.params', `the grid has ${this.size} points: too many to enumerate`);
    if (shuffle) {
      if (this.size > MAX_SHUFFLED_GRID) throw new ConfigError('search.gridShuffle', `cannot shuffle a grid of ${this.size} points (max ${MAX_SHUFFLED_GRID})`);
      const order = new Uint32Array(this.size);
      for (let i = 0; i < this.size; i++) order[i] = i;
      const rng = makeRng(seed, 'grid-shuffle');
      for (let i = this.size - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        const t = order[i] as number;
        order[i] = order[j] as number;
        order[j] = t;
      }
      this.order = order;
    } else this.order = null;
  }

  produce(ctx: EngineContext, n: number): Candidate[] {
    const out: Candidate[] = [];
    while (out.length < n && this.cursor < this.size) {
      const idx = this.order ? (this.order[this.cursor] as number) : this.cursor;
      this.cursor++;
      const params = ctx.space.gridPoint(idx);
      if (!ctx.space.isFeasible(params)) continue;
      out.push({ id: ctx.allocId(), params, origin: 'grid' });
    }
    return out;
  }

  observe(_ctx: EngineContext, _obs: Observation): void {}

  exhausted(): boolean {
    return this.cursor >= this.size;
  }

  unknownPolicy(): UnknownPolicy {
    return 'produce';
  }
}
