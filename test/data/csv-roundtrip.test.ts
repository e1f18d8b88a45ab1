import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePriceCsv, syntheticMarket, type PricePanel } from '../../src/data/index.js';
import { Rng } from '../../src/util/rng.js';

/** Writes a panel as CSV text with randomly chosen but legal formatting. */
function writeCsv(panel: PricePanel, rng: Rng, long: boolean): string {
  const eol = rng.next() < 0.5 ? '\n' : '\r\n';
  const na = (): string => rng.pick(['', '', 'NA', 'NaN', 'null', '#N/A']);
  const num = (v: number): string => {
    if (Number.isNaN(v)) return na();
    const s = String(v);
    const r = rng.next();
    if (r < 0.1) return `"${s}"`;
    if (r < 0.2) return v.toExponential();
    if (r < 0.25) return `+${s}`;
    return s;
  };
  const lines: string[] = [];
  if (!long) {
    lines.push(['date', ...panel.tickers.map((t) => (rng.next() < 0.2 ? `"${t}"` : t))].join(','));
    panel.dates.forEach((d, i) => lines.push([d, ...panel.close.map((c) => num(c[i]!))].join(',')));
  } else {
    lines.push(rng.pick(['Date,Symbol,Adj Close', 'ticker,date,close', 'date,code,adjusted_close']));
    const header = lines[0]!.toLowerCase();
    const tickerFirst = header.startsWith('ticker');
    const rows: string[] = [];
    panel.tickers.forEach((t, j) => {
      panel.dates.forEach((d, i) => {
        const v = panel.close[j]![i]!;
        if (Number.isNaN(v) && rng.next() < 0.7) return; // long files usually omit missing rows
        rows.push(tickerFirst ? `${t},${d},${num(v)}` : `${d},${t},${num(v)}`);
      });
    });
    // Grouped by ticker as written, or interleaved by date.
    if (rng.next() < 0.5) rows.sort((a, b) => (a.split(',')[tickerFirst ? 1 : 0]! < b.split(',')[tickerFirst ? 1 : 0]! ? -1 : 1));
    lines.push(...rows);
  }
  return lines.join(eol) + (rng.next() < 0.8 ? eol : '');
}

test('random panels written as wide and long CSV with varied formatting parse back bit-exact', () => {
  const rng = new Rng('csv-roundtrip');
  let checked = 0;
  for (let trial = 0; trial < 40; trial++) {
    const m = syntheticMarket({ seed: trial, tickers: rng.int(1, 12), days: rng.int(2, 80) });
    // Round prices like a vendor file would (6 significant digits), keep NaN.
    const panel: PricePanel = { ...m.panel, close: m.panel.close.map((c) => c.map((v) => (Number.isNaN(v) ? v : Number(v.toPrecision(6))))) };
    // A ticker with no price at all cannot be written as a valid file: skip such draws.
    if (panel.close.some((c) => c.every(Number.isNaN))) continue;
    const long = trial % 2 === 1;
    const text = writeCsv(panel, rng, long);
    checked++;
    const { panel: back, info } = parsePriceCsv(Buffer.from(text), `trial ${trial}`);
    assert.equal(info.format, long ? 'long' : 'wide');
    // A long file has no row for a date where every price is missing and omitted: its calendar is
    // the dates that have a row, a subsequence of the panel's. Compare on the parsed calendar.
    const at = back.dates.map((d) => panel.dates.indexOf(d));
    assert.ok(at.every((i) => i >= 0), `trial ${trial}: calendar has an unknown date`);
    if (!long) assert.deepEqual(back.dates, panel.dates, `trial ${trial}: calendar`);
    assert.deepEqual([...back.tickers].sort(), [...panel.tickers].sort(), `trial ${trial}: tickers`);
    for (const [j, t] of panel.tickers.entries()) {
      const col = back.close[back.tickers.indexOf(t)]!;
      at.forEach((i, r) => assert.ok(Object.is(col[r], panel.close[j]![i]), `trial ${trial} ${t} ${back.dates[r]}: ${col[r]} vs ${panel.close[j]![i]}`));
      // Every price of the panel is on the parsed calendar.
      panel.close[j]!.forEach((v, i) => assert.ok(Number.isNaN(v) || at.includes(i), `trial ${trial} ${t}: ${panel.dates[i]} lost`));
    }
  }
  assert.ok(checked >= 30, `only ${checked} of 40 draws were checked`);
});
