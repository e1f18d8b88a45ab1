/**
 * The generic 'strategy' evaluator and the built-in event-driven models (momentum, mean-cvar,
 * fof-bl): each trial is one event-driven backtest (runBacktest) of a fresh strategy with the
 * trial's params injected over the scalar model.options. The market and the compiled backtest are
 * loaded once per evaluator; a failing trial keeps its error and the others still run.
 *
 *   model: {name: strategy, strategy: ./my-strategy.mjs, options: {...}}   # user file
 *   model: {name: momentum, options: {...}}                                # built-in by name
 */
import { toErrorDetail } from '../errors.js';
import type { CompiledBacktest } from '../model/engine.js';
import { runBacktest, type BacktestResult } from '../model/engine.js';
import type { BacktestMetrics } from '../model/metrics.js';
import { builtinModelNames, resolveModel, type ResolvedModel } from '../model/models/index.js';
import { registerEvaluator, type Evaluator, type EvaluatorSpec, type TrialInput, type TrialOutput } from './evaluator.js';
import { compileBacktestSection, loadMarket, type Market } from './market.js';

/** BacktestMetrics fields and the model's extras in one flat record (what a TrialOutput carries). */
export function flattenMetrics(m: BacktestMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) if (k !== 'extra' && typeof v === 'number') out[k] = v;
  for (const [k, v] of Object.entries(m.extra)) if (!(k in out)) out[k] = v;
  return out;
}

export interface PreparedStrategyRun {
  readonly model: ResolvedModel;
  readonly market: Market;
  readonly compiled: CompiledBacktest;
}

/** The model, market and compiled backtest of a job document (shared by every trial). */
export async function prepareStrategyRun(doc: Readonly<Record<string, unknown>>, opts: { recordFills?: boolean } = {}): Promise<PreparedStrategyRun> {
  const model = await resolveModel(doc);
  const market = await loadMarket(doc as Record<string, unknown>);
  const compiled = compileBacktestSection(doc as Record<string, unknown>, market);
  return { model, market, compiled: opts.recordFills ? { ...compiled, recordFills: true } : compiled };
}

/** One backtest of one parameter set. */
export function runStrategyTrial(p: PreparedStrategyRun, params: Readonly<Record<string, number | string | boolean>>, signal?: AbortSignal): Promise<BacktestResult> {
  return runBacktest((q) => p.model.create(q), p.compiled, { params, ...(signal ? { signal } : {}) });
}

async function createStrategyEvaluator(spec: EvaluatorSpec): Promise<Evaluator> {
  const prepared = await prepareStrategyRun(spec);
  return {
    async evaluate(trials: readonly TrialInput[]): Promise<TrialOutput[]> {
      const out: TrialOutput[] = [];
      for (const t of trials) {
        const t0 = performance.now();
        try {
          const r = await runStrategyTrial(prepared, t.params);
          out.push({ trialId: t.trialId, metrics: flattenMetrics(r.metrics), seconds: (performance.now() - t0) / 1000 });
        } catch (err) {
          out.push({ trialId: t.trialId, error: toErrorDetail(err), seconds: (performance.now() - t0) / 1000 });
        }
      }
      return out;
    },
  };
}

registerEvaluator('strategy', createStrategyEvaluator);
for (const name of builtinModelNames()) registerEvaluator(name, createStrategyEvaluator);
