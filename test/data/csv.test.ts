import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../src/errors.js';
import { loadBenchmarkCsv, loadPriceCsv, parsePriceCsv } from '../../src/data/index.js';
import { parseCellNumber, NOT_A_NUMBER, parseDateKey } from '../../src/data/csv-scan.js';
import { Rng } from '../../src/util/rng.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
after(() => tmp.remove());

const WIDE = 'date,AAA,BBB,CCC\n2020-01-02,10,20.5,\n2020-01-03,11,,7\n2020-01-06,12.25,21,7.5\n';

/** Asserts that loading `text` as a price file fails with a DataError at `line` whose message matches `re`. */
async function rejectsPrices(name: string, text: string, line: number | undefined, re: RegExp, opts = {}): Promise<void> {
  const path = tmp.file(name, text);
  await assert.rejects(loadPriceCsv(path, opts), (err: unknown) => {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.equal(err.source, path);
    assert.equal(err.line, line);
    assert.match(err.message, re);
    return true;
  });
}

describe('wide CSV', () => {
  test('wide file loads dates, tickers and closes; an empty cell is NaN', async () => {
    const { panel, info } = await loadPriceCsv(tmp.file('wide.csv', WIDE));
    assert.deepEqual(panel.dates, ['2020-01-02', '2020-01-03', '2020-01-06']);
    assert.deepEqual(panel.tickers, ['AAA', 'BBB', 'CCC']);
    assert.deepEqual([...panel.close[0]!], [10, 11, 12.25]);
    assert.ok(Number.isNaN(panel.close[1]![1]!));
    assert.ok(Number.isNaN(panel.close[2]![0]!));
    assert.equal(panel.close[2]![2], 7.5);
    assert.equal(info.format, 'wide');
    assert.equal(info.missingCells, 2);
    assert.equal(panel.open, undefined);
  });

  test('gzip file (by magic bytes) reads the same as the plain file', async () => {
    const plain = await loadPriceCsv(tmp.file('w.csv', WIDE));
    const gz = await loadPriceCsv(tmp.file('w.csv.gz', WIDE, true));
    assert.deepEqual(gz.panel.dates, plain.panel.dates);
    for (let j = 0; j < 3; j++) assert.deepEqual([...gz.panel.close[j]!], [...plain.panel.close[j]!]);
  });

  test('CRLF line ends, a UTF-8 BOM, quoted cells, NA tokens and blank lines are accepted', async () => {
    const text = '\ufeffDate,"A,1",B\r\n2020-01-02,"1.5",NA\r\n\r\n2020-01-03,2,#N/A\r\n2020-01-06,3,4\r\n';
    const { panel } = await loadPriceCsv(tmp.file('crlf.csv', text));
    assert.deepEqual(panel.tickers, ['A,1', 'B']);
    assert.deepEqual([...panel.close[0]!], [1.5, 2, 3]);
    assert.ok(Number.isNaN(panel.close[1]![0]!) && Number.isNaN(panel.close[1]![1]!));
    assert.equal(panel.close[1]![2], 4);
  });

  test('tickers option selects and orders columns; from/to restrict the calendar', async () => {
    const { panel } = await loadPriceCsv(tmp.file('sel.csv', WIDE), { tickers: ['CCC', 'AAA'], from: '2020-01-03', to: '2020-01-05' });
    assert.deepEqual(panel.tickers, ['CCC', 'AAA']);
    assert.deepEqual(panel.dates, ['2020-01-03']);
    assert.deepEqual([...panel.close[0]!], [7]);
    assert.deepEqual([...panel.close[1]!], [11]);
  });
});

describe('long CSV', () => {
  test('long file with OHLCV and case-insensitive aliases: adj_close wins over close', async () => {
    const text = [
      'Symbol,DATE,Open,High,Low,Close,Adj Close,Volume,dividend',
      'X,2020-01-02,1,2,0.5,1.5,1.4,100,0',
      'X,2020-01-03,1.5,2.5,1,2,1.9,0,0',
      'Y,2020-01-03,10,11,9,10.5,10.5,50,0',
      'Y,2020-01-06,10.5,12,10,11,11,60,0',
    ].join('\n');
    const { panel, info } = await loadPriceCsv(tmp.file('long.csv', text));
    assert.equal(info.format, 'long');
    assert.deepEqual(panel.tickers, ['X', 'Y']);
    assert.deepEqual(panel.dates, ['2020-01-02', '2020-01-03', '2020-01-06']);
    assert.deepEqual([...panel.close[0]!.subarray(0, 2)], [1.4, 1.9]);
    assert.ok(Number.isNaN(panel.close[0]![2]!));
    assert.ok(Number.isNaN(panel.close[1]![0]!));
    assert.deepEqual([...panel.close[1]!.subarray(1)], [10.5, 11]);
    assert.deepEqual([...panel.open![1]!.subarray(1)], [10, 10.5]);
    assert.deepEqual([...panel.volume![0]!.subarray(0, 2)], [100, 0]);
    assert.equal(panel.high![0]![0], 2);
    assert.equal(panel.low![1]![2], 10);
    assert.deepEqual(info.ignoredColumns.sort(), ['Close', 'dividend']);
  });

  test('long file interleaved by date gives the same panel as grouped by ticker', async () => {
    const grouped = 'date,ticker,close\n2020-01-02,A,1\n2020-01-03,A,2\n2020-01-02,B,3\n2020-01-03,B,4\n';
    const byDate = 'date,ticker,close\n2020-01-02,A,1\n2020-01-02,B,3\n2020-01-03,A,2\n2020-01-03,B,4\n';
    const a = await loadPriceCsv(tmp.file('g.csv', grouped));
    const b = await loadPriceCsv(tmp.file('d.csv.gz', byDate, true));
    assert.deepEqual(a.panel.dates, b.panel.dates);
    assert.deepEqual(a.panel.close.map((c) => [...c]), b.panel.close.map((c) => [...c]));
  });

  test('long file: duplicate (date, ticker) and unsorted dates within a ticker are errors', async () => {
    await rejectsPrices('ldup.csv', 'date,ticker,close\n2020-01-02,A,1\n2020-01-02,A,2\n', 3, /duplicate date 2020-01-02 for ticker "A"/);
    await rejectsPrices('lunsorted.csv', 'date,ticker,close\n2020-01-03,A,1\n2020-01-02,B,1\n2020-01-02,A,2\n', 4, /unsorted date 2020-01-02 for ticker "A"/);
  });

  test('long file: missing close column and unknown requested tickers are errors', async () => {
    await rejectsPrices('lnoclose.csv', 'date,ticker,open\n2020-01-02,A,1\n', 1, /no close column/);
    await rejectsPrices('lunknown.csv', 'date,ticker,close\n2020-01-02,A,1\n', undefined, /unknown ticker\(s\) requested: ZZZ/, { tickers: ['A', 'ZZZ'] });
  });
});

describe('price validation errors name the file and line', () => {
  test('unsorted dates', () => rejectsPrices('unsorted.csv', 'date,A\n2020-01-03,1\n2020-01-02,1\n', 3, /unsorted date 2020-01-02 \(after 2020-01-03\)/));
  test('duplicate dates', () => rejectsPrices('dup.csv', 'date,A\n2020-01-02,1\n2020-01-02,1\n', 3, /duplicate date 2020-01-02/));
  test('non-positive price', () => rejectsPrices('neg.csv', 'date,A,B\n2020-01-02,1,2\n2020-01-03,1,0\n', 3, /column "B": non-positive price 0/));
  test('negative price', () => rejectsPrices('neg2.csv', 'date,A\n2020-01-02,-3.5\n', 2, /non-positive price -3.5/));
  test('non-numeric price', () => rejectsPrices('nan.csv', 'date,A,B\n2020-01-02,1,2\n2020-01-03,1x,2\n', 3, /column "A": not a number "1x"/));
  test('hexadecimal and infinite texts are not numbers', async () => {
    await rejectsPrices('hex.csv', 'date,A\n2020-01-02,0x10\n', 2, /not a number "0x10"/);
    await rejectsPrices('inf.csv', 'date,A\n2020-01-02,Infinity\n', 2, /not a number "Infinity"/);
  });
  test('empty column', () => rejectsPrices('empty.csv', 'date,A,B\n2020-01-02,1,\n2020-01-03,2,\n', 1, /column "B" is empty/));
  test('unknown ticker requested', () => rejectsPrices('unk.csv', WIDE, 1, /unknown ticker\(s\) requested: ZZZ/, { tickers: ['AAA', 'ZZZ'] }));
  test('malformed dates', async () => {
    await rejectsPrices('bad-date.csv', 'date,A\n2020-01-02,1\n02/01/2020,1\n', 3, /malformed date "02\/01\/2020"/);
    await rejectsPrices('bad-day.csv', 'date,A\n2021-02-29,1\n', 2, /malformed date "2021-02-29"/);
  });
  test('ragged rows', async () => {
    await rejectsPrices('ragged.csv', 'date,A,B\n2020-01-02,1,2\n2020-01-03,1\n', 3, /ragged row: 2 cells, the header has 3/);
    await rejectsPrices('ragged2.csv', 'date,A,B\n2020-01-02,1,2,3\n', 2, /ragged row: 4 cells/);
  });
  test('an empty tickers option is an InvalidArgumentError', async () => {
    await assert.rejects(loadPriceCsv(tmp.file('t.csv', WIDE), { tickers: [] }), /tickers: expected at least one ticker/);
  });
  test('duplicate and empty column names', async () => {
    await rejectsPrices('dupcol.csv', 'date,A,A\n2020-01-02,1,2\n', 1, /duplicate column "A"/);
    await rejectsPrices('emptyname.csv', 'date,A,\n2020-01-02,1,2\n', 1, /column 3 has an empty name/);
  });
  test('a first column that is not a date', () => rejectsPrices('nodate.csv', 'close,A\n1,2\n', 1, /first column must be the date/));
  test('empty file and header-only file', async () => {
    await rejectsPrices('zero.csv', '', 1, /empty file/);
    await rejectsPrices('header.csv', 'date,A\n', 2, /no data rows/);
  });
  test('unterminated quote', () => rejectsPrices('quote.csv', 'date,A\n2020-01-02,"1\n', 2, /quote/));
  test('a missing file is a DataError naming the path', async () => {
    await assert.rejects(loadPriceCsv('/nonexistent/hppo/prices.csv'), (err: unknown) => err instanceof DataError && /\/nonexistent\/hppo\/prices\.csv/.test(err.message));
  });
});

describe('benchmark CSV', () => {
  test('date,close benchmark; an empty value drops the row', async () => {
    const b = await loadBenchmarkCsv(tmp.file('idx.csv', 'date,close\n2020-01-02,100\n2020-01-03,\n2020-01-06,101.5\n'));
    assert.equal(b.name, 'idx');
    assert.deepEqual(b.dates, ['2020-01-02', '2020-01-06']);
    assert.deepEqual([...b.close], [100, 101.5]);
  });

  test('Yahoo-style columns: Adj Close is chosen; an explicit column overrides', async () => {
    const text = 'Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,1,2,0.5,1.5,1.25,0\n';
    const b = await loadBenchmarkCsv(tmp.file('yahoo.csv', text), { name: 'Y' });
    assert.equal(b.name, 'Y');
    assert.deepEqual([...b.close], [1.25]);
    const c = await loadBenchmarkCsv(tmp.file('yahoo2.csv', text), { column: 'close' });
    assert.deepEqual([...c.close], [1.5]);
  });

  test('benchmark validation: unsorted dates and non-positive values', async () => {
    const p1 = tmp.file('b1.csv', 'date,close\n2020-01-03,1\n2020-01-02,1\n');
    await assert.rejects(loadBenchmarkCsv(p1), (e: unknown) => e instanceof DataError && e.line === 3 && /unsorted/.test(e.message));
    const p2 = tmp.file('b2.csv', 'date,close\n2020-01-02,0\n');
    await assert.rejects(loadBenchmarkCsv(p2), (e: unknown) => e instanceof DataError && e.line === 2 && /non-positive/.test(e.message));
  });
});

describe('cell scanning', () => {
  test('number parsing is bit-identical to Number() on random decimal texts', () => {
    const rng = new Rng(7);
    const enc = new TextEncoder();
    for (let i = 0; i < 20000; i++) {
      const digits = rng.int(1, 19);
      let s = '';
      for (let k = 0; k < digits; k++) s += String(rng.int(0, 9));
      const dot = rng.int(0, digits);
      if (dot < digits) s = `${s.slice(0, dot)}.${s.slice(dot)}`;
      if (rng.next() < 0.1) s = `-${s}`;
      if (rng.next() < 0.05) s = `${s}e${rng.int(-30, 30)}`;
      const b = enc.encode(s);
      const got = parseCellNumber(b, 0, b.length);
      assert.ok(Object.is(got, Number(s)), `${s}: ${got} !== ${Number(s)}`);
    }
  });

  test('empty and NA cells are NaN; garbage is NOT_A_NUMBER', () => {
    const enc = new TextEncoder();
    const p = (s: string): number => {
      const b = enc.encode(s);
      return parseCellNumber(b, 0, b.length);
    };
    for (const s of ['', 'NA', 'NaN', 'null', '#N/A', ' ']) assert.ok(Number.isNaN(p(s)), JSON.stringify(s));
    for (const s of ['abc', '1.2.3', '--1', '.', '1e', '0x1F']) assert.equal(p(s), NOT_A_NUMBER, JSON.stringify(s));
    assert.equal(p(' 12.5 '), 12.5);
  });

  test('date keys accept only valid YYYY-MM-DD dates', () => {
    const enc = new TextEncoder();
    const k = (s: string): number => parseDateKey(enc.encode(s), 0, s.length);
    assert.equal(k('2016-02-29'), 20160229);
    assert.equal(k('2000-02-29'), 20000229);
    for (const s of ['1900-02-29', '2015-13-01', '2015-00-10', '2015-04-31', '2015-4-01', '2015/04/01', '20150401']) assert.equal(k(s), -1, s);
  });

  test('parsePriceCsv works on bytes without touching the disk', () => {
    const { panel } = parsePriceCsv(Buffer.from('date,A\n2020-01-02,3\n'), 'inline');
    assert.deepEqual([...panel.close[0]!], [3]);
  });
});

describe('date arithmetic', () => {
  test('epoch-day arithmetic agrees with Date.UTC over 1900..2100, both ways, and weekdays are Monday = 0', async () => {
    const { dateKeyToEpochDay, epochDayToIso, isoToEpochDay, weekdayOf } = await import('../../src/data/dates.js');
    for (let day = Date.UTC(1900, 0, 1) / 86_400_000; day <= Date.UTC(2100, 11, 31) / 86_400_000; day += 1) {
      const date = new Date(day * 86_400_000);
      const iso = date.toISOString().slice(0, 10);
      assert.equal(dateKeyToEpochDay(Number(iso.replaceAll('-', ''))), day, iso);
      assert.equal(isoToEpochDay(iso), day, iso);
      assert.equal(epochDayToIso(day), iso);
      assert.equal(weekdayOf(day), (date.getUTCDay() + 6) % 7, iso);
    }
  });
});
