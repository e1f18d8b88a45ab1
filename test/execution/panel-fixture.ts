// Small PricePanels for the execution and model tests (null = no price that day).
import type { PricePanel } from '../../src/data/panel.js';

export function makePanel(dates: readonly string[], cols: Record<string, readonly (number | null)[]>): PricePanel {
  const tickers = Object.keys(cols);
  const close = tickers.map((t) => {
    const v = cols[t] as readonly (number | null)[];
    if (v.length !== dates.length) throw new Error(`fixture column ${t}: ${v.length} values for ${dates.length} dates`);
    return Float64Array.from(v, (x) => (x === null ? Number.NaN : x));
  });
  return { dates, tickers, close };
}

/** n consecutive weekday dates from `from` (YYYY-MM-DD), UTC. */
export function weekdays(from: string, n: number): string[] {
  const out: string[] = [];
  let t = Date.parse(`${from}T00:00:00Z`);
  while (out.length < n) {
    const d = new Date(t);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
    t += 86_400_000;
  }
  return out;
}
