/**
 * The columnar store: one directory per dataset holding
 *   panel.arrow      the price panel as Arrow IPC (file format; see arrow-codec.ts for the layout)
 *   benchmark.arrow  the benchmark series, when there is one (its own calendar, so its own file)
 *   manifest.json    hppo.v1.DatasetManifest as proto3 JSON (digest = sha256 of panel.arrow)
 *
 * openStore (store-read.ts, re-exported here) reads panel.arrow once into one Buffer and hands out
 * Float64Array views over it (no column is copied, and Apache Arrow is not even loaded: the manifest
 * records each column's byte offset); the returned `bytes` is that buffer, owned by the panel.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetManifest } from '../gen/hppo/v1/data.js';
import type { BenchmarkSeries, PricePanel } from './panel.js';
import { validateBenchmark, validatePanel } from './validate.js';
import { benchmarkToIpc, ipcValueOffsets, panelFields, panelToIpc } from './arrow-codec.js';
import { LAYOUT_KEYS, STORE_FILES, sha256Hex, type IpcLayout } from './store-read.js';

export { LAYOUT_KEYS, STORE_FILES, openStore, sha256Hex, type IpcLayout, type OpenStoreOptions, type OpenedStore } from './store-read.js';

export interface ManifestInput {
  /** Default: `<name>-<first 12 hex of the digest>`. */
  datasetId?: string;
  /** Default 'dataset'. */
  name?: string;
  /** Path(s) or description of the input. */
  source?: string;
  metadata?: Record<string, string>;
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
  const metadata: Record<string, string> = { ...(input.metadata ?? {}), [LAYOUT_KEYS.panel]: JSON.stringify(layoutOf(ipc)) };
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, STORE_FILES.panel), ipc);
  if (benchmark) {
    const bIpc = benchmarkToIpc(benchmark);
    metadata[LAYOUT_KEYS.benchmark] = JSON.stringify(layoutOf(bIpc));
    await writeAtomic(join(dir, STORE_FILES.benchmark), bIpc);
  }
  const manifest = buildManifest(panel, ipc, benchmark, { ...input, metadata });
  await writeAtomic(join(dir, STORE_FILES.manifest), `${JSON.stringify(DatasetManifest.toJSON(manifest), null, 2)}\n`);
  return manifest;
}

/** Byte offsets of every column's values in Arrow IPC bytes, from Arrow's own decoding. */
function layoutOf(ipc: Uint8Array): IpcLayout {
  // Decoding in place needs 8-byte alignment; a copy guarantees it.
  const aligned = ipc.byteOffset % 8 === 0 ? ipc : new Uint8Array(ipc);
  const { dateOffset, valueOffsets, rows } = ipcValueOffsets(aligned);
  return { rows, date: dateOffset, values: valueOffsets };
}
