/**
 * MPS / QPS reader: free and fixed MPS, optionally gzip-compressed, with the sections NAME,
 * OBJSENSE (on the same line or the next), ROWS, COLUMNS (MARKER INTORG/INTEND: integrality is
 * ignored and reported as a warning), RHS, RANGES, BOUNDS (UP LO FX FR MI PL BV LI UI), and the
 * QPS sections QUADOBJ / QSECTION (lower triangle, symmetric) and QMATRIX (full matrix).
 *
 * The result is plain data: objective `offset + c'x + 1/2 x'Qx` in the file's own sense, the
 * constraint matrix in CSR, row bounds `rowLower <= A x <= rowUpper`, column bounds, names, and
 * optional Q as the upper triangle (row <= col) in CSC.
 *
 * Speed: the 8M-nonzero CVaR files are parsed by scanning the (decompressed) bytes line by line
 * and splitting on blanks by hand; no regular expression runs per line.
 *
 * Fixed MPS: names may contain blanks in fixed MPS, which whitespace splitting cannot see. A line
 * whose field count does not fit its section is re-read by the fixed columns (2-3, 5-12, 15-22,
 * 25-36, 40-47, 50-61) before it is rejected; `format: 'fixed'` reads every data line by columns.
 */
import { readFile } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { ParseError } from '../errors.js';

const gunzipAsync = promisify(gunzip);

export interface CsrMatrixData {
  numRows: number;
  numCols: number;
  rowPtr: Int32Array; // numRows + 1
  colIdx: Int32Array; // nnz, strictly increasing within a row
  values: Float64Array; // nnz
}

export interface CscMatrixData {
  numRows: number;
  numCols: number;
  colPtr: Int32Array; // numCols + 1
  rowIdx: Int32Array; // nnz, strictly increasing within a column
  values: Float64Array;
}

export interface MpsProblem {
  name: string;
  objectiveName: string;
  sense: 'min' | 'max';
  numRows: number;
  numCols: number;
  /** Linear objective coefficients (file's own sense). */
  c: Float64Array;
  /** Objective constant (the negated RHS entry of the objective row). */
  offset: number;
  /** Constraint matrix, CSR, rows in ROWS order (objective and other N rows removed). */
  A: CsrMatrixData;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
  rowNames: string[];
  colNames: string[];
  /** Columns declared integer (MARKER INTORG, BV, LI, UI); integrality is not enforced. */
  integerColumns: number[];
  /** Hessian of the objective 1/2 x'Qx: upper triangle (row <= col), CSC. Absent for an LP. */
  Q?: CscMatrixData;
  warnings: string[];
}

export interface MpsReadOptions {
  /** 'auto' (default): free format, falling back to fixed columns for lines that need it. */
  format?: 'auto' | 'free' | 'fixed';
}

/** Values at or beyond this magnitude are infinite (RHS, RANGES, BOUNDS). */
export const MPS_INFINITY = 1e30;

const Section = {
  None: 0,
  Name: 1,
  ObjSense: 2,
  Rows: 3,
  Columns: 4,
  Rhs: 5,
  Ranges: 6,
  Bounds: 7,
  QuadObj: 8,
  QMatrix: 9,
  Ignored: 10,
  End: 11,
} as const;
type Section = (typeof Section)[keyof typeof Section];

const RowType = { N: 0, E: 1, L: 2, G: 3 } as const;

/** Reads an .mps / .qps file, gunzipping when the name ends in .gz (or the bytes say gzip). */
export async function readMps(path: string, options: MpsReadOptions = {}): Promise<MpsProblem> {
  let bytes: Buffer = await readFile(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (err) {
      throw new ParseError(path, 0, `cannot decompress gzip data: ${(err as Error).message}`, { cause: err });
    }
  }
  return parseMps(bytes, path, options);
}

class GrowF64 {
  a = new Float64Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}
class GrowI32 {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

function splitBlanks(line: string, out: string[]): number {
  let n = 0;
  let i = 0;
  const len = line.length;
  while (i < len) {
    let ch = line.charCodeAt(i);
    while (i < len && (ch === 32 || ch === 9 || ch === 13)) ch = line.charCodeAt(++i);
    if (i >= len) break;
    const start = i;
    while (i < len && ch !== 32 && ch !== 9 && ch !== 13) ch = line.charCodeAt(++i);
    out[n++] = line.slice(start, i);
  }
  return n;
}

/** Fixed MPS fields 1..6 at columns 2-3, 5-12, 15-22, 25-36, 40-47, 50-61 (1-based). Field 1
 *  (the type) exists only in ROWS and BOUNDS (`typed`); elsewhere it is blank and skipped. */
function splitFixed(line: string, out: string[], typed: boolean): number {
  const spans: Array<[number, number]> = [[1, 3], [4, 12], [14, 22], [24, 36], [39, 47], [49, 61]];
  let n = 0;
  for (const [a, b] of typed ? spans : spans.slice(1)) {
    if (a >= line.length) break;
    out[n++] = line.slice(a, Math.min(b, line.length)).trim();
  }
  while (n > 0 && out[n - 1] === '') n--;
  return n;
}

/** Parses MPS text (string or bytes). `source` names the file in errors. */
export function parseMps(input: string | Buffer, source = '<mps>', options: MpsReadOptions = {}): MpsProblem {
  const format = options.format ?? 'auto';
  if (format !== 'auto' && format !== 'free' && format !== 'fixed') {
    throw new ParseError(source, 0, `options.format: expected 'auto', 'free' or 'fixed', got ${JSON.stringify(format)}`);
  }
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const warnings: string[] = [];
  let name = '';
  let objectiveName = '';
  let sense: 'min' | 'max' = 'min';
  let offset = 0;

  const rowIndex = new Map<string, number>(); // constraint rows -> index; objective -> -1; other N rows -> -2
  const rowNames: string[] = [];
  const rowTypes: number[] = [];
  const colIndex = new Map<string, number>();
  const colNames: string[] = [];
  const cList: number[] = [];
  const isInt: boolean[] = [];
  const entRow = new GrowI32();
  const entCol = new GrowI32();
  const entVal = new GrowF64();
  const qI = new GrowI32();
  const qJ = new GrowI32();
  const qV = new GrowF64();
  let rhs: Float64Array | undefined;
  let rangeVal: Float64Array | undefined;
  let hasRange: Uint8Array | undefined;
  let colLower: Float64Array | undefined;
  let colUpper: Float64Array | undefined;
  let lowerSet: Uint8Array | undefined;
  let section: Section = Section.None;
  let inInteger = false;
  let lastCol = -1;
  let droppedFreeRows = 0;
  let sawEnd = false;
  let intMarkerWarned = false;
  const tok: string[] = [];
  let lineNo = 0;

  const fail = (msg: string): never => {
    throw new ParseError(source, lineNo, msg);
  };
  const num = (s: string | undefined, what: string): number => {
    if (s === undefined) return fail(`missing ${what}`);
    const v = Number(s);
    if (Number.isNaN(v) || s === '') {
      const l = s.toLowerCase();
      if (l === 'inf' || l === 'infinity' || l === '+inf' || l === '+infinity') return Infinity;
      if (l === '-inf' || l === '-infinity') return -Infinity;
      return fail(`${what}: "${s}" is not a number`);
    }
    if (v >= MPS_INFINITY) return Infinity;
    if (v <= -MPS_INFINITY) return -Infinity;
    return v;
  };
  const finalizeColumnsArrays = (): void => {
    if (colLower) return;
    const n = colNames.length;
    colLower = new Float64Array(n);
    colUpper = new Float64Array(n).fill(Infinity);
    lowerSet = new Uint8Array(n);
  };
  const ensureRhs = (): void => {
    if (!rhs) rhs = new Float64Array(rowNames.length);
  };
  const lookupRow = (s: string | undefined): number => {
    if (s === undefined) return fail('missing row name');
    const r = rowIndex.get(s);
    if (r === undefined) return fail(`unknown row "${s}"`);
    return r;
  };
  const lookupCol = (s: string | undefined): number => {
    if (s === undefined) return fail('missing column name');
    const c = colIndex.get(s);
    if (c === undefined) return fail(`unknown column "${s}"`);
    return c;
  };
  /** Tokenizes a data line; re-reads it by fixed columns when its field count does not fit. */
  const fields = (line: string, fits: (n: number) => boolean, typed = false): number => {
    if (format === 'fixed') return splitFixed(line, tok, typed);
    const n = splitBlanks(line, tok);
    if (fits(n) || format === 'free') return n;
    const m = splitFixed(line, tok, typed);
    if (fits(m)) return m;
    return splitBlanks(line, tok);
  };

  const columnsFit = (k: number): boolean => k === 3 || k === 5;
  // RHS/RANGES lines: "[set] row value [row value]"; the row names must be known rows.
  const rhsFits = (k: number): boolean =>
    ((k === 3 || k === 5) && rowIndex.has(tok[1]!) && (k === 3 || rowIndex.has(tok[3]!))) ||
    ((k === 2 || k === 4) && rowIndex.has(tok[0]!) && (k === 2 || rowIndex.has(tok[2]!)));

  let pos = 0;
  const len = buf.length;
  while (pos < len) {
    let end = buf.indexOf(10, pos);
    if (end < 0) end = len;
    const line = buf.toString('latin1', pos, end);
    pos = end + 1;
    lineNo++;
    if (line.length === 0) continue;
    const first = line.charCodeAt(0);
    if (first === 42 /* * */) continue;
    const isHeader = first !== 32 && first !== 9;
    if (isHeader) {
      const n = splitBlanks(line, tok);
      if (n === 0) continue;
      const key = tok[0]!.toUpperCase();
      switch (key) {
        case 'NAME':
          section = Section.Name;
          name = n > 1 ? line.slice(line.indexOf(tok[1]!)).trim() : '';
          continue;
        case 'OBJSENSE':
          if (n > 1) {
            sense = parseSense(tok[1]!, fail);
            section = Section.None;
          } else section = Section.ObjSense;
          continue;
        case 'OBJSENSE:':
          continue;
        case 'ROWS':
          section = Section.Rows;
          continue;
        case 'COLUMNS':
          section = Section.Columns;
          continue;
        case 'RHS':
          if (section !== Section.Rows && section !== Section.Columns && section !== Section.None) {
            // allowed after any section, fine
          }
          finalizeColumnsArrays();
          ensureRhs();
          section = Section.Rhs;
          continue;
        case 'RANGES':
          finalizeColumnsArrays();
          ensureRhs();
          section = Section.Ranges;
          continue;
        case 'BOUNDS':
          finalizeColumnsArrays();
          ensureRhs();
          section = Section.Bounds;
          continue;
        case 'QUADOBJ':
        case 'QSECTION':
          finalizeColumnsArrays();
          ensureRhs();
          if (key === 'QSECTION' && n > 1 && tok[1] !== objectiveName) fail(`QSECTION for row "${tok[1]}": only the objective is supported`);
          section = Section.QuadObj;
          continue;
        case 'QMATRIX':
          finalizeColumnsArrays();
          ensureRhs();
          section = Section.QMatrix;
          continue;
        case 'OBJNAME':
          if (n > 1) objectiveName = tok[1]!;
          continue;
        case 'ENDATA':
          sawEnd = true;
          section = Section.End;
          break;
        default:
          if (section === Section.ObjSense && n === 1) {
            sense = parseSense(tok[0]!, fail);
            section = Section.None;
            continue;
          }
          if (key === 'CSECTION' || key === 'QCMATRIX' || key === 'INDICATORS' || key === 'SOS' || key === 'GENERAL' || key === 'SEMICONT') {
            fail(`section ${key} is not supported (only LP/QP: ROWS, COLUMNS, RHS, RANGES, BOUNDS, QUADOBJ, QMATRIX)`);
          }
          fail(`unknown section "${tok[0]}"`);
      }
      if (sawEnd) break;
      continue;
    }
    switch (section) {
      case Section.ObjSense: {
        const n = splitBlanks(line, tok);
        if (n >= 1) sense = parseSense(tok[0]!, fail);
        section = Section.None;
        break;
      }
      case Section.Rows: {
        const n = fields(line, (k) => k === 2, true);
        if (n !== 2) fail(`ROWS: expected "<type> <name>", got ${n} fields`);
        const t = tok[0]!.toUpperCase();
        const rn = tok[1]!;
        if (rowIndex.has(rn)) fail(`duplicate row "${rn}"`);
        if (t === 'N') {
          if (objectiveName === '' ) {
            objectiveName = rn;
            rowIndex.set(rn, -1);
          } else if (rn === objectiveName) {
            rowIndex.set(rn, -1);
          } else {
            rowIndex.set(rn, -2);
            droppedFreeRows++;
          }
        } else if (t === 'E' || t === 'L' || t === 'G') {
          rowIndex.set(rn, rowNames.length);
          rowNames.push(rn);
          rowTypes.push(t === 'E' ? RowType.E : t === 'L' ? RowType.L : RowType.G);
        } else fail(`ROWS: unknown row type "${tok[0]}" (expected N, E, L or G)`);
        break;
      }
      case Section.Columns: {
        const n = fields(line, columnsFit);
        if (n >= 3 && (tok[1] === "'MARKER'" || tok[1] === 'MARKER')) {
          const mk = (tok[2] ?? '').replace(/'/g, '').toUpperCase();
          if (mk === 'INTORG') {
            inInteger = true;
            if (!intMarkerWarned) {
              warnings.push('MARKER INTORG: integer columns are solved as continuous (integrality ignored)');
              intMarkerWarned = true;
            }
          } else if (mk === 'INTEND') inInteger = false;
          else fail(`COLUMNS: unknown marker "${tok[2]}"`);
          break;
        }
        if (n !== 3 && n !== 5) fail(`COLUMNS: expected "<column> <row> <value> [<row> <value>]", got ${n} fields`);
        const cn = tok[0]!;
        let j: number;
        if (lastCol >= 0 && colNames[lastCol] === cn) j = lastCol;
        else {
          const known = colIndex.get(cn);
          if (known !== undefined) {
            j = known;
            if (known !== lastCol) warnings.push(`line ${lineNo}: column "${cn}" appears in two separate blocks of COLUMNS`);
          } else {
            j = colNames.length;
            colIndex.set(cn, j);
            colNames.push(cn);
            cList.push(0);
            isInt.push(inInteger);
          }
          lastCol = j;
        }
        for (let k = 1; k + 1 < n; k += 2) {
          const r = lookupRow(tok[k]);
          // Hot path (8M entries in the big CVaR files): no message is built unless it fails.
          const vs = tok[k + 1]!;
          let v = Number(vs);
          if (Number.isNaN(v) || vs === '') v = num(vs, `COLUMNS value of column "${cn}" in row "${tok[k]}"`);
          if (!Number.isFinite(v) || Math.abs(v) >= MPS_INFINITY) fail(`COLUMNS: value of column "${cn}" in row "${tok[k]}" must be finite, got ${vs}`);
          if (r === -1) cList[j] = (cList[j] ?? 0) + v;
          else if (r >= 0) {
            if (v !== 0) {
              entRow.push(r);
              entCol.push(j);
              entVal.push(v);
            }
          }
        }
        break;
      }
      case Section.Rhs: {
        const n = fields(line, rhsFits);
        // With a set name: 3 or 5 fields; without: 2 or 4.
        const s = n === 3 || n === 5 ? 1 : 0;
        if (n < 2 || n > 5) fail(`RHS: expected "[<set>] <row> <value> [<row> <value>]", got ${n} fields`);
        for (let k = s; k + 1 < n; k += 2) {
          const r = lookupRow(tok[k]);
          const v = num(tok[k + 1], `RHS value of row "${tok[k]}"`);
          if (r === -1) offset = -v;
          else if (r >= 0) rhs![r] = v;
        }
        break;
      }
      case Section.Ranges: {
        const n = fields(line, rhsFits);
        const s = n === 3 || n === 5 ? 1 : 0;
        if (n < 2 || n > 5) fail(`RANGES: expected "[<set>] <row> <value> [<row> <value>]", got ${n} fields`);
        if (!rangeVal) {
          rangeVal = new Float64Array(rowNames.length);
          hasRange = new Uint8Array(rowNames.length);
        }
        for (let k = s; k + 1 < n; k += 2) {
          const r = lookupRow(tok[k]);
          if (r < 0) fail(`RANGES: row "${tok[k]}" is a free (N) row`);
          rangeVal[r] = num(tok[k + 1], `RANGES value of row "${tok[k]}"`);
          hasRange![r] = 1;
        }
        break;
      }
      case Section.Bounds: {
        const n = fields(line, (k) => k >= 2 && k <= 4, true);
        if (n < 2) fail(`BOUNDS: expected "<type> [<set>] <column> [<value>]", got ${n} fields`);
        const t = tok[0]!.toUpperCase();
        const needsValue = t === 'UP' || t === 'LO' || t === 'FX' || t === 'LI' || t === 'UI' || t === 'SC';
        const noValue = t === 'FR' || t === 'MI' || t === 'PL' || t === 'BV';
        if (!needsValue && !noValue) fail(`BOUNDS: unknown bound type "${tok[0]}" (expected UP, LO, FX, FR, MI, PL, BV, LI or UI)`);
        if (t === 'SC') fail('BOUNDS: semi-continuous (SC) bounds are not supported');
        let colTok: string | undefined;
        let valTok: string | undefined;
        if (needsValue) {
          if (n === 4) { colTok = tok[2]; valTok = tok[3]; } else if (n === 3) { colTok = tok[1]; valTok = tok[2]; } else fail(`BOUNDS ${t}: missing value`);
        } else {
          // FR/MI/PL/BV: "[set] col", some writers add a value (ignored, except for BV sanity).
          if (n === 2) colTok = tok[1];
          else if (n === 3) colTok = colIndex.has(tok[2]!) ? tok[2] : tok[1];
          else colTok = tok[2];
        }
        const j = lookupCol(colTok);
        const lo = colLower!;
        const up = colUpper!;
        switch (t) {
          case 'UP':
          case 'UI': {
            const v = num(valTok, `BOUNDS ${t} value of column "${colTok}"`);
            up[j] = v;
            if (v < 0 && lo[j] === 0 && !lowerSet![j]) {
              lo[j] = -Infinity;
              warnings.push(`line ${lineNo}: UP bound ${v} < 0 on column "${colTok}" with default lower bound 0: lower bound set to -inf`);
            }
            if (t === 'UI') isInt[j] = true;
            break;
          }
          case 'LO':
          case 'LI':
            lo[j] = num(valTok, `BOUNDS ${t} value of column "${colTok}"`);
            lowerSet![j] = 1;
            if (t === 'LI') isInt[j] = true;
            break;
          case 'FX': {
            const v = num(valTok, `BOUNDS FX value of column "${colTok}"`);
            if (!Number.isFinite(v)) fail(`BOUNDS FX value of column "${colTok}" must be finite`);
            lo[j] = v;
            up[j] = v;
            lowerSet![j] = 1;
            break;
          }
          case 'FR':
            lo[j] = -Infinity;
            up[j] = Infinity;
            lowerSet![j] = 1;
            break;
          case 'MI':
            lo[j] = -Infinity;
            lowerSet![j] = 1;
            break;
          case 'PL':
            up[j] = Infinity;
            break;
          case 'BV':
            lo[j] = 0;
            up[j] = 1;
            lowerSet![j] = 1;
            isInt[j] = true;
            break;
        }
        break;
      }
      case Section.QuadObj:
      case Section.QMatrix: {
        const n = fields(line, (k) => k === 3);
        if (n !== 3) fail(`${section === Section.QuadObj ? 'QUADOBJ' : 'QMATRIX'}: expected "<column> <column> <value>", got ${n} fields`);
        const a = lookupCol(tok[0]);
        const b = lookupCol(tok[1]);
        const v = num(tok[2], `quadratic coefficient (${tok[0]}, ${tok[1]})`);
        if (!Number.isFinite(v)) fail(`quadratic coefficient (${tok[0]}, ${tok[1]}) must be finite`);
        if (section === Section.QMatrix && a > b) break; // full matrix: keep the upper triangle
        if (v !== 0) {
          qI.push(Math.min(a, b));
          qJ.push(Math.max(a, b));
          qV.push(v);
        }
        break;
      }
      case Section.Name:
        if (name === '') name = line.trim();
        break;
      case Section.None:
        fail('data line outside of any section');
        break;
      default:
        fail('data line after ENDATA');
    }
  }
  if (!sawEnd) warnings.push('missing ENDATA');
  if (objectiveName === '') fail('no objective (N) row in ROWS');
  if (droppedFreeRows > 0) warnings.push(`${droppedFreeRows} free (N) row(s) besides the objective were dropped`);
  finalizeColumnsArrays();
  ensureRhs();

  const m = rowNames.length;
  const nCols = colNames.length;
  const rowLower = new Float64Array(m);
  const rowUpper = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const b = rhs![i]!;
    const t = rowTypes[i]!;
    let lo = t === RowType.L ? -Infinity : b;
    let hi = t === RowType.G ? Infinity : b;
    if (hasRange && hasRange[i]) {
      const r = rangeVal![i]!;
      if (t === RowType.E) {
        if (r >= 0) hi = b + r;
        else lo = b + r;
      } else if (t === RowType.L) lo = b - Math.abs(r);
      else hi = b + Math.abs(r);
    }
    rowLower[i] = lo;
    rowUpper[i] = hi;
  }
  for (let j = 0; j < nCols; j++) {
    if (colLower![j]! > colUpper![j]!) warnings.push(`column "${colNames[j]}" has lower bound ${colLower![j]} > upper bound ${colUpper![j]}`);
  }

  const A = cooToCsr(m, nCols, entRow, entCol, entVal, warnings, 'COLUMNS');
  const integerColumns: number[] = [];
  for (let j = 0; j < nCols; j++) if (isInt[j]) integerColumns.push(j);
  if (integerColumns.length > 0 && !intMarkerWarned) warnings.push(`${integerColumns.length} integer column(s) (BV/LI/UI) are solved as continuous`);

  const problem: MpsProblem = {
    name,
    objectiveName,
    sense,
    numRows: m,
    numCols: nCols,
    c: Float64Array.from(cList),
    offset,
    A,
    rowLower,
    rowUpper,
    colLower: colLower!,
    colUpper: colUpper!,
    rowNames,
    colNames,
    integerColumns,
    warnings,
  };
  if (qV.n > 0) {
    // Upper triangle stored row-major by (i <= j) is the CSC of the upper triangle by column j:
    // build CSR of Q^T_upper i.e. treat j as the "row" of a CSR -> CSC of upper triangle.
    const t = cooToCsr(nCols, nCols, qJ, qI, qV, warnings, 'QUADOBJ/QMATRIX');
    problem.Q = { numRows: nCols, numCols: nCols, colPtr: t.rowPtr, rowIdx: t.colIdx, values: t.values };
  }
  return problem;
}

function parseSense(s: string, fail: (m: string) => never): 'min' | 'max' {
  const u = s.toUpperCase();
  if (u === 'MAX' || u === 'MAXIMIZE' || u === 'MAXIMISE') return 'max';
  if (u === 'MIN' || u === 'MINIMIZE' || u === 'MINIMISE') return 'min';
  return fail(`OBJSENSE: expected MAX or MIN, got "${s}"`);
}

/** COO -> CSR with sorted columns; duplicate entries are summed (with a warning). */
function cooToCsr(
  m: number,
  n: number,
  ri: GrowI32,
  ci: GrowI32,
  vv: GrowF64,
  warnings: string[],
  what: string,
): CsrMatrixData {
  const nnz = ri.n;
  const rowPtr = new Int32Array(m + 1);
  for (let k = 0; k < nnz; k++) rowPtr[ri.a[k]! + 1]!++;
  for (let i = 0; i < m; i++) rowPtr[i + 1]! += rowPtr[i]!;
  const next = rowPtr.slice(0, m);
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  for (let k = 0; k < nnz; k++) {
    const r = ri.a[k]!;
    const p = next[r]!++;
    colIdx[p] = ci.a[k]!;
    values[p] = vv.a[k]!;
  }
  // Entries arrive column by column, so rows are usually sorted already; sort the ones that are not.
  let dups = 0;
  let outNnz = 0;
  let needCompact = false;
  for (let i = 0; i < m; i++) {
    const a = rowPtr[i]!;
    const b = rowPtr[i + 1]!;
    let sorted = true;
    for (let p = a + 1; p < b; p++) {
      if (colIdx[p]! <= colIdx[p - 1]!) {
        sorted = false;
        break;
      }
    }
    if (!sorted) {
      const idx = Array.from({ length: b - a }, (_, k) => a + k).sort((x, y) => colIdx[x]! - colIdx[y]!);
      const cs = idx.map((p) => colIdx[p]!);
      const vs = idx.map((p) => values[p]!);
      for (let k = 0; k < cs.length; k++) {
        colIdx[a + k] = cs[k]!;
        values[a + k] = vs[k]!;
      }
      for (let p = a + 1; p < b; p++) if (colIdx[p] === colIdx[p - 1]) { dups++; needCompact = true; }
    }
    outNnz += b - a;
  }
  if (!needCompact) return { numRows: m, numCols: n, rowPtr, colIdx, values };
  warnings.push(`${what}: ${dups} duplicate entr${dups === 1 ? 'y was' : 'ies were'} summed`);
  const rp = new Int32Array(m + 1);
  const ci2 = new Int32Array(outNnz - dups);
  const v2 = new Float64Array(outNnz - dups);
  let q = 0;
  for (let i = 0; i < m; i++) {
    for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) {
      if (q > rp[i]! && ci2[q - 1] === colIdx[p]) v2[q - 1]! += values[p]!;
      else {
        ci2[q] = colIdx[p]!;
        v2[q] = values[p]!;
        q++;
      }
    }
    rp[i + 1] = q;
  }
  return { numRows: m, numCols: n, rowPtr: rp, colIdx: ci2, values: v2 };
}
