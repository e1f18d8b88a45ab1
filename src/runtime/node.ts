/**
 * A node: the actor system of this process wired to NATS — the configured server
 * (HPPO_NATS_URL / options.natsUrl, with reconnect) or, by default, an embedded nats-server on
 * loopback that lives as long as the node.
 */
import { cpus, hostname, totalmem, freemem } from 'node:os';
import { createLogger, type Logger } from '../log.js';
import { NodeStatus } from '../gen/hppo/v1/service.js';
import type { GpuInfo } from '../gen/hppo/v1/cluster.js';
import { EmbeddedNats } from './embedded-nats.js';
import { NatsTransport } from './nats-transport.js';
import { ActorSystem } from './system.js';
import type { SupervisorOptions } from './supervisor.js';

export interface NodeOptions {
  /** Default HPPO_NODE_ID or "node-<pid>". */
  nodeId?: string;
  /** NATS URL(s); default HPPO_NATS_URL; none → embedded nats-server. */
  natsUrl?: string;
  log?: Logger;
  root?: SupervisorOptions;
  defaultAskTimeoutMs?: number;
}

export interface HppoNode {
  readonly nodeId: string;
  readonly natsUrl: string;
  readonly embedded: EmbeddedNats | undefined;
  readonly system: ActorSystem;
  readonly transport: NatsTransport;
  readonly log: Logger;
  status(gpus?: GpuInfo[]): NodeStatus;
  stop(): Promise<void>;
}

export const HPPO_VERSION = '0.1.0';

export async function startNode(opts: NodeOptions = {}): Promise<HppoNode> {
  const nodeId = opts.nodeId ?? process.env['HPPO_NODE_ID'] ?? `node-${process.pid}`;
  const log = opts.log ?? createLogger('node', { nodeId });
  const configured = opts.natsUrl ?? process.env['HPPO_NATS_URL'];
  let embedded: EmbeddedNats | undefined;
  if (!configured) embedded = await EmbeddedNats.start({ log: log.child({ component: 'embedded-nats' }) });
  const natsUrl = configured ?? (embedded as EmbeddedNats).url;
  let transport: NatsTransport;
  try {
    transport = await NatsTransport.connect({ servers: natsUrl.split(','), name: `hppo-${nodeId}`, log: log.child({ component: 'nats' }) });
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  const system = new ActorSystem({
    nodeId,
    transport,
    log: log.child({ component: 'actor-system' }),
    ...(opts.root ? { root: opts.root } : {}),
    ...(opts.defaultAskTimeoutMs ? { defaultAskTimeoutMs: opts.defaultAskTimeoutMs } : {}),
  });
  await system.start();
  const startedAt = Date.now();
  log.info({ natsUrl, embedded: embedded !== undefined }, 'node started');
  let stopped = false;
  return {
    nodeId,
    natsUrl,
    embedded,
    system,
    transport,
    log,
    status(gpus: GpuInfo[] = []): NodeStatus {
      const ncpu = cpus().length;
      return NodeStatus.fromPartial({
        nodeId,
        version: HPPO_VERSION,
        natsUrl,
        embeddedNats: embedded !== undefined,
        resources: {
          nodeId,
          hostname: hostname(),
          total: { cpus: ncpu, memoryBytes: totalmem(), gpus },
          available: { cpus: ncpu, memoryBytes: freemem(), gpus },
          heartbeatUnixMs: Date.now(),
        },
        actors: system.root.children().map((c) => c.address),
        uptimeSec: (Date.now() - startedAt) / 1000,
      });
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await system.stop();
      await transport.close();
      await embedded?.stop();
      log.info({}, 'node stopped');
    },
  };
}
