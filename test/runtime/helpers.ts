import { Ping, Pong } from '../../src/gen/hppo/v1/envelope.js';
import { is, reply, type Actor, type ActorFactory } from '../../src/runtime/actor.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { MemoryTransport } from '../../src/runtime/memory-transport.js';
import { ActorSystem } from '../../src/runtime/system.js';
import { silentLogger } from '../../src/log.js';

export const CRASH = 666;
export const STOP = 777;

/**
 * Test actor: counts Pings per instance and answers Pong{seq: count, data: [instanceNo]};
 * Ping{seq: 666} throws; Ping{seq: 777} stops normally.
 */
export function counterFactory(instances: { n: number }): ActorFactory {
  return (): Actor => {
    const instanceNo = ++instances.n;
    let count = 0;
    return {
      receive(msg, ctx) {
        if (!is(msg, Ping)) return;
        if (msg.body.seq === CRASH) throw new Error('boom');
        if (msg.body.seq === STOP) ctx.stop();
        count++;
        return reply(Pong, { seq: count, data: Buffer.from([instanceNo]) });
      },
    };
  };
}

export function memorySystem(opts: { nodeId?: string; maxRestarts?: number; periodMs?: number } = {}): { system: ActorSystem; clock: ManualClock; transport: MemoryTransport } {
  const clock = new ManualClock();
  const transport = new MemoryTransport(clock);
  const system = new ActorSystem({
    nodeId: opts.nodeId ?? 'n1',
    transport,
    clock,
    log: silentLogger(),
    root: { maxRestarts: opts.maxRestarts ?? 10, periodMs: opts.periodMs ?? 10_000, backoff: { initialMs: 10, maxMs: 1000, multiplier: 2, jitter: 0 } },
  });
  return { system, clock, transport };
}

export async function askPong(system: ActorSystem, address: string, seq: number, timeoutMs = 1000): Promise<Pong> {
  return system.ask<Ping, Pong>(address, Ping, { seq }, { timeoutMs });
}
