/**
 * Seeded pseudo-random numbers (no Math.random anywhere in hppo: results must be reproducible).
 * xoshiro128** state seeded through splitmix32; `fork(label)` derives independent streams.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  /**
   * `prefixHash` (from Rng.hashPrefix(prefix)) with a string seed: the stream of
   * new Rng(prefix + seed) without hashing the prefix again.
   */
  constructor(seed: number | string = 0, prefixHash?: number) {
    const h =
      typeof seed === 'number' ? seed >>> 0 ^ Math.floor(seed / 4294967296) : hashString(seed, prefixHash ?? FNV_OFFSET);
    // splitmix32: the k-th state is h + k * golden (mod 2^32).
    this.s0 = splitmix32((h + 0x9e3779b9) | 0);
    this.s1 = splitmix32((h + 0x3c6ef372) | 0);
    this.s2 = splitmix32((h + 0xdaa66d2b) | 0);
    this.s3 = splitmix32((h + 0x78dde6e4) | 0);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The hash state after `prefix`, for new Rng(suffix, Rng.hashPrefix(prefix)). */
  static hashPrefix(prefix: string): number {
    return hashString(prefix, FNV_OFFSET);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [low, high] inclusive. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  /** Standard normal (Marsaglia polar method). */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return mean + sd * v;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return mean + sd * u * f;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const a = items[i] as T;
      items[i] = items[j] as T;
      items[j] = a;
    }
    return items;
  }

  /** An independent stream derived from this one's seed material and a label. */
  fork(label: string | number): Rng {
    return new Rng(`${this.s0}:${this.s1}:${this.s2}:${this.s3}:${label}`);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function splitmix32(x: number): number {
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const FNV_OFFSET = 2166136261;

/** FNV-1a of `s` continued from state `h` (FNV_OFFSET for a fresh hash). */
function hashString(s: string, h0: number): number {
  let h = h0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}
