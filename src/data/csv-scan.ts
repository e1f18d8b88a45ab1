/**
 * Byte-level CSV scanning for the price ingest: one pass over the bytes, no per-cell regex and no
 * per-cell string for numbers. Pure functions over a Uint8Array; nothing here reads files.
 *
 * Numbers: the fast path reads up to 15 significant digits into an integer m and k fraction
 * digits, then returns m / 10^k. Both m (< 2^53) and 10^k (k <= 22) are exact doubles and IEEE
 * division is correctly rounded, so the result is bit-identical to `Number(text)` (Clinger's fast
 * path). Anything else (exponents, more digits, spaces, NA tokens, garbage) goes through a slow
 * path on the cell's text, which is rare in price files.
 */

export const POW10: Float64Array = (() => {
  const p = new Float64Array(23);
  let v = 1;
  for (let k = 0; k <= 22; k++) {
    p[k] = v;
    v *= 10;
  }
  return p;
})();

/** Returned by `parseCellNumber` when the cell is not a number and not a missing-value token. */
export const NOT_A_NUMBER = Number.NEGATIVE_INFINITY;

/** Cell texts read as "no value" (NaN) besides the empty cell; what pandas reads as NaN by default, minus a few ambiguous ones. */
const MISSING_TOKENS = new Set(['NA', 'N/A', '#N/A', 'NaN', 'nan', '-nan', 'NAN', 'null', 'NULL', 'None', '<NA>']);

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses bytes[start, end) as a decimal number. Empty or a missing-value token → NaN. Not a
 * decimal number → NOT_A_NUMBER (-Infinity; a real "-Infinity" text is also refused, as non-finite).
 */
export function parseCellNumber(b: Uint8Array, start: number, end: number): number {
  if (start >= end) return Number.NaN;
  let i = start;
  let neg = false;
  let c = b[i]!;
  if (c === 45 || c === 43) {
    neg = c === 45;
    i++;
  }
  let mant = 0;
  let nd = 0;
  let frac = 0;
  let dot = false;
  for (; i < end; i++) {
    c = b[i]!;
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
  if (i === end && nd > 0 && nd <= 15) {
    const v = frac === 0 ? mant : mant / POW10[frac]!;
    return neg ? -v : v;
  }
  return parseCellSlow(b, start, end);
}

function parseCellSlow(b: Uint8Array, start: number, end: number): number {
  const text = decodeLatin1(b, start, end).trim();
  if (text === '' || MISSING_TOKENS.has(text)) return Number.NaN;
  if (!DECIMAL.test(text)) return NOT_A_NUMBER;
  const v = Number(text);
  return Number.isFinite(v) ? v : NOT_A_NUMBER;
}

/** Decodes a byte range as Latin-1 (dates and numbers are ASCII). */
export function decodeLatin1(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

/** Decodes a byte range as UTF-8 (header names and tickers may be non-ASCII). */
export function decodeUtf8(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Reads `YYYY-MM-DD` at bytes[start, end) as the integer YYYYMMDD, or -1 when the text is not a
 * valid calendar date in that exact form.
 */
export function parseDateKey(b: Uint8Array, start: number, end: number): number {
  if (end - start !== 10 || b[start + 4] !== 45 || b[start + 7] !== 45) return -1;
  let y = 0;
  for (let i = start; i < start + 4; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return -1;
    y = y * 10 + d;
  }
  const m1 = b[start + 5]! - 48;
  const m2 = b[start + 6]! - 48;
  const d1 = b[start + 8]! - 48;
  const d2 = b[start + 9]! - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return -1;
  const m = m1 * 10 + m2;
  const d = d1 * 10 + d2;
  if (m < 1 || m > 12 || d < 1) return -1;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const dim = m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!;
  if (d > dim) return -1;
  return y * 10000 + m * 100 + d;
}

/** YYYYMMDD → "YYYY-MM-DD". */
export function dateKeyToIso(key: number): string {
  const y = Math.floor(key / 10000);
  const m = Math.floor(key / 100) % 100;
  const d = key % 100;
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

export { dateKeyToEpochDay, epochDayToIso as epochDayToIsoDate } from './dates.js';

/**
 * The cells of one CSV line. `buf` is the byte array the boundaries refer to: the input itself,
 * or (for a line with quoted cells, rare in price files) a re-encoded copy of the unquoted cells.
 * `count` is the number of cells on the line even when it exceeds the capacity of starts/ends.
 */
export interface RowCells {
  buf: Uint8Array;
  count: number;
}

/**
 * Splits bytes[lineStart, lineEnd) (no line terminator) at commas into starts/ends (capacity =
 * their length), filling and returning `out` (reused across rows: no allocation per row). Quoted
 * cells ("a,b", "x""y") are unquoted through a slower path.
 */
export function splitRow(
  b: Uint8Array,
  lineStart: number,
  lineEnd: number,
  starts: Int32Array,
  ends: Int32Array,
  source: string,
  line: number,
  out: RowCells,
): RowCells {
  const cap = starts.length;
  let count = 0;
  let cellStart = lineStart;
  for (let i = lineStart; i < lineEnd; i++) {
    const c = b[i]!;
    if (c === 44) {
      if (count < cap) {
        starts[count] = cellStart;
        ends[count] = i;
      }
      count++;
      cellStart = i + 1;
    } else if (c === 34) {
      return splitQuotedRow(b, lineStart, lineEnd, starts, ends, source, line, out);
    }
  }
  if (count < cap) {
    starts[count] = cellStart;
    ends[count] = lineEnd;
  }
  count++;
  out.buf = b;
  out.count = count;
  return out;
}

function splitQuotedRow(
  b: Uint8Array,
  lineStart: number,
  lineEnd: number,
  starts: Int32Array,
  ends: Int32Array,
  source: string,
  line: number,
  out: RowCells,
): RowCells {
  const text = decodeUtf8(b, lineStart, lineEnd);
  const cells = splitCsvText(text, source, line);
  const enc = new TextEncoder();
  const parts = cells.map((c) => enc.encode(c));
  const total = parts.reduce((s, p) => s + p.length, 0);
  const buf = new Uint8Array(total);
  let pos = 0;
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    buf.set(p, pos);
    if (k < starts.length) {
      starts[k] = pos;
      ends[k] = pos + p.length;
    }
    pos += p.length;
  }
  out.buf = buf;
  out.count = parts.length;
  return out;
}

/** RFC 4180 split of one line of text (quotes may not span lines). */
export function splitCsvText(text: string, source: string, line: number): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new QuoteError(source, line);
        cell += text.slice(i, q);
        if (text[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < n && text[i] !== ',') throw new QuoteError(source, line);
      out.push(cell);
    } else {
      const comma = text.indexOf(',', i);
      const stop = comma < 0 ? n : comma;
      out.push(text.slice(i, stop));
      i = stop;
    }
    if (i >= n) break;
    i++; // the comma
    if (i === n) {
      out.push('');
      break;
    }
  }
  return out;
}

/** Thrown by the splitter; the CSV readers turn it into a DataError with source and line. */
export class QuoteError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
  ) {
    super('unterminated or misplaced quote (quoted cells may not span lines)');
  }
}

/** Number of line starts in b from `from` (counts '\n'; +1 when the last line has no terminator). */
export function countLines(b: Uint8Array, from: number): number {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let n = 0;
  let i = from;
  for (;;) {
    const j = buf.indexOf(10, i);
    if (j < 0) break;
    n++;
    i = j + 1;
  }
  if (i < b.length) n++;
  return n;
}
