import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../src/errors.js';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { compileBacktestOptions, runBacktestSync } from '../../src/model/engine.js';
import { compileMomentumParams, momentumStrategy } from '../../src/model/models/momentum.js';
import { makePanel, weekdays } from '../execution/panel-fixture.js';

/**
 * Hand-made paths, 30 days, entry on day 5 (the backtest's first day) with lookback 5:
 *  A rises 1 %/day to day 5 (momentum +5.1 %), then falls: day 9 is 9 % below entry (held),
 *    day 10 is 10 % below (stop-loss at the close of day 10).
 *  B rises 1 %/day to day 5, then +3 %/day: 1.03^7 = 1.2299 on day 12 ≥ 1.2 (take-profit day 12),
 *    day 11: 1.03^6 = 1.194 (held).
 *  C falls 1 %/day: negative momentum, never bought.
 */
function fixture() {
  const dates = weekdays('2015-01-05', 30);
  const A: number[] = [];
  const B: number[] = [];
  const C: number[] = [];
  for (let k = 0; k < 30; k++) {
    const base = 100 * 1.01 ** Math.min(k, 5);
    A.push(k <= 5 ? base : k === 9 ? base * 0.91 : k === 10 ? base * 0.9 : k < 9 ? base * (1 - 0.02 * (k - 5)) : base * 0.95);
    B.push(k <= 5 ? base : base * 1.03 ** Math.min(k - 5, 7));
    C.push(100 * 0.99 ** k);
  }
  return { dates, panel: makePanel(dates, { A, B, C }) };
}

const params = { lookback: 5, threshold: 0, positionSize: 0.3, stopLoss: 0.1, takeProfit: 0.2, rebalanceEvery: 1000 };

test('momentum: stop-loss and take-profit trigger at the first close beyond entry × (1 ∓ limit), not before', () => {
  const { dates, panel } = fixture();
  const c = compileBacktestOptions({ panel, start: dates[5], rebalance: 'never', exchange: 'reference' });
  const r = runBacktestSync(momentumStrategy, c, { params });
  const fills = r.fills.map((f) => `${f.date} ${f.side} ${f.symbol}`);
  assert.deepEqual(fills, [`${dates[5]} buy A`, `${dates[5]} buy B`, `${dates[10]} sell A`, `${dates[12]} sell B`]);
  assert.equal(r.metrics.extra['stopLosses'], 1);
  assert.equal(r.metrics.extra['takeProfits'], 1);
  assert.equal(r.metrics.extra['entries'], 2);
  assert.equal(r.positions.size, 0);
  // Each entry used positionSize of the portfolio value (reference costs: 3 bp commission).
  const buyA = r.fills[0]!;
  assert.ok(Math.abs(buyA.value / 1_000_000 - 0.3) < 1e-3, `entry value ${buyA.value}`);
});

test('momentum: a tighter stop-loss exits earlier; a threshold above every momentum buys nothing', () => {
  const { dates, panel } = fixture();
  const c = compileBacktestOptions({ panel, start: dates[5], rebalance: 'never' });
  const early = runBacktestSync(momentumStrategy, c, { params: { ...params, stopLoss: 0.03 } });
  // A is 4 % below entry on day 7 (first close at or below −3 %).
  assert.equal(early.fills.find((f) => f.symbol === 'A' && f.side === 'sell')?.date, dates[7]);
  const none = runBacktestSync(momentumStrategy, c, { params: { ...params, threshold: 0.06 } });
  assert.equal(none.fills.length, 0);
  assert.equal(none.metrics.extra['entries'], 0);
});

test('momentum: positions never exceed floor(1/positionSize), each bought at positionSize, on synthetic data', () => {
  const m = syntheticMarket({ seed: 5, tickers: 25, days: 260 });
  const c = compileBacktestOptions({ panel: m.panel, start: m.panel.dates[60], rebalance: 10, exchange: 'reference' });
  const ps = { lookback: 20, threshold: 0.0, positionSize: 0.15, stopLoss: 0.05, takeProfit: 0.1 };
  let maxHeld = 0;
  const base = momentumStrategy(ps);
  const wrapped = {
    ...base,
    onBar(ctx: Parameters<NonNullable<typeof base.onBar>>[0], bar: Parameters<NonNullable<typeof base.onBar>>[1]) {
      base.onBar?.(ctx, bar);
      maxHeld = Math.max(maxHeld, ctx.positions.size);
    },
  };
  const r = runBacktestSync(wrapped, { ...c, recordFills: true });
  assert.ok(maxHeld <= 6 && maxHeld >= 1, `held at most ${maxHeld}`);
  assert.ok((r.metrics.extra['entries'] ?? 0) > 0);
  // Every opening buy is positionSize of the NAV of the previous close (within a day's move and costs).
  const navBefore = new Map(r.dates.map((d, k) => [d, k === 0 ? 1_000_000 : (r.nav[k - 1] as number)]));
  for (const f of r.fills) {
    if (f.side !== 'buy') continue;
    const frac = f.value / (navBefore.get(f.date) as number);
    assert.ok(frac > 0.1 && frac < 0.2, `buy ${f.symbol} on ${f.date}: ${frac} of the NAV`);
  }
});

test('momentum: bad parameters name the field', () => {
  const bad: Array<[Record<string, number | string>, string]> = [
    [{ takeProfit: 0.05, stopLoss: 0.1 }, 'params.takeProfit'],
    [{ lookback: 0 }, 'params.lookback'],
    [{ lookback: 2.5 }, 'params.lookback'],
    [{ positionSize: 1.5 }, 'params.positionSize'],
    [{ stopLoss: 1 }, 'params.stopLoss'],
    [{ rebalanceEvery: 0 }, 'params.rebalanceEvery'],
    [{ lookbak: 20 }, 'params.lookbak'],
    [{ threshold: 'high' }, 'params.threshold'],
  ];
  for (const [p, field] of bad) {
    assert.throws(() => compileMomentumParams(p), (e: unknown) => e instanceof InvalidArgumentError && e.field === field, JSON.stringify(p));
  }
  // snake_case spellings are the same parameters; both spellings at once is an error.
  assert.equal(compileMomentumParams({ stop_loss: 0.05, take_profit: 0.07 }).stopLoss, 0.05);
  assert.throws(() => compileMomentumParams({ stopLoss: 0.05, stop_loss: 0.06 }), /given twice/);
});
