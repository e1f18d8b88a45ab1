/**
 * What a backtester runs for a batch of parameter sets. A model registers an EvaluatorFactory under
 * its name; the backtester actor builds one evaluator per job spec (data loaded once, windows
 * shared) and calls it with batches. Evaluators run synchronously inside a worker thread: blocking
 * there is the point (the node's event loop lives elsewhere).
 */
import type { ErrorDetailLike } from '../errors.js';
import { ConfigError, toErrorDetail } from '../errors.js';

export type ParamValue = number | string | boolean;
export type Params = Readonly<Record<string, ParamValue>>;

export interface TrialInput {
  readonly trialId: string;
  readonly params: Params;
}

export interface TrialOutput {
  readonly trialId: string;
  /** Metrics by camelCase name (BacktestMetrics fields plus model extras). */
  readonly metrics?: Readonly<Record<string, number>>;
  readonly error?: ErrorDetailLike;
  readonly seconds: number;
}

export interface Evaluator {
  evaluate(trials: readonly TrialInput[]): TrialOutput[] | Promise<TrialOutput[]>;
  close?(): void;
}

/** The compiled job document as JSON (what the job master sends in BacktestSpec.model_config_json). */
export type EvaluatorSpec = Readonly<Record<string, unknown>> & { readonly model: { readonly name: string } };

export type EvaluatorFactory = (spec: EvaluatorSpec) => Evaluator | Promise<Evaluator>;

const factories = new Map<string, EvaluatorFactory>();

export function registerEvaluator(name: string, factory: EvaluatorFactory): void {
  factories.set(name, factory);
}

export function evaluatorNames(): string[] {
  return [...factories.keys()].sort();
}

export async function createEvaluator(spec: EvaluatorSpec): Promise<Evaluator> {
  const name = spec.model?.name;
  const f = name === undefined ? undefined : factories.get(name);
  if (!f) throw new ConfigError('model.name', `unknown model "${String(name)}"; known: ${evaluatorNames().join(', ')}`);
  return f(spec);
}

/** Runs `fn` per trial, turning a thrown error into that trial's error (the others still run). */
export function evaluateEach(trials: readonly TrialInput[], fn: (t: TrialInput) => Readonly<Record<string, number>>): TrialOutput[] {
  return trials.map((t) => {
    const t0 = performance.now();
    try {
      return { trialId: t.trialId, metrics: fn(t), seconds: (performance.now() - t0) / 1000 };
    } catch (err) {
      return { trialId: t.trialId, error: toErrorDetail(err), seconds: (performance.now() - t0) / 1000 };
    }
  });
}
