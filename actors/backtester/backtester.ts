/**
 * Backtester actor: runs batches of parameter sets of one job spec through that spec's model
 * evaluator (built once per spec and cached: data loaded once, windows shared across trials).
 * Handles RunBacktestBatch (ask) → BacktestBatchResult. A trial that fails carries its error; a
 * batch whose spec cannot be used fails the ask (the job master reports it).
 */
import { createHash } from 'node:crypto';
// Narrow imports, not src/index.ts: this module is loaded by every worker thread, and the public
// entry pulls in Arrow, gRPC, JetStream and the search layer (~0.5 s of module loading per worker).
import { BacktestBatchResult, RunBacktestBatch } from '../../src/gen/hppo/v1/backtest.js';
import { ConfigError } from '../../src/errors.js';
import { is, reply, type Actor } from '../../src/runtime/actor.js';
import { createEvaluator, type Evaluator, type EvaluatorSpec } from '../../src/sweep/evaluator.js';
import { metricsToProto, paramsFromProto, paramsToProto } from '../../src/sweep/params.js';

export interface BacktesterOptions {
  /** Evaluators kept (LRU by spec). Default 4. */
  cacheSize?: number;
}

export function backtesterActor(opts: BacktesterOptions = {}): Actor {
  const cache = new Map<string, Evaluator>();
  const limit = opts.cacheSize ?? 4;

  async function evaluatorFor(json: string): Promise<Evaluator> {
    const key = createHash('sha256').update(json).digest('hex');
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    let spec: EvaluatorSpec;
    try {
      spec = JSON.parse(json) as EvaluatorSpec;
    } catch (err) {
      throw new ConfigError('backtest.model_config_json', `not valid JSON: ${(err as Error).message}`);
    }
    const ev = await createEvaluator(spec);
    cache.set(key, ev);
    while (cache.size > limit) {
      const oldest = cache.keys().next().value as string;
      cache.get(oldest)?.close?.();
      cache.delete(oldest);
    }
    return ev;
  }

  return {
    async receive(msg, ctx) {
      if (!is(msg, RunBacktestBatch)) return;
      const b = msg.body;
      const ev = await evaluatorFor(b.spec?.modelConfigJson ?? '');
      const inputs = b.params.map((p) => ({ trialId: p.trialId, params: paramsFromProto(p) }));
      const outputs = await ev.evaluate(inputs);
      const byId = new Map(b.params.map((p) => [p.trialId, p]));
      return reply(BacktestBatchResult, {
        jobId: b.jobId,
        batchId: b.batchId,
        worker: ctx.self.address,
        results: outputs.map((o) => ({
          trialId: o.trialId,
          params: byId.get(o.trialId) ?? paramsToProto(o.trialId, {}),
          metrics: metricsToProto(o.metrics),
          error: o.error,
          seconds: o.seconds,
        })),
      });
    },
    postStop() {
      for (const ev of cache.values()) ev.close?.();
      cache.clear();
    },
  };
}
