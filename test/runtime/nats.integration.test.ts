import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { Ping, type Pong } from '../../src/gen/hppo/v1/envelope.js';
import { DeadLetter } from '../../src/gen/hppo/v1/lifecycle.js';
import { HppoError, TimeoutError, TransportError } from '../../src/errors.js';
import type { EmbeddedNats } from '../../src/runtime/embedded-nats.js';
import { startNode, type HppoNode } from '../../src/runtime/node.js';
import { runFixture, startNats, type ChildHandle } from '../support/nats.js';

let nats: EmbeddedNats;
let child: ChildHandle;
let node: HppoNode;

before(async () => {
  nats = await startNats();
  child = runFixture('echo-node', { HPPO_NATS_URL: nats.url, HPPO_NODE_ID: 'remote', HPPO_LOG_LEVEL: 'warn' });
  await child.waitFor('READY');
  node = await startNode({ natsUrl: nats.url, nodeId: 'local', defaultAskTimeoutMs: 3000 });
});

after(async () => {
  await node?.stop();
  await child?.kill();
  await nats?.stop();
});

test('two OS processes exchange actor messages over a real nats-server', async () => {
  const r = await node.system.ask<Ping, Pong>('remote/echo', Ping, { seq: 7 });
  assert.equal(r.seq, 7);
  assert.equal(Buffer.from(r.data).toString(), String(child.proc.pid));
  assert.notEqual(child.proc.pid, process.pid);
});

test('an actor that throws is restarted and serves the next message', async () => {
  await assert.rejects(node.system.ask('remote/echo', Ping, { seq: 666 }), (e: unknown) => e instanceof HppoError && /echo asked to crash/.test(e.message));
  let r: Pong | undefined;
  for (let i = 0; i < 50 && !r; i++) {
    try {
      r = await node.system.ask<Ping, Pong>('remote/echo', Ping, { seq: 8 }, { timeoutMs: 1000 });
    } catch (e) {
      // during the short backoff the subscription stays, so the ask queues and is answered
      if (!(e instanceof TimeoutError)) throw e;
    }
  }
  assert.equal(r?.seq, 8);
});

test('garbage bytes on an actor subject become a dead letter and the actor keeps serving', async () => {
  const nc = await connect({ servers: nats.url });
  const dead: DeadLetter[] = [];
  const sub = nc.subscribe(node.system.subjects.deadLetters('remote'), { callback: (_e, m) => void dead.push(DeadLetter.decode(m.data)) });
  await nc.flush();
  nc.publish(node.system.subjects.actor('remote/echo'), new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0xff]));
  await nc.flush();
  const r = await node.system.ask<Ping, Pong>('remote/echo', Ping, { seq: 9 });
  assert.equal(r.seq, 9);
  for (let i = 0; i < 100 && dead.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
  assert.equal(dead.length, 1);
  assert.equal(dead[0]?.reason, 'decode');
  assert.equal(dead[0]?.recipient, 'remote/echo');
  sub.unsubscribe();
  await nc.close();
});

test('nats-server killed and restarted mid-conversation: every ask gets a reply or a clear error, then service resumes', async () => {
  const outcomes: ('ok' | 'timeout' | 'transport')[] = [];
  let seq = 100;
  const askOnce = async (): Promise<void> => {
    const s = ++seq;
    try {
      const r = await node.system.ask<Ping, Pong>('remote/echo', Ping, { seq: s }, { timeoutMs: 1500 });
      assert.equal(r.seq, s, 'a reply always answers its own request');
      outcomes.push('ok');
    } catch (e) {
      if (e instanceof TimeoutError) outcomes.push('timeout');
      else if (e instanceof TransportError || (e instanceof HppoError && e.retryable)) outcomes.push('transport');
      else throw e;
    }
  };
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < 5; i++) inflight.push(askOnce());
  await nats.kill();
  for (let i = 0; i < 5; i++) inflight.push(askOnce());
  await new Promise((r) => setTimeout(r, 300));
  await nats.restart();
  await Promise.all(inflight);
  assert.equal(outcomes.length, 10, 'every ask settled');
  // after the reconnect both processes serve again
  let recovered = false;
  for (let i = 0; i < 40 && !recovered; i++) {
    try {
      const r = await node.system.ask<Ping, Pong>('remote/echo', Ping, { seq: 5000 + i }, { timeoutMs: 500 });
      recovered = r.seq === 5000 + i;
    } catch {
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  assert.ok(recovered, `service did not resume; outcomes ${outcomes.join(',')}`);
  for (let i = 0; i < 20; i++) await askOnce();
  assert.deepEqual(outcomes.slice(-20), new Array(20).fill('ok'));
});
