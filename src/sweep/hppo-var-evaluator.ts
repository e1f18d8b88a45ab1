/**
 * Evaluator "hppo-var": the HPPO VaR model over a batch of (alpha, mu) trials. The market comes
 * from the job document's `data:` section (loadMarket, cached per process), the backtest from its
 * `backtest:` section (compiled once per evaluator); each batch runs in lockstep through
 * runBacktestBatch with the batch form of the model (one window and one native LP batch per date).
 *
 *   model: {name: hppo-var, options: {window: 20, windowIncludesToday: false, periodsPerYear: 252, solver: dense}}
 *
 * A trial with bad params (alpha outside (0, 1], mu not a number) gets its own error; the others run.
 * Metrics: every BacktestMetrics field (sharpe, annualReturn, maxDrawdown, alpha, beta, fallbacks, …).
 */
import { ConfigError, InvalidArgumentError, toErrorDetail } from '../errors.js';
import { runBacktestBatch } from '../model/batch.js';
import type { BacktestMetrics } from '../model/metrics.js';
import { compileHppoVarOptions, hppoVarBatchStrategy, hppoVarCell, type HppoVarOptions } from '../model/models/hppo-var.js';
import { registerEvaluator, type Evaluator, type EvaluatorSpec, type TrialInput, type TrialOutput } from './evaluator.js';
import { compileBacktestSection, loadMarket } from './market.js';

function flattenMetrics(m: BacktestMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) if (k !== 'extra' && typeof v === 'number') out[k] = v;
  return { ...out, ...m.extra };
}

export async function createHppoVarEvaluator(spec: EvaluatorSpec): Promise<Evaluator> {
  const doc = spec as unknown as Record<string, unknown>;
  let options;
  try {
    options = compileHppoVarOptions((spec.model as { options?: HppoVarOptions }).options ?? {});
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new ConfigError(err.field, err.message.replace(/^[^:]*: /, ''), { cause: err });
    throw err;
  }
  const market = await loadMarket(doc);
  const compiled = compileBacktestSection(doc, market);
  return {
    evaluate(trials: readonly TrialInput[]): TrialOutput[] {
      const t0 = performance.now();
      const out = new Map<string, TrialOutput>();
      const good: TrialInput[] = [];
      for (const t of trials) {
        try {
          hppoVarCell(t.params);
          good.push(t);
        } catch (err) {
          out.set(t.trialId, { trialId: t.trialId, error: toErrorDetail(err), seconds: 0 });
        }
      }
      if (good.length > 0) {
        try {
          const res = runBacktestBatch(compiled, good.map((t) => t.params), hppoVarBatchStrategy(options), { keepNav: false });
          // The batch runs in lockstep: each trial's share of the wall time.
          const seconds = (performance.now() - t0) / 1000 / good.length;
          good.forEach((t, j) => out.set(t.trialId, { trialId: t.trialId, metrics: flattenMetrics(res[j]!.metrics), seconds }));
        } catch (err) {
          const seconds = (performance.now() - t0) / 1000 / good.length;
          for (const t of good) out.set(t.trialId, { trialId: t.trialId, error: toErrorDetail(err), seconds });
        }
      }
      return trials.map((t) => out.get(t.trialId)!);
    },
  };
}

registerEvaluator('hppo-var', createHppoVarEvaluator);
