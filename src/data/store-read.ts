/**
 * Reading the columnar store (see store.ts for what a store directory holds) WITHOUT loading
 * Apache Arrow: importing apache-arrow costs a process ~130 ms of CPU, more than opening any
 * store, and every sweep worker opens one at start-up.
 *
 * writeStore records where Arrow put each column's values in panel.arrow (manifest metadata
 * `arrowLayout` = {rows, date, values: [byte offsets in storage order]}, and `benchmarkLayout` for
 * benchmark.arrow), read back from Arrow's own decoding of the bytes it wrote. openStore checks the
 * sha256 digest (so the bytes are the ones the layout describes), the Arrow magic and the offsets'
 * bounds and alignment, then builds Float64Array views over the file buffer: no column is copied
 * and nothing is parsed. A store without the layout (written by an older hppo) is decoded through
 * Arrow, imported on demand.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { DatasetManifest } from '../gen/hppo/v1/data.js';
import type { BenchmarkSeries, PricePanel } from './panel.js';
import { epochDayToIso } from './dates.js';
import { validateBenchmark, validatePanel } from './validate.js';

export const STORE_FILES = { panel: 'panel.arrow', benchmark: 'benchmark.arrow', manifest: 'manifest.json' } as const;

/** Manifest metadata keys of the column layouts. */
export const LAYOUT_KEYS = { panel: 'arrowLayout', benchmark: 'benchmarkLayout' } as const;

/** Where the values of each column sit in an Arrow IPC file (byte offsets from its start). */
export interface IpcLayout {
  rows: number;
  /** The date column (DateDay: int32 days since 1970-01-01). */
  date: number;
  /** The Float64 columns, in storage order (fields outer, tickers inner). */
  values: number[];
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
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

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

function parseLayout(text: string | undefined, source: string): IpcLayout | undefined {
  if (text === undefined) return undefined;
  try {
    const l = JSON.parse(text) as IpcLayout;
    if (Number.isInteger(l.rows) && Number.isInteger(l.date) && Array.isArray(l.values)) return l;
  } catch {
    // fall through
  }
  throw new DataError('manifest has a malformed column layout', { source });
}

/** Float64/Int32 views at the layout's offsets, after checking magic, bounds and alignment. */
function viewsFromLayout(bytes: Uint8Array, layout: IpcLayout, columns: number, source: string): { dates: string[]; cols: Float64Array[] } | undefined {
  if (bytes.byteOffset % 8 !== 0) return undefined; // views need alignment: let Arrow decode (it copies)
  const n = bytes.byteLength;
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i] || bytes[n - MAGIC.length + i] !== MAGIC[i]) throw new DataError('not an Arrow IPC file (magic bytes)', { source });
  }
  const T = layout.rows;
  if (layout.values.length !== columns) throw new DataError(`layout lists ${layout.values.length} columns, expected ${columns}`, { source });
  const check = (off: number, width: number, align: number): void => {
    if (!Number.isInteger(off) || off < 8 || off % align !== 0 || off + T * width > n) {
      throw new DataError(`column layout offset ${off} is outside the file or misaligned`, { source });
    }
  };
  check(layout.date, 4, 4);
  const days = new Int32Array(bytes.buffer, bytes.byteOffset + layout.date, T);
  const dates = new Array<string>(T);
  for (let i = 0; i < T; i++) dates[i] = epochDayToIso(days[i]!);
  const cols = layout.values.map((off) => {
    check(off, 8, 8);
    return new Float64Array(bytes.buffer, bytes.byteOffset + off, T);
  });
  return { dates, cols };
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
  const layout = parseLayout(manifest.metadata[LAYOUT_KEYS.panel], manifestPath);
  const fields = manifest.fields as Array<'close' | 'open' | 'high' | 'low' | 'volume'>;
  const direct = layout && viewsFromLayout(bytes, layout, fields.length * manifest.tickers.length, panelPath);
  let panel: PricePanel;
  if (direct) {
    const out: { -readonly [K in keyof PricePanel]: PricePanel[K] } = { dates: direct.dates, tickers: manifest.tickers, close: [] };
    const nT = manifest.tickers.length;
    fields.forEach((f, k) => {
      out[f] = direct.cols.slice(k * nT, (k + 1) * nT);
    });
    panel = out;
  } else {
    panel = (await import('./arrow-codec.js')).panelFromIpc(bytes, panelPath).panel;
  }
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
    const bLayout = parseLayout(manifest.metadata[LAYOUT_KEYS.benchmark], manifestPath);
    const bDirect = bLayout && viewsFromLayout(bBytes, bLayout, 1, benchPath);
    benchmark = bDirect
      ? { name: manifest.benchmark, dates: bDirect.dates, close: bDirect.cols[0]! }
      : (await import('./arrow-codec.js')).benchmarkFromIpc(bBytes, benchPath);
    if (verify) validateBenchmark(benchmark, benchPath);
  }
  if (verify) validatePanel(panel, panelPath);
  return { panel, benchmark, manifest, bytes };
}
