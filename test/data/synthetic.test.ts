import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticMarket } from '../../src/data/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { sameBits } from './helpers.js';

describe('syntheticMarket', () => {
  test('same seed gives a bit-identical panel and benchmark', () => {
    const a = syntheticMarket({ seed: 42, tickers: 20, days: 300 });
    const b = syntheticMarket({ seed: 42, tickers: 20, days: 300 });
    assert.deepEqual(a.panel.dates, b.panel.dates);
    a.panel.close.forEach((c, j) => assert.ok(sameBits(c, b.panel.close[j]!)));
    assert.ok(sameBits(a.benchmark.close, b.benchmark.close));
    assert.deepEqual(a.gaps, b.gaps);
    assert.equal(a.description, b.description);
  });

  test('different seeds give different prices', () => {
    const a = syntheticMarket({ seed: 1, tickers: 5, days: 50 });
    const b = syntheticMarket({ seed: 2, tickers: 5, days: 50 });
    assert.ok(!sameBits(a.panel.close[0]!, b.panel.close[0]!));
  });

  test('calendar: weekdays from start (a weekend start moves to Monday); the benchmark starts one weekday earlier', () => {
    const m = syntheticMarket({ seed: 1, tickers: 3, days: 10, start: '2015-01-03' }); // a Saturday
    assert.equal(m.panel.dates[0], '2015-01-05');
    assert.deepEqual(m.panel.dates.slice(4, 6), ['2015-01-09', '2015-01-12']);
    assert.equal(m.benchmark.dates[0], '2015-01-02');
    assert.deepEqual(m.benchmark.dates.slice(1), m.panel.dates);
    assert.equal(m.panel.dates.length, 10);
  });

  test('has a late listing, missing-price runs, positive prices elsewhere and fat tails', () => {
    const m = syntheticMarket({ seed: 9, tickers: 30, days: 750 });
    const { panel, gaps } = m;
    assert.ok(gaps.lateListing);
    const late = panel.tickers.indexOf(gaps.lateListing.ticker);
    const first = panel.dates.indexOf(gaps.lateListing.firstDate);
    assert.ok(first > 100);
    assert.ok(panel.close[late]!.subarray(0, first).every(Number.isNaN));
    assert.ok(!Number.isNaN(panel.close[late]![first]!));
    assert.equal(gaps.missingRuns.length, 2); // one ticker in ten of the 29 not listed late
    for (const run of gaps.missingRuns) {
      const j = panel.tickers.indexOf(run.ticker);
      const i = panel.dates.indexOf(run.from);
      assert.ok(panel.close[j]!.subarray(i, i + run.days).every(Number.isNaN), `${run.ticker} ${run.from}`);
      assert.ok(!Number.isNaN(panel.close[j]![i - 1]!) && !Number.isNaN(panel.close[j]![i + run.days]!));
    }
    let nan = 0;
    const rets: number[] = [];
    panel.close.forEach((c) => {
      for (let i = 0; i < c.length; i++) {
        if (Number.isNaN(c[i]!)) nan++;
        else assert.ok(c[i]! > 0 && Number.isFinite(c[i]!));
        if (i > 0 && !Number.isNaN(c[i]!) && !Number.isNaN(c[i - 1]!)) rets.push(c[i]! / c[i - 1]! - 1);
      }
    });
    assert.equal(nan, first + gaps.missingRuns.reduce((s, r) => s + r.days, 0));
    const mean = rets.reduce((s, r) => s + r, 0) / rets.length;
    const m2 = rets.reduce((s, r) => s + (r - mean) ** 2, 0) / rets.length;
    const m4 = rets.reduce((s, r) => s + (r - mean) ** 4, 0) / rets.length;
    assert.ok(m4 / (m2 * m2) > 3.5, `kurtosis ${m4 / (m2 * m2)} is not fat-tailed`);
    assert.ok(m.benchmark.close.every((v) => v > 0));
    assert.match(m.description, /seed 9.*30 tickers × 750 weekdays/);
  });

  test('bad options are InvalidArgumentErrors naming the field', () => {
    assert.throws(() => syntheticMarket({ days: 1 }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'days');
    assert.throws(() => syntheticMarket({ tickers: ['A', 'A'] }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'tickers');
    assert.throws(() => syntheticMarket({ start: '5 Jan 2015' }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'start');
  });
});
