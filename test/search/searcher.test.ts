import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, InvalidArgumentError } from '../../src/errors.js';
import { braninProblem, hartmann6Problem } from '../../src/search/benchmarks.js';
import { createSearcher, rebuildSearcher } from '../../src/search/searcher.js';
import { defineSpace, parseSpace, type Params } from '../../src/search/space.js';
import { ALGORITHMS, type AlgorithmName, type Candidate, type SearchOptions, type TrialResult } from '../../src/search/types.js';
import { drive, result } from './helpers.js';

const branin = braninProblem();
const f = (p: Params): number => branin.evaluate(p);
/** Two objectives for nsga2 (Branin and distance to a corner). */
const f2 = (p: Params): number[] => [branin.evaluate(p), ((p.x1 as number) + 5) ** 2 + (p.x2 as number) ** 2];

function optionsFor(alg: AlgorithmName): SearchOptions {
  const base: SearchOptions = { algorithm: alg, seed: 11, maxEvaluations: 200 };
  if (alg === 'nsga2') return { ...base, directions: ['minimize', 'minimize'], nsga2: { populationSize: 12 } };
  if (alg === 'grid') return { ...base, gridShuffle: true };
  // GA generations of 8 and 7 (15 candidates), then BO: the journal spans the switch.
  if (alg === 'hybrid') return { ...base, hybrid: { gaEvaluations: 12 }, ga: { populationSize: 8 } };
  if (alg === 'ga') return { ...base, ga: { populationSize: 12 } };
  if (alg === 'pso') return { ...base, pso: { swarmSize: 12 } };
  return base;
}

function objective(alg: AlgorithmName): (p: Params) => number | number[] {
  return alg === 'nsga2' ? f2 : f;
}

function sig(cs: readonly Candidate[]): string[] {
  return cs.map((c) => `${c.id}:${JSON.stringify(c.params)}`);
}

for (const alg of ALGORITHMS) {
  test(`${alg}: rebuilt from a journal of 20 results, it proposes exactly what an uninterrupted run does`, () => {
    const space = alg === 'grid' ? defineSpace({ params: { x1: { type: 'float', low: -5, high: 10, gridPoints: 12 }, x2: { type: 'float', low: 0, high: 15, gridPoints: 12 } } }) : branin.space;
    const obj = objective(alg);
    const journal: TrialResult[] = [];
    const a = createSearcher(space, optionsFor(alg));
    // Uninterrupted: rounds of up to 4 until 20 evaluations (journaled in tell order), then 5 more rounds.
    while (journal.length < 20) {
      const b = a.ask(Math.min(4, 20 - journal.length));
      assert.ok(b.length > 0);
      const res = b.map((c) => result(c, obj(c.params)));
      journal.push(...res);
      a.tell(res);
    }
    const after = drive(a, obj, 4, 5);
    // "Crash": a new searcher, same options and seed, told the 20 journaled results in order.
    const b = rebuildSearcher(space, optionsFor(alg), JSON.parse(JSON.stringify(journal)) as TrialResult[]);
    assert.equal(b.history().length, 20);
    const again = drive(b, obj, 4, 5);
    assert.ok(again.length >= 15, `${again.length} proposals`);
    assert.deepEqual(sig(again), sig(after));
  });
}

test('trials in flight at a crash are handed out again with the same ids and params (GA)', () => {
  const opts: SearchOptions = { algorithm: 'ga', seed: 4, maxEvaluations: 200, ga: { populationSize: 10 } };
  const a = createSearcher(branin.space, opts);
  const journal: TrialResult[] = [];
  const first = a.ask(10);
  const done = first.slice(0, 3).concat(first.slice(6));
  const res = done.map((c) => result(c, f(c.params)));
  journal.push(...res);
  a.tell(res);
  const lost = first.slice(3, 6);
  const b = rebuildSearcher(branin.space, opts, journal);
  const reissued = b.ask(10);
  assert.deepEqual(sig(reissued), sig(lost));
  // Both finish the same trials in the same order → the next generation is identical.
  a.tell(lost.map((c) => result(c, f(c.params))));
  b.tell(reissued.map((c) => result(c, f(c.params))));
  assert.deepEqual(sig(b.ask(10)), sig(a.ask(10)));
});

test('a duplicate tell is ignored and reported, never counted twice', () => {
  const s = createSearcher(branin.space, { algorithm: 'random', seed: 1, maxEvaluations: 10 });
  const b = s.ask(2);
  const res = b.map((c) => result(c, f(c.params)));
  assert.deepEqual(s.tell(res), { accepted: 2, duplicates: [] });
  assert.deepEqual(s.tell([res[0] as TrialResult]), { accepted: 0, duplicates: [b[0]?.id] });
  assert.equal(s.history().length, 2);
  assert.equal(s.remainingBudget(), 8);
});

test('a journal from another seed or space is rejected with the field named', () => {
  const s = createSearcher(branin.space, { algorithm: 'random', seed: 1 });
  const c = s.ask(1)[0] as Candidate;
  const other = createSearcher(branin.space, { algorithm: 'random', seed: 2 });
  assert.throws(() => other.tell([result(c, 1)]), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'results[0].candidate.params');
  assert.throws(() => s.tell([{ candidate: { id: -1, params: c.params }, objectives: [1] }]), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'results[0].candidate.id');
  assert.throws(() => s.tell([{ candidate: c, objectives: [1, 2] }]), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'results[0].objectives');
  assert.throws(() => s.tell([{ candidate: { id: 0, params: { x1: 99, x2: 1 } }, objectives: [1] }]), (e: unknown) => e instanceof ConfigError && e.path === 'results[0].candidate.params.x1');
});

test('proposals never violate constraints, for every algorithm', () => {
  const space = parseSpace({
    params: { stop_loss: { type: 'float', low: 0.01, high: 0.1 }, take_profit: { type: 'float', low: 0.01, high: 0.2, gridPoints: 12 }, size: { type: 'int', low: 1, high: 10 } },
    constraints: ['take_profit > stop_loss + 0.02', 'size * stop_loss <= 0.5'],
  });
  // The unconstrained optimum (take_profit small, stop_loss large, size large) is infeasible.
  const g = (p: Params): number => (p.take_profit as number) - (p.stop_loss as number) - 0.01 * (p.size as number);
  for (const alg of ALGORITHMS) {
    const opts: SearchOptions = { algorithm: alg, seed: 3, maxEvaluations: 60 };
    if (alg === 'nsga2') opts.directions = ['minimize', 'minimize'];
    if (alg === 'hybrid') opts.hybrid = { gaEvaluations: 20 };
    const s = createSearcher(space, opts);
    const props = drive(s, (p) => (alg === 'nsga2' ? [g(p), -(p.size as number)] : g(p)), 6);
    assert.ok(props.length > 0);
    for (const c of props) assert.ok(space.isFeasible(c.params), `${alg} proposed ${JSON.stringify(c.params)}`);
  }
});

test('an empty feasible region makes ask throw a ConfigError naming the constraints', () => {
  const space = parseSpace({ params: { a: { type: 'float', low: 0, high: 1 } }, constraints: ['a > 2'] });
  for (const alg of ['random', 'ga', 'bo'] as const) {
    const s = createSearcher(space, { algorithm: alg, seed: 1 });
    assert.throws(() => s.ask(4), (e: unknown) => e instanceof ConfigError && e.path === 'space.constraints', alg);
  }
});

test('batch BO proposes distinct points, also distinct from pending and observed ones', () => {
  const s = createSearcher(branin.space, { algorithm: 'bo', seed: 2, maxEvaluations: 100, bo: { initialPoints: 6 } });
  drive(s, f, 6, 1);
  const b1 = s.ask(8);
  const b2 = s.ask(8); // b1 still pending: fantasized, must not be proposed again
  const keys = [...b1, ...b2].map((c) => branin.space.key(c.params));
  assert.equal(new Set(keys).size, 16);
  const seen = new Set(s.history().map((t) => branin.space.key(t.params)));
  for (const k of keys) assert.ok(!seen.has(k));
  // Points of one batch are spread out, not a cluster around one acquisition maximum.
  let minDist = Infinity;
  const xs = b1.map((c) => branin.space.encode(c.params));
  for (let i = 0; i < xs.length; i++) for (let j = 0; j < i; j++) minDist = Math.min(minDist, Math.hypot((xs[i]![0]! - xs[j]![0]!), (xs[i]![1]! - xs[j]![1]!)));
  assert.ok(minDist > 1e-3, `min distance ${minDist}`);
});

test('batch BO on a small discrete space never repeats a point and stops when it is covered', () => {
  const space = defineSpace({ params: { a: { type: 'int', low: 1, high: 5 }, b: { type: 'int', low: 1, high: 5 } } });
  for (const strategy of ['kriging-believer', 'constant-liar-min'] as const) {
    const s = createSearcher(space, { algorithm: 'bo', seed: 1, maxEvaluations: 40, bo: { batchStrategy: strategy } });
    const props = drive(s, (p) => ((p.a as number) - 2) ** 2 + ((p.b as number) - 4) ** 2, 4);
    assert.equal(new Set(props.map((c) => space.key(c.params))).size, props.length);
    assert.equal(props.length, 25);
    assert.deepEqual(s.best()?.params, { a: 2, b: 4 });
    assert.equal(s.stopReason(), 'exhausted');
  }
});

test('early stop: patience, evaluation budget and time budget through an injected clock', () => {
  const flat = createSearcher(branin.space, { algorithm: 'random', seed: 1, maxEvaluations: 1000, patience: 15 });
  drive(flat, () => 1, 4);
  assert.equal(flat.stopReason(), 'patience');
  assert.equal(flat.history().length, 16); // the first success is the improvement; 15 more without one
  const budget = createSearcher(branin.space, { algorithm: 'sobol', seed: 1, maxEvaluations: 10 });
  assert.equal(budget.ask(100).length, 10);
  assert.equal(budget.ask(1).length, 0);
  let now = 1000;
  const clock = { now: () => now };
  const timed = createSearcher(branin.space, { algorithm: 'random', seed: 1, timeBudgetMs: 5000, clock });
  drive(timed, f, 4, 2);
  assert.equal(timed.isDone(), false);
  now += 5000;
  assert.equal(timed.stopReason(), 'time-budget');
  assert.deepEqual(timed.ask(4), []);
});

test('failed trials (null or non-finite objectives) are kept in history and do not stop BO or GA', () => {
  for (const alg of ['bo', 'ga'] as const) {
    const s = createSearcher(branin.space, { algorithm: alg, seed: 1, maxEvaluations: 48 });
    drive(s, (p) => ((p.x1 as number) > 5 ? null : (p.x2 as number) > 14 ? NaN : f(p)), 8);
    assert.equal(s.history().length, 48);
    assert.ok(s.history().some((t) => t.objectives === null));
    assert.ok((s.best()?.params.x1 as number) <= 5);
  }
});

test('options are validated with the path of the bad field', () => {
  const bad: Array<[unknown, string]> = [
    [{ algorithm: 'anneal' }, 'search.algorithm'],
    [{ algorithm: 'bo', maxEvaluations: 0 }, 'search.maxEvaluations'],
    [{ algorithm: 'ga', ga: { populationSize: 2 } }, 'search.ga.populationSize'],
    [{ algorithm: 'ga', ga: { eliteCount: 50, populationSize: 10 } }, 'search.ga.eliteCount'],
    [{ algorithm: 'bo', bo: { batchStrategy: 'pessimist' } }, 'search.bo.batchStrategy'],
    [{ algorithm: 'nsga2' }, 'search.directions'],
    [{ algorithm: 'random', directions: ['up'] }, 'search.directions[0]'],
    [{ algorithm: 'random', budget: 3 }, 'search.budget'],
    [{ algorithm: 'pso', pso: { inertia: 5 } }, 'search.pso.inertia'],
  ];
  for (const [opts, path] of bad) {
    assert.throws(() => createSearcher(branin.space, opts as SearchOptions), (e: unknown) => e instanceof ConfigError && e.path === path, path);
  }
});

test('maximize directions: best() is the largest objective', () => {
  const s = createSearcher(branin.space, { algorithm: 'sobol', seed: 1, maxEvaluations: 30, directions: ['maximize'] });
  drive(s, f, 5);
  const max = Math.max(...s.history().map((t) => t.objectives?.[0] as number));
  assert.equal(s.best()?.objectives?.[0], max);
});

test('replay accepts results told out of order and failed trials, and then matches the uninterrupted run (BO)', () => {
  const opts: SearchOptions = { algorithm: 'bo', seed: 8, maxEvaluations: 100, bo: { initialPoints: 5 } };
  const fail = (p: Params): number | null => ((p.x2 as number) > 13 ? null : f(p));
  const a = createSearcher(branin.space, opts);
  const journal: TrialResult[] = [];
  // Asynchronous workers: ask 6, finish them in reverse order, twice; some trials fail.
  for (let r = 0; r < 3; r++) {
    const b = a.ask(6);
    const res = b.reverse().map((c) => result(c, fail(c.params)));
    journal.push(...res);
    a.tell(res);
  }
  const rebuilt = rebuildSearcher(branin.space, opts, journal);
  assert.deepEqual(rebuilt.history().map((t) => t.id), a.history().map((t) => t.id));
  assert.deepEqual(sig(drive(rebuilt, fail, 3, 4)), sig(drive(a, fail, 3, 4)));
});

test('BO rebuilt past several warm-started refit checkpoints (asked in batches that skip them) proposes what the uninterrupted run does', () => {
  // Batches of 9 reach 27, 36, 45 observations: checkpoints 25, 32, 40 fall inside batches; the
  // warm-start chain must still be the same for the rebuilt searcher, which sees 45 at once.
  const opts: SearchOptions = { algorithm: 'bo', seed: 11, maxEvaluations: 100, bo: { initialPoints: 13 } };
  const h = hartmann6Problem();
  const g = (p: Params): number => h.evaluate(p);
  const a = createSearcher(h.space, opts);
  const journal: TrialResult[] = [];
  for (let r = 0; r < 5; r++) {
    const res = a.ask(9).map((c) => result(c, g(c.params)));
    journal.push(...res);
    a.tell(res);
  }
  assert.equal(a.history().length, 45);
  const rebuilt = rebuildSearcher(h.space, opts, journal);
  assert.deepEqual(sig(drive(rebuilt, g, 4, 3)), sig(drive(a, g, 4, 3)));
});
