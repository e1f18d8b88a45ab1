import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sobol } from '../../src/search/sobol.js';

// Reference: scipy.stats.qmc.Sobol(21, scramble=False).random(128)[i] * 2^32 (Joe–Kuo 6.21201).
const REFERENCE: Record<number, number[]> = {
  3: [1073741824, 3221225472, 3221225472, 3221225472, 1073741824, 1073741824, 3221225472, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 3221225472, 3221225472, 1073741824, 3221225472, 1073741824, 3221225472, 1073741824, 3221225472, 3221225472],
  37: [3959422976, 2751463424, 2483027968, 3959422976, 3288334336, 1275068416, 738197504, 3422552064, 2617245696, 738197504, 67108864, 335544320, 2483027968, 3690987520, 469762048, 2080374784, 3422552064, 1811939328, 201326592, 603979776, 4093640704],
  100: [1778384896, 1107296256, 3321888768, 3120562176, 3791650816, 3187671040, 100663296, 2046820352, 2717908992, 2986344448, 1979711488, 2919235584, 2046820352, 3657433088, 1375731712, 2113929216, 2919235584, 3187671040, 3590324224, 1442840576, 3254779904],
  127: [33554432, 2852126720, 2382364672, 2717908992, 2046820352, 1442840576, 1040187392, 301989888, 1778384896, 2315255808, 2650800128, 2516582400, 3791650816, 1107296256, 2583691264, 1174405120, 4127195136, 905969664, 2919235584, 3456106496, 2315255808],
};

test('unscrambled Sobol points match scipy (Joe–Kuo direction numbers, 21 dimensions)', () => {
  const s = new Sobol(21);
  for (const [i, ref] of Object.entries(REFERENCE)) {
    const p = s.point(Number(i));
    ref.forEach((v, j) => assert.equal(Math.floor((p[j] as number) * 4294967296), v, `point ${i} dim ${j}`));
  }
});

test('scrambled Sobol is seeded, stratified, and differs between seeds', () => {
  const a = new Sobol(3, 'x');
  const b = new Sobol(3, 'x');
  const c = new Sobol(3, 'y');
  assert.deepEqual(Array.from(a.point(5)), Array.from(b.point(5)));
  assert.notDeepEqual(Array.from(a.point(5)), Array.from(c.point(5)));
  // A digital shift keeps the net property: 2^k points put one point in each of 2^k intervals per axis.
  for (let j = 0; j < 3; j++) {
    const cells = new Set<number>();
    for (let i = 0; i < 64; i++) cells.add(Math.floor((a.point(i)[j] as number) * 64));
    assert.equal(cells.size, 64);
  }
});
