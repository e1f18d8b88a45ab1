// The sweep workers' binary market cache: bit-exact round trip, damaged files ignored, key changes with inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { marketCachePath, readMarketCache, writeMarketCache } from '../../src/sweep/market-cache.js';

test('market cache: round trip is bit-exact (NaN gaps included); a truncated or foreign file reads as a miss', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hppo-mktcache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const m = syntheticMarket({ seed: 3, tickers: 7, days: 90 });
  const file = join(dir, 'm.bin');
  assert.equal(writeMarketCache(file, { panel: m.panel, benchmark: m.benchmark, description: 'syn' }), true);
  const r = readMarketCache(file);
  assert.ok(r);
  assert.deepEqual(r.panel.dates, m.panel.dates);
  assert.deepEqual(r.panel.tickers, m.panel.tickers);
  assert.equal(r.description, 'syn');
  let nans = 0;
  m.panel.close.forEach((col, i) => {
    const got = r.panel.close[i]!;
    assert.equal(got.length, col.length);
    for (let d = 0; d < col.length; d++) {
      if (Number.isNaN(col[d]!)) nans++;
      assert.ok(Object.is(got[d], col[d]), `ticker ${i} day ${d}`);
    }
  });
  assert.ok(nans > 0, 'the synthetic market has gaps');
  assert.deepEqual(Array.from(r.benchmark!.close), Array.from(m.benchmark.close));
  assert.deepEqual(r.benchmark!.dates, m.benchmark.dates);

  const size = readFileSync(file).length;
  truncateSync(file, size - 8);
  assert.equal(readMarketCache(file), undefined);
  writeFileSync(file, 'date,A\n2015-01-05,1\n');
  assert.equal(readMarketCache(file), undefined);
  assert.equal(readMarketCache(join(dir, 'absent.bin')), undefined);
});

test('market cache: the key changes with the input file stamp and the transform', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hppo-mktcache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const csv = join(dir, 'p.csv');
  writeFileSync(csv, 'date,A\n2015-01-05,1\n');
  const a = marketCachePath(dir, 'p', { prices: csv, benchmark: undefined, transform: { k: 0 } });
  assert.equal(marketCachePath(dir, 'p', { prices: csv, benchmark: undefined, transform: { k: 0 } }), a);
  assert.notEqual(marketCachePath(dir, 'p', { prices: csv, benchmark: undefined, transform: { k: 3 } }), a);
  utimesSync(csv, new Date(1_000_000), new Date(1_000_000));
  assert.notEqual(marketCachePath(dir, 'p', { prices: csv, benchmark: undefined, transform: { k: 0 } }), a);
});
