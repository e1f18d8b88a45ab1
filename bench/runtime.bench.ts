/**
 * make bench-runtime: actor ask round trip and tell throughput against raw nats.js request and
 * publish, in one run on the same embedded nats-server, same process, same connection shape.
 * Last output line: one JSON object (actorAskP50Us, natsRequestP50Us, askOverheadRatio, ...).
 */
import { connect } from '@nats-io/transport-node';
import { Ping, Pong } from '../src/gen/hppo/v1/envelope.js';
import { is, reply } from '../src/runtime/actor.js';
import { EmbeddedNats } from '../src/runtime/embedded-nats.js';
import { NatsTransport } from '../src/runtime/nats-transport.js';
import { ActorSystem } from '../src/runtime/system.js';
import { silentLogger } from '../src/log.js';

const ASKS = Number(process.env['BENCH_ASKS'] ?? 5000);
const TELLS = Number(process.env['BENCH_TELLS'] ?? 200_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

async function timeSeq(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return out.sort((a, b) => a - b);
}

const server = await EmbeddedNats.start();
const payload = Buffer.alloc(32, 7);
try {
  // --- raw nats.js reference
  const nc = await connect({ servers: server.url });
  nc.subscribe('bench.raw.echo', { callback: (_e, m) => void m.respond(m.data) });
  let rawCount = 0;
  let rawDone: () => void = () => {};
  nc.subscribe('bench.raw.sink', { callback: () => { if (++rawCount === TELLS) rawDone(); } });
  await nc.flush();

  // --- actor system on its own connection (same shape: requester and responder share it)
  const transport = await NatsTransport.connect({ servers: server.url });
  const system = new ActorSystem({ nodeId: 'bench', transport, log: silentLogger(), publishEvents: false, defaultMailboxCapacity: 1_000_000 });
  await system.spawn('echo', () => ({
    receive(msg) {
      if (is(msg, Ping)) return reply(Pong, { seq: msg.body.seq, data: msg.body.data });
    },
  }));
  let actorCount = 0;
  let actorDone: () => void = () => {};
  await system.spawn('sink', () => ({ receive() { if (++actorCount === TELLS) actorDone(); } }));
  await transport.flush();

  const results: Record<string, number[]> = { actorP50: [], actorP99: [], rawP50: [], rawP99: [], actorTell: [], rawPub: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Warm-up, then raw and actor round trips interleaved one by one, so CPU frequency changes and
    // other load hit both alike (measuring them in separate blocks made the ratio drift ±20 %).
    await timeSeq(500, () => nc.request('bench.raw.echo', payload, { timeout: 5000 }));
    await timeSeq(500, (i) => system.ask('bench/echo', Ping, { seq: i, data: payload }, { timeoutMs: 5000 }));
    const raw: number[] = [];
    const act: number[] = [];
    for (let i = 0; i < ASKS; i++) {
      let t = process.hrtime.bigint();
      await nc.request('bench.raw.echo', payload, { timeout: 5000 });
      raw.push(Number(process.hrtime.bigint() - t) / 1000);
      t = process.hrtime.bigint();
      await system.ask('bench/echo', Ping, { seq: i, data: payload }, { timeoutMs: 5000 });
      act.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    raw.sort((a, b) => a - b);
    act.sort((a, b) => a - b);
    results['rawP50']?.push(pct(raw, 0.5));
    results['rawP99']?.push(pct(raw, 0.99));
    results['actorP50']?.push(pct(act, 0.5));
    results['actorP99']?.push(pct(act, 0.99));

    rawCount = 0;
    let t0 = process.hrtime.bigint();
    const rawFinished = new Promise<void>((r) => (rawDone = r));
    for (let i = 0; i < TELLS; i++) nc.publish('bench.raw.sink', payload);
    await rawFinished;
    results['rawPub']?.push(TELLS / (Number(process.hrtime.bigint() - t0) / 1e9));

    actorCount = 0;
    t0 = process.hrtime.bigint();
    const actorFinished = new Promise<void>((r) => (actorDone = r));
    for (let i = 0; i < TELLS; i++) system.tell('bench/sink', Ping, { seq: i, data: payload });
    await actorFinished;
    results['actorTell']?.push(TELLS / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  const med = (xs: number[] | undefined): number => {
    const s = [...(xs ?? [])].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] as number;
  };
  const out = {
    bench: 'runtime',
    date: new Date().toISOString(),
    asks: ASKS,
    tells: TELLS,
    rounds: ROUNDS,
    actorAskP50Us: +med(results['actorP50']).toFixed(1),
    actorAskP99Us: +med(results['actorP99']).toFixed(1),
    natsRequestP50Us: +med(results['rawP50']).toFixed(1),
    natsRequestP99Us: +med(results['rawP99']).toFixed(1),
    askOverheadRatio: +(med(results['actorP50']) / med(results['rawP50'])).toFixed(3),
    actorTellPerSec: Math.round(med(results['actorTell'])),
    natsPublishPerSec: Math.round(med(results['rawPub'])),
    tellOverheadRatio: +(med(results['rawPub']) / med(results['actorTell'])).toFixed(3),
  };
  process.stdout.write(`actor ask   p50 ${out.actorAskP50Us} us  p99 ${out.actorAskP99Us} us\n`);
  process.stdout.write(`nats request p50 ${out.natsRequestP50Us} us  p99 ${out.natsRequestP99Us} us  (ask/raw ${out.askOverheadRatio})\n`);
  process.stdout.write(`actor tell ${out.actorTellPerSec}/s   nats publish ${out.natsPublishPerSec}/s\n`);
  process.stdout.write(JSON.stringify(out) + '\n');
  await system.stop();
  await transport.close();
  await nc.close();
} finally {
  await server.stop();
}
