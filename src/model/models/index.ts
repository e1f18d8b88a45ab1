/**
 * The built-in event-driven portfolio models and how a job document names a model:
 *
 *   model: {name: momentum, options: {lookback: 20}}              # a built-in model by name
 *   model: {name: strategy, strategy: ./my-model.mjs, options: {}} # a user strategy file
 *   model: {name: strategy, strategy: mean-cvar}                   # a built-in through 'strategy'
 *
 * A trial's parameters are the scalar entries of `model.options` overridden by the trial's own
 * params (so options hold the fixed values and the search space the searched ones). Non-scalar
 * options (bounds per asset, Black–Litterman views) are the model's structured configuration.
 * The HPPO VaR model (hppo-var) is listed for single backtests (`hppo backtest`: metrics and NAV);
 * sweeps use its batch evaluator (src/sweep/hppo-var-evaluator.ts, registered last).
 */
import { ConfigError, InvalidArgumentError } from '../../errors.js';
import { loadStrategy } from '../strategy-loader.js';
import type { ParamValue, Params, Strategy } from '../strategy.js';
import { momentumStrategy, MOMENTUM_PARAMS } from './momentum.js';
import { meanCvarStrategy, MEAN_CVAR_OPTIONS, MEAN_CVAR_PARAMS } from './mean-cvar.js';
import { fofBlStrategy, FOF_BL_OPTIONS, FOF_BL_PARAMS } from './fof-bl.js';
import { hppoVarStrategy, type HppoVarOptions } from './hppo-var.js';

export interface BuiltinModel {
  readonly name: string;
  readonly summary: string;
  /** Scalar parameters (searchable). */
  readonly params: readonly string[];
  /** Structured (non-scalar) options read from model.options. */
  readonly options: readonly string[];
  /** A fresh strategy for one trial: merged params, and model.options (structured entries). */
  create(params: Params, options: Readonly<Record<string, unknown>>): Strategy;
}

export const BUILTIN_MODELS: Readonly<Record<string, BuiltinModel>> = {
  momentum: {
    name: 'momentum',
    summary: 'momentum with lookback, threshold, position size, stop-loss and take-profit',
    params: MOMENTUM_PARAMS,
    options: [],
    create: (p) => momentumStrategy(p),
  },
  'mean-cvar': {
    name: 'mean-cvar',
    summary: 'mean-CVaR LP with bounds, cash, leverage, turnover and CVaR limits; historical, Gaussian or KDE scenarios',
    params: MEAN_CVAR_PARAMS,
    options: MEAN_CVAR_OPTIONS,
    create: (p, o) => meanCvarStrategy(p, o),
  },
  'fof-bl': {
    name: 'fof-bl',
    summary: 'mean-variance with Black–Litterman views and proportional transaction costs (ADMM)',
    params: FOF_BL_PARAMS,
    options: FOF_BL_OPTIONS,
    create: (p, o) => fofBlStrategy(p, o),
  },
  'hppo-var': {
    name: 'hppo-var',
    summary: 'the HPPO VaR model: minimum historical CVaR at tail probability alpha with annualized mean >= mu, long only (exact LP)',
    params: ['alpha', 'mu'],
    options: ['window', 'windowIncludesToday', 'periodsPerYear', 'solver', 'chainLength', 'threads'],
    create: (p, o) => hppoVarStrategy(p, o as HppoVarOptions),
  },
};

export function builtinModelNames(): string[] {
  return Object.keys(BUILTIN_MODELS).sort();
}

/** A model as a job document names it, ready to create one strategy per trial. */
export interface ResolvedModel {
  /** 'momentum', …, or the file's name for a user strategy. */
  readonly name: string;
  /** Absolute path of a user strategy file. */
  readonly file?: string;
  /** Scalar model.options (the defaults of every trial's params). */
  readonly defaults: Params;
  /** A fresh strategy for one trial's params (merged over the defaults). */
  create(params: Params): Strategy;
}

function isScalar(v: unknown): v is ParamValue {
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

function modelSection(doc: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const m = doc['model'];
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new ConfigError('model', `expected a mapping, got ${JSON.stringify(m)}`);
  return m as Record<string, unknown>;
}

const MODEL_KEYS = ['name', 'strategy', 'options'];

/**
 * Resolves `model:` of a job document to a strategy factory: a built-in model by name (model.name,
 * or model.strategy with model.name 'strategy') or a user strategy file (model.strategy, a path;
 * relative paths are resolved by loadJobDocument against the config file).
 */
export async function resolveModel(doc: Readonly<Record<string, unknown>>): Promise<ResolvedModel> {
  const m = modelSection(doc);
  for (const k of Object.keys(m)) if (!MODEL_KEYS.includes(k)) throw new ConfigError(`model.${k}`, `unknown field (allowed: ${MODEL_KEYS.join(', ')})`);
  const name = m['name'];
  if (typeof name !== 'string' || name === '') throw new ConfigError('model.name', `expected a model name (strategy, ${builtinModelNames().join(', ')}), got ${JSON.stringify(name)}`);
  const rawOptions = m['options'] ?? {};
  if (rawOptions === null || typeof rawOptions !== 'object' || Array.isArray(rawOptions)) {
    throw new ConfigError('model.options', `expected a mapping, got ${JSON.stringify(rawOptions)}`);
  }
  const options = rawOptions as Record<string, unknown>;
  let builtin: BuiltinModel | undefined;
  let file: string | undefined;
  if (name === 'strategy') {
    const s = m['strategy'];
    if (typeof s !== 'string' || s === '') {
      throw new ConfigError('model.strategy', `expected the path of a strategy file (.js/.mjs/.cjs) or a built-in model (${builtinModelNames().join(', ')}), got ${JSON.stringify(s)}`);
    }
    builtin = Object.hasOwn(BUILTIN_MODELS, s) ? BUILTIN_MODELS[s] : undefined;
    if (!builtin) file = s;
  } else {
    builtin = Object.hasOwn(BUILTIN_MODELS, name) ? BUILTIN_MODELS[name] : undefined;
    if (!builtin) throw new ConfigError('model.name', `unknown model "${name}" (built-in: ${builtinModelNames().join(', ')}; or name: strategy with strategy: FILE)`);
    if (m['strategy'] !== undefined) throw new ConfigError('model.strategy', `only with model.name: strategy (model.name is ${name})`);
  }
  const defaults: Record<string, ParamValue> = {};
  const structured: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (isScalar(v)) defaults[k] = v;
    else structured[k] = v;
  }
  if (builtin) {
    const b = builtin;
    for (const k of Object.keys(structured)) {
      if (!b.options.includes(k)) {
        throw new ConfigError(`model.options.${k}`, `not an option of model ${b.name} (structured options: ${b.options.join(', ') || 'none'}; scalar params: ${b.params.join(', ')})`);
      }
    }
    // Scalars that are structured options (e.g. a single number for a bound) stay options too.
    const scalarOptions: Record<string, ParamValue> = {};
    for (const k of Object.keys(defaults)) {
      if (b.options.includes(k)) {
        scalarOptions[k] = defaults[k] as ParamValue;
        delete defaults[k];
      }
    }
    const opts = { ...structured, ...scalarOptions };
    // Fail on bad defaults now (naming model.options) rather than once per trial.
    try {
      b.create(defaults, opts);
    } catch (err) {
      if (err instanceof InvalidArgumentError && err.field.startsWith('params.')) {
        const field = err.field.slice('params.'.length);
        if (Object.hasOwn(defaults, field)) throw new ConfigError(`model.options.${field}`, err.message.replace(/^[^:]*: /, ''), { cause: err });
      } else if (err instanceof InvalidArgumentError && err.field.startsWith('options.')) {
        throw new ConfigError(`model.${err.field}`, err.message.replace(/^[^:]*: /, ''), { cause: err });
      } else if (!(err instanceof InvalidArgumentError)) throw err;
    }
    return { name: b.name, defaults, create: (p) => b.create({ ...defaults, ...p }, opts) };
  }
  if (Object.keys(structured).length > 0) {
    // A user strategy receives only scalars through params; structured options would be lost.
    const k = Object.keys(structured)[0] as string;
    throw new ConfigError(`model.options.${k}`, 'a user strategy receives scalar parameters only (number, string, boolean)');
  }
  const loaded = await loadStrategy(file as string);
  return { name: loaded.name, file: loaded.file, defaults, create: (p) => loaded.create({ ...defaults, ...p }) };
}

export { momentumStrategy, compileMomentumParams, momentumScores, selectMomentum, MOMENTUM_PARAMS, type MomentumParams } from './momentum.js';
export {
  buildMeanCvarDenseLp,
  buildMeanCvarLp,
  compileMeanCvarParams,
  meanCvarFrontier,
  meanCvarStrategy,
  portfolioCvar,
  solveMeanCvar,
  solveMeanCvarDense,
  MEAN_CVAR_PARAMS,
  type FrontierPoint,
  type MeanCvarLayout,
  type MeanCvarParams,
  type MeanCvarSolution,
  type MeanCvarSolveOptions,
  type MeanCvarSolver,
  type MeanCvarSpec,
} from './mean-cvar.js';
export { compileFofBlParams, factorOfWindow, fofBlStrategy, fofObjective, solveFofBl, FOF_BL_PARAMS, type FofBlParams, type FofBlSolution, type FofBlSpec, type FofView } from './fof-bl.js';
export { blackLitterman, type BlackLittermanInput, type BlackLittermanResult } from './black-litterman.js';
export { completeAssets, generateScenarios, returnsWindow, silvermanFactor, windowMoments, SCENARIO_METHODS, type ScenarioMethod, type ScenarioOptions } from './scenarios.js';
