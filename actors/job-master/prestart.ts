/**
 * Worker threads started before the rest of a job: `hppo optimize` starts them right after reading
 * the config, so their bootstrap and module loading (~0.25 s of CPU each) overlap the main
 * thread's own imports (the runtime, NATS, the job master: ~0.2 s) and the embedded nats-server's
 * start-up. The workers wait for the node's NATS URL (see WorkerPool's promised natsUrl).
 *
 * Light on purpose: this module imports only the worker pool.
 */
import type { Logger } from '../../src/log.js';
import { WorkerPool } from '../../src/runtime/worker-pool.js';

export interface PrestartedWorkers {
  /** The node id the job's node must use (workers are `<nodeId>-w<i>`). */
  readonly nodeId: string;
  /** Resolves once every worker is connected and ready; rejects if the URL never comes. */
  readonly pool: Promise<WorkerPool>;
  /** Gives the workers the node's NATS URL, or the reason there is none (the pool then stops). */
  connect(url: string | Error): void;
}

export function jobNodeId(): string {
  return process.env['HPPO_NODE_ID'] ?? `node-${process.pid}`;
}

export function prestartWorkers(count: number, log?: Logger): PrestartedWorkers {
  const nodeId = jobNodeId();
  let give: (url: string) => void = () => {};
  let fail: (err: Error) => void = () => {};
  const url = new Promise<string>((resolve, reject) => {
    give = resolve;
    fail = reject;
  });
  const workerModule = new URL(`../backtester/worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
  const pool = WorkerPool.start({ count, natsUrl: url, nodeIdPrefix: nodeId, module: workerModule, ...(log ? { log } : {}) });
  pool.catch(() => undefined); // the caller awaits it
  return { nodeId, pool, connect: (u) => (typeof u === 'string' ? give(u) : fail(u)) };
}
