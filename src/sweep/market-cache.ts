/**
 * A binary cache of a loaded market (closes + benchmark) for sweep workers: each worker of a job
 * would otherwise parse the same CSV (~60 ms of CPU for SSE 50) at start-up. One file per market:
 *
 *   "HPPOMKT1" | uint32 LE header bytes | JSON header | zero padding to 8 | Float64 LE closes,
 *   column by column (tickers × dates) | Float64 benchmark closes
 *
 * read with one readFileSync and laid out as Float64Array views (no copy, no parse). The Arrow
 * store (src/data/store.ts) is the project's columnar format, but importing apache-arrow costs a
 * worker far more than the CSV parse it would save; this file is a private start-up cache only.
 *
 * Key: sha256 over the input files' paths, sizes and modification times and the transform
 * (staleAsSuspendedDays); a changed input gets a new file. A file that fails any check is ignored
 * and rewritten. Files are written to a temporary name and renamed (atomic on one filesystem), so
 * concurrent workers never read a half-written entry. `rm -rf .hppo/cache/market` clears them.
 * Only little-endian hosts use the cache (Float64Array views are host-endian).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endianness } from 'node:os';
import { threadId } from 'node:worker_threads';
import type { BenchmarkSeries, PricePanel } from '../data/panel.js';

const MAGIC = 'HPPOMKT1';
const VERSION = 1;

interface Header {
  v: number;
  dates: string[];
  tickers: string[];
  benchmark: { name: string; dates: string[] } | null;
  description: string;
}

export interface CachedMarket {
  panel: PricePanel;
  benchmark: BenchmarkSeries | undefined;
  description: string;
}

function stamp(path: string | undefined): string {
  if (path === undefined) return '-';
  const s = statSync(path);
  return `${path}|${s.size}|${s.mtimeMs}`;
}

/** The cache file of a market built from these inputs and transform. */
export function marketCachePath(cacheDir: string, name: string, inputs: { prices: string; benchmark: string | undefined; transform: unknown }): string {
  const key = createHash('sha256')
    .update(JSON.stringify({ v: VERSION, prices: stamp(inputs.prices), benchmark: stamp(inputs.benchmark), transform: inputs.transform }))
    .digest('hex')
    .slice(0, 20);
  return join(cacheDir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}-${key}.bin`);
}

export const marketCacheUsable = (): boolean => endianness() === 'LE';

/** The cached market, or undefined when the file is absent or fails a check. */
export function readMarketCache(file: string): CachedMarket | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) return undefined;
  let h: Header;
  try {
    h = JSON.parse(buf.toString('utf8', 12, 12 + hlen)) as Header;
  } catch {
    return undefined;
  }
  if (h.v !== VERSION || !Array.isArray(h.dates) || !Array.isArray(h.tickers)) return undefined;
  const start = (12 + hlen + 7) & ~7;
  const T = h.dates.length;
  const n = h.tickers.length;
  const B = h.benchmark ? h.benchmark.dates.length : 0;
  if (buf.length !== start + 8 * (n * T + B)) return undefined;
  // An aligned copy of the payload (Buffer's pool offset need not be a multiple of 8).
  const ab = new ArrayBuffer(buf.length - start);
  new Uint8Array(ab).set(buf.subarray(start));
  const all = new Float64Array(ab);
  const close = Array.from({ length: n }, (_, i) => all.subarray(i * T, (i + 1) * T));
  const benchmark = h.benchmark ? { name: h.benchmark.name, dates: h.benchmark.dates, close: all.subarray(n * T) } : undefined;
  return { panel: { dates: h.dates, tickers: h.tickers, close }, benchmark, description: h.description };
}

/** Writes the market (closes only; panels with OHLCV are not cached). Errors are swallowed: a cache. */
export function writeMarketCache(file: string, m: CachedMarket): boolean {
  const p = m.panel;
  if (p.open || p.high || p.low || p.volume) return false;
  try {
    const header: Header = {
      v: VERSION,
      dates: [...p.dates],
      tickers: [...p.tickers],
      benchmark: m.benchmark ? { name: m.benchmark.name, dates: [...m.benchmark.dates] } : null,
      description: m.description,
    };
    const hjson = Buffer.from(JSON.stringify(header), 'utf8');
    const start = (12 + hjson.length + 7) & ~7;
    const T = p.dates.length;
    const n = p.tickers.length;
    const B = m.benchmark ? m.benchmark.close.length : 0;
    const out = Buffer.alloc(start + 8 * (n * T + B));
    out.write(MAGIC, 0, 'latin1');
    out.writeUInt32LE(hjson.length, 8);
    hjson.copy(out, 12);
    const data = new Float64Array(out.buffer, out.byteOffset + start, n * T + B);
    for (let i = 0; i < n; i++) data.set(p.close[i] as Float64Array, i * T);
    if (m.benchmark) data.set(m.benchmark.close, n * T);
    mkdirSync(join(file, '..'), { recursive: true });
    const tmp = `${file}.${process.pid}-${threadId}.tmp`;
    writeFileSync(tmp, out);
    renameSync(tmp, file);
    return true;
  } catch {
    return false;
  }
}
