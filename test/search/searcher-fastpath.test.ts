/**
 * The Searcher's cheap paths (in-flight tells without validateParams copies or keys, the key()
 * memo, ParamsSet instead of key strings, the seed-prefixed Rng) decide exactly what the plain
 * checks decide: same acceptance, same errors, same duplicates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, InvalidArgumentError } from '../../src/errors.js';
import { createSearcher } from '../../src/search/searcher.js';
import { ParamsSet, parseSpace, type Params } from '../../src/search/space.js';
import type { TrialResult } from '../../src/search/types.js';
import { Rng } from '../../src/util/rng.js';

const stepped = parseSpace({ alpha: { type: 'float', low: 0.1, high: 0.2, step: 0.01 }, mu: { type: 'float', low: 0.1, high: 0.2, step: 0.01 } });
const mixed = parseSpace({
  a: { type: 'float', low: 0, high: 1 },
  n: { type: 'int', low: 1, high: 5 },
  m: { type: 'categorical', choices: ['x', 'y', true, 3] },
});

const SEEN_SEED = 7; // one where (0.2, 0.2) would be drawn within 70 proposals if it were not seen
const configErrorAt = (path: string, re?: RegExp) => (e: unknown) => e instanceof ConfigError && e.path === path && (re === undefined || re.test(e.message));
const invalidAt = (field: string, re?: RegExp) => (e: unknown) =>
  e instanceof InvalidArgumentError && e.message.includes(field) && (re === undefined || re.test(e.message));

function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

test('a handed-out params object mutated to an invalid value is rejected as a copy with that value is, and stays in flight', () => {
  for (const [name, bad] of [
    ['alpha', 0.5],
    ['alpha', '0.15'],
    ['alpha', Number.NaN],
    ['extra', 1],
  ] as const) {
    const s = createSearcher(stepped, { algorithm: 'random', seed: 1, maxEvaluations: 5 });
    const [c] = s.ask(1);
    assert.ok(c);
    const original = { ...c.params };
    const copyOutcome = outcome(() => s.tell([{ candidate: { id: c.id, params: { ...c.params, [name]: bad } }, objectives: [1] }]));
    (c.params as Record<string, unknown>)[name] = bad;
    const sameOutcome = outcome(() => s.tell([{ candidate: c, objectives: [1] }]));
    assert.equal(sameOutcome, copyOutcome);
    assert.throws(() => s.tell([{ candidate: c, objectives: [1] }]), configErrorAt(`results[0].candidate.params.${name}`));
    assert.deepEqual(s.pending().map((p) => p.id), [c.id]);
    // Put back, it is accepted.
    if (name === 'extra') delete (c.params as Record<string, unknown>).extra;
    else (c.params as Record<string, unknown>)[name] = original[name];
    assert.deepEqual(s.tell([{ candidate: c, objectives: [1] }]), { accepted: 1, duplicates: [] });
    assert.deepEqual(s.history()[0]?.params, original);
  }
});

test('a handed-out params object mutated to another valid value is accepted with that value and counts as seen', () => {
  // 121 grid points: while fewer than ~80 are seen, random search never repeats a seen point.
  const s = createSearcher(stepped, { algorithm: 'random', seed: SEEN_SEED, maxEvaluations: 121 });
  const [c] = s.ask(1);
  assert.ok(c);
  (c.params as Record<string, unknown>).alpha = 0.2;
  (c.params as Record<string, unknown>).mu = 0.2;
  assert.equal(s.tell([{ candidate: c, objectives: [0] }]).accepted, 1);
  assert.deepEqual(s.history()[0]?.params, { alpha: 0.2, mu: 0.2 });
  assert.equal(s.history()[0]?.params, c.params);
  const later: string[] = [];
  for (let k = 0; k < 70; k++) {
    const b = s.ask(1);
    later.push(...b.map((x) => stepped.key(x.params)));
    s.tell(b.map((x) => ({ candidate: x, objectives: [0] })));
  }
  assert.equal(new Set(later).size, 70);
  assert.ok(!later.includes(stepped.key({ alpha: 0.2, mu: 0.2 })));
});

test('a told copy: equal values are accepted, a different valid value is a mismatch naming both', () => {
  const s = createSearcher(mixed, { algorithm: 'random', seed: 2, maxEvaluations: 10 });
  const [c, d] = s.ask(2);
  assert.ok(c && d);
  assert.equal(s.tell([{ candidate: { id: c.id, params: JSON.parse(JSON.stringify(c.params)) as Params }, objectives: [1] }]).accepted, 1);
  // The trial keeps the searcher's own params object, not the told copy.
  assert.equal(s.history()[0]?.params, c.params);
  const other = { ...d.params, n: d.params.n === 1 ? 2 : 1 };
  assert.throws(() => s.tell([{ candidate: { id: d.id, params: other }, objectives: [1] }]), invalidAt('results[0].candidate.params', /was proposed as .* but told as/));
  // Numbers vs numeric strings and true vs "true" are different values.
  const e = s.ask(1)[0];
  assert.ok(e);
  assert.throws(() => s.tell([{ candidate: { id: e.id, params: { ...e.params, n: String(e.params.n) } }, objectives: [1] }]), configErrorAt('results[0].candidate.params.n'));
});

test('tell keeps forEach semantics: holes are skipped, a bad entry stops the batch after the good ones before it', () => {
  const s = createSearcher(stepped, { algorithm: 'sobol', seed: 3, maxEvaluations: 10 });
  const [a, b, c] = s.ask(3);
  assert.ok(a && b && c);
  const rs = [{ candidate: a, objectives: [1] }, { candidate: b, objectives: [1, 2] }, { candidate: c, objectives: [3] }];
  assert.throws(() => s.tell(rs), invalidAt('results[1].objectives'));
  assert.deepEqual(s.history().map((t) => t.id), [a.id]);
  // b was taken out of flight before its objectives were checked (as before); c is still pending.
  assert.deepEqual(s.pending().map((p) => p.id), [c.id]);
  const sparse: TrialResult[] = [];
  sparse[1] = { candidate: c, objectives: [4] };
  assert.deepEqual(s.tell(sparse), { accepted: 1, duplicates: [] });
  assert.deepEqual(s.tell([{ candidate: c, objectives: [4] }]), { accepted: 0, duplicates: [c.id] });
});

test('key() memo follows mutations of the keyed object', () => {
  const p: Record<string, unknown> = { a: 0.25, n: 2, m: 'x' };
  const k1 = mixed.key(p as Params);
  assert.equal(mixed.key(p as Params), k1);
  p.a = 0.5;
  assert.equal(mixed.key(p as Params), mixed.key({ a: 0.5, n: 2, m: 'x' }));
  p.a = 0.25;
  assert.equal(mixed.key(p as Params), k1);
  p.m = true;
  assert.equal(mixed.key(p as Params), '0.25,2,true,');
  // More objects than the memo holds, keyed round-robin.
  const objs = Array.from({ length: 20 }, (_, i) => ({ a: i / 20, n: 1 + (i % 5), m: 'y' }));
  for (let r = 0; r < 3; r++) for (const o of objs) assert.equal(mixed.key(o), `${o.a},${o.n},"y",`);
});

test('ParamsSet membership is key() equality, also for -0, NaN, numeric strings, null, undefined and objects', () => {
  const space = parseSpace({ a: { type: 'float', low: -1, high: 1 }, b: { type: 'categorical', choices: ['1', 1, true] } });
  const values: unknown[] = [0, -0, 1, '1', true, 'true', Number.NaN, 0.1 + 0.2, 0.3, null, undefined, 'null', 'undefined', -1e-300, 5e-324];
  const exotic: unknown[] = [Object(1), [1], { x: 1 }, () => 1, new Date(0), Object('1')];
  const rng = new Rng('params-set');
  for (const pool of [values, [...values, ...exotic]]) {
    for (let trial = 0; trial < 20; trial++) {
      const set = new ParamsSet(space);
      const keys = new Set<string>();
      for (let i = 0; i < 60; i++) {
        const p = { a: rng.pick(pool), b: rng.pick(pool) } as unknown as Params;
        const k = space.key(p);
        assert.equal(set.has(p), keys.has(k), `has ${k}`);
        if (rng.next() < 0.6) {
          set.add(p);
          keys.add(k);
        }
      }
    }
  }
});

test('isValidParams says true exactly when validateParams accepts (and then the copy has the same values)', () => {
  const rng = new Rng('valid');
  const pool: unknown[] = [0, 0.5, 1, 1 + 1e-10, 1.1, -0, Number.NaN, Infinity, 2, 3, 5, 6, 2.5, '2', 'x', 'y', 'z', true, false, null, undefined];
  let accepted = 0;
  for (let t = 0; t < 3000; t++) {
    const p: Record<string, unknown> = {};
    const valid: Record<string, () => unknown> = { a: () => rng.next(), n: () => rng.int(1, 5), m: () => rng.pick(['x', 'y', true, 3]) };
    for (const n of ['a', 'n', 'm']) if (rng.next() < 0.97) p[n] = rng.next() < 0.8 ? (valid[n] as () => unknown)() : rng.pick(pool);
    if (rng.next() < 0.05) p.q = 1;
    const subject: unknown = rng.next() < 0.02 ? rng.pick([null, 3, 'x', [1]]) : p;
    let copy: Params | null = null;
    try {
      copy = mixed.validateParams(subject, 'p');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
    }
    assert.equal(mixed.isValidParams(subject), copy !== null, JSON.stringify(subject));
    if (copy !== null) {
      accepted++;
      for (const n of mixed.names) assert.equal((subject as Record<string, unknown>)[n], copy[n]);
    }
  }
  assert.ok(accepted > 50, `${accepted} valid samples`);
});

test('new Rng(label, Rng.hashPrefix(prefix)) is the stream of new Rng(prefix + label)', () => {
  for (const prefix of ['', '0|', 's7|', 'αβγ|', '12345678901234567890|']) {
    for (const label of ['', 'random:0', 'random:12345', 'bo-fit:3', 'ü€']) {
      const a = new Rng(prefix + label);
      const b = new Rng(label, Rng.hashPrefix(prefix));
      for (let i = 0; i < 8; i++) assert.equal(b.nextUint32(), a.nextUint32());
      assert.equal(b.normal(), a.normal());
    }
  }
  // Number seeds are untouched by a prefix hash argument's absence.
  assert.equal(new Rng(5).nextUint32(), new Rng(5).nextUint32());
});
