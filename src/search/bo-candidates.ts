/**
 * The per-candidate state both BO acquisitions carry between proposals (bo-finite.ts over the
 * grid's points, bo-pool.ts over its candidate pool): every candidate keeps its kernel row
 * k(X, x_c) and its partial forward solve v = L⁻¹k (extended as the GP grows, cut back when rows
 * are dropped: L's earlier rows never change), its exact mean, and a log-EI score in a max-heap
 * that is an upper bound until refreshed. Lazy scoring: the O(n²) solve advances only for the
 * candidate on top, until the top is exact; the same pick as scoring every candidate exactly.
 * Heap ties: lower `tag` first (a name of the point, not its slot: deterministic).
 */
import type { GaussianProcess } from './gp.js';
import { logExpectedImprovement, logExpectedImprovementBound } from './normal.js';

/** Slack for rounding: the exact log EI may exceed the bound by an ulp. */
export const BOUND_SLACK = 1e-9;
/** Forward-solve entries advanced per heap visit. */
export const SOLVE_CHUNK = 16;

export class LazyEiCandidates {
  /** Row c: kernel entries k(X, x_c), kn[c] of them. */
  readonly K: Float64Array;
  /** Row c: v = L⁻¹k(X, x_c), solved for the first done[c] entries; vv[c] = their sum of squares. */
  readonly V: Float64Array;
  readonly kn: Int32Array;
  readonly done: Int32Array;
  readonly vv: Float64Array;
  readonly mean: Float64Array;
  readonly varBound: Float64Array;
  readonly score: Float64Array;
  /** gp.n at which score[c] is the exact log EI; -1 = an upper bound. */
  readonly exactAt: Int32Array;
  private readonly heap: Int32Array;
  private heapLen = 0;

  /** xs: `count` candidates × d (unit cube, read in place); rows of `capacity` GP entries. */
  constructor(
    readonly xs: Float64Array,
    readonly count: number,
    readonly capacity: number,
    private readonly tag: Float64Array,
  ) {
    this.K = new Float64Array(count * capacity);
    this.V = new Float64Array(count * capacity);
    this.kn = new Int32Array(count);
    this.done = new Int32Array(count);
    this.vv = new Float64Array(count);
    this.mean = new Float64Array(count);
    this.varBound = new Float64Array(count);
    this.score = new Float64Array(count);
    this.exactAt = new Int32Array(count);
    this.heap = new Int32Array(count);
  }

  /** Every row and solve starts again (a new θ). */
  clear(): void {
    this.kn.fill(0);
    this.done.fill(0);
    this.vv.fill(0);
  }

  /** Candidate c is a new point: its row and solve start again. */
  clearOne(c: number): void {
    this.kn[c] = 0;
    this.done[c] = 0;
    this.vv[c] = 0;
  }

  /** The GP dropped its rows from n on: kernel entries and solves past them go too. */
  truncate(n: number): void {
    const cap = this.capacity;
    const { kn, done, vv, V } = this;
    for (let c = 0; c < this.count; c++) {
      if ((kn[c] as number) > n) kn[c] = n;
      if ((done[c] as number) > n) {
        done[c] = n;
        let s = 0;
        const base = c * cap;
        for (let i = 0; i < n; i++) s += (V[base + i] as number) * (V[base + i] as number);
        vv[c] = s;
      }
    }
  }

  /**
   * Exact means (on the GP's first `rows` rows with weights `alpha`: all of them by default) and
   * log-EI upper bounds of every candidate not marked in `skip`, heapified.
   */
  rebuild(gp: GaussianProcess, skip: Uint8Array, best: number, xi: number, rows?: number, alpha?: Float64Array): void {
    const s2 = gp.signalVariance;
    const { mean, score, exactAt, heap, vv, varBound } = this;
    gp.meansAndBounds(this.xs, this.count, this.K, this.kn, this.capacity, skip, mean, varBound, rows, alpha);
    let len = 0;
    for (let c = 0; c < this.count; c++) {
      if (skip[c] !== 0) continue;
      const ub = Math.min(varBound[c] as number, Math.max(0, s2 - (vv[c] as number)));
      score[c] = logExpectedImprovementBound(mean[c] as number, Math.sqrt(ub), best, xi) + BOUND_SLACK;
      exactAt[c] = -1;
      heap[len++] = c;
    }
    this.heapLen = len;
    for (let i = (len >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /**
   * Pops the exact maximizer among the candidates not marked in `used` (refreshing the top until
   * its score is exact at the GP's current size); -1 when the heap is empty.
   */
  popExact(gp: GaussianProcess, used: Uint8Array, best: number, xi: number): number {
    const n = gp.n;
    const s2 = gp.signalVariance;
    const { heap, score, exactAt, done, vv, mean } = this;
    while (this.heapLen > 0) {
      const c = heap[0] as number;
      if (used[c] !== 0) {
        this.removeTop();
        continue;
      }
      if (exactAt[c] === n) {
        this.removeTop();
        return c;
      }
      if ((this.kn[c] as number) < n) gp.extendKernelRow(this.xs, c, this.K, this.kn, this.capacity);
      if ((done[c] as number) < n) gp.advanceRow(this.K, this.V, c, done, vv, SOLVE_CHUNK);
      const v = Math.max(0, s2 - (vv[c] as number));
      if ((done[c] as number) === n) {
        score[c] = logExpectedImprovement(mean[c] as number, Math.sqrt(v), best, xi);
        exactAt[c] = n;
      } else {
        score[c] = Math.min(score[c] as number, logExpectedImprovementBound(mean[c] as number, Math.sqrt(v), best, xi) + BOUND_SLACK);
      }
      this.siftDown(0);
    }
    return -1;
  }

  /** Puts c (popped before, its score unchanged or an upper bound) back in the heap. */
  push(c: number): void {
    const { heap, score, tag } = this;
    let at = this.heapLen++;
    const sc = score[c] as number;
    const tc = tag[c] as number;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const h = heap[parent] as number;
      const sh = score[h] as number;
      if (!(sc > sh || (sc === sh && tc < (tag[h] as number)))) break;
      heap[at] = h;
      at = parent;
    }
    heap[at] = c;
  }

  private removeTop(): void {
    const last = this.heap[--this.heapLen] as number;
    if (this.heapLen > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
  }

  /** Max-heap on score; ties: lower tag first. */
  private siftDown(at: number): void {
    const { heap, score, tag } = this;
    const len = this.heapLen;
    const x = heap[at] as number;
    const sx = score[x] as number;
    const tx = tag[x] as number;
    for (;;) {
      const l = 2 * at + 1;
      if (l >= len) break;
      const r = l + 1;
      let c = l;
      if (r < len) {
        const a = heap[r] as number;
        const b = heap[l] as number;
        if ((score[a] as number) > (score[b] as number) || ((score[a] as number) === (score[b] as number) && (tag[a] as number) < (tag[b] as number))) c = r;
      }
      const hc = heap[c] as number;
      const sc = score[hc] as number;
      if (!(sc > sx || (sc === sx && (tag[hc] as number) < tx))) break;
      heap[at] = hc;
      at = c;
    }
    heap[at] = x;
  }
}
