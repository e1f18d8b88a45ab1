import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DataError, InvalidArgumentError } from '../../src/errors.js';
import { defaultDataDir, ingestCsv, loadBenchmarkCsv, loadPriceCsv, openStore, repoRoot, resolveDataset } from '../../src/data/index.js';
import { sameBits, sharedDataMissing, tempDir } from './helpers.js';

const tmp = tempDir();
after(() => tmp.remove());

describe('resolveDataset', () => {
  test('presets resolve to the files in dataDir; sse50 uses the Shanghai Composite like the reference', () => {
    for (const f of ['cn_sse50_close_adj_2008_2016.csv', 'cn_sse_composite_index_2000_2017.csv', 'cn_sse50_index_000016_2005_2016.csv', 'us_sp500_adjclose_1999_2021.csv.gz', 'us_sp500_index_gspc_1999_2021.csv']) {
      tmp.file(f, 'date,close\n');
    }
    const sse = resolveDataset('sse50', { dataDir: tmp.path });
    assert.equal(sse.pricesPath, join(tmp.path, 'cn_sse50_close_adj_2008_2016.csv'));
    assert.equal(sse.benchmarkPath, join(tmp.path, 'cn_sse_composite_index_2000_2017.csv'));
    assert.equal(sse.benchmarkName, 'sse-composite');
    const sse50idx = resolveDataset('sse50', { dataDir: tmp.path, benchmark: 'sse50-index' });
    assert.equal(sse50idx.benchmarkPath, join(tmp.path, 'cn_sse50_index_000016_2005_2016.csv'));
    const sp = resolveDataset('sp500', { dataDir: tmp.path });
    assert.equal(sp.pricesPath, join(tmp.path, 'us_sp500_adjclose_1999_2021.csv.gz'));
    assert.equal(sp.benchmarkPath, join(tmp.path, 'us_sp500_index_gspc_1999_2021.csv'));
  });

  test('a missing preset file is a DataError naming the path', () => {
    const empty = join(tmp.path, 'empty-dir');
    assert.throws(
      () => resolveDataset('sse50', { dataDir: empty }),
      (e: unknown) => e instanceof DataError && e.message.includes(join(empty, 'cn_sse50_close_adj_2008_2016.csv')) && /HPPO_DATA/.test(e.message),
    );
    // csi300 is a known benchmark but its file was not created above.
    assert.throws(() => resolveDataset('sse50', { dataDir: tmp.path, benchmark: 'csi300' }), /cn_csi300_index_2008_2016\.csv/);
  });

  test('an unknown preset benchmark is an InvalidArgumentError listing the choices', () => {
    assert.throws(() => resolveDataset('sse50', { dataDir: tmp.path, benchmark: 'nikkei' }), (e: unknown) => e instanceof InvalidArgumentError && /sse-composite, sse50-index, csi300/.test(e.message));
  });

  test('a path resolves as itself; a missing path names the file', () => {
    const p = tmp.file('mine.csv', 'date,A\n2020-01-02,1\n');
    const r = resolveDataset(p);
    assert.equal(r.pricesPath, p);
    assert.equal(r.name, 'mine');
    assert.equal(r.benchmarkPath, undefined);
    assert.throws(() => resolveDataset(join(tmp.path, 'nope.csv')), (e: unknown) => e instanceof DataError && e.message.includes('nope.csv'));
  });

  test('dataDir defaults to HPPO_DATA, else <repo>/../shared/data', () => {
    const saved = process.env['HPPO_DATA'];
    try {
      process.env['HPPO_DATA'] = tmp.path;
      assert.equal(defaultDataDir(), tmp.path);
      assert.equal(resolveDataset('sp500').dataDir, tmp.path);
      delete process.env['HPPO_DATA'];
      assert.equal(defaultDataDir(), join(repoRoot(), '..', 'shared', 'data'));
    } finally {
      if (saved === undefined) delete process.env['HPPO_DATA'];
      else process.env['HPPO_DATA'] = saved;
    }
  });
});

describe('the shared datasets load with the counts their README states', () => {
  const sseSkip = sharedDataMissing('sse50');
  test('SSE 50 adjusted: 2177 days × 50, 2008-01-02..2016-12-13; Shanghai Composite 4271 days', { skip: sseSkip }, async () => {
    const ds = resolveDataset('sse50');
    const t0 = performance.now();
    const r = await ingestCsv({ pricesPath: ds.pricesPath, benchmarkPath: ds.benchmarkPath!, name: 'sse50', storeDir: join(tmp.path, 'sse50') });
    const ms = performance.now() - t0;
    assert.equal(r.panel.dates.length, 2177);
    assert.equal(r.panel.tickers.length, 50);
    assert.equal(r.panel.dates[0], '2008-01-02');
    assert.equal(r.panel.dates[2176], '2016-12-13');
    assert.equal(r.benchmark!.dates.length, 4271);
    // Later listings are empty before their first day, e.g. 601211 listed 2015-06-26.
    const j = r.panel.tickers.indexOf('601211.SH');
    const i = r.panel.dates.indexOf('2015-06-26');
    assert.ok(Number.isNaN(r.panel.close[j]![i - 1]!) && r.panel.close[j]![i]! > 0);
    const opened = await openStore(join(tmp.path, 'sse50'));
    r.panel.close.forEach((c, k) => assert.ok(sameBits(c, opened.panel.close[k]!)));
    process.stdout.write(`# sse50 ingest + store: ${ms.toFixed(0)} ms\n`);
  });

  const spSkip = sharedDataMissing('sp500');
  test('S&P 500 adjusted (.gz): 5402 days × 504, same calendar as ^GSPC', { skip: spSkip }, async () => {
    const ds = resolveDataset('sp500');
    const t0 = performance.now();
    const { panel, info } = await loadPriceCsv(ds.pricesPath);
    const ms = performance.now() - t0;
    assert.equal(panel.dates.length, 5402);
    assert.equal(panel.tickers.length, 504);
    assert.equal(panel.dates[0], '1999-11-01');
    assert.equal(panel.dates[5401], '2021-04-21');
    const b = await loadBenchmarkCsv(ds.benchmarkPath!);
    assert.deepEqual(b.dates, panel.dates);
    // README: 357 tickers have a price on every day.
    assert.equal(panel.close.filter((c) => !c.some(Number.isNaN)).length, 357);
    assert.ok(info.missingCells > 0);
    process.stdout.write(`# sp500 ingest (gunzip + parse): ${ms.toFixed(0)} ms\n`);
  });

  test('every price and index file of ../shared/data loads', { skip: sseSkip ?? spSkip }, async () => {
    const dir = defaultDataDir();
    const unadj = await loadPriceCsv(join(dir, 'cn_sse50_close_UNADJUSTED_2005_2016.csv'));
    assert.equal(unadj.panel.dates.length, 2695);
    assert.equal(unadj.panel.tickers.length, 50);
    const counts: Record<string, number> = {
      'cn_csi300_index_2008_2016.csv': 1966,
      'cn_sse50_index_000016_2005_2016.csv': 2695,
      'cn_sse_composite_index_2000_2017.csv': 4271,
      'us_sp500_index_gspc_1999_2021.csv': 5402,
    };
    for (const [file, n] of Object.entries(counts)) assert.equal((await loadBenchmarkCsv(join(dir, file))).dates.length, n, file);
  });
});
