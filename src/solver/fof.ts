/**
 * Reader of the fund-of-funds compact format of ../shared/peers (`fof_<N>.json` + `fof_<N>.F.f64`,
 * see its README "Compact form") into the factor-form QP of the ADMM solver:
 *
 *     min 1/2 x'Px - m'x + sum_i kappa_i |x_i - x0_i|   s.t.  A x = b,  lb <= x <= ub,  P = F F' + diag(d)
 *
 * i.e. q = -m and the proportional cost buy = sell = kappa around x0. Its optimum equals the QPS
 * files' (the buy/sell split is exact at the optimum).
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { DataError } from '../errors.js';
import type { QpProblem } from './qp.js';

export interface FofInstance {
  name: string;
  /** Number of funds. */
  N: number;
  /** Columns of F (weekly returns used for the covariance). */
  T: number;
  groupNames: string[];
  /** Group of each fund (index into groupNames). */
  group: Int32Array;
  problem: QpProblem;
}

function numbers(j: Record<string, unknown>, key: string, len: number, source: string): Float64Array {
  const v = j[key];
  if (!Array.isArray(v) || v.length !== len) {
    throw new DataError(`"${key}" must be an array of ${len} numbers (got ${Array.isArray(v) ? `length ${v.length}` : typeof v})`, { source });
  }
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const x = v[i] as unknown;
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new DataError(`"${key}"[${i}] = ${JSON.stringify(x)}, expected a finite number`, { source });
    out[i] = x;
  }
  return out;
}

function int(j: Record<string, unknown>, key: string, source: string): number {
  const v = j[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new DataError(`"${key}" = ${JSON.stringify(v)}, expected a non-negative integer`, { source });
  return v;
}

/** Parses the JSON text and the raw F bytes (float64 little-endian, N x T row-major). */
export function parseFof(jsonText: string, fBytes: Uint8Array, source = '<fof>'): FofInstance {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(jsonText) as Record<string, unknown>;
  } catch (err) {
    throw new DataError(`not valid JSON: ${(err as Error).message}`, { source, cause: err });
  }
  if (j === null || typeof j !== 'object') throw new DataError('expected a JSON object', { source });
  const N = int(j, 'N', source);
  const T = int(j, 'T', source);
  if (N < 1) throw new DataError('"N" must be >= 1', { source });
  if (fBytes.byteLength !== N * T * 8) {
    throw new DataError(`F file has ${fBytes.byteLength} bytes, expected N*T*8 = ${N * T * 8}`, { source });
  }
  // Copy into an aligned buffer (the file bytes may start at any offset), little-endian.
  const F = new Float64Array(N * T);
  const view = new DataView(fBytes.buffer, fBytes.byteOffset, fBytes.byteLength);
  for (let i = 0; i < N * T; i++) F[i] = view.getFloat64(i * 8, true);
  for (let i = 0; i < F.length; i++) if (!Number.isFinite(F[i]!)) throw new DataError(`F[${Math.floor(i / T)}][${i % T}] is not finite`, { source });
  const d = numbers(j, 'd', N, source);
  const m = numbers(j, 'q', N, source);
  const kappa = numbers(j, 'kappa', N, source);
  const x0 = numbers(j, 'x0', N, source);
  const lb = numbers(j, 'lb', N, source);
  const ub = numbers(j, 'ub', N, source);
  const Araw = j['A'];
  if (!Array.isArray(Araw)) throw new DataError('"A" must be an array of rows', { source });
  const rows = Araw.length;
  const b = numbers(j, 'b', rows, source);
  const dense: Float64Array[] = Araw.map((_, r) => numbers({ row: Araw[r] } as Record<string, unknown>, 'row', N, `${source} A[${r}]`));
  // Dense rows -> CSC.
  const colPtr = new Int32Array(N + 1);
  const rowIdxL: number[] = [];
  const valL: number[] = [];
  for (let c = 0; c < N; c++) {
    for (let r = 0; r < rows; r++) {
      const v = dense[r]![c]!;
      if (v !== 0) { rowIdxL.push(r); valL.push(v); }
    }
    colPtr[c + 1] = rowIdxL.length;
  }
  const q = new Float64Array(N);
  for (let i = 0; i < N; i++) q[i] = -m[i]!;
  const groupRaw = j['group'];
  const group = new Int32Array(N);
  if (Array.isArray(groupRaw) && groupRaw.length === N) for (let i = 0; i < N; i++) group[i] = Number(groupRaw[i]);
  const gn = j['group_names'];
  return {
    name: typeof j['name'] === 'string' ? (j['name'] as string) : `fof_${N}`,
    N,
    T,
    groupNames: Array.isArray(gn) ? gn.map(String) : [],
    group,
    problem: {
      n: N,
      m: rows,
      factor: { F, k: T, d },
      q,
      A: { colPtr, rowIdx: Int32Array.from(rowIdxL), values: Float64Array.from(valL) },
      l: b,
      u: new Float64Array(b),
      lb,
      ub,
      costs: { x0, buy: kappa, sell: new Float64Array(kappa) },
    },
  };
}

/** Reads fof_<N>.json and the F file it names (resolved beside the JSON). */
export async function readFof(jsonPath: string): Promise<FofInstance> {
  const text = await readFile(jsonPath, 'utf8');
  let fName: unknown;
  try {
    fName = (JSON.parse(text) as { F?: { file?: unknown } }).F?.file;
  } catch (err) {
    throw new DataError(`not valid JSON: ${(err as Error).message}`, { source: jsonPath, cause: err });
  }
  if (typeof fName !== 'string') throw new DataError('"F.file" must name the raw float64 file', { source: jsonPath });
  const fPath = isAbsolute(fName) ? fName : join(dirname(jsonPath), fName);
  let bytes: Buffer;
  try {
    bytes = await readFile(fPath);
  } catch (err) {
    throw new DataError(`cannot read the F file ${fPath}: ${(err as Error).message}`, { source: jsonPath, cause: err });
  }
  return parseFof(text, bytes, jsonPath);
}
