import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ping, type Pong } from '../../src/gen/hppo/v1/envelope.js';
import { EscalatedError, HppoError } from '../../src/errors.js';
import { flushMicrotasks } from '../../src/runtime/clock.js';
import type { LifecycleEventData } from '../../src/runtime/events.js';
import { compileSupervisorOptions, type ChildSpec } from '../../src/runtime/supervisor.js';
import { askPong, counterFactory, CRASH, memorySystem, STOP } from './helpers.js';

function instanceOf(p: Pong): number {
  return p.data[0] as number;
}

async function crash(system: Parameters<typeof askPong>[0], address: string): Promise<void> {
  await assert.rejects(askPong(system, address, CRASH), (e: unknown) => e instanceof HppoError && /boom/.test(e.message));
}

function three(strategy: 'one_for_one' | 'one_for_all' | 'rest_for_one', counters: { n: number }[]): { children: ChildSpec[] } {
  return {
    children: ['a', 'b', 'c'].map((id, i) => ({ type: 'actor' as const, id, factory: counterFactory(counters[i] as { n: number }) })),
  };
}

async function runStrategy(strategy: 'one_for_one' | 'one_for_all' | 'rest_for_one'): Promise<number[]> {
  const { system, clock } = memorySystem();
  const counters = [{ n: 0 }, { n: 0 }, { n: 0 }];
  await system.spawnSupervisor('sup', { strategy, backoff: { initialMs: 50, jitter: 0 } }, three(strategy, counters).children);
  for (const id of ['a', 'b', 'c']) await askPong(system, `n1/sup/${id}`, 1);
  await crash(system, 'n1/sup/b');
  await clock.advance(50);
  // every child serves again; the instance number says whether it was restarted
  const inst: number[] = [];
  for (const id of ['a', 'b', 'c']) inst.push(instanceOf(await askPong(system, `n1/sup/${id}`, 2)));
  await system.stop();
  return inst;
}

test('one_for_one restarts only the failed child', async () => {
  assert.deepEqual(await runStrategy('one_for_one'), [1, 2, 1]);
});

test('one_for_all restarts every child when one fails', async () => {
  assert.deepEqual(await runStrategy('one_for_all'), [2, 2, 2]);
});

test('rest_for_one restarts the failed child and the ones started after it', async () => {
  assert.deepEqual(await runStrategy('rest_for_one'), [1, 2, 2]);
});

test('a restarted actor keeps its mailbox and serves the next message with fresh state', async () => {
  const { system, clock } = memorySystem();
  const c = { n: 0 };
  await system.spawnSupervisor('sup', { backoff: { initialMs: 100, jitter: 0 } }, [{ type: 'actor', id: 'w', factory: counterFactory(c) }]);
  assert.equal((await askPong(system, 'n1/sup/w', 1)).seq, 1);
  await crash(system, 'n1/sup/w');
  const queued = askPong(system, 'n1/sup/w', 2, 10_000); // arrives during the backoff
  await clock.advance(99);
  assert.equal(c.n, 1, 'not restarted before the backoff elapsed');
  await clock.advance(1);
  const r = await queued;
  assert.equal(r.seq, 1, 'fresh state after restart');
  assert.equal(instanceOf(r), 2);
  await system.stop();
});

test('restart delays grow exponentially with the restart count and stay within the jitter band', async () => {
  const { system, clock } = memorySystem();
  const events: LifecycleEventData[] = [];
  system.lifecycleEvents.on((e) => e.kind === 'restarting' && events.push(e));
  await system.spawnSupervisor('sup', { maxRestarts: 5, periodMs: 60_000, backoff: { initialMs: 100, maxMs: 350, multiplier: 2, jitter: 0.1 }, seed: 3 }, [
    { type: 'actor', id: 'w', factory: counterFactory({ n: 0 }) },
  ]);
  for (let i = 0; i < 4; i++) {
    await crash(system, 'n1/sup/w');
    await clock.advance(1000);
  }
  const delays = events.map((e) => e.backoffMs);
  const nominal = [100, 200, 350, 350];
  assert.equal(delays.length, 4);
  delays.forEach((d, i) => {
    const n = nominal[i] as number;
    assert.ok(d >= n * 0.9 - 1 && d <= n * 1.1 + 1, `delay ${i} = ${d}, nominal ${n}`);
  });
  await system.stop();
});

test('jitter is reproducible from the seed', () => {
  const o = compileSupervisorOptions({ seed: 9 });
  assert.equal(o.seed, 9);
  assert.throws(() => compileSupervisorOptions({ backoff: { jitter: 1.5 } }), /backoff\.jitter/);
  assert.throws(() => compileSupervisorOptions({ strategy: 'one_for_none' as never }), /strategy/);
});

test('exceeding the restart intensity escalates to the parent, which restarts the whole subtree', async () => {
  const { system, clock } = memorySystem();
  const events: LifecycleEventData[] = [];
  system.lifecycleEvents.on((e) => events.push(e));
  const inner = { n: 0 };
  await system.spawnSupervisor('outer', { strategy: 'one_for_one', maxRestarts: 5, backoff: { initialMs: 10, jitter: 0 } }, [
    { type: 'supervisor', id: 'inner', options: { maxRestarts: 2, periodMs: 10_000, backoff: { initialMs: 10, jitter: 0 } }, children: [{ type: 'actor', id: 'w', factory: counterFactory(inner) }] },
  ]);
  for (let i = 0; i < 3; i++) {
    await crash(system, 'n1/outer/inner/w');
    await clock.advance(100);
  }
  const escalated = events.filter((e) => e.kind === 'escalated');
  assert.equal(escalated.length, 1);
  assert.equal(escalated[0]?.actor, 'n1/outer/inner');
  assert.match(escalated[0]?.error?.message ?? '', /restart intensity exceeded \(2 restarts in 10000 ms\)/);
  // outer restarted inner: the worker serves again with a fresh instance and fresh intensity
  const r = await askPong(system, 'n1/outer/inner/w', 1);
  assert.equal(r.seq, 1);
  await crash(system, 'n1/outer/inner/w');
  await clock.advance(100);
  assert.equal((await askPong(system, 'n1/outer/inner/w', 1)).seq, 1);
  await system.stop();
});

test('the root giving up is reported as fatal', async () => {
  const { system, clock } = memorySystem({ maxRestarts: 1 });
  const fatal: Error[] = [];
  system.fatal.on((e) => fatal.push(e));
  await system.spawn('w', counterFactory({ n: 0 }));
  await crash(system, 'n1/w');
  await clock.advance(100);
  await crash(system, 'n1/w');
  await clock.advance(100);
  assert.equal(fatal.length, 1);
  assert.ok(fatal[0] instanceof EscalatedError);
  await system.stop();
});

test('restart policies: transient is not restarted after a normal stop, permanent is, temporary never is', async () => {
  const { system, clock } = memorySystem();
  const counts = { perm: { n: 0 }, trans: { n: 0 }, temp: { n: 0 } };
  const sup = await system.spawnSupervisor('sup', { backoff: { initialMs: 10, jitter: 0 } }, [
    { type: 'actor', id: 'perm', factory: counterFactory(counts.perm), restart: 'permanent' },
    { type: 'actor', id: 'trans', factory: counterFactory(counts.trans), restart: 'transient' },
    { type: 'actor', id: 'temp', factory: counterFactory(counts.temp), restart: 'temporary' },
  ]);
  await askPong(system, 'n1/sup/perm', STOP);
  await askPong(system, 'n1/sup/trans', STOP);
  await crash(system, 'n1/sup/temp');
  await clock.advance(100);
  await flushMicrotasks();
  assert.deepEqual(sup.children().map((c) => c.id), ['perm']);
  assert.equal(counts.perm.n, 2);
  assert.equal(counts.trans.n, 1);
  assert.equal(counts.temp.n, 1);
  // a transient child that fails IS restarted
  await sup.startChild({ type: 'actor', id: 'trans2', factory: counterFactory(counts.trans), restart: 'transient' });
  await crash(system, 'n1/sup/trans2');
  await clock.advance(100);
  assert.equal(instanceOf(await askPong(system, 'n1/sup/trans2', 1)), 3);
  await system.stop();
});
