import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../src/errors.js';
import { DatasetManifest } from '../../src/gen/hppo/v1/data.js';
import {
  benchmarkFromIpc,
  benchmarkToIpc,
  ingestCsv,
  openStore,
  panelFromIpc,
  panelToIpc,
  sha256Hex,
  STORE_FILES,
  LAYOUT_KEYS,
  syntheticMarket,
  writeStore,
  type PricePanel,
} from '../../src/data/index.js';
import { sameBits, tempDir } from './helpers.js';

const tmp = tempDir();
after(() => tmp.remove());

/** A panel with every field, odd values (subnormal, huge, -0 excluded: prices are > 0) and a NaN with a payload. */
function oddPanel(): PricePanel {
  const m = syntheticMarket({ seed: 3, tickers: 5, days: 60 });
  const T = m.panel.dates.length;
  const field = (scale: number): Float64Array[] => m.panel.close.map((c) => c.map((v) => v * scale));
  const close = m.panel.close.map((c) => Float64Array.from(c));
  close[0]![0] = Number.MIN_VALUE;
  close[0]![1] = Number.MAX_VALUE;
  const payloadNaN = new Float64Array(new BigUint64Array([0x7ff8dead_beef0001n]).buffer)[0]!;
  close[1]![2] = payloadNaN;
  return { dates: m.panel.dates, tickers: m.panel.tickers, close, open: field(0.99), high: field(1.02), low: field(0.97), volume: field(0).map((c) => c.fill(1e6).subarray(0, T)) };
}

function assertSamePanel(a: PricePanel, b: PricePanel): void {
  assert.deepEqual(b.dates, a.dates);
  assert.deepEqual(b.tickers, a.tickers);
  for (const f of ['close', 'open', 'high', 'low', 'volume'] as const) {
    assert.equal(b[f] === undefined, a[f] === undefined, f);
    a[f]?.forEach((col, j) => assert.ok(sameBits(col, b[f]![j]!), `${f}:${a.tickers[j]} differs`));
  }
}

describe('Arrow IPC codec', () => {
  test('panel round trip is bit-exact for all fields, NaN payloads included', () => {
    const p = oddPanel();
    const { panel } = panelFromIpc(panelToIpc(p));
    assertSamePanel(p, panel);
  });

  test('decoded columns are views over the IPC bytes (zero-copy)', () => {
    const ipc = new Uint8Array(panelToIpc(oddPanel())); // own ArrayBuffer at offset 0 (8-aligned)
    const { panel } = panelFromIpc(ipc);
    for (const col of [...panel.close, ...panel.volume!]) assert.equal(col.buffer, ipc.buffer);
    // Writing through the view is visible in the bytes: same memory, not a copy.
    const before = sha256Hex(ipc);
    panel.close[2]![5] = 12345.5;
    assert.notEqual(sha256Hex(ipc), before);
  });

  test('benchmark round trip keeps its own calendar and name', () => {
    const m = syntheticMarket({ seed: 4, tickers: 3, days: 30 });
    const b = benchmarkFromIpc(benchmarkToIpc(m.benchmark));
    assert.equal(b.name, m.benchmark.name);
    assert.deepEqual(b.dates, m.benchmark.dates);
    assert.ok(sameBits(b.close, m.benchmark.close));
  });

  test('bytes that are not an hppo panel are a DataError', () => {
    assert.throws(() => panelFromIpc(new Uint8Array([1, 2, 3, 4])), DataError);
    assert.throws(() => panelFromIpc(benchmarkToIpc(syntheticMarket({ tickers: 2, days: 5 }).benchmark)), /hppo\.panel/);
  });
});

describe('columnar store', () => {
  test('writeStore + openStore: bit-exact, zero-copy columns, manifest as DatasetManifest', async () => {
    const p = oddPanel();
    const m = syntheticMarket({ seed: 3, tickers: 5, days: 60 });
    const dir = join(tmp.path, 'ds1');
    const manifest = await writeStore(dir, p, m.benchmark, { name: 'odd', source: 'unit test' });
    const ipcBytes = readFileSync(join(dir, STORE_FILES.panel));
    assert.equal(manifest.digest, sha256Hex(ipcBytes));
    assert.equal(manifest.sizeBytes, ipcBytes.byteLength);
    assert.equal(manifest.datasetId, `odd-${manifest.digest.slice(0, 12)}`);
    assert.deepEqual(manifest.tickers, p.tickers);
    assert.equal(manifest.firstDate, p.dates[0]);
    assert.equal(manifest.lastDate, p.dates[p.dates.length - 1]);
    assert.equal(manifest.numDays, p.dates.length);
    assert.deepEqual(manifest.fields, ['close', 'open', 'high', 'low', 'volume']);
    assert.equal(manifest.benchmark, 'synthetic-index');
    assert.equal(manifest.source, 'unit test');
    // The JSON on disk is proto3 JSON of hppo.v1.DatasetManifest.
    const onDisk = DatasetManifest.fromJSON(JSON.parse(readFileSync(join(dir, STORE_FILES.manifest), 'utf8')));
    assert.deepEqual(onDisk, manifest);

    const opened = await openStore(dir);
    assert.deepEqual(opened.manifest, manifest);
    assertSamePanel(p, opened.panel);
    for (const col of opened.panel.close) assert.equal(col.buffer, opened.bytes.buffer);
    assert.equal(opened.bytes.byteLength, manifest.sizeBytes);
    assert.deepEqual(opened.benchmark!.dates, m.benchmark.dates);
    assert.ok(sameBits(opened.benchmark!.close, m.benchmark.close));
  });

  test('openStore builds views from the manifest layout, and falls back to Arrow without one', async () => {
    const p = oddPanel();
    const m = syntheticMarket({ seed: 3, tickers: 5, days: 60 });
    const dir = join(tmp.path, 'layout');
    const manifest = await writeStore(dir, p, m.benchmark);
    const layout = JSON.parse(manifest.metadata[LAYOUT_KEYS.panel]!) as { rows: number; date: number; values: number[] };
    assert.equal(layout.rows, p.dates.length);
    assert.equal(layout.values.length, 5 * p.tickers.length);
    const viaLayout = await openStore(dir);
    // The same offsets Arrow itself decodes to.
    const viaArrow = panelFromIpc(viaLayout.bytes).panel;
    viaLayout.panel.close.forEach((c, j) => assert.equal(c.byteOffset, viaArrow.close[j]!.byteOffset));
    assertSamePanel(p, viaArrow);
    // Without the layout keys (a store from an older writer) the panel is decoded through Arrow.
    const bare = { ...DatasetManifest.toJSON(manifest) as Record<string, unknown>, metadata: { benchmarkDigest: manifest.metadata['benchmarkDigest'] } };
    writeFileSync(join(dir, STORE_FILES.manifest), JSON.stringify(bare));
    const viaFallback = await openStore(dir);
    assertSamePanel(p, viaFallback.panel);
    assert.deepEqual(viaFallback.benchmark!.dates, m.benchmark.dates);
    assert.equal(viaFallback.panel.close[0]!.buffer, viaFallback.bytes.buffer);
  });

  test('a layout pointing outside the file is a DataError, even unverified', async () => {
    const dir = join(tmp.path, 'badlayout');
    const manifest = await writeStore(dir, syntheticMarket({ seed: 6, tickers: 3, days: 10 }).panel);
    const json = DatasetManifest.toJSON(manifest) as { metadata: Record<string, string> };
    json.metadata[LAYOUT_KEYS.panel] = JSON.stringify({ rows: 10, date: 8, values: [8, 16, 1 << 30] });
    writeFileSync(join(dir, STORE_FILES.manifest), JSON.stringify(json));
    await assert.rejects(openStore(dir, { verify: false }), (e: unknown) => e instanceof DataError && /outside the file or misaligned/.test(e.message));
  });

  test('a store whose panel bytes changed fails the digest check', async () => {
    const dir = join(tmp.path, 'ds2');
    await writeStore(dir, syntheticMarket({ seed: 5, tickers: 4, days: 20 }).panel);
    const path = join(dir, STORE_FILES.panel);
    const bytes = readFileSync(path);
    bytes[bytes.length - 100]! ^= 0xff;
    writeFileSync(path, bytes);
    await assert.rejects(openStore(dir), (e: unknown) => e instanceof DataError && /does not match the manifest/.test(e.message));
  });

  test('writeStore refuses a panel that breaks the invariants (non-positive price, unsorted dates)', async () => {
    const bad: PricePanel = { dates: ['2020-01-02', '2020-01-03'], tickers: ['A'], close: [Float64Array.from([1, -2])] };
    await assert.rejects(writeStore(join(tmp.path, 'bad1'), bad), (e: unknown) => e instanceof DataError && /close:A on 2020-01-03 is -2/.test(e.message));
    const unsorted: PricePanel = { dates: ['2020-01-03', '2020-01-02'], tickers: ['A'], close: [Float64Array.from([1, 2])] };
    await assert.rejects(writeStore(join(tmp.path, 'bad2'), unsorted), /not strictly ascending/);
  });

  test('opening a directory without a store names the missing manifest', async () => {
    await assert.rejects(openStore(join(tmp.path, 'nothing-here')), (e: unknown) => e instanceof DataError && /manifest\.json/.test(e.message));
  });

  test('ingestCsv writes a store that reads back to the ingested panel', async () => {
    const prices = tmp.file('p.csv', 'date,A,B\n2020-01-02,1.5,\n2020-01-03,1.75,3\n2020-01-06,1.5,3.25\n');
    const bench = tmp.file('b.csv', 'date,close\n2019-12-31,99\n2020-01-02,100\n2020-01-03,101\n2020-01-06,102\n');
    const dir = join(tmp.path, 'ds3');
    const r = await ingestCsv({ pricesPath: prices, benchmarkPath: bench, storeDir: dir, name: 'tiny' });
    assert.equal(r.manifest.digest, sha256Hex(r.ipc));
    assert.equal(r.manifest.benchmark, 'b');
    assert.equal(r.manifest.metadata['format'], 'wide');
    const opened = await openStore(dir);
    assertSamePanel(r.panel, opened.panel);
    assert.deepEqual(opened.benchmark!.dates, ['2019-12-31', '2020-01-02', '2020-01-03', '2020-01-06']);
    assert.equal(opened.manifest.datasetId, r.manifest.datasetId);
  });
});
