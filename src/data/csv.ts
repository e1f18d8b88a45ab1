/**
 * CSV ingest of price panels and benchmark series.
 *
 * Formats (detected from the header unless `format` is given):
 * - wide: `date,T1,T2,...`, one adjusted close per ticker per row (the ../shared/data files);
 * - long: `date,ticker,close[,open,high,low,volume]` in any column order, names case-insensitive,
 *   with aliases (symbol/code for ticker, adj_close/adjusted_close/"Adj Close" for close; when both
 *   an adjusted and a raw close are present the adjusted one is the panel's `close`);
 * - benchmark: `date,close` (or any file with a date column and a close-like or single value column).
 *
 * An empty cell (or NA, NaN, null, N/A, #N/A) is "no price that day" (NaN). Everything else that is
 * wrong is a DataError naming the file, the 1-based line and the cell: unsorted or duplicate dates,
 * malformed dates, non-numeric or non-positive prices (volume may be 0), ragged rows, columns with no
 * value at all, requested tickers the file lacks.
 *
 * Layout: all close columns of a panel are views into ONE column-major Float64Array (column j is
 * `data.subarray(j * rows, (j + 1) * rows)`), so the columnar store writes them without a gather.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { gunzip as gunzipCb, gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { DataError, InvalidArgumentError } from '../errors.js';
import type { BenchmarkSeries, PricePanel } from './panel.js';
import { lowerBound } from './panel.js';
import {
  NOT_A_NUMBER,
  POW10,
  QuoteError,
  countLines,
  dateKeyToEpochDay,
  dateKeyToIso,
  epochDayToIsoDate,
  decodeUtf8,
  parseCellNumber,
  parseDateKey,
  splitCsvText,
  splitRow,
  type RowCells,
} from './csv-scan.js';

const gunzip = promisify(gunzipCb);

export const PriceField = {
  Close: 'close',
  Open: 'open',
  High: 'high',
  Low: 'low',
  Volume: 'volume',
} as const;
export type PriceField = (typeof PriceField)[keyof typeof PriceField];
export const PRICE_FIELDS: readonly PriceField[] = ['close', 'open', 'high', 'low', 'volume'];

export type CsvFormat = 'auto' | 'wide' | 'long';

export interface PriceCsvOptions {
  /** Default 'auto': long when the header has a ticker/symbol/code column, else wide. */
  format?: CsvFormat;
  /** Keep only these tickers, in this order; a ticker the file lacks is a DataError. Default: all. */
  tickers?: readonly string[];
  /** First date kept (inclusive, YYYY-MM-DD). Validation still covers the whole file. */
  from?: string;
  /** Last date kept (inclusive). */
  to?: string;
}

export interface BenchmarkCsvOptions {
  /** Series name; default: the file name without extension. */
  name?: string;
  /** The value column (case-insensitive); default: an adjusted/close alias, else the only value column. */
  column?: string;
  from?: string;
  to?: string;
}

/** What a parse saw besides the panel (for logs and the manifest's metadata). */
export interface PriceCsvInfo {
  format: 'wide' | 'long';
  rows: number;
  missingCells: number;
  /** Columns of the file that were not used (long format: e.g. a raw close next to adj_close). */
  ignoredColumns: string[];
}

const DATE_NAMES = new Set(['date', 'timestamp', 'datetime', 'day', 'trade_date', 'trading_date', 'time']);
const TICKER_NAMES = new Set(['ticker', 'symbol', 'code', 'asset', 'instrument', 'security', 'secid', 'stock']);
const ADJ_CLOSE_NAMES = new Set(['adj_close', 'adjclose', 'adjusted_close', 'adjustedclose', 'close_adj', 'adj_close_price']);
const FIELD_NAMES: Record<string, PriceField> = {
  close: 'close',
  price: 'close',
  close_price: 'close',
  open: 'open',
  high: 'high',
  low: 'low',
  volume: 'volume',
  vol: 'volume',
};

/** Lower case, runs of spaces/hyphens/dots as '_' ("Adj Close" → "adj_close"). */
function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s\-.]+/g, '_');
}

// ---------------------------------------------------------------------------------------------
// File reading
// ---------------------------------------------------------------------------------------------

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Output chunk of the inflater: zlib's 16 KiB default costs ~40 % more CPU on the 8 MB S&P file than 4 MiB chunks. */
function gunzipOptions(raw: Uint8Array): { chunkSize: number } {
  return { chunkSize: raw.length > 1 << 20 ? 4 << 20 : 64 << 10 };
}

/** The bytes of a CSV file, gunzipped when it is gzip (by magic bytes, whatever its name). */
export async function readCsvBytes(path: string): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    throw new DataError(`cannot read file: ${(err as Error).message}`, { source: path, cause: err });
  }
  if (!isGzip(raw)) return raw;
  try {
    return await gunzip(raw, gunzipOptions(raw));
  } catch (err) {
    throw new DataError(`not a valid gzip file: ${(err as Error).message}`, { source: path, cause: err });
  }
}

/** Synchronous twin of readCsvBytes (CLI and tests). */
export function readCsvBytesSync(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new DataError(`cannot read file: ${(err as Error).message}`, { source: path, cause: err });
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw, gunzipOptions(raw));
  } catch (err) {
    throw new DataError(`not a valid gzip file: ${(err as Error).message}`, { source: path, cause: err });
  }
}

// ---------------------------------------------------------------------------------------------
// Shared line machinery
// ---------------------------------------------------------------------------------------------

interface Header {
  names: string[];
  /** Offset of the first byte after the header line. */
  bodyStart: number;
}

function readHeader(b: Uint8Array, source: string): Header {
  let start = 0;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) start = 3;
  if (start >= b.length) throw new DataError('empty file (no header line)', { source, line: 1 });
  let nl = Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(10, start);
  const next = nl < 0 ? b.length : nl + 1;
  if (nl < 0) nl = b.length;
  const end = nl > start && b[nl - 1] === 13 ? nl - 1 : nl;
  const text = decodeUtf8(b, start, end);
  if (text.trim() === '') throw new DataError('empty header line', { source, line: 1 });
  let names: string[];
  try {
    names = splitCsvText(text, source, 1).map((s) => s.trim());
  } catch (err) {
    throw asDataError(err, source, 1);
  }
  return { names, bodyStart: next };
}

function asDataError(err: unknown, source: string, line: number): DataError {
  if (err instanceof DataError) return err;
  if (err instanceof QuoteError) return new DataError(err.message, { source, line });
  return new DataError(String((err as Error)?.message ?? err), { source, line, cause: err });
}

/**
 * Calls `row(lineStart, lineEnd, lineNo)` for each non-blank line after the header, without
 * the line terminator (\n or \r\n). Blank lines are skipped (their numbers still count).
 */
function forEachLine(b: Uint8Array, from: number, row: (s: number, e: number, line: number) => void): void {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let pos = from;
  let line = 2;
  while (pos < b.length) {
    let nl = buf.indexOf(10, pos);
    if (nl < 0) nl = b.length;
    const end = nl > pos && b[nl - 1] === 13 ? nl - 1 : nl;
    if (end > pos) row(pos, end, line);
    pos = nl + 1;
    line++;
  }
}

function dateRange(dates: readonly string[], from: string | undefined, to: string | undefined): [number, number] {
  const a = from === undefined ? 0 : lowerBound(dates, from);
  const bEnd = to === undefined ? dates.length : lowerBound(dates, nextDay(to));
  return [a, Math.max(a, bEnd)];
}

/** The smallest string greater than every string with prefix `d` (for an inclusive upper bound). */
function nextDay(d: string): string {
  return `${d}\uffff`;
}

function checkIsoOption(field: string, v: string | undefined): void {
  if (v === undefined) return;
  const b = Buffer.from(v, 'latin1');
  if (parseDateKey(b, 0, b.length) < 0) throw new DataError(`option ${field}: "${v}" is not a YYYY-MM-DD date`);
}

function describeCell(b: Uint8Array, s: number, e: number): string {
  const t = decodeUtf8(b, s, Math.min(e, s + 40));
  return e - s > 40 ? `"${t}..."` : `"${t}"`;
}

// ---------------------------------------------------------------------------------------------
// Prices
// ---------------------------------------------------------------------------------------------

/** Parses a wide or long price CSV (bytes already gunzipped). */
export function parsePriceCsv(
  bytes: Uint8Array,
  source: string,
  options: PriceCsvOptions = {},
): { panel: PricePanel; info: PriceCsvInfo } {
  checkIsoOption('from', options.from);
  checkIsoOption('to', options.to);
  if (options.tickers !== undefined && options.tickers.length === 0) {
    throw new InvalidArgumentError('tickers', 'expected at least one ticker (omit the option for all of them)');
  }
  const header = readHeader(bytes, source);
  const norm = header.names.map(normalizeName);
  const hasTicker = norm.some((n) => TICKER_NAMES.has(n));
  const format = options.format ?? 'auto';
  const long = format === 'long' || (format === 'auto' && hasTicker);
  return long ? parseLong(bytes, source, header, norm, options) : parseWide(bytes, source, header, norm, options);
}

function checkDateColumn(norm: string[], names: string[], source: string): void {
  const first = norm[0];
  if (first === undefined || !DATE_NAMES.has(first)) {
    throw new DataError(
      `first column must be the date (named one of ${[...DATE_NAMES].join(', ')}), got "${names[0] ?? ''}"`,
      { source, line: 1 },
    );
  }
}

function parseWide(
  b: Uint8Array,
  source: string,
  header: Header,
  norm: string[],
  options: PriceCsvOptions,
): { panel: PricePanel; info: PriceCsvInfo } {
  checkDateColumn(norm, header.names, source);
  const fileTickers = header.names.slice(1);
  if (fileTickers.length === 0) throw new DataError('no price columns after the date column', { source, line: 1 });
  const seen = new Map<string, number>();
  fileTickers.forEach((t, j) => {
    if (t === '') throw new DataError(`column ${j + 2} has an empty name`, { source, line: 1 });
    if (seen.has(t)) throw new DataError(`duplicate column "${t}" (columns ${seen.get(t)! + 2} and ${j + 2})`, { source, line: 1 });
    seen.set(t, j);
  });
  const wanted = options.tickers ?? fileTickers;
  const unknown = wanted.filter((t) => !seen.has(t));
  if (unknown.length > 0) {
    throw new DataError(`unknown ticker(s) requested: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', ...' : ''}`, { source, line: 1 });
  }
  // outCol[j] = output column of file column j+1, or -1 when not kept.
  const nFile = fileTickers.length;
  const outCol = new Int32Array(nFile).fill(-1);
  wanted.forEach((t, k) => {
    const j = seen.get(t)!;
    if (outCol[j] !== -1) throw new DataError(`ticker "${t}" requested twice`, { source });
    outCol[j] = k;
  });
  const nOut = wanted.length;
  const cap = countLines(b, header.bodyStart);
  const data = new Float64Array(nOut * cap);
  const keys: number[] = [];
  const cols = nFile + 1;
  const starts = new Int32Array(cols);
  const ends = new Int32Array(cols);
  const holder: RowCells = { buf: new Uint8Array(0), count: 0 };
  let prevKey = -1;
  let missing = 0;
  let row = 0;
  // Fast path: split, parse and store in one pass over the row's bytes. It gives up (returns false,
  // having stored nothing that the slow path will not overwrite) on anything unusual: quotes,
  // ragged rows, bad dates or values; the slow path below then parses the row or reports the error.
  const fastRow = (ls: number, le: number): boolean => {
    let p = ls;
    while (p < le && b[p] !== 44) p++;
    const key = parseDateKey(b, ls, p);
    if (key <= prevKey || p === le) return false;
    p++;
    let rowMissing = 0;
    for (let j = 0; j < nFile; j++) {
      const s = p;
      let neg = false;
      let mant = 0;
      let nd = 0;
      let frac = 0;
      let dot = false;
      if (p < le && (b[p] === 45 || b[p] === 43)) {
        neg = b[p] === 45;
        p++;
      }
      for (; p < le; p++) {
        const c = b[p]!;
        if (c >= 48 && c <= 57) {
          mant = mant * 10 + (c - 48);
          nd++;
          if (dot) frac++;
        } else if (c === 46 && !dot) {
          dot = true;
        } else {
          break;
        }
      }
      let v: number;
      if (p === le || b[p] === 44) {
        if (nd > 0 && nd <= 15) {
          v = frac === 0 ? mant : mant / POW10[frac]!;
          if (neg) v = -v;
        } else {
          v = p === s ? Number.NaN : parseCellNumber(b, s, p);
        }
      } else {
        while (p < le && b[p] !== 44) {
          if (b[p] === 34) return false;
          p++;
        }
        v = parseCellNumber(b, s, p);
      }
      if (j < nFile - 1) {
        if (p === le) return false;
        p++;
      } else if (p !== le) {
        return false;
      }
      const k = outCol[j]!;
      if (k < 0) continue;
      if (!(v > 0)) {
        if (v !== v) rowMissing++;
        else return false;
      }
      data[k * cap + row] = v;
    }
    missing += rowMissing;
    keys.push(key);
    prevKey = key;
    row++;
    return true;
  };
  forEachLine(b, header.bodyStart, (ls, le, line) => {
    if (fastRow(ls, le)) return;
    let cells: RowCells;
    try {
      cells = splitRow(b, ls, le, starts, ends, source, line, holder);
    } catch (err) {
      throw asDataError(err, source, line);
    }
    if (cells.count !== cols) {
      throw new DataError(`ragged row: ${cells.count} cells, the header has ${cols}`, { source, line });
    }
    const buf = cells.buf;
    const key = parseDateKey(buf, starts[0]!, ends[0]!);
    if (key < 0) throw new DataError(`malformed date ${describeCell(buf, starts[0]!, ends[0]!)} (expected YYYY-MM-DD)`, { source, line });
    if (key <= prevKey) {
      throw new DataError(`${key === prevKey ? 'duplicate' : 'unsorted'} date ${dateKeyToIso(key)} (after ${dateKeyToIso(prevKey)})`, { source, line });
    }
    prevKey = key;
    for (let j = 0; j < nFile; j++) {
      const k = outCol[j]!;
      if (k < 0) continue;
      const s = starts[j + 1]!;
      const e = ends[j + 1]!;
      const v = parseCellNumber(buf, s, e);
      if (!(v > 0)) {
        if (v !== v) {
          missing++;
        } else if (v === NOT_A_NUMBER) {
          throw new DataError(`column "${fileTickers[j]}": not a number ${describeCell(buf, s, e)}`, { source, line });
        } else {
          throw new DataError(`column "${fileTickers[j]}": non-positive price ${v}`, { source, line });
        }
      }
      data[k * cap + row] = v;
    }
    keys.push(key);
    row++;
  });
  if (row === 0) throw new DataError('no data rows after the header', { source, line: 2 });
  const close: Float64Array[] = [];
  for (let k = 0; k < nOut; k++) {
    const col = data.subarray(k * cap, k * cap + row);
    if (!hasValue(col)) throw new DataError(`column "${wanted[k]}" is empty (no price on any row)`, { source, line: 1 });
    close.push(col);
  }
  const dates = keys.map(dateKeyToIso);
  const panel = restrictDates({ dates, tickers: [...wanted], close }, options.from, options.to);
  return {
    panel,
    info: { format: 'wide', rows: row, missingCells: missing, ignoredColumns: fileTickers.filter((t) => !wanted.includes(t)) },
  };
}

function hasValue(col: Float64Array): boolean {
  for (let i = 0; i < col.length; i++) if (col[i] === col[i]) return true;
  return false;
}

/** Zero-copy restriction of a panel to [from, to] (inclusive ISO dates). */
export function restrictDates(panel: PricePanel, from: string | undefined, to: string | undefined): PricePanel {
  if (from === undefined && to === undefined) return panel;
  const [a, z] = dateRange(panel.dates, from, to);
  return selectRows(panel, a, z);
}

/** Zero-copy view of rows [a, z) of a panel (all fields). */
export function selectRows(panel: PricePanel, a: number, z: number): PricePanel {
  const cut = (cols: readonly Float64Array[] | undefined): Float64Array[] | undefined => cols?.map((c) => c.subarray(a, z));
  const out: { -readonly [K in keyof PricePanel]: PricePanel[K] } = {
    dates: panel.dates.slice(a, z),
    tickers: panel.tickers,
    close: cut(panel.close)!,
  };
  for (const f of ['open', 'high', 'low', 'volume'] as const) {
    const c = cut(panel[f]);
    if (c) out[f] = c;
  }
  return out;
}

function parseLong(
  b: Uint8Array,
  source: string,
  header: Header,
  norm: string[],
  options: PriceCsvOptions,
): { panel: PricePanel; info: PriceCsvInfo } {
  const dateCol = norm.findIndex((n) => DATE_NAMES.has(n));
  const tickerCol = norm.findIndex((n) => TICKER_NAMES.has(n));
  if (dateCol < 0) throw new DataError(`long format: no date column (one of ${[...DATE_NAMES].join(', ')})`, { source, line: 1 });
  if (tickerCol < 0) throw new DataError(`long format: no ticker column (one of ${[...TICKER_NAMES].join(', ')})`, { source, line: 1 });
  // Field → file column. An adjusted close wins over a raw close.
  const fieldCol = new Map<PriceField, number>();
  const ignored: string[] = [];
  const adj = norm.findIndex((n) => ADJ_CLOSE_NAMES.has(n));
  if (adj >= 0) fieldCol.set('close', adj);
  norm.forEach((n, j) => {
    if (j === dateCol || j === tickerCol || j === adj) return;
    const f = FIELD_NAMES[n];
    if (f === undefined || fieldCol.has(f)) {
      ignored.push(header.names[j]!);
      return;
    }
    fieldCol.set(f, j);
  });
  if (!fieldCol.has('close')) {
    throw new DataError(`long format: no close column (close, adj_close, adjusted_close, price, ...); header: ${header.names.join(',')}`, { source, line: 1 });
  }
  const fields = PRICE_FIELDS.filter((f) => fieldCol.has(f));
  const fieldIdx = fields.map((f) => fieldCol.get(f)!);
  const nf = fields.length;
  const cols = header.names.length;
  const cap = countLines(b, header.bodyStart);
  const rowDate = new Int32Array(cap);
  const rowTicker = new Int32Array(cap);
  const rowVals = new Float64Array(cap * nf);
  const tickerIndex = new Map<string, number>();
  const tickers: string[] = [];
  const lastKey: number[] = [];
  const lastLine: number[] = [];
  // Dates as days since 1970-01-01 (rowDate); the calendar is the set of days seen, found with a
  // presence table over [minDay, maxDay] instead of a Set/Map per row.
  let minDay = Number.POSITIVE_INFINITY;
  let maxDay = Number.NEGATIVE_INFINITY;
  const starts = new Int32Array(cols);
  const ends = new Int32Array(cols);
  const holder: RowCells = { buf: new Uint8Array(0), count: 0 };
  // Long files are usually grouped by ticker: compare with the previous row's ticker bytes first.
  let prevTickerBuf: Uint8Array | undefined;
  let prevTs = 0;
  let prevTe = 0;
  let prevTicker = -1;
  let n = 0;
  let missing = 0;
  forEachLine(b, header.bodyStart, (ls, le, line) => {
    let cells: RowCells;
    try {
      cells = splitRow(b, ls, le, starts, ends, source, line, holder);
    } catch (err) {
      throw asDataError(err, source, line);
    }
    if (cells.count !== cols) throw new DataError(`ragged row: ${cells.count} cells, the header has ${cols}`, { source, line });
    const buf = cells.buf;
    const ds = starts[dateCol]!;
    const de = ends[dateCol]!;
    const key = parseDateKey(buf, ds, de);
    if (key < 0) throw new DataError(`malformed date ${describeCell(buf, ds, de)} (expected YYYY-MM-DD)`, { source, line });
    const ts = starts[tickerCol]!;
    const te = ends[tickerCol]!;
    let t = -1;
    if (prevTickerBuf !== undefined && te - ts === prevTe - prevTs && buf === b && prevTickerBuf === b) {
      let same = true;
      for (let i = 0; i < te - ts; i++) {
        if (buf[ts + i] !== b[prevTs + i]) {
          same = false;
          break;
        }
      }
      if (same) t = prevTicker;
    }
    if (t < 0) {
      const name = decodeUtf8(buf, ts, te).trim();
      if (name === '') throw new DataError('empty ticker cell', { source, line });
      let idx = tickerIndex.get(name);
      if (idx === undefined) {
        idx = tickers.length;
        tickerIndex.set(name, idx);
        tickers.push(name);
        lastKey.push(-1);
        lastLine.push(0);
      }
      t = idx;
    }
    prevTickerBuf = buf;
    prevTs = ts;
    prevTe = te;
    prevTicker = t;
    const lk = lastKey[t]!;
    if (key <= lk) {
      throw new DataError(
        `${key === lk ? 'duplicate' : 'unsorted'} date ${dateKeyToIso(key)} for ticker "${tickers[t]}" (line ${lastLine[t]} has ${dateKeyToIso(lk)})`,
        { source, line },
      );
    }
    lastKey[t] = key;
    lastLine[t] = line;
    const day = dateKeyToEpochDay(key);
    if (day < minDay) minDay = day;
    if (day > maxDay) maxDay = day;
    for (let f = 0; f < nf; f++) {
      const j = fieldIdx[f]!;
      const s = starts[j]!;
      const e = ends[j]!;
      const v = parseCellNumber(buf, s, e);
      const isVolume = fields[f] === 'volume';
      if (!(v > 0) && !(isVolume && v === 0)) {
        if (v !== v) {
          missing++;
        } else if (v === NOT_A_NUMBER) {
          throw new DataError(`column "${header.names[j]}": not a number ${describeCell(buf, s, e)}`, { source, line });
        } else {
          throw new DataError(`column "${header.names[j]}": ${isVolume ? 'negative volume' : 'non-positive price'} ${v}`, { source, line });
        }
      }
      rowVals[n * nf + f] = v;
    }
    rowDate[n] = day;
    rowTicker[n] = t;
    n++;
  });
  if (n === 0) throw new DataError('no data rows after the header', { source, line: 2 });
  const wanted = options.tickers ?? tickers;
  const unknown = wanted.filter((t) => !tickerIndex.has(t));
  if (unknown.length > 0) {
    throw new DataError(`unknown ticker(s) requested: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', ...' : ''}`, { source });
  }
  const outOf = new Int32Array(tickers.length).fill(-1);
  wanted.forEach((t, k) => {
    const i = tickerIndex.get(t)!;
    if (outOf[i] !== -1) throw new DataError(`ticker "${t}" requested twice`, { source });
    outOf[i] = k;
  });
  const span = maxDay - minDay + 1;
  const rowOfDay = new Int32Array(span).fill(-1);
  for (let r = 0; r < n; r++) rowOfDay[rowDate[r]! - minDay] = 0;
  const keys: number[] = [];
  for (let d = 0; d < span; d++) {
    if (rowOfDay[d] === 0) {
      rowOfDay[d] = keys.length;
      keys.push(d + minDay);
    }
  }
  const T = keys.length;
  const nOut = wanted.length;
  const store = new Float64Array(nf * nOut * T).fill(Number.NaN);
  for (let r = 0; r < n; r++) {
    const k = outOf[rowTicker[r]!]!;
    if (k < 0) continue;
    const i = rowOfDay[rowDate[r]! - minDay]!;
    for (let f = 0; f < nf; f++) store[(f * nOut + k) * T + i] = rowVals[r * nf + f]!;
  }
  const byField = new Map<PriceField, Float64Array[]>();
  fields.forEach((field, f) => {
    const colsOut: Float64Array[] = [];
    for (let k = 0; k < nOut; k++) {
      const col = store.subarray((f * nOut + k) * T, (f * nOut + k + 1) * T);
      if (field === 'close' && !hasValue(col)) throw new DataError(`ticker "${wanted[k]}" has no close price on any row`, { source });
      colsOut.push(col);
    }
    if (field !== 'close' && !colsOut.some(hasValue)) {
      throw new DataError(`column "${header.names[fieldCol.get(field)!]}" is empty (no value on any row)`, { source, line: 1 });
    }
    byField.set(field, colsOut);
  });
  const full: { -readonly [K in keyof PricePanel]: PricePanel[K] } = {
    dates: keys.map(epochDayToIsoDate),
    tickers: [...wanted],
    close: byField.get('close')!,
  };
  for (const f of ['open', 'high', 'low', 'volume'] as const) {
    const c = byField.get(f);
    if (c) full[f] = c;
  }
  return {
    panel: restrictDates(full, options.from, options.to),
    info: { format: 'long', rows: n, missingCells: missing + (T * tickers.length - n) * nf, ignoredColumns: ignored },
  };
}

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

/**
 * Parses a benchmark series. Rows whose value cell is empty are dropped (a benchmark lives on its
 * own calendar); the rest follow the price rules (sorted unique dates, positive numbers).
 */
export function parseBenchmarkCsv(bytes: Uint8Array, source: string, options: BenchmarkCsvOptions = {}): BenchmarkSeries {
  checkIsoOption('from', options.from);
  checkIsoOption('to', options.to);
  const header = readHeader(bytes, source);
  const norm = header.names.map(normalizeName);
  checkDateColumn(norm, header.names, source);
  let col: number;
  if (options.column !== undefined) {
    const want = normalizeName(options.column);
    col = norm.indexOf(want);
    if (col <= 0) throw new DataError(`no column "${options.column}" (header: ${header.names.join(',')})`, { source, line: 1 });
  } else {
    col = norm.findIndex((n) => ADJ_CLOSE_NAMES.has(n));
    if (col < 0) col = norm.findIndex((n, j) => j > 0 && FIELD_NAMES[n] === 'close');
    if (col < 0 && norm.length === 2) col = 1;
    if (col < 0) {
      throw new DataError(`cannot tell which column is the benchmark close (header: ${header.names.join(',')}); pass column`, { source, line: 1 });
    }
  }
  const cols = header.names.length;
  const starts = new Int32Array(cols);
  const ends = new Int32Array(cols);
  const holder: RowCells = { buf: new Uint8Array(0), count: 0 };
  const cap = countLines(bytes, header.bodyStart);
  const values = new Float64Array(cap);
  const keys: number[] = [];
  let prevKey = -1;
  forEachLine(bytes, header.bodyStart, (ls, le, line) => {
    let cells: RowCells;
    try {
      cells = splitRow(bytes, ls, le, starts, ends, source, line, holder);
    } catch (err) {
      throw asDataError(err, source, line);
    }
    if (cells.count !== cols) throw new DataError(`ragged row: ${cells.count} cells, the header has ${cols}`, { source, line });
    const buf = cells.buf;
    const key = parseDateKey(buf, starts[0]!, ends[0]!);
    if (key < 0) throw new DataError(`malformed date ${describeCell(buf, starts[0]!, ends[0]!)} (expected YYYY-MM-DD)`, { source, line });
    if (key <= prevKey) {
      throw new DataError(`${key === prevKey ? 'duplicate' : 'unsorted'} date ${dateKeyToIso(key)} (after ${dateKeyToIso(prevKey)})`, { source, line });
    }
    prevKey = key;
    const s = starts[col]!;
    const e = ends[col]!;
    const v = parseCellNumber(buf, s, e);
    if (v !== v) return;
    if (v === NOT_A_NUMBER) throw new DataError(`column "${header.names[col]}": not a number ${describeCell(buf, s, e)}`, { source, line });
    if (!(v > 0)) throw new DataError(`column "${header.names[col]}": non-positive value ${v}`, { source, line });
    values[keys.length] = v;
    keys.push(key);
  });
  if (keys.length === 0) throw new DataError(`column "${header.names[col]}" is empty (no value on any row)`, { source, line: 1 });
  const dates = keys.map(dateKeyToIso);
  const [a, z] = dateRange(dates, options.from, options.to);
  return { name: options.name ?? baseName(source), dates: dates.slice(a, z), close: values.subarray(a, z) };
}

/** File name without directories and .csv/.gz extensions. */
export function baseName(path: string): string {
  const file = path.split(/[\\/]/).pop() ?? path;
  return file.replace(/\.gz$/i, '').replace(/\.csv$/i, '');
}

/** Reads and parses a price CSV (plain or gzip). */
export async function loadPriceCsv(path: string, options: PriceCsvOptions = {}): Promise<{ panel: PricePanel; info: PriceCsvInfo }> {
  return parsePriceCsv(await readCsvBytes(path), path, options);
}

/** Reads and parses a benchmark CSV (plain or gzip). */
export async function loadBenchmarkCsv(path: string, options: BenchmarkCsvOptions = {}): Promise<BenchmarkSeries> {
  return parseBenchmarkCsv(await readCsvBytes(path), path, options);
}

