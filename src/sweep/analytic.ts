/**
 * Analytic objectives evaluated through the same job master / backtester path as real backtests
 * (model names "analytic:branin", "analytic:hartmann6", "analytic:rosenbrock"): they exercise the
 * distributed search end to end at known optima, for tests and bench-search.
 */
import { InvalidArgumentError } from '../errors.js';
import { evaluateEach, registerEvaluator, type EvaluatorSpec, type Params } from './evaluator.js';

function num(p: Params, name: string): number {
  const v = p[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`params.${name}`, `expected a finite number, got ${String(v)}`);
  return v;
}

export function branin(x1: number, x2: number): number {
  const a = 1;
  const b = 5.1 / (4 * Math.PI * Math.PI);
  const c = 5 / Math.PI;
  const r = 6;
  const s = 10;
  const t = 1 / (8 * Math.PI);
  return a * (x2 - b * x1 * x1 + c * x1 - r) ** 2 + s * (1 - t) * Math.cos(x1) + s;
}

const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];
const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];

export function hartmann6(x: readonly number[]): number {
  let f = 0;
  for (let i = 0; i < 4; i++) {
    let e = 0;
    for (let j = 0; j < 6; j++) e += (H6_A[i] as number[])[j]! * ((x[j] as number) - (H6_P[i] as number[])[j]! * 1e-4) ** 2;
    f -= (H6_ALPHA[i] as number) * Math.exp(-e);
  }
  return f;
}

export function rosenbrock(x: readonly number[]): number {
  let f = 0;
  for (let i = 0; i + 1 < x.length; i++) f += 100 * ((x[i + 1] as number) - (x[i] as number) ** 2) ** 2 + (1 - (x[i] as number)) ** 2;
  return f;
}

/**
 * model.options.costMs: a simulated evaluation cost (the worker thread blocks this long per trial),
 * so tests and benchmarks can run the distributed search with backtest-like timing.
 */
function costOf(spec: EvaluatorSpec): number {
  const c = (spec.model as { options?: Record<string, unknown> }).options?.['costMs'] ?? 0;
  if (typeof c !== 'number' || !(c >= 0)) throw new InvalidArgumentError('model.options.costMs', `expected a number >= 0, got ${JSON.stringify(c)}`);
  return c;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function block(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

/** Metrics carry `value` (the function) and `sharpe` = -value so "maximize sharpe" minimizes it. */
function asMetrics(value: number): Record<string, number> {
  return { value, sharpe: -value };
}

registerEvaluator('analytic:branin', (spec) => {
  const cost = costOf(spec);
  return { evaluate: (ts) => evaluateEach(ts, (t) => (block(cost), asMetrics(branin(num(t.params, 'x1'), num(t.params, 'x2'))))) };
});
registerEvaluator('analytic:hartmann6', (spec) => {
  const cost = costOf(spec);
  return { evaluate: (ts) => evaluateEach(ts, (t) => (block(cost), asMetrics(hartmann6(['x1', 'x2', 'x3', 'x4', 'x5', 'x6'].map((k) => num(t.params, k)))))) };
});
registerEvaluator('analytic:rosenbrock', (spec) => ({
  evaluate: (ts) =>
    evaluateEach(ts, (t) => {
      block(costOf(spec));
      const keys = Object.keys(t.params).filter((k) => /^x\d+$/.test(k)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
      return asMetrics(rosenbrock(keys.map((k) => num(t.params, k))));
    }),
}));
