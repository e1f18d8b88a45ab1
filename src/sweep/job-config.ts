/**
 * The optimization job document (`hppo optimize --config FILE.yaml|json`), validated once:
 *
 *   name: hppo-var-sse50-2015
 *   model:  {name: hppo-var, options: {...}}        # evaluator name + its options
 *   data:     {...}                                  # read by the model's evaluator
 *   backtest: {...}                                  # read by the model's evaluator
 *   space:  {alpha: {type: float, low: 0.10, high: 0.20, step: 0.01}, ...}   (docs/search.md)
 *   search: {algorithm: grid, seed: 0, objectives: [{metric: sharpe, direction: maximize}], maxEvaluations, patience, ...}
 *   execution: {workers: 2, batchSize: auto, batchTimeoutMs: 600000, maxAttempts: 3}
 *
 * Errors are ConfigError with the path of the field ("search.algorithm", "execution.workers").
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve, dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { parseSpace, type SearchSpace } from '../search/space.js';
import { compileSearchOptions, type ResolvedSearchOptions } from '../search/searcher.js';
import type { SearchOptions } from '../search/types.js';
import { compileObjectives, parseObjectives, type CompiledObjectives, type ObjectiveDef } from './objectives.js';

export interface ExecutionOptions {
  workers: number;
  /** Candidates per batch message; 0 = auto (spread the known grid over 2 batches per worker, else 1 per slot). */
  batchSize: number;
  batchTimeoutMs: number;
  maxAttempts: number;
}

export interface CompiledJob {
  /** JSON-safe document sent to workers (paths made absolute). */
  readonly document: Record<string, unknown> & { name: string; model: { name: string; options?: Record<string, unknown> } };
  readonly space: SearchSpace;
  readonly searchOptions: SearchOptions;
  readonly resolvedSearch: ResolvedSearchOptions;
  readonly objectives: CompiledObjectives;
  readonly objectiveDefs: ObjectiveDef[];
  readonly execution: ExecutionOptions;
}

// 'params' is the single parameter set of `hppo backtest` (cli/backtest.ts): allowed so one file serves both commands.
const TOP_KEYS = ['name', 'model', 'data', 'backtest', 'space', 'search', 'execution', 'description', 'params'];

function obj(v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(path, `expected a mapping, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

export function loadJobDocument(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('config', `cannot read ${file}: ${(err as Error).message}`, { file });
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError('config', `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { file });
  }
  const doc = obj(raw, 'config');
  // Paths inside the document are relative to the config file.
  const base = dirname(resolve(file));
  const data = doc['data'];
  if (data && typeof data === 'object') {
    const d = data as Record<string, unknown>;
    for (const k of ['prices', 'benchmark', 'dataDir', 'store']) {
      const v = d[k];
      if (typeof v === 'string' && (v.includes('/') || v.includes('.')) && !isAbsolute(v)) d[k] = resolve(base, v);
    }
  }
  const model = doc['model'];
  if (model && typeof model === 'object') {
    const m = model as Record<string, unknown>;
    if (typeof m['strategy'] === 'string' && !isAbsolute(m['strategy'])) m['strategy'] = resolve(base, m['strategy']);
  }
  return doc;
}

export function compileJob(raw: Record<string, unknown>, overrides: { workers?: number; file?: string } = {}): CompiledJob {
  const file = overrides.file;
  try {
    for (const k of Object.keys(raw)) if (!TOP_KEYS.includes(k)) throw new ConfigError(k, `unknown section (allowed: ${TOP_KEYS.join(', ')})`);
    const name = raw['name'] ?? 'job';
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name)) throw new ConfigError('name', `expected letters, digits, _ . -, got ${JSON.stringify(name)}`);
    const model = obj(raw['model'], 'model');
    if (typeof model['name'] !== 'string' || !model['name']) throw new ConfigError('model.name', 'expected the name of a model, e.g. hppo-var');
    const space = parseSpace(raw['space'], 'space');
    const searchRaw = { ...obj(raw['search'] ?? { algorithm: 'grid' }, 'search') };
    const objectiveDefs = parseObjectives(searchRaw['objectives'] ?? searchRaw['objective'], 'search.objectives');
    delete searchRaw['objectives'];
    delete searchRaw['objective'];
    const multi = searchRaw['algorithm'] === 'nsga2';
    const objectives = compileObjectives(objectiveDefs, multi);
    const searchOptions = { ...searchRaw, directions: objectives.directions } as unknown as SearchOptions;
    const resolvedSearch = compileSearchOptions(searchOptions, space, 'search');
    const ex = obj(raw['execution'] ?? {}, 'execution');
    const workers = overrides.workers ?? ex['workers'] ?? Math.max(1, Math.min(availableParallelism(), 8));
    if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > 256) throw new ConfigError('execution.workers', `expected an integer in 1..256, got ${JSON.stringify(workers)}`);
    const bs = ex['batchSize'] ?? 'auto';
    if (!(bs === 'auto' || (typeof bs === 'number' && Number.isInteger(bs) && bs >= 1))) throw new ConfigError('execution.batchSize', `expected "auto" or an integer >= 1, got ${JSON.stringify(bs)}`);
    const batchTimeoutMs = ex['batchTimeoutMs'] ?? 600_000;
    if (typeof batchTimeoutMs !== 'number' || !(batchTimeoutMs > 0)) throw new ConfigError('execution.batchTimeoutMs', `expected a positive number, got ${JSON.stringify(batchTimeoutMs)}`);
    const maxAttempts = ex['maxAttempts'] ?? 3;
    if (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 1) throw new ConfigError('execution.maxAttempts', `expected an integer >= 1, got ${JSON.stringify(maxAttempts)}`);
    const document = { ...raw, name, model: model as { name: string; options?: Record<string, unknown> } };
    return {
      document,
      space,
      searchOptions,
      resolvedSearch,
      objectives,
      objectiveDefs,
      execution: { workers, batchSize: bs === 'auto' ? 0 : bs, batchTimeoutMs, maxAttempts },
    };
  } catch (err) {
    if (err instanceof ConfigError && file && err.file === undefined) throw new ConfigError(err.path, err.message.startsWith(`${err.path}: `) ? err.message.slice(err.path.length + 2) : err.message, { file, cause: err });
    throw err;
  }
}
