/**
 * Role module for worker threads (src/runtime/worker-pool.ts): one backtester actor per worker,
 * with the built-in models registered.
 */
import type { ActorSystem } from '../../src/runtime/system.js';
import '../../src/sweep/builtin.js';
import { backtesterActor } from './backtester.js';

export async function setup(system: ActorSystem, _data: unknown): Promise<string[]> {
  const r = await system.spawn('backtester', () => backtesterActor());
  return [r.address];
}
