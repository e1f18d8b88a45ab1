import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadPriceCsv, repoRoot, resolveDataset, restrictDates, staleAsSuspended, staleAsSuspendedWithReport, staleMask, type PricePanel } from '../../src/data/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { sharedDataMissing, tempDir } from './helpers.js';

const tmp = tempDir();
after(() => tmp.remove());

const REF_DIR = join(repoRoot(), '..', 'shared', 'reference');
const PYTHON = '/usr/bin/python3';

/** Why the reference cannot be run here, or undefined. */
function referenceMissing(): string | undefined {
  if (!existsSync(join(REF_DIR, 'hppo_ref.py'))) return `${REF_DIR}/hppo_ref.py not found`;
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import pandas, numpy, scipy'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${PYTHON} lacks pandas/numpy/scipy: ${r.stderr.trim().split('\n').pop()}`;
}

/**
 * Runs the reference's own blank_stale_runs on a CSV for several k and returns, per k, the
 * blanked cells as "row,col" strings (rows/cols 0-based over the file's dates and columns).
 */
function referenceBlanked(csvPath: string, ks: number[], end?: string): Map<number, Set<string>> {
  const script = [
    'import sys, json',
    `sys.path.insert(0, ${JSON.stringify(REF_DIR)})`,
    'import pandas as pd',
    'from hppo_ref import blank_stale_runs',
    `px = pd.read_csv(${JSON.stringify(csvPath)}, index_col="date", parse_dates=["date"])`,
    ...(end !== undefined ? [`px = px.loc[: ${JSON.stringify(end)}]`] : []),
    'out = {}',
    `for k in ${JSON.stringify(ks)}:`,
    '    b = blank_stale_runs(px, k)',
    '    m = b.isna().to_numpy() & ~px.isna().to_numpy()',
    '    r, c = m.nonzero()',
    '    out[str(k)] = [f"{i},{j}" for i, j in zip(r.tolist(), c.tolist())]',
    'print(json.dumps(out))',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `reference script failed: ${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as Record<string, string[]>;
  return new Map(ks.map((k) => [k, new Set(parsed[String(k)])]));
}

function ourBlanked(panel: PricePanel, k: number, options: { end?: string } = {}): Set<string> {
  const out = new Set<string>();
  const after = staleAsSuspended(panel, k, options);
  panel.close.forEach((col, j) => {
    const b = after.close[j]!;
    for (let i = 0; i < col.length; i++) if (!Number.isNaN(col[i]!) && Number.isNaN(b[i]!)) out.add(`${i},${j}`);
  });
  return out;
}

// Columns built to hit every case of the rule: runs shorter/equal/longer than k, runs at the start
// and the end, runs broken by a NaN, runs right after a NaN, equal values across a NaN, two runs of
// the same value separated by a change.
const FIXTURE_COLUMNS: number[][] = [
  [1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3],
  [5, 6, 6, NaN, 6, 6, 6, 6, 7, 7, 7, 7, 7],
  [NaN, NaN, 4, 4, 4, 4, 5, 4, 4, 4, 4, 9, 9],
  [2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2],
  [8, 8, NaN, 8, 8, 8, NaN, NaN, 8, 8, 8, 8, 8],
];

function fixturePanel(): PricePanel {
  const T = FIXTURE_COLUMNS[0]!.length;
  const dates = Array.from({ length: T }, (_, i) => `2020-02-${String(i + 1).padStart(2, '0')}`);
  return { dates, tickers: FIXTURE_COLUMNS.map((_, j) => `T${j}`), close: FIXTURE_COLUMNS.map((c) => Float64Array.from(c)) };
}

function panelCsv(p: PricePanel): string {
  const lines = [`date,${p.tickers.join(',')}`];
  p.dates.forEach((d, i) => lines.push(`${d},${p.close.map((c) => (Number.isNaN(c[i]!) ? '' : String(c[i]))).join(',')}`));
  return `${lines.join('\n')}\n`;
}

describe('staleAsSuspended (the reference rule --stale-as-suspended K)', () => {
  test('hand-checked cells: only the repeated closes are blanked, the last real close stays', () => {
    const m = (col: number[], k: number): number[] => [...staleMask(Float64Array.from(col), k)];
    // run of 3 repeats after the first 1: blanked for k <= 3, kept for k = 4.
    assert.deepEqual(m([1, 1, 1, 1, 2], 3), [0, 1, 1, 1, 0]);
    assert.deepEqual(m([1, 1, 1, 1, 2], 4), [0, 0, 0, 0, 0]);
    assert.deepEqual(m([1, 1, 2, 2, 2], 1), [0, 1, 0, 1, 1]);
    // A NaN breaks a run and the first value after a NaN is never "unchanged".
    assert.deepEqual(m([6, 6, NaN, 6, 6, 6], 2), [0, 0, 0, 0, 1, 1]);
    assert.deepEqual(m([6, 6, NaN, 6, 6, 6], 3), [0, 0, 0, 0, 0, 0]);
    // Runs at the end of the panel count too.
    assert.deepEqual(m([3, 4, 4, 4], 2), [0, 0, 1, 1]);
  });

  test('blanks close and the other fields on the same cells and does not modify the input', () => {
    const close = [Float64Array.from([1, 1, 1, 2])];
    const volume = [Float64Array.from([10, 0, 0, 5])];
    const p: PricePanel = { dates: ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-06'], tickers: ['A'], close, volume };
    const r = staleAsSuspendedWithReport(p, 2);
    assert.equal(r.blankedCells, 2);
    assert.deepEqual([...r.blankedPerTicker], [2]);
    assert.deepEqual([...r.panel.close[0]!].map(Number.isNaN), [false, true, true, false]);
    assert.deepEqual([...r.panel.volume![0]!].map(Number.isNaN), [false, true, true, false]);
    assert.deepEqual([...close[0]!], [1, 1, 1, 2]);
  });

  test('k must be an integer >= 1', () => {
    for (const k of [0, -1, 2.5, Number.NaN]) assert.throws(() => staleAsSuspended(fixturePanel(), k), InvalidArgumentError);
  });

  const refSkip = referenceMissing();
  test('matches the reference blank_stale_runs cell for cell on the fixture, k = 1..6', { skip: refSkip }, () => {
    const p = fixturePanel();
    const ks = [1, 2, 3, 4, 5, 6];
    const ref = referenceBlanked(tmp.file('fixture.csv', panelCsv(p)), ks);
    for (const k of ks) assert.deepEqual([...ourBlanked(p, k)].sort(), [...ref.get(k)!].sort(), `k = ${k}`);
  });

  const dataSkip = refSkip ?? sharedDataMissing('sse50');
  test('matches the reference on the SSE 50 file cut at 2015-12-31, k = 1, 3, 5, 20', { skip: dataSkip }, async () => {
    const ds = resolveDataset('sse50');
    // The reference reads the original file and cuts it at the backtest end before blanking
    // (load_market): do the same on both sides.
    const { panel: full } = await loadPriceCsv(ds.pricesPath);
    const panel = restrictDates(full, undefined, '2015-12-31');
    const ks = [1, 3, 5, 20];
    const ref = referenceBlanked(ds.pricesPath, ks, '2015-12-31');
    for (const k of ks) {
      const ours = ourBlanked(panel, k);
      assert.ok(ours.size > 0, `k = ${k}: nothing blanked`);
      assert.deepEqual([...ours].sort(), [...ref.get(k)!].sort(), `k = ${k}`);
      // Same cells through the `end` option on the whole 2008..2016 panel (rows up to the end).
      const viaEnd = ourBlanked(full, k, { end: '2015-12-31' });
      const upToEnd = new Set([...viaEnd].filter((c) => Number(c.split(',')[0]) < panel.dates.length));
      assert.deepEqual([...upToEnd].sort(), [...ref.get(k)!].sort(), `k = ${k} via end`);
    }
    // Without the cut, a run crossing the end date is longer: k = 5 blanks 3 more cells (601377.SH).
    const noCut = [...ourBlanked(full, 5)].filter((c) => Number(c.split(',')[0]) < panel.dates.length);
    assert.equal(noCut.length, ref.get(5)!.size + 3);
  });
});
