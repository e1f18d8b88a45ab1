/**
 * The columnar store: one directory per dataset holding
 *   panel.arrow      the price panel as Arrow IPC (file format; see arrow-codec.ts for the layout)
 *   benchmark.arrow  the benchmark series, when there is one (its own calendar, so its own file)
 *   manifest.json    hppo.v1.DatasetManifest as proto3 JSON (digest = sha256 of panel.arrow)
 *
 * openStore reads panel.arrow once into one Buffer and hands out Float64Array views over it
 * (no column is copied); the returned `bytes` is that buffer, owned by the returned panel.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { DatasetManifest } from '../gen/hppo/v1/data.js';
import type { BenchmarkSeries, PricePanel } from './panel.js';
import { validateBenchmark, validatePanel } from './validate.js';
import { benchmarkFromIpc, benchmarkToIpc, panelFields, panelFromIpc, panelToIpc } from './arrow-codec.js';

export const STORE_FILES = { panel: 'panel.arrow', benchmark: 'benchmark.arrow', manifest: 'manifest.json' } as const;

export interface ManifestInput {
  /** Default: `<name>-<first 12 hex of the digest>`. */
  datasetId?: string;
  /** Default 'dataset'. */
  name?: string;
  /** Path(s) or description of the input. */
  source?: string;
  metadata?: Record<string, string>;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The manifest describing `panel` serialized as `ipc` (= panelToIpc(panel)). */
export function buildManifest(panel: PricePanel, ipc: Uint8Array, benchmark: BenchmarkSeries | undefined, input: ManifestInput = {}): DatasetManifest {
  const digest = sha256Hex(ipc);
  const name = input.name ?? 'dataset';
  const metadata: Record<string, string> = { ...(input.metadata ?? {}) };
  if (benchmark) {
    metadata['benchmarkDigest'] = sha256Hex(benchmarkToIpc(benchmark));
    metadata['benchmarkDays'] = String(benchmark.dates.length);
  }
  return DatasetManifest.fromPartial({
    datasetId: input.datasetId ?? `${name}-${digest.slice(0, 12)}`,
    name,
    tickers: [...panel.tickers],
    firstDate: panel.dates[0] ?? '',
    lastDate: panel.dates[panel.dates.length - 1] ?? '',
    numDays: panel.dates.length,
    fields: panelFields(panel),
    benchmark: benchmark?.name ?? '',
    digest,
    sizeBytes: ipc.byteLength,
    source: input.source ?? '',
    metadata,
  });
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * Writes a dataset directory (created if needed; existing files replaced atomically, manifest last
 * so a reader never sees a manifest pointing at a half-written panel). `ipc` may be passed when
 * the caller already serialized the panel.
 */
export async function writeStore(
  dir: string,
  panel: PricePanel,
  benchmark?: BenchmarkSeries,
  input: ManifestInput & { ipc?: Uint8Array } = {},
): Promise<DatasetManifest> {
  validatePanel(panel, `panel for ${dir}`);
  if (benchmark) validateBenchmark(benchmark);
  const ipc = input.ipc ?? panelToIpc(panel);
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, STORE_FILES.panel), ipc);
  if (benchmark) await writeAtomic(join(dir, STORE_FILES.benchmark), benchmarkToIpc(benchmark));
  const manifest = buildManifest(panel, ipc, benchmark, input);
  await writeAtomic(join(dir, STORE_FILES.manifest), `${JSON.stringify(DatasetManifest.toJSON(manifest), null, 2)}\n`);
  return manifest;
}

export interface OpenStoreOptions {
  /**
   * Recompute sha256 of panel.arrow (and benchmark.arrow), compare with the manifest, and check the
   * panel invariants (ascending dates, prices > 0 or NaN). Default true.
   */
  verify?: boolean;
}

export interface OpenedStore {
  panel: PricePanel;
  benchmark: BenchmarkSeries | undefined;
  manifest: DatasetManifest;
  /** The bytes of panel.arrow; every panel column is a view over bytes.buffer. */
  bytes: Uint8Array;
}

async function readOrFail(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new DataError(`cannot read ${what}: ${(err as Error).message}`, { source: path, cause: err });
  }
}

/** Opens a dataset directory written by writeStore. Columns are zero-copy views (see file comment). */
export async function openStore(dir: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const verify = options.verify ?? true;
  const manifestPath = join(dir, STORE_FILES.manifest);
  let manifest: DatasetManifest;
  try {
    manifest = DatasetManifest.fromJSON(JSON.parse((await readOrFail(manifestPath, 'dataset manifest')).toString('utf8')));
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`manifest is not valid JSON: ${(err as Error).message}`, { source: manifestPath, cause: err });
  }
  const panelPath = join(dir, STORE_FILES.panel);
  const bytes = await readOrFail(panelPath, 'panel');
  if (verify) {
    const digest = sha256Hex(bytes);
    if (digest !== manifest.digest) throw new DataError(`sha256 ${digest} does not match the manifest's ${manifest.digest}`, { source: panelPath });
  }
  if (bytes.byteLength !== manifest.sizeBytes) {
    throw new DataError(`size ${bytes.byteLength} bytes does not match the manifest's ${manifest.sizeBytes}`, { source: panelPath });
  }
  const { panel } = panelFromIpc(bytes, panelPath);
  if (panel.dates.length !== manifest.numDays || panel.tickers.length !== manifest.tickers.length) {
    throw new DataError(`panel has ${panel.dates.length} days × ${panel.tickers.length} tickers, the manifest says ${manifest.numDays} × ${manifest.tickers.length}`, { source: panelPath });
  }
  let benchmark: BenchmarkSeries | undefined;
  if (manifest.benchmark !== '') {
    const benchPath = join(dir, STORE_FILES.benchmark);
    const bBytes = await readOrFail(benchPath, 'benchmark');
    const expected = manifest.metadata['benchmarkDigest'];
    if (verify && expected !== undefined && sha256Hex(bBytes) !== expected) {
      throw new DataError(`sha256 does not match the manifest's benchmarkDigest ${expected}`, { source: benchPath });
    }
    benchmark = benchmarkFromIpc(bBytes, benchPath);
    if (verify) validateBenchmark(benchmark, benchPath);
  }
  if (verify) validatePanel(panel, panelPath);
  return { panel, benchmark, manifest, bytes };
}
