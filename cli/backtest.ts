/**
 * hppo backtest --config FILE.yaml [--json] [--param NAME=VALUE ...]
 *
 * One backtest of one parameter set: the document has the sections of `hppo optimize`'s (model,
 * data, backtest; space, search and execution are ignored, so the same file serves both) plus
 * `params:` (the trial's parameters; --param overrides one). Prints the metrics and a NAV summary,
 * or with --json one object {model, params, metrics, nav: [{date, nav}], seconds}.
 *
 * Event-driven models (built-in momentum, mean-cvar, fof-bl, or a user strategy file) run through
 * the engine and give the NAV series; a model with only a sweep evaluator (e.g. hppo-var) runs as
 * a one-trial batch of its evaluator and gives metrics only (nav: []).
 */
import { ConfigError, ErrorCode, HppoError, errorFromDetail } from '../src/errors.js';
import { createEvaluator, type EvaluatorSpec, type Params, type ParamValue } from '../src/sweep/evaluator.js';
import { loadJobDocument } from '../src/sweep/job-config.js';
import { flattenMetrics, prepareStrategyRun, runStrategyTrial } from '../src/sweep/strategy-evaluator.js';
import { BUILTIN_MODELS } from '../src/model/models/index.js';
import { parseArgs } from './args.js';
import '../src/sweep/builtin.js';

export interface BacktestReport {
  name: string;
  model: string;
  market: string;
  params: Params;
  metrics: Record<string, number>;
  /** NAV at each day's close (empty when the model has no event-driven form). */
  nav: { date: string; nav: number }[];
  seconds: number;
}

const KEYS = ['name', 'description', 'model', 'data', 'backtest', 'params', 'space', 'search', 'execution'];

function readParams(doc: Record<string, unknown>, overrides: readonly string[]): Record<string, ParamValue> {
  const raw = doc['params'] ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('params', `expected a mapping NAME: value, got ${JSON.stringify(raw)}`);
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') throw new ConfigError(`params.${k}`, `expected a number, string or boolean, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new ConfigError('--param', `expected NAME=VALUE, got ${JSON.stringify(o)}`);
    const v = o.slice(eq + 1);
    out[o.slice(0, eq)] = v === 'true' ? true : v === 'false' ? false : v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}

/** Runs the backtest a job document describes (paths already resolved by loadJobDocument). */
export async function runBacktestDocument(doc: Record<string, unknown>, paramOverrides: readonly string[] = []): Promise<BacktestReport> {
  for (const k of Object.keys(doc)) if (!KEYS.includes(k)) throw new ConfigError(k, `unknown section (allowed: ${KEYS.join(', ')})`);
  const params = readParams(doc, paramOverrides);
  const model = doc['model'] as Record<string, unknown> | undefined;
  const modelName = model && typeof model === 'object' ? model['name'] : undefined;
  const name = typeof doc['name'] === 'string' ? doc['name'] : 'backtest';
  const t0 = performance.now();
  if (typeof modelName === 'string' && modelName !== 'strategy' && !Object.hasOwn(BUILTIN_MODELS, modelName)) {
    // A model with a sweep evaluator only: one trial through it.
    const ev = await createEvaluator(doc as EvaluatorSpec);
    try {
      const [out] = await ev.evaluate([{ trialId: 'backtest', params }]);
      if (!out) throw new HppoError(ErrorCode.Internal, 'the evaluator returned no result');
      if (out.error) throw errorFromDetail(out.error);
      return { name, model: modelName, market: '', params, metrics: { ...(out.metrics ?? {}) }, nav: [], seconds: (performance.now() - t0) / 1000 };
    } finally {
      ev.close?.();
    }
  }
  const prepared = await prepareStrategyRun(doc);
  const r = await runStrategyTrial(prepared, params);
  const nav = r.dates.map((date, k) => ({ date, nav: r.nav[k] as number }));
  return {
    name,
    model: prepared.model.file ?? prepared.model.name,
    market: prepared.market.description,
    params: { ...prepared.model.defaults, ...params },
    metrics: flattenMetrics(r.metrics),
    nav,
    seconds: (performance.now() - t0) / 1000,
  };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1000 ? v.toFixed(2) : v.toFixed(6);
}

/** The text report: metrics, then the NAV at about ten evenly spaced dates plus min and max. */
export function formatBacktestReport(r: BacktestReport): string {
  const lines: string[] = [];
  lines.push(`${r.name}: model ${r.model}${r.market ? ` on ${r.market}` : ''} (${r.seconds.toFixed(2)} s)`);
  const ps = Object.entries(r.params);
  lines.push(`params: ${ps.length ? ps.map(([k, v]) => `${k}=${String(v)}`).join(' ') : '(defaults)'}`);
  lines.push('');
  const width = Math.max(...Object.keys(r.metrics).map((k) => k.length), 6);
  for (const [k, v] of Object.entries(r.metrics)) lines.push(`  ${k.padEnd(width)}  ${fmt(v)}`);
  if (r.nav.length > 0) {
    lines.push('');
    const first = r.nav[0]!;
    const last = r.nav[r.nav.length - 1]!;
    let lo = first;
    let hi = first;
    for (const p of r.nav) {
      if (p.nav < lo.nav) lo = p;
      if (p.nav > hi.nav) hi = p;
    }
    lines.push(`NAV: ${r.nav.length} days ${first.date} .. ${last.date}; min ${fmt(lo.nav)} on ${lo.date}, max ${fmt(hi.nav)} on ${hi.date}`);
    const step = Math.max(1, Math.floor((r.nav.length - 1) / 10));
    for (let k = 0; k < r.nav.length; k += step) lines.push(`  ${r.nav[k]!.date}  ${fmt(r.nav[k]!.nav)}`);
    if ((r.nav.length - 1) % step !== 0) lines.push(`  ${last.date}  ${fmt(last.nav)}`);
  }
  return lines.join('\n') + '\n';
}

export async function backtestCommand(argv: string[]): Promise<number> {
  let args;
  const params: string[] = [];
  try {
    // --param may repeat: collect them before the shared parser (which keeps the last).
    const rest: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] as string;
      if (a === '--param') params.push(argv[++i] ?? '');
      else if (a.startsWith('--param=')) params.push(a.slice('--param='.length));
      else rest.push(a);
    }
    args = parseArgs(rest, { boolean: ['json'], string: ['config'] });
  } catch (err) {
    process.stderr.write(`hppo backtest: ${(err as Error).message}\n`);
    return 2;
  }
  const file = (args.flags.get('config') as string | undefined) ?? args.positionals[0];
  if (!file) {
    process.stderr.write('usage: hppo backtest --config FILE.yaml [--json] [--param NAME=VALUE ...]\n');
    return 2;
  }
  let report: BacktestReport;
  try {
    report = await runBacktestDocument(loadJobDocument(file), params);
  } catch (err) {
    if (err instanceof HppoError) {
      process.stderr.write(`hppo backtest: ${err.message}\n`);
      return err instanceof ConfigError || err.code === ErrorCode.InvalidArgument ? 2 : 1;
    }
    throw err;
  }
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify({ name: report.name, model: report.model, market: report.market, params: report.params, metrics: report.metrics, nav: report.nav, seconds: report.seconds }) + '\n');
  } else {
    process.stdout.write(formatBacktestReport(report));
  }
  return 0;
}
