import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../src/errors.js';
import { SliceFrequency } from '../../src/gen/hppo/v1/data.js';
import { tableFromIPC } from 'apache-arrow';
import { assembleSlices, decodeSlice, periodOf, periodRanges, selectRows, sha256Hex, slicePanel, syntheticMarket, type Frequency } from '../../src/data/index.js';
import { panelToIpcWithMeta } from '../../src/data/arrow-codec.js';
import { sameBits } from './helpers.js';

describe('periods', () => {
  test('periodOf: year, quarter, month and ISO week (weeks belong to the year of their Thursday)', () => {
    assert.equal(periodOf('2015-07-02', 'year'), '2015');
    assert.equal(periodOf('2015-07-02', 'quarter'), '2015-Q3');
    assert.equal(periodOf('2015-12-31', 'quarter'), '2015-Q4');
    assert.equal(periodOf('2015-01-01', 'quarter'), '2015-Q1');
    assert.equal(periodOf('2015-07-02', 'month'), '2015-07');
    assert.equal(periodOf('2014-12-29', 'week'), '2015-W01'); // Monday of the week holding 2015-01-01 (a Thursday)
    assert.equal(periodOf('2015-01-04', 'week'), '2015-W01'); // Sunday, same week
    assert.equal(periodOf('2015-01-05', 'week'), '2015-W02');
    assert.equal(periodOf('2016-01-01', 'week'), '2015-W53'); // Friday: 2015 has 53 ISO weeks
    assert.equal(periodOf('2021-01-03', 'week'), '2020-W53');
    assert.equal(periodOf('2021-01-04', 'week'), '2021-W01');
  });

  test('periodRanges covers every row once, in order', () => {
    const { panel } = syntheticMarket({ seed: 1, tickers: 2, days: 300, start: '2015-01-05' });
    for (const f of ['year', 'quarter', 'month', 'week'] as const) {
      const r = periodRanges(panel.dates, f);
      assert.equal(r[0]!.start, 0);
      assert.equal(r[r.length - 1]!.end, panel.dates.length);
      for (let k = 1; k < r.length; k++) assert.equal(r[k]!.start, r[k - 1]!.end);
      assert.equal(new Set(r.map((x) => x.period)).size, r.length, `${f}: a period appears twice`);
    }
    assert.equal(periodRanges(panel.dates, 'year').length, 2);
    assert.equal(periodRanges(panel.dates, 'week').length, 60); // 300 weekdays = 60 full weeks from a Monday
  });
});

describe('periodic slices', () => {
  const { panel } = syntheticMarket({ seed: 11, tickers: 7, days: 400, start: '2014-11-03' });

  for (const frequency of ['year', 'quarter', 'month', 'week'] as const satisfies readonly Frequency[]) {
    test(`slicing by ${frequency} and reassembling gives the panel back bit for bit`, () => {
      const slices = slicePanel(panel, frequency, { datasetId: 'syn' });
      assert.equal(slices.length, periodRanges(panel.dates, frequency).length);
      slices.forEach((s, i) => {
        assert.equal(s.ref.index, i);
        assert.equal(s.ref.datasetId, 'syn');
        assert.equal(s.ref.digest, sha256Hex(s.ipc));
        assert.equal(s.ref.sizeBytes, s.ipc.byteLength);
        assert.equal(periodOf(s.ref.firstDate, frequency), s.period);
        assert.equal(periodOf(s.ref.lastDate, frequency), s.period);
      });
      // Any order in; calendar order out.
      const back = assembleSlices([...slices].reverse());
      assert.deepEqual(back.dates, panel.dates);
      assert.deepEqual(back.tickers, panel.tickers);
      panel.close.forEach((c, j) => assert.ok(sameBits(c, back.close[j]!), `column ${j}`));
    });
  }

  test('each slice is byte-identical to what Arrow itself writes for that slice and metadata', () => {
    const slices = slicePanel(panel, 'week', { datasetId: 'syn' });
    const ranges = periodRanges(panel.dates, 'week');
    // Weeks of 5 rows share a template; check template-built ones and the short weeks too.
    for (const k of [0, 1, 2, 17, slices.length - 1]) {
      const s = slices[k]!;
      const meta = tableFromIPC(s.ipc).schema.metadata.get('hppo.panel')!;
      assert.match(meta, new RegExp(`"index":${k},"period":"${s.period}" *,`));
      const direct = panelToIpcWithMeta(selectRows(panel, ranges[k]!.start, ranges[k]!.end), meta);
      assert.equal(Buffer.compare(Buffer.from(s.ipc), Buffer.from(direct)), 0, `slice ${k} differs from Arrow's encoding`);
    }
  });

  test('frequency travels as the proto enum and in the slice metadata', () => {
    const [s] = slicePanel(panel, 'quarter');
    assert.equal(s!.ref.frequency, SliceFrequency.SLICE_FREQUENCY_QUARTER);
    const d = decodeSlice(s!.ipc, s!.ref);
    assert.equal(d.frequency, 'quarter');
    assert.equal(d.index, 0);
    assert.equal(d.period, '2014-Q4');
    assert.equal(d.panel.dates[0], '2014-11-03');
  });

  test('a contiguous run of slices reassembles to that part of the calendar', () => {
    const slices = slicePanel(panel, 'month');
    const part = assembleSlices(slices.slice(2, 5));
    assert.equal(part.dates[0], slices[2]!.ref.firstDate);
    assert.equal(part.dates[part.dates.length - 1], slices[4]!.ref.lastDate);
  });

  test('a slice whose bytes do not match its digest is refused', () => {
    const [s] = slicePanel(panel, 'year');
    const bad = new Uint8Array(s!.ipc);
    bad[bad.length - 64]! ^= 1;
    assert.throws(() => assembleSlices([{ ...s!, ipc: bad }]), (e: unknown) => e instanceof DataError && /does not match the SliceRef/.test(e.message));
  });

  test('slices of different frequencies or a repeated slice cannot be assembled', () => {
    const y = slicePanel(panel, 'year');
    const m = slicePanel(panel, 'month');
    assert.throws(() => assembleSlices([y[0]!, m[1]!]), /frequency/);
    assert.throws(() => assembleSlices([m[1]!, m[1]!]), /given twice/);
  });

  test('an unknown frequency is an InvalidArgumentError naming the field', () => {
    assert.throws(() => slicePanel(panel, 'day' as Frequency), /frequency: expected year, quarter, month or week/);
  });
});
