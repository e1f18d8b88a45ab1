/**
 * CSV → panel (+ benchmark) → Arrow IPC + manifest, optionally written to a store directory.
 * The one entry the CLI and the data-broadcaster call to bring a price file into hppo.
 */
import type { DatasetManifest } from '../gen/hppo/v1/data.js';
import { InvalidArgumentError } from '../errors.js';
import type { BenchmarkSeries, PricePanel } from './panel.js';
import { baseName, loadBenchmarkCsv, loadPriceCsv, type BenchmarkCsvOptions, type CsvFormat, type PriceCsvInfo } from './csv.js';
import { panelToIpc } from './arrow-codec.js';
import { buildManifest, writeStore } from './store.js';

export interface IngestCsvOptions {
  /** Price file: wide or long CSV, plain or gzip. */
  pricesPath: string;
  /** Benchmark file `date,close` (optional). */
  benchmarkPath?: string;
  /** Which column of the benchmark file (default: close-like or the only one). */
  benchmarkColumn?: string;
  /** Benchmark series name; default: benchmark file name. */
  benchmarkName?: string;
  format?: CsvFormat;
  tickers?: readonly string[];
  /** Inclusive date range kept (YYYY-MM-DD); applies to the benchmark too. */
  from?: string;
  to?: string;
  /** Dataset name; default: the price file's name. */
  name?: string;
  datasetId?: string;
  /** When set, the store is written there (see store.ts) and the manifest returned is the written one. */
  storeDir?: string;
}

export interface IngestResult {
  panel: PricePanel;
  benchmark: BenchmarkSeries | undefined;
  manifest: DatasetManifest;
  /** panel as Arrow IPC file bytes (what the manifest's digest is of). */
  ipc: Uint8Array;
  info: PriceCsvInfo;
}

export async function ingestCsv(options: IngestCsvOptions): Promise<IngestResult> {
  if (typeof options?.pricesPath !== 'string' || options.pricesPath === '') {
    throw new InvalidArgumentError('pricesPath', `expected a file path, got ${JSON.stringify(options?.pricesPath)}`);
  }
  const range = { ...(options.from !== undefined ? { from: options.from } : {}), ...(options.to !== undefined ? { to: options.to } : {}) };
  const benchOpts: BenchmarkCsvOptions = { ...range };
  if (options.benchmarkColumn !== undefined) benchOpts.column = options.benchmarkColumn;
  if (options.benchmarkName !== undefined) benchOpts.name = options.benchmarkName;
  const [{ panel, info }, benchmark] = await Promise.all([
    loadPriceCsv(options.pricesPath, {
      ...range,
      ...(options.format !== undefined ? { format: options.format } : {}),
      ...(options.tickers !== undefined ? { tickers: options.tickers } : {}),
    }),
    options.benchmarkPath !== undefined ? loadBenchmarkCsv(options.benchmarkPath, benchOpts) : Promise.resolve(undefined),
  ]);
  if (panel.dates.length === 0) {
    throw new InvalidArgumentError('from/to', `no trading day of ${options.pricesPath} in ${options.from ?? '-∞'}..${options.to ?? '+∞'}`);
  }
  const ipc = panelToIpc(panel);
  const source = options.benchmarkPath !== undefined ? `${options.pricesPath} + ${options.benchmarkPath}` : options.pricesPath;
  const input = {
    name: options.name ?? baseName(options.pricesPath),
    source,
    metadata: { format: info.format, missingCells: String(info.missingCells) },
    ...(options.datasetId !== undefined ? { datasetId: options.datasetId } : {}),
  };
  const manifest = options.storeDir !== undefined
    ? await writeStore(options.storeDir, panel, benchmark, { ...input, ipc })
    : buildManifest(panel, ipc, benchmark, input);
  return { panel, benchmark, manifest, ipc, info };
}
