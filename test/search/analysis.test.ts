import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { analyzeSearch, mainEffect, ranks, spearman } from '../../src/search/analysis.js';
import { compileCompositeObjective } from '../../src/search/objective.js';
import { createSearcher } from '../../src/search/searcher.js';
import { defineSpace, type Params } from '../../src/search/space.js';
import { Rng } from '../../src/util/rng.js';
import { drive } from './helpers.js';

test('ranks average ties and Spearman detects monotone relations', () => {
  assert.deepEqual(Array.from(ranks([10, 20, 20, 5])), [2, 3.5, 3.5, 1]);
  assert.equal(spearman([1, 2, 3, 4], [1, 8, 27, 64]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  assert.equal(spearman([1, 1, 1], [1, 2, 3]), null);
});

test('main effect is near 0 for noise and near 1 for a parameter that explains everything', () => {
  const r = new Rng(1);
  const bins = Array.from({ length: 400 }, () => r.int(0, 9));
  const noise = bins.map(() => r.normal());
  assert.ok(mainEffect(bins, noise) < 0.05);
  const explained = bins.map((b) => b * 2 + 0.01 * r.normal());
  assert.ok(mainEffect(bins, explained) > 0.99);
});

test('analysis ranks the parameter that drives the objective first and gives a monotone convergence curve', () => {
  const space = defineSpace({
    params: {
      strong: { type: 'float', low: 0, high: 1 },
      weak: { type: 'float', low: 0, high: 1 },
      none: { type: 'int', low: 1, high: 20 },
      kind: { type: 'categorical', choices: ['a', 'b'] },
    },
  });
  const noise = new Rng(7);
  const f = (p: Params): number => 5 * (p.strong as number) + 0.5 * (p.weak as number) + (p.kind === 'b' ? 1 : 0) + 0.05 * noise.normal();
  const s = createSearcher(space, { algorithm: 'random', seed: 2, maxEvaluations: 300, directions: ['maximize'] });
  drive(s, (p) => ((p.none as number) === 13 && (p.weak as number) > 0.95 ? null : f(p)), 10);
  const a = analyzeSearch(space, s.history(), { directions: ['maximize'] });
  assert.equal(a.evaluations, 300);
  assert.equal(a.failed, s.history().filter((t) => t.objectives === null).length);
  assert.equal(a.importance[0]?.param, 'strong');
  assert.ok((a.importance[0]?.spearman as number) > 0.8);
  assert.equal(a.importance.find((i) => i.param === 'kind')?.spearman, null);
  assert.ok((a.importance.find((i) => i.param === 'kind')?.importance as number) > (a.importance.find((i) => i.param === 'none')?.importance as number));
  assert.ok(Math.abs(a.importance.reduce((t, i) => t + i.importance, 0) - 1) < 1e-9);
  assert.equal(a.convergence.length, 300);
  for (let i = 1; i < a.convergence.length; i++) {
    const prev = a.convergence[i - 1]?.best;
    const cur = a.convergence[i]?.best;
    if (prev !== null && prev !== undefined) assert.ok((cur as number) >= prev);
  }
  assert.equal(a.best?.id, s.best()?.id);
  assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
});

test('composite objective: documented normalization and directions, failure on missing metric', () => {
  const c = compileCompositeObjective({ sharpe: 0.5, totalReturn: 0.2, maxDrawdown: 0.2, winRate: 0.1 });
  // sharpe 1 → (1+1)/4 = 0.5; return 0.25 → 0.75/1.5 = 0.5; drawdown 0.25 → (0.5-0.25)/0.5 = 0.5; win 0.5 → 0.5.
  assert.ok(Math.abs((c.score({ sharpe: 1, totalReturn: 0.25, maxDrawdown: 0.25, winRate: 0.5 }) as number) - 0.5) < 1e-12);
  // A smaller drawdown is better; a negative drawdown is read as its magnitude.
  const lowDd = c.score({ sharpe: 1, totalReturn: 0.25, maxDrawdown: 0.1, winRate: 0.5 }) as number;
  assert.ok(lowDd > 0.5);
  assert.equal(c.score({ sharpe: 1, totalReturn: 0.25, maxDrawdown: -0.1, winRate: 0.5 }), lowDd);
  assert.equal(c.score({ sharpe: 1, totalReturn: 0.25, winRate: 0.5 }), null);
  assert.equal(c.score({ sharpe: NaN, totalReturn: 0.25, maxDrawdown: 0.1, winRate: 0.5 }), null);
  const custom = compileCompositeObjective([{ metric: 'sortino', weight: 1, direction: 'maximize', low: 0, high: 4 }]);
  assert.equal(custom.score({ sortino: 2 }), 0.5);
  assert.throws(() => compileCompositeObjective([{ metric: 'sortino', weight: 1 }]), (e: unknown) => e instanceof ConfigError && e.path === 'objective[0].direction');
  assert.throws(() => compileCompositeObjective({ sharpe: -1 }), (e: unknown) => e instanceof ConfigError && e.path === 'objective.sharpe');
  assert.throws(() => compileCompositeObjective({ terms: [{ metric: 'sharpe', weight: 1, low: 2, high: 1 }] }), (e: unknown) => e instanceof ConfigError && e.path === 'objective.terms[0].high');
});
