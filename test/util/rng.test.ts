import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';

test('Rng with the same seed yields the same stream', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  for (let i = 0; i < 100; i++) assert.equal(a.next(), b.next());
});

test('Rng with different seeds yields different streams', () => {
  assert.notEqual(new Rng(1).next(), new Rng(2).next());
});

test('Rng.next stays in [0,1) and normal has mean near 0 and sd near 1', () => {
  const r = new Rng('x');
  let s = 0;
  let s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    const z = r.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(Math.sqrt(s2 / n) - 1) < 0.03);
});

test('Rng.int covers both ends inclusively', () => {
  const r = new Rng(7);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) seen.add(r.int(1, 3));
  assert.deepEqual([...seen].sort(), [1, 2, 3]);
});
