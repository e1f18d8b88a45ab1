/**
 * Worker threads that each host an actor system with the actors of a role module (e.g. a
 * backtester), all on the node's NATS. A worker that exits unexpectedly is restarted (one-for-one,
 * up to `maxRestarts`); its in-flight asks fail on the caller's side, which retries them.
 */
import { Worker } from 'node:worker_threads';
import { HppoError } from '../errors.js';
import type { Logger } from '../log.js';

export interface WorkerPoolOptions {
  count: number;
  /**
   * The node's NATS URL, or a promise of it: with a promise the workers start at once (thread
   * bootstrap and module loading overlap the nats-server start-up) and get the URL when it resolves;
   * if it rejects, the pool stops its workers and start() rejects with that error.
   */
  natsUrl: string | Promise<string>;
  /** Node id prefix: worker i runs node `<prefix>-w<i>`. */
  nodeIdPrefix: string;
  /** Absolute file URL or path of the role module (exports `setup(system, data)`). */
  module: string;
  data?: unknown;
  log?: Logger;
  maxRestarts?: number;
  readyTimeoutMs?: number;
}

interface Slot {
  index: number;
  worker: Worker;
  addresses: string[];
  restarts: number;
  stopping: boolean;
}

export class WorkerPool {
  private slots: Slot[] = [];
  /** The NATS URL once known (a string option, or the option's promise resolved). */
  private natsUrl: string | undefined;
  private readonly natsUrlReady: Promise<string>;
  private constructor(private readonly opts: WorkerPoolOptions) {
    if (typeof opts.natsUrl === 'string') this.natsUrl = opts.natsUrl;
    this.natsUrlReady = Promise.resolve(opts.natsUrl).then((url) => (this.natsUrl = url));
    this.natsUrlReady.catch(() => undefined); // start() reports it
  }

  static async start(opts: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(opts);
    try {
      await Promise.all([pool.natsUrlReady, ...Array.from({ length: opts.count }, (_, i) => pool.launch(i, 0))]);
    } catch (err) {
      await pool.stop();
      throw err;
    }
    return pool;
  }

  /** Addresses of the actors the workers run, in worker order. */
  addresses(): string[] {
    return this.slots.flatMap((s) => s.addresses);
  }

  get size(): number {
    return this.slots.length;
  }

  private launch(index: number, restarts: number): Promise<void> {
    // Same extension as this module: compiled JS in production, TypeScript under tsx in development.
    const entryPath = new URL(`./worker-entry${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
    // Under tsx (development, not production) the worker registers the TypeScript loader first.
    const dev = entryPath.pathname.endsWith('.ts');
    const script = dev ? `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entryPath.href)}); })` : entryPath;
    const worker = new Worker(script, {
      eval: dev,
      workerData: { natsUrl: this.natsUrl ?? null, nodeId: `${this.opts.nodeIdPrefix}-w${index}`, module: this.opts.module, data: this.opts.data ?? null },
    });
    const slot: Slot = { index, worker, addresses: [], restarts, stopping: false };
    this.slots[index] = slot;
    if (this.natsUrl === undefined) {
      this.natsUrlReady.then(
        (url) => {
          if (!slot.stopping) worker.postMessage({ type: 'nats', url });
        },
        () => undefined,
      );
    }
    return new Promise<void>((resolve, reject) => {
      const timeoutMs = this.opts.readyTimeoutMs ?? 30_000;
      const timer = setTimeout(() => reject(new HppoError('INTERNAL', `worker ${index} not ready within ${timeoutMs} ms`)), timeoutMs);
      worker.on('message', (m: { type: string; addresses?: string[] }) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          slot.addresses = m.addresses ?? [];
          resolve();
        }
      });
      worker.once('error', (err) => {
        clearTimeout(timer);
        this.opts.log?.error({ err, worker: index }, 'worker failed');
        reject(new HppoError('INTERNAL', `worker ${index} failed: ${err.message}`, { cause: err }));
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        if (slot.stopping) return;
        const max = this.opts.maxRestarts ?? 3;
        this.opts.log?.warn({ worker: index, code, restarts: slot.restarts }, 'worker exited');
        if (slot.restarts < max) void this.launch(index, slot.restarts + 1).catch((err: unknown) => this.opts.log?.error({ err }, 'worker restart failed'));
      });
    });
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.slots.map(async (s) => {
        if (!s) return;
        s.stopping = true;
        const stopped = new Promise<void>((resolve) => {
          const t = setTimeout(() => void s.worker.terminate().then(() => resolve()), 3000);
          s.worker.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
          s.worker.on('message', (m: { type: string }) => {
            if (m.type === 'stopped') void s.worker.terminate();
          });
        });
        s.worker.postMessage({ type: 'stop' });
        await stopped;
      }),
    );
    this.slots = [];
  }
}
