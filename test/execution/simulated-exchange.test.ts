import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExchangeOptions, ExchangePreset } from '../../src/execution/options.js';
import { MarketTape } from '../../src/execution/market-tape.js';
import { SimulatedExchange } from '../../src/execution/simulated-exchange.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/util/rng.js';
import { makePanel } from './panel-fixture.js';

const REL = 1e-12;
const near = (a: number, b: number, tol = REL): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

const dates = ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07'];

function exchange(cols: Record<string, (number | null)[]>, opts: Parameters<typeof compileExchangeOptions>[0], cash = 100_000) {
  return new SimulatedExchange(makePanel(dates, cols), { rules: compileExchangeOptions(opts), initialCash: cash });
}

test('presets resolve to the documented rules and overrides apply', () => {
  assert.deepEqual(compileExchangeOptions('reference'), ExchangePreset.reference);
  const a = compileExchangeOptions({ preset: 'cnAShares', slippageBp: 5 });
  assert.equal(a.minCommission, 5);
  assert.equal(a.lotSize, 100);
  assert.equal(a.priceLimit, 0.1);
  assert.equal(a.slippage, 0.0005);
  assert.equal(compileExchangeOptions('usEquities').stampTaxRate, 0);
});

test('bad exchange options name the field and the value', () => {
  assert.throws(() => compileExchangeOptions({ preset: 'moon' as 'reference' }), /exchange\.preset: unknown preset "moon"/);
  assert.throws(() => compileExchangeOptions({ commissionRate: -1 }), /exchange\.commissionRate: .*got -1/);
  assert.throws(() => compileExchangeOptions({ lotSize: 2.5 }), /exchange\.lotSize/);
  assert.throws(() => compileExchangeOptions({ slipage: 3 } as never), (e: unknown) => e instanceof InvalidArgumentError && /exchange\.slipage: unknown option/.test(e.message));
});

test('a buy and a sell pay commission both ways and stamp tax only on the sell', () => {
  const ex = exchange({ A: [10, 10, 12, 12, 12] }, 'reference');
  ex.setBar(0);
  const b = ex.orderSharesAt(0, 1000);
  assert.equal(b.status, 'filled');
  assert.equal(b.commission, 0.0003 * 10_000);
  assert.equal(b.stampTax, 0);
  assert.ok(near(ex.cash(), 100_000 - 10_000 - 3));
  ex.setBar(2);
  const s = ex.orderSharesAt(0, -400);
  assert.equal(s.status, 'filled');
  assert.ok(near(s.commission, 0.0003 * 4800));
  assert.ok(near(s.stampTax, 0.001 * 4800));
  assert.ok(near(ex.cash(), 100_000 - 10_003 + 4800 - 1.44 - 4.8));
  assert.ok(near(ex.portfolio.fees, 3 + 1.44 + 4.8));
  const f = ex.fills();
  assert.deepEqual(f.map((x) => [x.date, x.side, x.shares]), [['2020-01-01', 'buy', 1000], ['2020-01-03', 'sell', 400]]);
});

test('minimum commission applies to small fills', () => {
  const ex = exchange({ A: [10, 10, 10, 10, 10] }, 'cnAShares');
  ex.setBar(0);
  const r = ex.orderSharesAt(0, 100); // value 1000: 0.3 by rate, 5 by minimum
  assert.equal(r.commission, 5);
  assert.ok(near(ex.cash(), 100_000 - 1000 - 5));
});

test('slippage moves the fill price against the trader and is reported', () => {
  const ex = exchange({ A: [20, 20, 20, 20, 20] }, { preset: 'reference', slippageBp: 10 });
  ex.setBar(0);
  const b = ex.orderSharesAt(0, 100);
  assert.ok(near(b.price, 20 * 1.001));
  const s = ex.orderSharesAt(0, -100);
  assert.ok(near(s.price, 20 * 0.999));
  assert.ok(near(ex.portfolio.slippageCost, 2 * 100 * 20 * 0.001));
});

test('lot size rounds buys down to whole lots; a whole odd-lot position can be sold', () => {
  const ex = exchange({ A: [10, 10, 10, 10, 10] }, 'cnAShares');
  ex.setBar(0);
  const r = ex.orderSharesAt(0, 250);
  assert.equal(r.status, 'partial');
  assert.equal(r.reason, 'lot');
  assert.equal(r.filledShares, 200);
  assert.equal(ex.orderSharesAt(0, 50).status, 'rejected');
  // An odd lot (e.g. after a bonus issue) can be sold whole but not in part.
  ex.portfolio.shares[0] = 230;
  assert.equal(ex.orderSharesAt(0, -150).filledShares, -100);
  assert.equal(ex.orderSharesAt(0, -130).filledShares, -130);
  assert.equal(ex.position('A'), 0);
});

test('fractional shares when the lot size is 0', () => {
  const ex = exchange({ A: [3, 3, 3, 3, 3] }, 'reference');
  ex.setBar(0);
  const r = ex.orderTargetValueAt(0, 1000);
  assert.equal(r.status, 'filled');
  assert.ok(near(ex.position('A'), 1000 / 3));
});

test('no trade without a price: position kept and valued at the last available close', () => {
  const ex = exchange({ A: [10, 11, null, null, 12], B: [5, 5, 5, 5, 5] }, 'reference');
  ex.setBar(0);
  ex.orderSharesAt(0, 100);
  ex.setBar(1);
  ex.setBar(2);
  const r = ex.orderSharesAt(0, -100);
  assert.equal(r.status, 'rejected');
  assert.equal(r.reason, 'no-price');
  assert.equal(ex.canTrade('A'), false);
  assert.equal(ex.latestPrice('A'), 11);
  assert.ok(near(ex.portfolioValue(), ex.cash() + 100 * 11));
  const reb = ex.rebalance({ B: 0.5 });
  assert.deepEqual(reb.blocked, [{ symbol: 'A', reason: 'no-price' }]);
  assert.equal(ex.position('A'), 100);
  ex.setBar(4);
  assert.equal(ex.orderSharesAt(0, -100).status, 'filled');
});

test('no buy at limit-up and no sell at limit-down (vs the previous close)', () => {
  const ex = exchange({ U: [10, 11, 11, 9.9, 9.9], D: [10, 9, 9, 9, 9] }, 'cnAShares', 1_000_000);
  ex.setBar(0);
  ex.orderSharesAt(0, 1000);
  ex.orderSharesAt(1, 1000);
  ex.setBar(1); // U +10 % (limit-up), D −10 % (limit-down)
  assert.equal(ex.isLimitUp(0), true);
  assert.equal(ex.isLimitDown(1), true);
  const bu = ex.orderSharesAt(0, 100);
  assert.equal(bu.status, 'rejected');
  assert.equal(bu.reason, 'limit-up');
  assert.equal(ex.orderSharesAt(0, -100).status, 'filled'); // selling into limit-up is allowed
  const sd = ex.orderSharesAt(1, -100);
  assert.equal(sd.reason, 'limit-down');
  assert.equal(ex.orderSharesAt(1, 100).status, 'filled'); // buying at limit-down is allowed
  const reb = ex.rebalanceWeights(Float64Array.from([0.9, 0]));
  assert.deepEqual(reb.blocked.map((b) => b.reason).sort(), ['limit-down', 'limit-up']);
  assert.equal(ex.position('U'), 900);
  assert.equal(ex.position('D'), 1100);
  ex.setBar(2); // flat day: no limit
  assert.equal(ex.isLimitUp(0), false);
  assert.equal(ex.orderSharesAt(0, 100).status, 'filled');
});

test('a buy larger than cash is cut to what cash pays for, costs included', () => {
  const ex = exchange({ A: [10, 10, 10, 10, 10] }, 'cnAShares', 10_000);
  ex.setBar(0);
  const r = ex.orderSharesAt(0, 5000);
  assert.equal(r.status, 'partial');
  assert.equal(r.reason, 'cash');
  assert.equal(r.filledShares, 900); // 1000 shares would cost 10 000 + 5 commission
  assert.ok(ex.cash() >= 0);
  assert.equal(ex.orderSharesAt(0, -5000).filledShares, -900); // no short selling
});

test('accounting identity: cash + positions = NAV and fees match the cost model on a random order sequence', () => {
  const rng = new Rng('accounting');
  const T = 60;
  const ds = Array.from({ length: T }, (_, k) => `2021-${String(1 + Math.floor(k / 28)).padStart(2, '0')}-${String(1 + (k % 28)).padStart(2, '0')}`);
  const cols: Record<string, (number | null)[]> = {};
  for (const s of ['A', 'B', 'C', 'D']) {
    let p = 10 + 40 * rng.next();
    cols[s] = ds.map(() => {
      p *= 1 + 0.04 * rng.normal();
      return rng.next() < 0.1 ? null : Math.round(p * 100) / 100;
    });
  }
  const rules = compileExchangeOptions({ preset: 'cnAShares', slippageBp: 3 });
  const ex = new SimulatedExchange(makePanel(ds, cols), { rules, initialCash: 500_000 });
  let cashFlow = 500_000;
  for (let t = 0; t < T; t++) {
    ex.setBar(t);
    const before = ex.fillLog.length;
    if (t % 7 === 0) ex.rebalanceWeights(Float64Array.from([0.3, 0.2, 0.25, 0.2].map((w) => w * (0.5 + rng.next()) / 1.5)));
    else ex.orderSharesAt(Math.floor(rng.next() * 4), Math.round((rng.next() - 0.5) * 4000));
    for (const f of ex.fills(before)) {
      const comm = Math.max(rules.commissionRate * f.value, rules.minCommission);
      assert.ok(near(f.commission, comm), `commission ${f.commission} vs ${comm}`);
      assert.ok(near(f.stampTax, f.side === 'sell' ? rules.stampTaxRate * f.value : 0));
      const close = ex.priceAt(ex.assetIndex(f.symbol));
      assert.ok(near(f.price, f.side === 'buy' ? close * (1 + rules.slippage) : close * (1 - rules.slippage)));
      assert.equal(f.shares % 100 === 0 || f.side === 'sell', true, 'buys are whole lots');
      cashFlow += f.side === 'buy' ? -(f.value + f.commission) : f.value - f.commission - f.stampTax;
    }
    assert.ok(near(ex.cash(), cashFlow, 1e-10), `cash ${ex.cash()} vs flows ${cashFlow}`);
    assert.ok(ex.cash() >= -1e-6, 'cash never negative');
    let v = ex.cash();
    for (const [sym, q] of ex.positions()) {
      assert.ok(q > 0);
      v += q * ex.latestPrice(sym);
    }
    assert.ok(near(ex.portfolioValue(), v, 1e-12));
  }
  const fills = ex.fills();
  assert.ok(fills.length > 20);
  const fees = fills.reduce((s, f) => s + f.commission + f.stampTax, 0);
  assert.ok(near(ex.portfolio.fees, fees, 1e-10));
});

test('reference rebalance: targets are weights of V with V + cost(V) = A, and cash ends at 0', () => {
  const ex = exchange({ A: [10, 12, 12, 12, 12], B: [20, 19, 19, 19, 19], C: [5, 6, 6, 6, 6], D: [8, null, 8, 8, 8] }, 'reference', 1_000_000);
  ex.setBar(0);
  ex.rebalanceWeights(Float64Array.from([0.4, 0.3, 0.2, 0.1]));
  assert.ok(Math.abs(ex.cash()) < 1e-6);
  ex.setBar(1);
  const sharesBefore = Float64Array.from(ex.portfolio.shares);
  const cash0 = ex.cash();
  const w = [0.1, 0.5, 0.4, 0.0];
  const r = ex.rebalanceWeights(Float64Array.from(w));
  const P = [12, 19, 6];
  const h = P.map((p, i) => (sharesBefore[i] as number) * p);
  const A = cash0 + h.reduce((a, b) => a + b, 0);
  assert.ok(near(r.tradableValue, A));
  // Independent solve of V + cost(V) = A by bisection (cost is increasing-slope-bounded).
  const cost = (V: number): number =>
    h.reduce((c, hi, i) => {
      const d = (w[i] as number) * V - hi;
      return c + 0.0003 * Math.abs(d) + (d < 0 ? 0.001 * -d : 0);
    }, 0);
  let lo = 0;
  let hi = A;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (mid + cost(mid) > A) hi = mid;
    else lo = mid;
  }
  assert.ok(near(r.targetValue, lo, 1e-12), `V ${r.targetValue} vs bisection ${lo}`);
  for (let i = 0; i < 3; i++) assert.ok(near((ex.portfolio.shares[i] as number) * (P[i] as number), (w[i] as number) * lo, 1e-12));
  assert.equal(ex.portfolio.shares[3], sharesBefore[3], 'D has no price: its shares are kept');
  assert.ok(Math.abs(ex.cash()) < 1e-6, `cash ${ex.cash()}`);
  assert.ok(near(r.commission + r.stampTax, cost(lo), 1e-9));
});

test('batch weights are validated', () => {
  const ex = exchange({ A: [10, 10, 10, 10, 10], B: [10, 10, 10, 10, 10] }, 'reference');
  ex.setBar(0);
  assert.throws(() => ex.rebalance({ A: 0.7, B: 0.7 }), /weights: weights must sum to ≤ 1, got 1\.4/);
  assert.throws(() => ex.rebalance({ A: -0.1 }), /weights\.A: expected a finite weight ≥ 0/);
  assert.throws(() => ex.rebalance({ Z: 0.1 }), /weights\.Z: unknown symbol/);
  assert.throws(() => ex.submit({ type: 'targetPercent', symbol: 'A', percent: 2 }), /percent: expected a fraction in \[0, 1\]/);
});

test('a market tape over a later range takes the previous close from before the range', () => {
  const panel = makePanel(dates, { A: [10, null, 11, 11.5, 11.5], B: [null, null, null, 7, 7] });
  const rules = compileExchangeOptions('cnAShares');
  const tape = new MarketTape(panel, rules.priceLimit, rules.priceLimitTolerance, 2, 5);
  const ex = new SimulatedExchange(panel, { rules, initialCash: 100_000, tape });
  assert.equal(ex.latestPrice('A'), 10, 'before the first bar: the last close before the range');
  assert.throws(() => ex.setBar(1), /bar: expected a row after -1 in \[2, 5\), got 1/);
  ex.setBar(2); // A: 11 vs 10 (two days ago, the last available close) = +10 %: limit-up
  assert.equal(ex.isLimitUp(0), true);
  assert.equal(ex.orderSharesAt(0, 100).reason, 'limit-up');
  assert.equal(ex.canTrade('B'), false);
  assert.ok(Number.isNaN(ex.latestPrice('B')));
  ex.setBar(3); // B's first price: no previous close, so no limit rule
  assert.equal(ex.isLimitUp(1), false);
  assert.equal(ex.orderSharesAt(1, 100).status, 'filled');
  assert.throws(() => new SimulatedExchange(makePanel(dates, { A: [1, 1, 1, 1, 1] }), { rules, initialCash: 1, tape }), /tape: the market tape was built from another panel/);
});
