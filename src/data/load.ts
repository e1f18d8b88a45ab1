/**
 * loadDataset: preset or path → panel + benchmark, through a store cache so a second start does
 * not parse CSV again (the S&P file: ~0.3 s of gunzip + parse vs a few ms of zero-copy open).
 *
 * Cache entry: <cacheDir>/<name>-<key>, key = sha256 over the input files' paths, sizes and
 * modification times and the ingest options. A changed input file gets a new entry; an entry that
 * fails to open (digest mismatch, half-written by a crashed process) is rebuilt. Entries are
 * never deleted here (`rm -rf .hppo/cache/datasets` clears them).
 *
 * Transforms that depend on the backtest (staleAsSuspended: its runs are cut at the end date)
 * are the caller's: they are not part of the cached store.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HppoError } from '../errors.js';
import type { DatasetManifest } from '../gen/hppo/v1/data.js';
import type { BenchmarkSeries, PricePanel } from './panel.js';
import type { CsvFormat } from './csv.js';
import { repoRoot, resolveDataset, type ResolveDatasetOptions, type ResolvedDataset } from './datasets.js';
import { openStore, STORE_FILES } from './store-read.js';

export interface LoadDatasetOptions extends ResolveDatasetOptions {
  from?: string;
  to?: string;
  tickers?: readonly string[];
  format?: CsvFormat;
  /** Where ingested stores are cached. Default <repo>/.hppo/cache/datasets; false: no cache (parse every time). */
  cacheDir?: string | false;
}

export interface LoadedDataset {
  panel: PricePanel;
  benchmark: BenchmarkSeries | undefined;
  manifest: DatasetManifest;
  resolved: ResolvedDataset;
  /** True when the panel came from an existing cache entry (no CSV parsed). */
  fromCache: boolean;
  /** The cache entry used or written (undefined with cacheDir: false). */
  storeDir: string | undefined;
}

function fileStamp(path: string | undefined): string {
  if (path === undefined) return '-';
  const s = statSync(path);
  return `${path}|${s.size}|${s.mtimeMs}`;
}

/** The cache entry directory of a resolved dataset under the given options. */
export function datasetCacheDir(resolved: ResolvedDataset, options: LoadDatasetOptions, cacheDir: string): string {
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        v: 1,
        prices: fileStamp(resolved.pricesPath),
        benchmark: fileStamp(resolved.benchmarkPath),
        benchmarkName: resolved.benchmarkName ?? null,
        from: options.from ?? null,
        to: options.to ?? null,
        tickers: options.tickers ?? null,
        format: options.format ?? 'auto',
      }),
    )
    .digest('hex')
    .slice(0, 16);
  return join(cacheDir, `${resolved.name.replace(/[^A-Za-z0-9._-]/g, '_')}-${key}`);
}

export async function loadDataset(spec: string, options: LoadDatasetOptions = {}): Promise<LoadedDataset> {
  const resolved = resolveDataset(spec, options);
  const cacheRoot = options.cacheDir === false ? undefined : (options.cacheDir ?? join(repoRoot(), '.hppo', 'cache', 'datasets'));
  const storeDir = cacheRoot === undefined ? undefined : datasetCacheDir(resolved, options, cacheRoot);
  if (storeDir !== undefined && existsSync(join(storeDir, STORE_FILES.manifest))) {
    try {
      const s = await openStore(storeDir);
      return { panel: s.panel, benchmark: s.benchmark, manifest: s.manifest, resolved, fromCache: true, storeDir };
    } catch (err) {
      if (!(err instanceof HppoError)) throw err;
      // A damaged or half-written entry: rebuild it below.
    }
  }
  // Loaded only on a cache miss: ingest writes Arrow, and importing Arrow costs ~130 ms of CPU.
  const { ingestCsv } = await import('./ingest.js');
  const r = await ingestCsv({
    pricesPath: resolved.pricesPath,
    ...(resolved.benchmarkPath !== undefined ? { benchmarkPath: resolved.benchmarkPath } : {}),
    ...(resolved.benchmarkName !== undefined ? { benchmarkName: resolved.benchmarkName } : {}),
    ...(options.from !== undefined ? { from: options.from } : {}),
    ...(options.to !== undefined ? { to: options.to } : {}),
    ...(options.tickers !== undefined ? { tickers: options.tickers } : {}),
    ...(options.format !== undefined ? { format: options.format } : {}),
    name: resolved.name,
    ...(storeDir !== undefined ? { storeDir } : {}),
  });
  return { panel: r.panel, benchmark: r.benchmark, manifest: r.manifest, resolved, fromCache: false, storeDir };
}
