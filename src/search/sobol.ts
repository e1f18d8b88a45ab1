/**
 * Sobol low-discrepancy points with the Joe–Kuo direction numbers (new-joe-kuo-6.21201, the first
 * 21 dimensions), 32-bit, Gray-code order (the order scipy.stats.qmc.Sobol uses), random access
 * by index so a point is a pure function of (index, seed): a rebuilt searcher regenerates it.
 * Optional scrambling is a random digital shift (XOR of each coordinate with a seeded 32-bit
 * word), which keeps the (t, m, s)-net property and moves the first point off the origin.
 */
import { Rng } from '../util/rng.js';

/** [s, a, m_1..m_s] for dimensions 2..21 (dimension 1 is the van der Corput sequence). */
const JOE_KUO: ReadonlyArray<readonly number[]> = [
  [1, 0, 1],
  [2, 1, 1, 3],
  [3, 1, 1, 3, 1],
  [3, 2, 1, 1, 1],
  [4, 1, 1, 1, 3, 3],
  [4, 4, 1, 3, 5, 13],
  [5, 2, 1, 1, 5, 5, 17],
  [5, 4, 1, 1, 5, 5, 5],
  [5, 7, 1, 1, 7, 11, 19],
  [5, 11, 1, 1, 5, 1, 1],
  [5, 13, 1, 1, 1, 3, 11],
  [5, 14, 1, 3, 5, 5, 31],
  [6, 1, 1, 3, 3, 9, 7, 49],
  [6, 13, 1, 1, 1, 15, 21, 21],
  [6, 16, 1, 3, 1, 13, 27, 49],
  [6, 19, 1, 1, 1, 15, 7, 5],
  [6, 22, 1, 3, 1, 15, 13, 25],
  [6, 25, 1, 1, 5, 5, 19, 61],
  [7, 1, 1, 3, 7, 11, 23, 15, 103],
  [7, 4, 1, 3, 7, 13, 13, 15, 69],
];

export const SOBOL_MAX_DIM = JOE_KUO.length + 1;
const BITS = 32;

function directions(dim: number): Uint32Array[] {
  const out: Uint32Array[] = [];
  const v0 = new Uint32Array(BITS);
  for (let i = 0; i < BITS; i++) v0[i] = (1 << (31 - i)) >>> 0;
  out.push(v0);
  for (let j = 1; j < dim; j++) {
    const row = JOE_KUO[j - 1] as readonly number[];
    const s = row[0] as number;
    const a = row[1] as number;
    const v = new Uint32Array(BITS);
    for (let i = 0; i < BITS; i++) {
      if (i < s) {
        v[i] = ((row[2 + i] as number) << (31 - i)) >>> 0;
      } else {
        let x = ((v[i - s] as number) ^ ((v[i - s] as number) >>> s)) >>> 0;
        for (let k = 1; k < s; k++) {
          if ((a >>> (s - 1 - k)) & 1) x = (x ^ (v[i - k] as number)) >>> 0;
        }
        v[i] = x;
      }
    }
    out.push(v);
  }
  return out;
}

export class Sobol {
  readonly dim: number;
  private readonly v: Uint32Array[];
  private readonly shift: Uint32Array;

  /** `scrambleSeed` undefined = plain sequence (first point is the origin). */
  constructor(dim: number, scrambleSeed?: number | string) {
    if (!Number.isInteger(dim) || dim < 1 || dim > SOBOL_MAX_DIM) {
      throw new RangeError(`Sobol dimension must be 1..${SOBOL_MAX_DIM}, got ${dim}`);
    }
    this.dim = dim;
    this.v = directions(dim);
    this.shift = new Uint32Array(dim);
    if (scrambleSeed !== undefined) {
      const rng = new Rng(`sobol-shift:${scrambleSeed}`);
      for (let j = 0; j < dim; j++) this.shift[j] = rng.nextUint32();
    }
  }

  /** Point number `index` (0-based) into `out` (or a new array). */
  point(index: number, out: Float64Array = new Float64Array(this.dim)): Float64Array {
    if (!Number.isInteger(index) || index < 0 || index >= 2 ** BITS) throw new RangeError(`Sobol index out of range: ${index}`);
    // Gray code of the index (indices stay far below 2^31 in practice).
    const gray = index ^ Math.floor(index / 2);
    for (let j = 0; j < this.dim; j++) {
      const v = this.v[j] as Uint32Array;
      let x = this.shift[j] as number;
      let g = gray;
      for (let b = 0; g > 0; b++) {
        if (g % 2 === 1) x = (x ^ (v[b] as number)) >>> 0;
        g = Math.floor(g / 2);
      }
      // Centre of the 2^-32 cell keeps points strictly inside (0,1) after scrambling.
      out[j] = (x + 0.5) / 4294967296;
    }
    return out;
  }
}
