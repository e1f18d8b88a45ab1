import { test } from 'node:test';
import assert from 'node:assert/strict';
import { braninProblem, hartmann6Problem, rosenbrockProblem, withinTolerance } from '../../src/search/benchmarks.js';
import { createSearcher } from '../../src/search/searcher.js';
import { defineSpace, parseSpace } from '../../src/search/space.js';
import { dominates } from '../../src/search/pareto.js';
import type { AlgorithmName } from '../../src/search/types.js';
import { drive } from './helpers.js';

const ONE_PERCENT = 0.01;

function bestOf(alg: AlgorithmName, problem: ReturnType<typeof braninProblem>, budget: number, batch: number, seed = 1, extra = {}): number {
  const s = createSearcher(problem.space, { algorithm: alg, seed, maxEvaluations: budget, ...extra });
  drive(s, (p) => problem.evaluate(p), batch);
  assert.equal(s.history().length, budget);
  return s.best()?.objectives?.[0] as number;
}

test('grid search visits every feasible grid point once and finds the grid optimum (HPPO 11×11 grid)', () => {
  const space = parseSpace({ alpha: { type: 'float', low: 0.1, high: 0.2, step: 0.01 }, mu: { type: 'float', low: 0.1, high: 0.2, step: 0.01 } });
  const f = (p: Record<string, unknown>): number => -(((p.alpha as number) - 0.137) ** 2) - ((p.mu as number) - 0.161) ** 2;
  const s = createSearcher(space, { algorithm: 'grid', directions: ['maximize'] });
  const props = drive(s, f, 7);
  assert.equal(props.length, 121);
  assert.equal(new Set(props.map((c) => space.key(c.params))).size, 121);
  assert.equal(s.stopReason(), 'exhausted');
  assert.deepEqual(s.best()?.params, { alpha: 0.14, mu: 0.16 });
  const shuffled = createSearcher(space, { algorithm: 'grid', gridShuffle: true, seed: 5, directions: ['maximize'] });
  const sp = drive(shuffled, f, 16);
  assert.equal(new Set(sp.map((c) => space.key(c.params))).size, 121);
  assert.notDeepEqual(sp.slice(0, 5).map((c) => c.params), props.slice(0, 5).map((c) => c.params));
});

test('random and Sobol search get within 20 % of the Branin optimum in 300 evaluations', () => {
  const b = braninProblem();
  assert.ok(withinTolerance(bestOf('sobol', b, 300, 4), b.optimum, 0.2));
  assert.ok(withinTolerance(bestOf('random', b, 300, 4), b.optimum, 0.2));
});

test('GA reaches 2 % (seed 2) and PSO 1 % (seed 1) of the Branin optimum in 400 evaluations', () => {
  const b = braninProblem();
  assert.ok(withinTolerance(bestOf('ga', b, 400, 8, 2), b.optimum, 0.02));
  assert.ok(withinTolerance(bestOf('pso', b, 400, 8), b.optimum, ONE_PERCENT));
});

test('GA and PSO bring 2-d Rosenbrock below 0.05 in 600 evaluations', () => {
  const r = rosenbrockProblem(2);
  assert.ok(bestOf('ga', r, 600, 8) < 0.05);
  assert.ok(bestOf('pso', r, 600, 8, 2) < 0.05);
});

test('BO reaches 1 % of the Branin optimum within 40 evaluations (batches of 4)', () => {
  const b = braninProblem();
  const s = createSearcher(b.space, { algorithm: 'bo', seed: 1, maxEvaluations: 40 });
  drive(s, (p) => b.evaluate(p), 4);
  const hit = s.history().find((t) => withinTolerance(t.objectives?.[0] as number, b.optimum, ONE_PERCENT));
  assert.ok(hit, `best ${s.best()?.objectives?.[0]}`);
});

test('BO reaches 1 % of the Hartmann-6 optimum within 80 evaluations (batches of 4, seed 2)', () => {
  const h = hartmann6Problem();
  assert.ok(withinTolerance(bestOf('bo', h, 80, 4, 2), h.optimum, ONE_PERCENT));
});

test('hybrid (GA then BO) reaches 1 % of the Branin optimum in 60 evaluations', () => {
  const b = braninProblem();
  assert.ok(withinTolerance(bestOf('hybrid', b, 60, 4, 1, { hybrid: { gaEvaluations: 24 } }), b.optimum, ONE_PERCENT));
});

test('BO handles integer and categorical parameters (index encoding) and finds the discrete optimum', () => {
  const space = defineSpace({
    params: {
      lookback: { type: 'int', low: 5, high: 60, step: 5 },
      model: { type: 'categorical', choices: ['a', 'b', 'c'] },
      x: { type: 'float', low: 0, high: 1 },
    },
  });
  const f = (p: Record<string, unknown>): number => ((p.lookback as number) - 35) ** 2 / 100 + (p.model === 'b' ? 0 : 1) + ((p.x as number) - 0.3) ** 2;
  const s = createSearcher(space, { algorithm: 'bo', seed: 3, maxEvaluations: 40 });
  drive(s, f, 4);
  const best = s.best();
  assert.equal(best?.params.lookback, 35);
  assert.equal(best?.params.model, 'b');
  assert.ok(Math.abs((best?.params.x as number) - 0.3) < 0.1);
});

/** ZDT1 with 3 variables: Pareto front at x2 = x3 = 0, f2 = 1 - sqrt(f1). */
function zdt1(p: Record<string, unknown>): number[] {
  const x1 = p.x1 as number;
  const g = 1 + (9 * ((p.x2 as number) + (p.x3 as number))) / 2;
  return [x1, g * (1 - Math.sqrt(x1 / g))];
}

test('NSGA-II returns a non-dominated front (brute force) close to the ZDT1 Pareto front', () => {
  const space = defineSpace({ params: { x1: { type: 'float', low: 0, high: 1 }, x2: { type: 'float', low: 0, high: 1 }, x3: { type: 'float', low: 0, high: 1 } } });
  const s = createSearcher(space, { algorithm: 'nsga2', seed: 1, maxEvaluations: 1200, directions: ['minimize', 'minimize'], nsga2: { populationSize: 40 } });
  drive(s, zdt1, 40);
  const all = s.history().map((t) => t.objectives as number[]);
  const front = s.paretoFront();
  assert.ok(front.length >= 10, `front of ${front.length}`);
  // Brute force: nothing evaluated dominates a front member; everything else is dominated by one.
  for (const t of front) assert.ok(!all.some((o) => dominates(o, t.objectives as number[])));
  const frontIds = new Set(front.map((t) => t.id));
  for (const t of s.history()) {
    if (!frontIds.has(t.id)) assert.ok(front.some((f) => dominates(f.objectives as number[], t.objectives as number[])), `trial ${t.id}`);
  }
  // Close to the true front and spread over it.
  const gaps = front.map((t) => (t.objectives?.[1] as number) - (1 - Math.sqrt(t.objectives?.[0] as number))).sort((a, b) => a - b);
  assert.ok((gaps[Math.floor(gaps.length / 2)] as number) < 0.05, `median gap ${gaps[Math.floor(gaps.length / 2)]}`);
  const f1 = front.map((t) => t.objectives?.[0] as number);
  assert.ok(Math.max(...f1) - Math.min(...f1) > 0.7);
});

test('BO finds the best point of the HPPO-style 11×11 stepped grid within 30 % of its 121 evaluations', () => {
  const space = parseSpace({ alpha: { type: 'float', low: 0.1, high: 0.2, step: 0.01 }, mu: { type: 'float', low: 0.1, high: 0.2, step: 0.01 } });
  // A Sharpe-like surface over (α, µ): a tilted ridge, a bump, a deterministic wiggle.
  const sharpe = (p: Record<string, unknown>): number => {
    const a = ((p.alpha as number) - 0.1) * 10;
    const m = ((p.mu as number) - 0.1) * 10;
    return 1.2 - 2 * (m - 0.3 - 0.4 * a) ** 2 - 0.5 * (a - 0.7) ** 2 + 0.05 * Math.sin(17 * a + 11 * m);
  };
  let gridBest = -Infinity;
  for (let i = 0; i < 121; i++) gridBest = Math.max(gridBest, sharpe(space.gridPoint(i)));
  for (const seed of [1, 2, 3]) {
    const s = createSearcher(space, { algorithm: 'bo', seed, maxEvaluations: Math.floor(0.3 * 121), directions: ['maximize'] });
    drive(s, sharpe, 4);
    assert.equal(s.best()?.objectives?.[0], gridBest, `seed ${seed}`);
  }
});
