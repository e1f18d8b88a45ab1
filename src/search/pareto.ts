/**
 * Pareto dominance on losses (all objectives minimized): fast non-dominated sorting and crowding
 * distance (Deb et al., NSGA-II, 2002). Points are arrays of equal length; O(M N^2).
 */

/** a dominates b: no worse in every objective and strictly better in one. */
export function dominates(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  let better = false;
  for (let j = 0; j < a.length; j++) {
    const x = a[j] as number;
    const y = b[j] as number;
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/** Fronts of indices: fronts[0] is the non-dominated set, fronts[1] what only fronts[0] dominates, ... */
export function nonDominatedSort(points: ReadonlyArray<ArrayLike<number>>): number[][] {
  const n = points.length;
  const dominatedBy = new Int32Array(n);
  const dominatesList: number[][] = Array.from({ length: n }, () => []);
  const fronts: number[][] = [[]];
  for (let p = 0; p < n; p++) {
    for (let q = p + 1; q < n; q++) {
      if (dominates(points[p] as ArrayLike<number>, points[q] as ArrayLike<number>)) {
        (dominatesList[p] as number[]).push(q);
        dominatedBy[q] = (dominatedBy[q] as number) + 1;
      } else if (dominates(points[q] as ArrayLike<number>, points[p] as ArrayLike<number>)) {
        (dominatesList[q] as number[]).push(p);
        dominatedBy[p] = (dominatedBy[p] as number) + 1;
      }
    }
  }
  for (let p = 0; p < n; p++) if (dominatedBy[p] === 0) (fronts[0] as number[]).push(p);
  let k = 0;
  while ((fronts[k] as number[]).length > 0) {
    const next: number[] = [];
    for (const p of fronts[k] as number[]) {
      for (const q of dominatesList[p] as number[]) {
        dominatedBy[q] = (dominatedBy[q] as number) - 1;
        if (dominatedBy[q] === 0) next.push(q);
      }
    }
    fronts.push(next);
    k++;
  }
  fronts.pop();
  return fronts;
}

/** Crowding distance of each member of one front (Infinity at the extremes of any objective). */
export function crowdingDistance(points: ReadonlyArray<ArrayLike<number>>, front: readonly number[]): Map<number, number> {
  const dist = new Map<number, number>();
  for (const i of front) dist.set(i, 0);
  if (front.length === 0) return dist;
  const m = (points[front[0] as number] as ArrayLike<number>).length;
  for (let j = 0; j < m; j++) {
    const sorted = [...front].sort((a, b) => {
      const x = (points[a] as ArrayLike<number>)[j] as number;
      const y = (points[b] as ArrayLike<number>)[j] as number;
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    const lo = (points[sorted[0] as number] as ArrayLike<number>)[j] as number;
    const hi = (points[sorted[sorted.length - 1] as number] as ArrayLike<number>)[j] as number;
    dist.set(sorted[0] as number, Infinity);
    dist.set(sorted[sorted.length - 1] as number, Infinity);
    if (hi === lo || !Number.isFinite(hi - lo)) continue;
    for (let k = 1; k < sorted.length - 1; k++) {
      const i = sorted[k] as number;
      const prev = (points[sorted[k - 1] as number] as ArrayLike<number>)[j] as number;
      const next = (points[sorted[k + 1] as number] as ArrayLike<number>)[j] as number;
      dist.set(i, (dist.get(i) as number) + (next - prev) / (hi - lo));
    }
  }
  return dist;
}
