/**
 * `hppo run`: the main job — the HPPO paper's experiment (examples/hppo-var-sse50-2015.yaml) on
 * embedded defaults (own nats-server on loopback, 2 backtester worker threads), on the SSE 50
 * prices of ../shared/data when present, else on a seeded synthetic market (said on screen).
 * `hppo status`: start a node, check its actors answer over NATS, print its status.
 * `hppo node`: the headless long-running service (serves until SIGINT/SIGTERM).
 */
import { join } from 'node:path';
import { DataError, HppoError } from '../src/errors.js';
import { repoRoot, resolveDataset } from '../src/data/datasets.js';
import { loadJobDocument } from '../src/sweep/job-config.js';
import { runOptimize } from './optimize.js';
import { Ping, Pong } from '../src/gen/hppo/v1/envelope.js';
import { NodeStatus } from '../src/gen/hppo/v1/service.js';
import { is, reply } from '../src/runtime/actor.js';
import { startNode, type HppoNode } from '../src/runtime/node.js';
import { nativeCapabilities } from '../src/solver/native.js';
import type { GpuInfo } from '../src/gen/hppo/v1/cluster.js';

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

export async function statusCommand(argv: string[]): Promise<number> {
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

/** The synthetic stand-in when the real prices are absent: 50 assets from 2014 so 2015 has history. */
const SYNTHETIC = { dataset: 'synthetic', synthetic: { seed: 1, tickers: 50, days: 520, start: '2014-01-02' } };

export async function runCommand(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const file = join(repoRoot(), 'examples', 'hppo-var-sse50-2015.yaml');
  let doc: Record<string, unknown>;
  try {
    doc = loadJobDocument(file);
  } catch (err) {
    if (err instanceof HppoError) {
      process.stderr.write(`hppo run: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const data = (doc['data'] ?? {}) as Record<string, unknown>;
  let source: string;
  try {
    const r = resolveDataset(String(data['dataset']), { ...(typeof data['benchmark'] === 'string' ? { benchmark: data['benchmark'] } : {}) });
    source = `prices: ${r.pricesPath}${r.benchmarkPath ? `, benchmark ${r.benchmarkPath}` : ''}`;
  } catch (err) {
    if (!(err instanceof DataError) && !(err instanceof HppoError)) throw err;
    doc['data'] = { ...SYNTHETIC, staleAsSuspendedDays: 0 };
    source = `no market data found (${err.message.split(' (')[0]}): running on a SEEDED SYNTHETIC market instead (50 assets, seed 1, 2014-01-02 onwards) — results are not about any real market`;
  }
  process.stderr.write(`hppo run: the HPPO VaR experiment (${file})\n  ${source}\n  NATS: ${process.env['HPPO_NATS_URL'] ? process.env['HPPO_NATS_URL'] : 'embedded nats-server on loopback'}\n\n`);
  return runOptimize(doc, { file, json, top: 10 });
}
