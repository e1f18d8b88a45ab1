import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { parseSpace, defineSpace } from '../../src/search/space.js';
import { Rng } from '../../src/util/rng.js';

function configErrorAt(path: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.path, path, e.message);
    return true;
  };
}

test('grid of a float step has exact, non-accumulating values (0.10..0.20 step 0.01 → 11 values)', () => {
  const s = parseSpace({ alpha: { type: 'float', low: 0.1, high: 0.2, step: 0.01 } });
  const vals = s.gridValues(0);
  assert.equal(vals.length, 11);
  assert.equal(vals.map(String).join(','), '0.1,0.11,0.12,0.13,0.14,0.15,0.16,0.17,0.18,0.19,0.2');
  const s2 = parseSpace({ a: { type: 'float', low: 0, high: 1, step: 0.1 }, mu: { type: 'float', low: 0.1, high: 0.2, step: 0.01 } });
  assert.equal(s2.gridSize(), 121);
  assert.deepEqual(s2.gridPoint(120), { a: 1, mu: 0.2 });
  assert.deepEqual(s2.gridPoint(34), { a: 0.3, mu: 0.11 });
});

test('encode/decode round-trips and snaps every parameter kind onto allowed values', () => {
  const s = defineSpace({
    params: {
      lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
      alpha: { type: 'float', low: 0.1, high: 0.2, step: 0.01 },
      lookback: { type: 'int', low: 5, high: 60, step: 5 },
      n: { type: 'int', low: 1, high: 3 },
      model: { type: 'categorical', choices: ['var', 'cvar', 'mv'] },
    },
  });
  const rng = new Rng(3);
  for (let t = 0; t < 500; t++) {
    const u = Float64Array.from({ length: s.dim }, () => rng.next());
    const p = s.decode(u);
    assert.ok((p.lr as number) >= 1e-4 && (p.lr as number) <= 1e-1);
    assert.ok(s.gridValues(1).includes(p.alpha as number), `alpha ${p.alpha}`);
    assert.ok((p.lookback as number) % 5 === 0 && (p.lookback as number) >= 5 && (p.lookback as number) <= 60);
    assert.ok([1, 2, 3].includes(p.n as number));
    assert.ok(['var', 'cvar', 'mv'].includes(p.model as string));
    assert.deepEqual(s.decode(s.encode(p)), p);
  }
  // Log scale: the middle of the unit interval is the geometric mean.
  assert.ok(Math.abs((s.decode([0.5, 0, 0, 0, 0]).lr as number) - Math.sqrt(1e-4 * 1e-1)) < 1e-12);
  // Each integer value owns an equal slice of [0,1].
  assert.deepEqual([0.1, 0.4, 0.9].map((u) => s.decode([0, 0, 0, u, 0]).n), [1, 2, 3]);
  assert.deepEqual(s.defaults(), { lr: Math.sqrt(1e-5), alpha: 0.15, lookback: 35, n: 2, model: 'var' });
});

test('space validation errors name the path of the bad field', () => {
  const params = [
    { name: 'a', type: 'float', low: 0, high: 1 },
    { name: 'b', type: 'int', low: 1, high: 5 },
    { name: 'c', type: 'float', low: 2, high: 1 },
  ];
  assert.throws(() => parseSpace({ params }), configErrorAt('space.params[2].high'));
  assert.throws(() => parseSpace({ params: [{ name: 'a', type: 'float', low: 'x', high: 1 }] }), configErrorAt('space.params[0].low'));
  assert.throws(() => parseSpace({ params: [{ name: 'a', type: 'real', low: 0, high: 1, step: -1 }] }), configErrorAt('space.params[0].step'));
  assert.throws(() => parseSpace({ params: [{ name: 'a', type: 'float', low: 0, high: 1, log: true }] }), configErrorAt('space.params[0].low'));
  assert.throws(() => parseSpace({ params: [{ name: 'a', type: 'int', low: 0.5, high: 3 }] }), configErrorAt('space.params[0].low'));
  assert.throws(() => parseSpace({ params: [{ name: 'a', type: 'categorical', choices: [] }] }), configErrorAt('space.params[0].choices'));
  assert.throws(() => parseSpace({ params: [{ name: 'a', type: 'categorical', choices: ['x', 'x'] }] }), configErrorAt('space.params[0].choices[1]'));
  assert.throws(() => parseSpace({ params: [{ name: 'a', type: 'float', low: 0, high: 1, sep: 1 }] }), configErrorAt('space.params[0].sep'));
  assert.throws(() => parseSpace({ params: [{ name: 'a', type: 'tensor' }] }), configErrorAt('space.params[0].type'));
  assert.throws(() => parseSpace({ params: [{ name: 'a b', type: 'float', low: 0, high: 1 }] }), configErrorAt('space.params[0].name'));
  assert.throws(() => parseSpace({ alpha: { type: 'float', low: 0, high: 1, default: 3 } }), configErrorAt('space.alpha.default'));
  assert.throws(() => parseSpace({ params: { alpha: { type: 'float', low: 0, high: 1 } }, constraints: ['alpha > beta'] }), configErrorAt('space.constraints[0]'));
  assert.throws(() => parseSpace({ params: { alpha: { type: 'float', low: 0, high: 1 } }, constraints: ['alpha >'] }), configErrorAt('space.constraints[0]'));
  assert.throws(() => parseSpace({ params: { m: { type: 'categorical', choices: ['x', 'y'] } }, constraints: ['m > 1'] }), configErrorAt('space.constraints[0]'));
  assert.throws(() => parseSpace({}), configErrorAt('space'));
  assert.throws(() => parseSpace({ params: { alpha: { type: 'float', low: 0, high: 1 } }, extra: 1 }), configErrorAt('space.extra'));
});

test('constraints from expressions and functions filter parameter sets', () => {
  const s = parseSpace({
    params: { stop_loss: { type: 'float', low: 0.01, high: 0.1 }, take_profit: { type: 'float', low: 0.01, high: 0.2 } },
    constraints: ['take_profit > stop_loss', (p: Record<string, unknown>) => (p.take_profit as number) < 0.15],
  });
  assert.equal(s.isFeasible({ stop_loss: 0.05, take_profit: 0.1 }), true);
  assert.equal(s.isFeasible({ stop_loss: 0.05, take_profit: 0.04 }), false);
  assert.equal(s.isFeasible({ stop_loss: 0.05, take_profit: 0.16 }), false);
  const rng = new Rng(1);
  for (let i = 0; i < 200; i++) assert.equal(s.isFeasible(s.sampleUniform(rng)), true);
});

test('an empty feasible region is a clear ConfigError, not an endless loop', () => {
  const s = parseSpace({ params: { a: { type: 'float', low: 0, high: 1 }, b: { type: 'float', low: 0, high: 1 } }, constraints: ['a + b > 3'] });
  assert.throws(() => s.sampleUniform(new Rng(1), 500), (e: unknown) => e instanceof ConfigError && e.path === 'space.constraints' && /unsatisfiable/.test(e.message));
});

test('validateParams checks journaled parameter sets against the space', () => {
  const s = parseSpace({ a: { type: 'float', low: 0, high: 1 }, m: { type: 'categorical', choices: ['x', 'y'] } });
  assert.deepEqual(s.validateParams({ a: 0.5, m: 'y' }, 'p'), { a: 0.5, m: 'y' });
  assert.throws(() => s.validateParams({ a: 2, m: 'y' }, 'p'), configErrorAt('p.a'));
  assert.throws(() => s.validateParams({ a: 0.5, m: 'z' }, 'p'), configErrorAt('p.m'));
  assert.throws(() => s.validateParams({ a: 0.5, m: 'x', q: 1 }, 'p'), configErrorAt('p.q'));
});

test('the YAML form documented in docs/search.md parses into a working space', async () => {
  const { parse } = await import('yaml');
  const doc = parse(`
space:
  params:
    alpha:     {type: float, low: 0.10, high: 0.20, step: 0.01}
    mu:        {type: float, low: 0.10, high: 0.20, step: 0.01}
    lr:        {type: float, low: 1.0e-4, high: 0.1, log: true, default: 0.01}
    lookback:  {type: int, low: 5, high: 60, step: 5}
    model:     {type: categorical, choices: [var, cvar, mv], default: cvar}
    stop_loss:   {type: float, low: 0.01, high: 0.10}
    take_profit: {type: float, low: 0.01, high: 0.20, gridPoints: 8}
  constraints:
    - take_profit > stop_loss
    - alpha + mu <= 0.35
`) as { space: unknown };
  const s = parseSpace(doc.space);
  assert.deepEqual(s.names, ['alpha', 'mu', 'lr', 'lookback', 'model', 'stop_loss', 'take_profit']);
  assert.equal(s.defaults().model, 'cvar');
  assert.equal(s.defaults().lr, 0.01);
  assert.equal(s.gridSize(), 11 * 11 * 5 * 12 * 3 * 5 * 8);
  const p = { alpha: 0.2, mu: 0.16, lr: 0.01, lookback: 20, model: 'var', stop_loss: 0.05, take_profit: 0.1 };
  assert.equal(s.isFeasible(p), false);
  assert.equal(s.isFeasible({ ...p, mu: 0.15 }), true);
  assert.equal(s.isFeasible({ ...p, mu: 0.15, take_profit: 0.04 }), false);
});
