/**
 * `hppo run` (for now: start a node on embedded defaults, check it answers, print its status) and
 * `hppo node` (the headless long-running service: start a node and serve until SIGINT/SIGTERM).
 */
import { Ping, Pong } from '../gen/hppo/v1/envelope.js';
import { NodeStatus } from '../gen/hppo/v1/service.js';
import { is, reply } from '../runtime/actor.js';
import { startNode, type HppoNode } from '../runtime/node.js';
import { nativeCapabilities } from '../solver/native.js';
import type { GpuInfo } from '../gen/hppo/v1/cluster.js';

function gpus(): { gpus: GpuInfo[]; note: string } {
  try {
    const caps = nativeCapabilities();
    const list = caps.cuda.devices.map((d) => ({ index: d.index, name: d.name, memoryBytes: d.totalMemoryBytes, computeCapability: d.computeCapability, multiprocessors: d.multiprocessors }));
    return { gpus: list, note: list.length ? `${list.length} CUDA device(s)` : `CPU only (${caps.cuda.message})` };
  } catch (err) {
    return { gpus: [], note: `native addon unavailable: ${(err as Error).message}` };
  }
}

async function startWithHealth(): Promise<HppoNode> {
  const node = await startNode();
  await node.system.spawn('health', () => ({
    receive(msg) {
      if (is(msg, Ping)) return reply(Pong, { seq: msg.body.seq });
    },
  }));
  return node;
}

export async function runCommand(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const node = await startWithHealth();
  try {
    const t0 = process.hrtime.bigint();
    const pong = await node.system.ask<Ping, Pong>(`${node.nodeId}/health`, Ping, { seq: 1 }, { timeoutMs: 5000 });
    const rttUs = Number(process.hrtime.bigint() - t0) / 1000;
    const g = gpus();
    const status = NodeStatus.toJSON(node.status(g.gpus)) as Record<string, unknown>;
    if (json) {
      process.stdout.write(JSON.stringify({ ...status, healthRoundTripUs: Math.round(rttUs), compute: g.note }) + '\n');
    } else {
      process.stdout.write(
        [
          `hppo node ${node.nodeId} is up`,
          `  NATS        ${node.natsUrl} (${node.embedded ? 'embedded nats-server, JetStream on, temp store' : 'configured'})`,
          `  actors      ${(status['actors'] as string[]).join(', ')}`,
          `  health ask  seq ${pong.seq} answered in ${Math.round(rttUs)} us`,
          `  compute     ${g.note}`,
          '',
        ].join('\n'),
      );
    }
    return 0;
  } finally {
    await node.stop();
  }
}

export async function nodeCommand(_argv: string[]): Promise<number> {
  const node = await startWithHealth();
  const g = gpus();
  process.stdout.write(JSON.stringify(NodeStatus.toJSON(node.status(g.gpus))) + '\n');
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    node.system.fatal.on(() => resolve());
  });
  await node.stop();
  return 0;
}
