import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ping, Pong } from '../../src/gen/hppo/v1/envelope.js';
import { ActorNotFoundError, HppoError, MailboxFullError, TimeoutError } from '../../src/errors.js';
import { is, reply } from '../../src/runtime/actor.js';
import { flushMicrotasks } from '../../src/runtime/clock.js';
import { Envelope } from '../../src/gen/hppo/v1/envelope.js';
import type { DeadLetterData } from '../../src/runtime/events.js';
import { askPong, counterFactory, memorySystem } from './helpers.js';

test('tell delivers in order and ask gets the typed reply', async () => {
  const { system } = memorySystem();
  const seen: number[] = [];
  const a = await system.spawn('rec', () => ({
    receive(msg) {
      if (is(msg, Ping)) {
        seen.push(msg.body.seq);
        return reply(Pong, { seq: msg.body.seq * 2 });
      }
    },
  }));
  for (let i = 1; i <= 5; i++) system.tell(a, Ping, { seq: i });
  const r = await system.ask<Ping, Pong>(a, Ping, { seq: 21 });
  assert.equal(r.seq, 42);
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 21]);
  await system.stop();
});

test('ask to an actor that never answers rejects with TimeoutError naming the actor when the deadline passes', async () => {
  const { system, clock } = memorySystem();
  await system.spawn('slow', () => ({ receive: () => new Promise<void>(() => {}) }));
  const p = askPong(system, 'n1/slow', 1, 250);
  let settled = false;
  p.catch(() => {}).finally(() => (settled = true));
  await clock.advance(249);
  assert.equal(settled, false);
  await clock.advance(2);
  await assert.rejects(p, (err: unknown) => err instanceof TimeoutError && /n1\/slow/.test(err.message) && /hppo\.v1\.Ping/.test(err.message));
  await system.stop();
});

test('ask to an address with no actor rejects with ActorNotFoundError', async () => {
  const { system } = memorySystem();
  await system.start();
  await assert.rejects(askPong(system, 'n1/nobody', 1), ActorNotFoundError);
  await system.stop();
});

test('a full mailbox answers the extra asks with MailboxFullError and keeps the queued ones', async () => {
  const { system } = memorySystem();
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  let handled = 0;
  await system.spawn(
    'narrow',
    () => ({
      async receive(msg) {
        await gate;
        handled++;
        if (is(msg, Ping)) return reply(Pong, { seq: msg.body.seq });
      },
    }),
    { mailboxCapacity: 2 },
  );
  const results = [1, 2, 3, 4, 5].map((i) => askPong(system, 'n1/narrow', i).then((r) => r.seq, (e: unknown) => e));
  await flushMicrotasks();
  release();
  const out = await Promise.all(results);
  // #1 is being processed, #2 and #3 are queued, #4 and #5 bounce.
  assert.deepEqual(out.slice(0, 3), [1, 2, 3]);
  for (const e of out.slice(3)) {
    assert.ok(e instanceof MailboxFullError, `expected MailboxFullError, got ${String(e)}`);
    assert.equal(e.code, new MailboxFullError('x', 1).code);
    assert.match(e.message, /mailbox of n1\/narrow is full \(capacity 2\)/);
  }
  assert.equal(handled, 3);
  await system.stop();
});

test('a full mailbox tells the sending actor with an ErrorDetail message', async () => {
  const { system } = memorySystem();
  const errors: string[] = [];
  await system.spawn('blocked', () => ({ receive: () => new Promise<void>(() => {}) }), { mailboxCapacity: 1 });
  await system.spawn('sender', () => ({
    receive(msg, ctx) {
      if (is(msg, Ping)) for (let i = 0; i < 4; i++) ctx.tell('n1/blocked', Ping, { seq: i });
      else if (msg.type === 'hppo.v1.ErrorDetail') errors.push((msg.body as { code: string }).code);
    },
  }));
  system.tell('n1/sender', Ping, { seq: 0 });
  await flushMicrotasks();
  // one in process, one queued, two bounced
  assert.deepEqual(errors, ['MAILBOX_FULL', 'MAILBOX_FULL']);
  await system.stop();
});

test('garbage bytes and unknown message types go to dead letters and the actor keeps serving', async () => {
  const { system, transport } = memorySystem();
  const dead: DeadLetterData[] = [];
  system.deadLetters.on((d) => dead.push(d));
  const instances = { n: 0 };
  await system.spawn('svc', counterFactory(instances));
  const subject = system.subjects.actor('n1/svc');
  transport.publish(subject, new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]));
  transport.publish(subject, Envelope.encode(Envelope.fromPartial({ id: 'x', messageType: 'hppo.v1.NoSuchThing', payload: Buffer.from([1]) })).finish());
  transport.publish(subject, Envelope.encode(Envelope.fromPartial({ id: 'y', messageType: 'hppo.v1.Ping', payload: Buffer.from([0x0a, 0xff]) })).finish());
  await flushMicrotasks();
  const r = await askPong(system, 'n1/svc', 1);
  assert.equal(r.seq, 1);
  assert.deepEqual(dead.map((d) => d.reason), ['decode', 'unknown_type', 'decode']);
  assert.equal(instances.n, 1, 'no restart caused by bad input');
  await system.stop();
});
