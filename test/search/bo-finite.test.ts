import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FiniteAcquisition, FiniteDomain, nativeFiniteAcquisition, NativeFiniteAcquisition, type Fantasy, type FiniteProposer } from '../../src/search/bo-finite.js';
import type { Observation } from '../../src/search/engine.js';
import { GaussianProcess } from '../../src/search/gp.js';
import { logExpectedImprovement } from '../../src/search/normal.js';
import { parseSpace, type Params } from '../../src/search/space.js';
import { Rng } from '../../src/util/rng.js';

const space = parseSpace({
  params: {
    a: { type: 'float', low: 0, high: 1, step: 0.1 },
    b: { type: 'int', low: 1, high: 9 },
    c: { type: 'categorical', choices: ['x', 'y', 'z'] },
  },
  constraints: ['b > a * 5'],
});

function f(p: Params): number {
  const a = p['a'] as number;
  const b = p['b'] as number;
  return (a - 0.3) ** 2 + 0.05 * (b - 4) ** 2 + (p['c'] === 'y' ? -0.2 : 0) + 0.1 * Math.sin(7 * a * b);
}

function standardize(v: readonly number[]): Float64Array {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, v.length - 1)) || 1;
  return Float64Array.from(v, (x) => (x - mean) / sd);
}

/**
 * Brute force along the same path: a fresh GP on the observations, pending fantasies added one
 * at a time, then for each of `picks` every unused candidate scored exactly: the pick must be
 * (up to rounding) the maximizer, and the batch as long as there are unused candidates.
 */
function checkAgainstBruteForce(domain: FiniteDomain, theta: Float64Array, obs: Observation[], y: Float64Array, pending: Params[], count: number, fantasy: Fantasy, picks: readonly number[], label: string): void {
  const d = domain.d;
  const gp = new GaussianProcess(d, obs.length + pending.length + count, theta);
  const X = new Float64Array(obs.length * d);
  obs.forEach((o, i) => X.set(o.x, i * d));
  assert.ok(gp.setData(X, y, obs.length));
  let best = Math.min(...y);
  const used = new Set<number>(obs.map((o) => domain.indexOf(o.params)));
  const m1 = new Float64Array(1);
  const v1 = new Float64Array(1);
  for (const p of pending) {
    const c = domain.indexOf(p);
    used.add(c);
    const x = domain.xs.subarray(c * d, (c + 1) * d);
    gp.predict(x, 1, m1, v1);
    const v = fantasy.kind === 'believer' ? (m1[0] as number) : fantasy.value;
    gp.addPoint(x, v);
    best = Math.min(best, v);
  }
  const mean = new Float64Array(domain.m);
  const variance = new Float64Array(domain.m);
  assert.equal(picks.length, Math.min(count, domain.m - used.size), `${label}: batch size`);
  for (const [j, pick] of picks.entries()) {
    assert.ok(!used.has(pick), `${label}: pick ${j} (${pick}) was already used`);
    gp.predict(domain.xs, domain.m, mean, variance);
    let top = -Infinity;
    for (let c = 0; c < domain.m; c++) {
      if (!used.has(c)) top = Math.max(top, logExpectedImprovement(mean[c] as number, Math.sqrt(variance[c] as number), best, 0));
    }
    const mine = logExpectedImprovement(mean[pick] as number, Math.sqrt(variance[pick] as number), best, 0);
    assert.ok(mine >= top - 1e-9 * Math.max(1, Math.abs(top)), `${label}: pick ${j} scores ${mine}, the best candidate ${top}`);
    used.add(pick);
    const v = fantasy.kind === 'believer' ? (mean[pick] as number) : fantasy.value;
    gp.addPoint(domain.xs.subarray(pick * d, (pick + 1) * d), v);
    best = Math.min(best, v);
  }
}

test('finite domain: every feasible grid point once, infeasible ones left out, null for continuous or too large spaces', () => {
  const domain = FiniteDomain.of(space, 10_000);
  assert.ok(domain);
  let feasible = 0;
  for (let i = 0; i < space.gridSize(); i++) if (space.isFeasible(space.gridPoint(i))) feasible++;
  assert.equal(domain.m, feasible);
  assert.ok(domain.m < space.gridSize());
  for (let c = 0; c < domain.m; c++) {
    const p = domain.params(c);
    assert.equal(domain.indexOf(p), c);
    assert.deepEqual([...domain.xs.subarray(c * 3, c * 3 + 3)], [...space.encode(p)]);
  }
  assert.equal(domain.indexOf({ a: 0.25, b: 9, c: 'x' }), -1); // off the grid
  assert.equal(domain.indexOf({ a: 0.9, b: 1, c: 'x' }), -1); // infeasible
  assert.equal(FiniteDomain.of(space, 10), null);
  assert.equal(FiniteDomain.of(parseSpace({ x: { type: 'float', low: 0, high: 1 } }), 10_000), null);
});

const native = nativeFiniteAcquisition();
const impls: Array<{ name: string; make: (domain: FiniteDomain, theta: Float64Array, cap: number) => FiniteProposer }> = [
  { name: 'ts', make: (domain, theta, cap) => new FiniteAcquisition(domain, theta, cap) },
  { name: 'native', make: (domain, theta, cap) => new NativeFiniteAcquisition(domain, theta, cap, native as NonNullable<typeof native>) },
];

for (const impl of impls)
for (const fantasy of [{ kind: 'believer' }, { kind: 'constant', value: -1 }] as Fantasy[]) {
  test(`finite acquisition (${impl.name}) picks what exhaustive exact log EI picks, carried across proposals (${fantasy.kind})`, { skip: impl.name === 'native' && native === null ? 'native addon not built' : false }, () => {
    const domain = FiniteDomain.of(space, 10_000) as FiniteDomain;
    const rng = new Rng(`finite-${fantasy.kind}`);
    const theta = Float64Array.from([Math.log(0.3), Math.log(0.5), Math.log(0.8), 0, Math.log(1e-3)]);
    const acq = impl.make(domain, theta, 64);
    const obs: Observation[] = [];
    const order = Array.from({ length: domain.m }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    let next = 0;
    const observe = (c: number): void => {
      const p = domain.params(c);
      obs.push({ id: obs.length, params: p, x: space.encode(p), loss: Float64Array.of(f(p)) });
    };
    for (let i = 0; i < 4; i++) observe(order[next++] as number);
    for (let round = 0; round < 12; round++) {
      const y = standardize(obs.map((o) => o.loss?.[0] as number));
      const pending = round % 3 === 2 ? [domain.params(order[next++] as number), domain.params(order[next++] as number)] : [];
      const count = 1 + (round % 4);
      const got = acq.propose(obs, y, obs, pending, count, fantasy, 0, (p) => space.encode(p));
      assert.ok(got !== null);
      checkAgainstBruteForce(domain, theta, obs, y, pending, count, fantasy, got, `round ${round}`);
      // Tell the picks (and the pending points) as a parallel run would; sometimes only some of them.
      for (const c of (got ?? []).slice(0, round % 2 === 0 ? undefined : 1)) observe(c);
      for (const p of pending) observe(domain.indexOf(p));
    }
  });
}

for (const impl of impls)
test(`finite acquisition (${impl.name}) returns fewer picks when the domain runs out, then none`, { skip: impl.name === 'native' && native === null ? 'native addon not built' : false }, () => {
  const small = parseSpace({ a: { type: 'int', low: 0, high: 3 }, b: { type: 'categorical', choices: [true, false] } });
  const domain = FiniteDomain.of(small, 100) as FiniteDomain;
  assert.equal(domain.m, 8);
  const acq = impl.make(domain, Float64Array.from([0, 0, 0, Math.log(1e-3)]), 16);
  const obs: Observation[] = [];
  for (let c = 0; c < 5; c++) {
    const p = domain.params(c);
    obs.push({ id: c, params: p, x: small.encode(p), loss: Float64Array.of(c) });
  }
  const y = standardize(obs.map((o) => o.loss?.[0] as number));
  const picks = acq.propose(obs, y, obs, [], 10, { kind: 'believer' }, 0, (p) => small.encode(p));
  assert.deepEqual([...(picks ?? [])].sort(), [5, 6, 7]);
  const all = [...obs];
  for (const c of picks ?? []) all.push({ id: all.length, params: domain.params(c), x: domain.xs.slice(c * 2, c * 2 + 2), loss: Float64Array.of(9) });
  assert.deepEqual(acq.propose(all, standardize(all.map((o) => o.loss?.[0] as number)), all, [], 2, { kind: 'believer' }, 0, (p) => small.encode(p)), []);
});

test('native acquisition: wrong exchange buffers or a capacity overflow are clear errors', { skip: native === null ? 'native addon not built' : false }, () => {
  const Ctor = native as NonNullable<typeof native>;
  const xs = new Float64Array(8);
  const theta = new Float64Array(4);
  const ok = () => [new Int32Array(4), new Float64Array(8), new Float64Array(4), new Uint8Array(4), new Float64Array(8), new Int32Array(4), new Int32Array(4)] as const;
  const [ids, X, y, used, px, pidx, out] = ok();
  assert.throws(() => new Ctor(xs, 4, 2, 4, theta, ids, X, y, used, px, pidx, new Int32Array(2)), /out: expected at least 4 elements, got 2/);
  assert.throws(() => new Ctor(xs, 4, 2, 4, new Float64Array(3), ids, X, y, used, px, pidx, out), /theta: expected at least 4 elements/);
  assert.throws(() => new Ctor(xs, 4, 2, 4, theta, ids, X, y, new Int32Array(4) as never, px, pidx, out), /used: expected a Uint8Array/);
  const h = new Ctor(xs, 4, 2, 4, theta, ids, X, y, used, px, pidx, out);
  assert.throws(() => h.propose(3, 1, 1, true, 0, 0), /5 rows exceed the capacity 4/);
  assert.throws(() => h.propose(1.5, 0, 1, true, 0, 0), /n: expected an integer >= 0/);
});
