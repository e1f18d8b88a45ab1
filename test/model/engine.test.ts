import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchmarkSeries, PricePanel } from '../../src/data/panel.js';
import { compileBacktestOptions, runBacktest, runBacktestSync } from '../../src/model/engine.js';
import { rebalanceMask } from '../../src/model/schedule.js';
import type { Strategy, StrategyContext } from '../../src/model/strategy.js';
import { Rng } from '../../src/util/rng.js';
import { makePanel, weekdays } from '../execution/panel-fixture.js';

const PY = '/usr/bin/python3';
const REFERENCE_DIR = resolve(process.env['HPPO_REFERENCE_DIR'] ?? join('..', 'shared', 'reference'));
const near = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol * Math.max(1e-3, Math.abs(a), Math.abs(b));

/** 120 weekdays, 8 stocks: 40 days of history, then an 80-day backtest; listing, suspension, delisting. */
function market(): { panel: PricePanel; bench: BenchmarkSeries; start: string; end: string } {
  const rng = new Rng('engine-market');
  const dates = weekdays('2014-09-01', 120);
  const cols: Record<string, (number | null)[]> = {};
  const syms = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
  syms.forEach((s, j) => {
    let p = 5 + 20 * rng.next();
    const drift = 0.004 * (j - 3.5) / 3.5;
    cols[s] = dates.map((_, k) => {
      p *= 1 + drift + 0.02 * rng.normal();
      if (s === 'F' && k < 60) return null; // listed inside the backtest
      if (s === 'G' && k >= 58 && k <= 66) return null; // suspended over the rebalance at row 60
      if (s === 'H' && k >= 115) return null; // delisted near the end
      return p;
    });
  });
  // The index has its own calendar: one history day missing, one extra (Saturday) date.
  const bdates: string[] = [];
  const bclose: number[] = [];
  let b = 3000;
  dates.forEach((d, k) => {
    if (k === 10) return;
    if (k === 70) {
      bdates.push(`${d.slice(0, 8)}${String(Number(d.slice(8)) - 2).padStart(2, '0')}`);
      bclose.push((b *= 1 + 0.01 * rng.normal()));
    }
    bdates.push(d);
    bclose.push((b *= 1 + 0.01 * rng.normal()));
  });
  const sorted = bdates.map((d, i) => [d, bclose[i] as number] as const).sort((x, y) => (x[0] < y[0] ? -1 : 1));
  return {
    panel: makePanel(dates, cols),
    bench: { name: 'IDX', dates: sorted.map((x) => x[0]), close: Float64Array.from(sorted.map((x) => x[1])) },
    start: dates[40] as string,
    end: dates[119] as string,
  };
}

/**
 * The reference's estimation window and universe (20 returns of the 21 closes before the
 * rebalance day, a price on each and today), with deterministic weights 1:2:3:1:2:3… over the
 * universe, and the reference's fallback rule (max annualized mean < mu).
 */
function referenceLikeStrategy(params: Readonly<Record<string, unknown>>): Strategy {
  const mu = Number(params['mu']);
  return {
    name: 'reference-like',
    onRebalance(ctx: StrategyContext) {
      const hist = ctx.historyBars(null, 21);
      const w = new Float64Array(ctx.symbols.length);
      let pos = 0;
      let best = -Infinity;
      hist.forEach((col, j) => {
        if (!ctx.canTrade(ctx.symbols[j] as string) || col.some((x) => Number.isNaN(x))) return;
        let m = 0;
        for (let k = 1; k < 21; k++) m += (col[k] as number) / (col[k - 1] as number) - 1;
        best = Math.max(best, (252 * m) / 20);
        w[j] = 1 + (pos++ % 3);
      });
      const s = w.reduce((a, b) => a + b, 0);
      if (s > 0) for (let j = 0; j < w.length; j++) w[j] = (w[j] as number) / s;
      if (pos > 0 && best < mu) ctx.countFallback();
      ctx.orderTargetPercents(w);
    },
  };
}

test('reference rules: NAV, fees and metrics agree with ../shared/reference/hppo_ref.py given the same weights', (t) => {
  if (!existsSync(PY) || !existsSync(join(REFERENCE_DIR, 'hppo_ref.py'))) {
    return t.skip(`needs ${PY} and ${REFERENCE_DIR}/hppo_ref.py`);
  }
  const { panel, bench, start, end } = market();
  const mu = 1.5;
  const res = runBacktestSync(referenceLikeStrategy, { panel, start, end, benchmark: bench, exchange: 'reference' }, { params: { mu } });
  const dir = mkdtempSync(join(tmpdir(), 'hppo-engine-ref-'));
  try {
    const csv = ['date,' + panel.tickers.join(',')];
    panel.dates.forEach((d, k) => csv.push([d, ...panel.close.map((c) => (Number.isNaN(c[k] as number) ? '' : String(c[k])))].join(',')));
    writeFileSync(join(dir, 'cn_sse50_close_adj_2008_2016.csv'), csv.join('\n') + '\n');
    writeFileSync(join(dir, 'cn_sse_composite_index_2000_2017.csv'), ['date,close', ...bench.dates.map((d, i) => `${d},${bench.close[i]}`)].join('\n') + '\n');
    const script = String.raw`
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import hppo_ref as H
spec = H.Spec(start=sys.argv[3], end=sys.argv[4])
mkt = H.load_market(sys.argv[2], spec)
def solver(R, alpha, mu, periods):
    n = R.shape[1]
    w = 1.0 + (np.arange(n) % 3)
    return w / w.sum(), bool(periods * R.mean(axis=0).max() < mu), 0.0
print(json.dumps(H.run_backtest(mkt, 0.1, float(sys.argv[5]), spec, solver=solver)))
`;
    const p = spawnSync(PY, ['-c', script, REFERENCE_DIR, dir, start, end, String(mu)], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    const ref = JSON.parse(p.stdout) as Record<string, number>;
    const m = res.metrics;
    const pairs: [string, number, number][] = [
      ['sharpe', m.sharpe, ref['sharpe'] as number],
      ['annual_return', m.annualReturn, ref['annual_return'] as number],
      ['total_return', m.totalReturn, ref['total_return'] as number],
      ['annual_volatility', m.annualVolatility, ref['annual_volatility'] as number],
      ['max_drawdown', m.maxDrawdown, ref['max_drawdown'] as number],
      ['alpha_capm', m.alpha, ref['alpha_capm'] as number],
      ['beta', m.beta, ref['beta'] as number],
      ['final_nav', m.finalNav, ref['final_nav'] as number],
      ['fees', m.fees, ref['fees'] as number],
    ];
    for (const [name, ours, theirs] of pairs) assert.ok(near(ours, theirs, 1e-9), `${name}: hppo ${ours} vs reference ${theirs}`);
    assert.equal(m.rebalances, ref['rebalances']);
    assert.equal(m.fallbacks, ref['fallbacks']);
    assert.ok(m.fallbacks > 0 && m.fallbacks < m.rebalances, `fixture exercises the fallback count (${m.fallbacks})`);
    assert.equal(m.rebalances, 4); // days 0, 20, 40, 60 of 80
    // The suspension rule fired: G had no price at the second rebalance and kept its shares.
    const gFills = res.fills.filter((f) => f.symbol === 'G').map((f) => f.date);
    assert.ok(!gFills.includes(res.dates[20] as string));
    assert.ok(res.positions.has('H'), 'the delisted stock is held and valued at its last close');
    assert.ok(Math.abs(res.finalCash) < 1e-6, `cash ends at 0 up to round-off, got ${res.finalCash}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('accounting identity every bar under A-share rules: cash + Σ shares × last close = NAV', () => {
  const { panel, start, end } = market();
  const rng = new Rng('orders');
  const seen: number[] = [];
  const strategy: Strategy = {
    onBar(ctx) {
      const sym = ctx.symbols[Math.floor(rng.next() * ctx.symbols.length)] as string;
      if (ctx.dayIndex % 3 === 0) ctx.orderTargetPercent(sym, 0.2 * rng.next());
      else if (ctx.dayIndex % 3 === 1) ctx.orderShares(sym, Math.round((rng.next() - 0.5) * 3000));
      else ctx.orderTargetValue(sym, 50_000 * rng.next());
      let v = ctx.cash;
      for (const [s, q] of ctx.positions) v += q * ctx.latestPrice(s);
      assert.ok(Math.abs(v - ctx.portfolioValue) <= 1e-9 * ctx.portfolioValue);
      seen.push(ctx.portfolioValue);
    },
  };
  const res = runBacktestSync(strategy, { panel, start, end, exchange: { preset: 'cnAShares', slippageBp: 5 }, rebalance: 'never' });
  assert.deepEqual(Array.from(res.nav), seen);
  const fees = res.fills.reduce((s, f) => s + f.commission + f.stampTax, 0);
  assert.ok(near(res.metrics.fees, fees, 1e-12));
  assert.ok(res.fills.length > 20);
  assert.ok(res.fills.every((f) => f.side === 'sell' || f.shares % 100 === 0));
  const bought = res.fills.filter((f) => f.side === 'buy').reduce((s, f) => s + f.value + f.commission, 0);
  const sold = res.fills.filter((f) => f.side === 'sell').reduce((s, f) => s + f.value - f.commission - f.stampTax, 0);
  assert.ok(near(res.finalCash, 1_000_000 - bought + sold, 1e-12));
});

test('historyBars ends the day before the current bar unless includeCurrent, and pads before the panel with NaN', () => {
  const dates = weekdays('2020-01-01', 6);
  const panel = makePanel(dates, { A: [1, 2, 3, 4, 5, 6], B: [10, null, 30, 40, 50, 60] });
  const got: string[] = [];
  runBacktestSync(
    {
      onBar(ctx, bar) {
        if (bar.index === 0) {
          const [a] = ctx.historyBars(['A'], 3);
          got.push(Array.from(a as Float64Array).join(' '));
          got.push(String(bar.close('B')));
        }
        if (bar.index === 2) {
          const h = ctx.historyBars(null, 2, 'close', { includeCurrent: true });
          got.push(h.map((c) => Array.from(c).join(' ')).join(' | '));
          assert.throws(() => ctx.historyBars(['Z'], 2), /symbol: unknown symbol "Z"/);
          assert.throws(() => ctx.historyBars(null, 2, 'open'), /no open prices/);
        }
      },
    },
    { panel, start: dates[1] },
  );
  assert.deepEqual(got, ['NaN NaN 1', 'NaN', '3 4 | 30 40']);
});

test('rebalance schedules: every N trading days from the first day, weekly, monthly', () => {
  const dates = weekdays('2015-01-01', 70);
  const every = rebalanceMask({ type: 'everyNDays', n: 20 }, dates);
  assert.deepEqual([...every.keys()].filter((k) => every[k]), [0, 20, 40, 60]);
  const weekly = rebalanceMask({ type: 'weekly' }, dates);
  const wd = [...weekly.keys()].filter((k) => weekly[k]).map((k) => dates[k]);
  assert.equal(wd[0], '2015-01-01');
  assert.ok(wd.slice(1).every((d) => new Date(`${d}T00:00:00Z`).getUTCDay() === 1), 'first weekday of each week');
  const monthly = rebalanceMask({ type: 'monthly' }, dates);
  assert.deepEqual([...monthly.keys()].filter((k) => monthly[k]).map((k) => dates[k]), ['2015-01-01', '2015-02-02', '2015-03-02', '2015-04-01']);
  const c = compileBacktestOptions({ panel: makePanel(dates, { A: dates.map(() => 1) }), start: '2015-01-05', rebalance: 10 });
  assert.equal(c.dates[0], '2015-01-05');
  assert.equal(c.rebalanceDays.reduce((a, b) => a + b, 0), 7);
});

test('bad backtest options name the field', () => {
  const dates = weekdays('2015-01-01', 5);
  const panel = makePanel(dates, { A: [1, 1, 1, 1, 1] });
  const s: Strategy = { onBar() {} };
  assert.throws(() => runBacktestSync(s, { panel, start: '2015-13' }), /start: expected YYYY-MM-DD/);
  assert.throws(() => runBacktestSync(s, { panel, start: '2016-01-01' }), /start: no trading days in 2016-01-01/);
  assert.throws(() => runBacktestSync(s, { panel, initialCash: -5 }), /initialCash: expected a finite amount > 0, got -5/);
  assert.throws(() => runBacktestSync(s, { panel, rebalance: 'hourly' }), /rebalance: expected a number of trading days or daily\|weekly\|monthly\|never/);
  assert.throws(() => runBacktestSync({} as Strategy, { panel }), /strategy: a strategy needs an onBar or onRebalance/);
  assert.throws(
    () => runBacktestSync({ name: 'boom', onBar() { throw new TypeError('x is undefined'); } }, { panel }),
    /strategy boom: onBar failed on 2015-01-01: x is undefined/,
  );
});

test('async hooks run with runBacktest and are refused by runBacktestSync; params reach the factory', async () => {
  const dates = weekdays('2015-01-01', 30);
  const panel = makePanel(dates, { A: dates.map((_, k) => 10 + k), B: dates.map((_, k) => 20 - k / 10) });
  const factory = (p: Readonly<Record<string, unknown>>): Strategy => ({
    async onRebalance(ctx) {
      await Promise.resolve();
      ctx.orderTargetPercents({ A: Number(p['wA']), B: 1 - Number(p['wA']) });
      ctx.record('lastWeightA', Number(p['wA']));
    },
  });
  const res = await runBacktest(factory, { panel, rebalance: 10 }, { params: { wA: 0.75 } });
  assert.equal(res.metrics.rebalances, 3);
  assert.equal(res.metrics.extra['lastWeightA'], 0.75);
  // Last rebalance on day 20 (A at 30): A is 75 % of the post-cost value, a little less of NAV.
  const share = ((res.positions.get('A') ?? 0) * 30) / (res.nav[20] as number);
  assert.ok(share > 0.749 && share <= 0.75, `weight of A ${share}`);
  assert.throws(() => runBacktestSync(factory, { panel }, { params: { wA: 0.5 } }), /has async hooks: use runBacktest/);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(runBacktest(factory, { panel }, { params: { wA: 0.5 }, signal: ac.signal }), /backtest cancelled/);
  const failing: Strategy = {
    name: 'late',
    async onBar(_ctx, bar) {
      await Promise.resolve();
      if (bar.index === 3) throw new RangeError('bad window');
    },
  };
  await assert.rejects(runBacktest(failing, { panel }), new RegExp(`strategy late: onBar failed on ${dates[3]}: bad window`));
});
