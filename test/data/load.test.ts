import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, STORE_FILES } from '../../src/data/index.js';
import { sameBits, tempDir } from './helpers.js';

const tmp = tempDir();
after(() => tmp.remove());

describe('loadDataset', () => {
  const prices = tmp.file('px.csv', 'date,A,B\n2020-01-02,1.5,2\n2020-01-03,1.75,\n2020-01-06,1.5,2.25\n');
  const bench = tmp.file('ix.csv', 'date,close\n2019-12-31,10\n2020-01-02,10.5\n2020-01-03,10.25\n2020-01-06,10.75\n');
  const cacheDir = join(tmp.path, 'cache');

  test('first load parses and writes a cache entry; the second opens it with the same bits', async () => {
    const a = await loadDataset(prices, { benchmark: bench, cacheDir });
    assert.equal(a.fromCache, false);
    assert.ok(a.storeDir?.startsWith(cacheDir));
    const b = await loadDataset(prices, { benchmark: bench, cacheDir });
    assert.equal(b.fromCache, true);
    assert.equal(b.storeDir, a.storeDir);
    assert.deepEqual(b.manifest, a.manifest);
    assert.deepEqual(b.panel.dates, a.panel.dates);
    a.panel.close.forEach((c, j) => assert.ok(sameBits(c, b.panel.close[j]!)));
    assert.deepEqual(b.benchmark!.dates, a.benchmark!.dates);
  });

  test('a changed input file or other options get a new entry', async () => {
    const a = await loadDataset(prices, { benchmark: bench, cacheDir });
    const c = await loadDataset(prices, { benchmark: bench, cacheDir, from: '2020-01-03' });
    assert.notEqual(c.storeDir, a.storeDir);
    assert.equal(c.fromCache, false);
    assert.deepEqual(c.panel.dates, ['2020-01-03', '2020-01-06']);
    writeFileSync(prices, 'date,A,B\n2020-01-02,1.5,2\n2020-01-03,1.75,3\n2020-01-06,1.5,2.25\n');
    utimesSync(prices, new Date(), new Date(Date.now() + 5000));
    const d = await loadDataset(prices, { benchmark: bench, cacheDir });
    assert.equal(d.fromCache, false);
    assert.notEqual(d.storeDir, a.storeDir);
    assert.equal(d.panel.close[1]![1], 3);
  });

  test('a damaged cache entry is rebuilt instead of failing', async () => {
    const a = await loadDataset(prices, { benchmark: bench, cacheDir });
    const path = join(a.storeDir!, STORE_FILES.panel);
    const bytes = readFileSync(path);
    bytes[bytes.length - 40]! ^= 0xff;
    writeFileSync(path, bytes);
    const b = await loadDataset(prices, { benchmark: bench, cacheDir });
    assert.equal(b.fromCache, false);
    const c = await loadDataset(prices, { benchmark: bench, cacheDir });
    assert.equal(c.fromCache, true);
  });

  test('cacheDir false parses every time and writes nothing', async () => {
    const a = await loadDataset(prices, { cacheDir: false });
    assert.equal(a.fromCache, false);
    assert.equal(a.storeDir, undefined);
    assert.equal(a.benchmark, undefined);
  });
});
