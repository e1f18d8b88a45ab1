/**
 * Dataset presets: names for the price + benchmark files of ../shared/data (see its README), so a
 * config can say `dataset: sse50` instead of two paths. The project ships no copy of the data.
 *
 * Data directory: options.dataDir, else env HPPO_DATA, else <repo root>/../shared/data (the
 * reference's default too).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError, InvalidArgumentError } from '../errors.js';

export interface DatasetPreset {
  prices: string;
  /** Benchmark choices by name; `defaultBenchmark` is the one used when none is asked for. */
  benchmarks: Record<string, string>;
  defaultBenchmark: string;
  description: string;
}

export const DATASET_PRESETS = {
  /** SSE 50, adjusted closes; benchmark = Shanghai Composite as in ../shared/reference/hppo_ref.py. */
  sse50: {
    prices: 'cn_sse50_close_adj_2008_2016.csv',
    benchmarks: {
      'sse-composite': 'cn_sse_composite_index_2000_2017.csv',
      'sse50-index': 'cn_sse50_index_000016_2005_2016.csv',
      csi300: 'cn_csi300_index_2008_2016.csv',
    },
    defaultBenchmark: 'sse-composite',
    description: 'SSE 50 constituents (late-2016 list), adjusted close, 2008-01-02..2016-12-13, 2177 days × 50',
  },
  sp500: {
    prices: 'us_sp500_adjclose_1999_2021.csv.gz',
    benchmarks: { gspc: 'us_sp500_index_gspc_1999_2021.csv' },
    defaultBenchmark: 'gspc',
    description: 'S&P 500 members of 2021, adjusted close, 1999-11-01..2021-04-21, 5402 days × 504',
  },
} as const satisfies Record<string, DatasetPreset>;
export type DatasetPresetName = keyof typeof DATASET_PRESETS;

export interface ResolveDatasetOptions {
  /** Directory of the preset files. Default: env HPPO_DATA, else <repo root>/../shared/data. */
  dataDir?: string;
  /** Preset: a benchmark name from the preset (e.g. 'sse50-index'); path: a benchmark file. */
  benchmark?: string;
}

export interface ResolvedDataset {
  /** Preset name, or the price file's name for a path. */
  name: string;
  pricesPath: string;
  benchmarkPath: string | undefined;
  benchmarkName: string | undefined;
  /** The data directory used (presets) or the price file's directory. */
  dataDir: string;
}

/** The repository root: the nearest ancestor of this module holding package.json (works from src/ and dist/src/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
    dir = up;
  }
}

export function defaultDataDir(): string {
  const env = process.env['HPPO_DATA'];
  if (env !== undefined && env !== '') return resolve(env);
  return resolve(repoRoot(), '..', 'shared', 'data');
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function requireFile(path: string, what: string, hint: string): string {
  if (!isFile(path)) throw new DataError(`${what} not found${hint}`, { source: path });
  return path;
}

/**
 * 'sse50' | 'sp500' → the files in the data directory; anything else is a path to a price file
 * (relative paths against the cwd). Missing files → DataError naming the path looked at.
 */
export function resolveDataset(spec: string, options: ResolveDatasetOptions = {}): ResolvedDataset {
  if (typeof spec !== 'string' || spec === '') throw new InvalidArgumentError('dataset', `expected "sse50", "sp500" or a file path, got ${JSON.stringify(spec)}`);
  const preset = (DATASET_PRESETS as Record<string, DatasetPreset>)[spec];
  if (preset) {
    const dataDir = resolve(options.dataDir ?? defaultDataDir());
    const hint = ` (dataset "${spec}" looks in ${options.dataDir !== undefined ? 'dataDir' : process.env['HPPO_DATA'] ? 'HPPO_DATA' : '<repo>/../shared/data'}; set HPPO_DATA or dataDir to the folder holding ../shared/data's files)`;
    const benchName = options.benchmark ?? preset.defaultBenchmark;
    const benchFile = preset.benchmarks[benchName];
    if (benchFile === undefined) {
      throw new InvalidArgumentError('benchmark', `dataset "${spec}" has benchmarks ${Object.keys(preset.benchmarks).join(', ')}; got ${JSON.stringify(benchName)}`);
    }
    return {
      name: spec,
      pricesPath: requireFile(join(dataDir, preset.prices), 'price file', hint),
      benchmarkPath: requireFile(join(dataDir, benchFile), 'benchmark file', hint),
      benchmarkName: benchName,
      dataDir,
    };
  }
  const pricesPath = requireFile(isAbsolute(spec) ? spec : resolve(spec), 'price file', ` (dataset ${JSON.stringify(spec)} is not a preset: ${Object.keys(DATASET_PRESETS).join(', ')})`);
  const benchmarkPath = options.benchmark !== undefined ? requireFile(resolve(options.benchmark), 'benchmark file', '') : undefined;
  const file = pricesPath.split(/[\\/]/).pop()!;
  return {
    name: file.replace(/\.gz$/i, '').replace(/\.csv$/i, ''),
    pricesPath,
    benchmarkPath,
    benchmarkName: undefined,
    dataDir: dirname(pricesPath),
  };
}

/** True when the preset's files are all present (tests skip with a printed reason otherwise). */
export function presetAvailable(name: DatasetPresetName, dataDir?: string): boolean {
  try {
    resolveDataset(name, dataDir !== undefined ? { dataDir } : {});
    return true;
  } catch {
    return false;
  }
}
