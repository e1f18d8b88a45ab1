/**
 * Analytic objectives evaluated through the same job master / backtester path as real backtests
 * (model names "analytic:branin", "analytic:hartmann6", "analytic:rosenbrock"): they exercise the
 * distributed search end to end at known optima, for tests and bench-search.
 */
import { InvalidArgumentError } from '../errors.js';
import { branin, hartmann6, rosenbrock } from '../search/benchmarks.js';
import { evaluateEach, registerEvaluator, type EvaluatorSpec, type Params } from './evaluator.js';

export { branin, hartmann6, rosenbrock };

function num(p: Params, name: string): number {
  const v = p[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`params.${name}`, `expected a finite number, got ${String(v)}`);
  return v;
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
