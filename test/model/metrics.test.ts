import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { benchmarkReturns, computeMetrics, drawdown } from '../../src/model/metrics.js';
import { DataError } from '../../src/errors.js';
import { Rng } from '../../src/util/rng.js';

const PY = '/usr/bin/python3';
const REL = 1e-10;
const near = (a: number, b: number, tol = REL): boolean => Math.abs(a - b) <= tol * Math.max(1e-3, Math.abs(a), Math.abs(b));

test('drawdown over [initial, NAV…] with its duration from the peak to the recovery', () => {
  // curve: 100 | 110 120 90 100 125 80
  const d = drawdown(Float64Array.from([110, 120, 90, 100, 125, 80]), 100);
  assert.equal(d.maxDrawdown, 80 / 125 - 1);
  assert.equal(d.maxDrawdownDays, 1); // peak 125 (curve index 5) to the end (6), never recovered
  const e = drawdown(Float64Array.from([110, 120, 90, 100, 125, 130]), 100);
  assert.equal(e.maxDrawdown, 90 / 120 - 1);
  assert.equal(e.maxDrawdownDays, 3); // peak at index 2, back above 120 at index 5
  // A loss on the first day counts against the initial value.
  assert.equal(drawdown(Float64Array.from([95, 96]), 100).maxDrawdown, 95 / 100 - 1);
  assert.deepEqual(drawdown(Float64Array.from([101, 102]), 100), { maxDrawdown: 0, maxDrawdownDays: 0 });
});

test('hand-computed metrics of a four-day NAV', () => {
  const nav = Float64Array.from([101, 99.99, 102.9897, 102.9897]);
  // returns: 0.01, −0.01, 0.03, 0
  const m = computeMetrics({ nav, initialValue: 100, periodsPerYear: 4, fees: 7, tradedValue: 400, rebalances: 2, fallbacks: 1 });
  const r = [0.01, -0.01, 0.03, 0];
  const mean = 0.0075;
  const sd = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / 3);
  assert.ok(near(m.totalReturn, 0.029897));
  assert.ok(near(m.annualReturn, 0.029897)); // 4 periods per year, 4 periods
  assert.ok(near(m.annualVolatility, sd * 2));
  assert.ok(near(m.sharpe, (2 * mean) / sd));
  assert.ok(near(m.sortino, (2 * mean) / Math.sqrt(0.0001 / 4)));
  assert.ok(near(m.maxDrawdown, 99.99 / 101 - 1));
  assert.equal(m.maxDrawdownDays, 2);
  assert.ok(near(m.calmar, m.annualReturn / -m.maxDrawdown));
  assert.equal(m.winRate, 2 / 3); // the flat day is neither a win nor a loss
  assert.ok(near(m.turnover, 400 / 2 / ((101 + 99.99 + 102.9897 + 102.9897) / 4)));
  assert.equal(m.fees, 7);
  assert.equal(m.rebalances, 2);
  assert.equal(m.fallbacks, 1);
  assert.equal(m.finalNav, 102.9897);
  assert.equal(m.alpha, 0);
  assert.equal(m.beta, 0);
});

test('metrics agree with an independent numpy / scipy.stats.linregress recomputation', (t) => {
  if (!existsSync(PY)) return t.skip(`${PY} not found`);
  const rng = new Rng('metrics-fixture');
  const T = 244;
  const nav = new Float64Array(T);
  const bench = new Float64Array(T);
  let v = 1_000_000;
  for (let i = 0; i < T; i++) {
    bench[i] = 0.012 * rng.normal() + 0.0003;
    v *= 1 + 0.8 * (bench[i] as number) + 0.01 * rng.normal() + 0.0002;
    nav[i] = v;
  }
  const rf = 0.03;
  const script = String.raw`
import json, sys
import numpy as np
from scipy import stats
d = json.load(sys.stdin)
nav = np.array(d["nav"]); b = np.array(d["bench"]); init = d["init"]; rf = d["rf"]
curve = np.concatenate([[init], nav]); r = curve[1:] / curve[:-1] - 1
rfp = (1 + rf) ** (1 / 252) - 1
out = {}
for name, rate in (("rf0", 0.0), ("rf", rfp)):
    e = r - rate
    lr = stats.linregress(b - rate, e)
    a = r - b
    out[name] = dict(
        sharpe=float(np.sqrt(252) * e.mean() / e.std(ddof=1)),
        sortino=float(np.sqrt(252) * e.mean() / np.sqrt(np.mean(np.minimum(e, 0) ** 2))),
        beta=float(lr.slope), alpha=float(252 * lr.intercept),
        ir=float(np.sqrt(252) * a.mean() / a.std(ddof=1)))
total = curve[-1] / init - 1
out["total"] = float(total)
out["annual"] = float((1 + total) ** (252 / len(r)) - 1)
out["vol"] = float(r.std(ddof=1) * np.sqrt(252))
out["mdd"] = float((curve / np.maximum.accumulate(curve) - 1).min())
out["win"] = float((r > 0).sum() / (r != 0).sum())
print(json.dumps(out))
`;
  const p = spawnSync(PY, ['-c', script], {
    input: JSON.stringify({ nav: Array.from(nav), bench: Array.from(bench), init: 1_000_000, rf }),
    encoding: 'utf8',
  });
  assert.equal(p.status, 0, p.stderr);
  const ref = JSON.parse(p.stdout) as Record<string, Record<string, number>> & Record<'total' | 'annual' | 'vol' | 'mdd' | 'win', number>;
  for (const [key, rate] of [['rf0', 0], ['rf', rf]] as const) {
    const m = computeMetrics({ nav, initialValue: 1_000_000, benchmarkReturns: bench, riskFreeRate: rate });
    const x = ref[key] as Record<string, number>;
    assert.ok(near(m.sharpe, x['sharpe'] as number), `${key} sharpe ${m.sharpe} vs ${x['sharpe']}`);
    assert.ok(near(m.sortino, x['sortino'] as number), `${key} sortino ${m.sortino} vs ${x['sortino']}`);
    assert.ok(near(m.beta, x['beta'] as number), `${key} beta ${m.beta} vs ${x['beta']}`);
    assert.ok(near(m.alpha, x['alpha'] as number), `${key} alpha ${m.alpha} vs ${x['alpha']}`);
    assert.ok(near(m.informationRatio, x['ir'] as number), `${key} IR ${m.informationRatio} vs ${x['ir']}`);
    assert.ok(near(m.totalReturn, ref.total));
    assert.ok(near(m.annualReturn, ref.annual));
    assert.ok(near(m.annualVolatility, ref.vol));
    assert.ok(near(m.maxDrawdown, ref.mdd));
    assert.ok(near(m.winRate, ref.win));
  }
  // A positive risk-free rate lowers the Sharpe ratio of the same NAV.
  const m0 = computeMetrics({ nav, initialValue: 1_000_000 });
  const m1 = computeMetrics({ nav, initialValue: 1_000_000, riskFreeRate: rf });
  assert.ok(m1.sharpe < m0.sharpe);
});

test('benchmark returns use the index calendar: the previous index date, not the previous stock date', () => {
  const bench = { name: 'IDX', dates: ['2015-01-02', '2015-01-05', '2015-01-06', '2015-01-08'], close: Float64Array.from([100, 110, 99, 108.9]) };
  const b = benchmarkReturns(bench, ['2015-01-05', '2015-01-08']);
  assert.ok(near(b[0] as number, 0.1));
  assert.ok(near(b[1] as number, 0.1)); // against 2015-01-06 (the index's previous date)
  assert.throws(() => benchmarkReturns(bench, ['2015-01-07']), (e: unknown) => e instanceof DataError && /IDX has no close on 2015-01-07/.test(e.message));
  assert.throws(() => benchmarkReturns(bench, ['2015-01-02']), /no date before 2015-01-02/);
});

test('metrics input errors name the field', () => {
  assert.throws(() => computeMetrics({ nav: new Float64Array(3), initialValue: 0 }), /initialValue: expected > 0/);
  assert.throws(
    () => computeMetrics({ nav: Float64Array.from([1, 2]), initialValue: 1, benchmarkReturns: new Float64Array(3) }),
    /benchmarkReturns: expected 2 returns/,
  );
});
