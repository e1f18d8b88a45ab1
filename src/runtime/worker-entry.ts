/**
 * Entry of a worker thread that hosts an actor system: connects to NATS (its own connection),
 * imports the role module named in workerData and calls its `setup(system, data)`, then reports
 * ready. Blocking work inside the worker's actors (a batch of backtests, native solves) never
 * blocks the node's main event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../log.js';
import { NatsTransport } from './nats-transport.js';
import { ActorSystem } from './system.js';

interface WorkerInit {
  /** null: the pool started this worker before the NATS URL was known; it arrives as {type: 'nats', url}. */
  natsUrl: string | null;
  nodeId: string;
  module: string;
  data: unknown;
}

interface RoleModule {
  setup(system: ActorSystem, data: unknown): Promise<string[]>;
}

/** Waits for the parent's {type: 'nats', url}; a 'stop' before it is answered with 'stopped'. */
function natsUrlFromParent(): Promise<string> {
  return new Promise((resolve) => {
    const on = (m: { type: string; url?: unknown }): void => {
      if (m.type === 'nats' && typeof m.url === 'string') {
        parentPort?.off('message', on);
        resolve(m.url);
      } else if (m.type === 'stop') {
        parentPort?.off('message', on);
        parentPort?.postMessage({ type: 'stopped' });
      }
    };
    parentPort?.on('message', on);
  });
}

const init = workerData as WorkerInit;
const log = createLogger('worker', { nodeId: init.nodeId });
// The role module starts loading now, while the NATS URL arrives (the pool may start workers before
// the embedded nats-server is up) and the connection opens: start-up time (issue 7).
const roleModule = import(init.module) as Promise<RoleModule>;
roleModule.catch(() => undefined); // awaited below; no unhandled rejection in between
const natsUrl = init.natsUrl ?? (await natsUrlFromParent());
const transport = await NatsTransport.connect({ servers: natsUrl.split(','), name: `hppo-${init.nodeId}`, log });
const system = new ActorSystem({ nodeId: init.nodeId, transport, log, publishEvents: true });
await system.start();
const mod = await roleModule;
const addresses = await mod.setup(system, init.data);
await transport.flush();
parentPort?.postMessage({ type: 'ready', addresses });
parentPort?.on('message', (m: { type: string }) => {
  if (m.type === 'stop') {
    void system
      .stop()
      .then(() => transport.close())
      .then(() => parentPort?.postMessage({ type: 'stopped' }));
  }
});
