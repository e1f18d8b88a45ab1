/** Parameter sets and metrics between plain objects and their proto forms. */
import type { ParameterSet, ParamValue as ProtoParamValue, BacktestMetrics as ProtoMetrics } from '../gen/hppo/v1/backtest.js';
import { BacktestMetrics } from '../gen/hppo/v1/backtest.js';
import type { Params, ParamValue } from './evaluator.js';

export function paramsToProto(trialId: string, params: Params): ParameterSet {
  const out: Record<string, ProtoParamValue> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === 'number') out[k] = { value: { $case: 'number', value: v } };
    else if (typeof v === 'boolean') out[k] = { value: { $case: 'flag', value: v } };
    else out[k] = { value: { $case: 'category', value: v } };
  }
  return { trialId, params: out };
}

export function paramsFromProto(p: ParameterSet | undefined): Params {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(p?.params ?? {})) {
    const val = v.value;
    if (!val) continue;
    out[k] = val.$case === 'integer' ? Number(val.value) : val.value;
  }
  return out;
}

const METRIC_FIELDS = new Set(Object.keys(BacktestMetrics.fromJSON(Object.fromEntries(['totalReturn', 'annualReturn', 'annualVolatility', 'sharpe', 'sortino', 'maxDrawdown', 'maxDrawdownDays', 'calmar', 'alpha', 'beta', 'informationRatio', 'winRate', 'turnover', 'fees', 'rebalances', 'fallbacks', 'finalNav'].map((k) => [k, 0])))).filter((k) => k !== 'extra'));

/** Known BacktestMetrics fields go to their slots, everything else to `extra`. */
export function metricsToProto(m: Readonly<Record<string, number>> | undefined): ProtoMetrics | undefined {
  if (!m) return undefined;
  const base: Record<string, unknown> = {};
  const extra: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) {
    if (METRIC_FIELDS.has(k)) base[k] = v;
    else extra[k] = v;
  }
  return BacktestMetrics.fromPartial({ ...base, extra });
}

export function metricsFromProto(m: ProtoMetrics | undefined): Record<string, number> {
  if (!m) return {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) if (k !== 'extra' && typeof v === 'number') out[k] = v;
  return { ...out, ...m.extra };
}
