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
  natsUrl: string;
  nodeId: string;
  module: string;
  data: unknown;
}

const init = workerData as WorkerInit;
const log = createLogger('worker', { nodeId: init.nodeId });
const transport = await NatsTransport.connect({ servers: init.natsUrl.split(','), name: `hppo-${init.nodeId}`, log });
const system = new ActorSystem({ nodeId: init.nodeId, transport, log, publishEvents: true });
await system.start();
const mod = (await import(init.module)) as { setup(system: ActorSystem, data: unknown): Promise<string[]> };
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
