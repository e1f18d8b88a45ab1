// The engine, the exchange and the metrics against ../shared/reference/hppo_ref.py on the real
// SSE 50 2015 experiment, with the LP replaced on both sides by the same deterministic weights
// (1:2:3:1:… over the reference's universe): everything but the solver must agree to 1e-9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadBenchmarkCsv, loadPriceCsv } from '../../src/data/csv.js';
import { staleAsSuspended } from '../../src/data/suspension.js';
import { runBacktestSync } from '../../src/model/engine.js';
import type { Strategy, StrategyContext } from '../../src/model/strategy.js';

const PY = '/usr/bin/python3';
const REFERENCE_DIR = resolve(process.env['HPPO_REFERENCE_DIR'] ?? join('..', 'shared', 'reference'));
const DATA_DIR = resolve(process.env['HPPO_DATA'] ?? join('..', 'shared', 'data'));
const PRICES = join(DATA_DIR, 'cn_sse50_close_adj_2008_2016.csv');
const BENCH = join(DATA_DIR, 'cn_sse_composite_index_2000_2017.csv');
const TOL = 1e-9;

const fixedWeights = (mu: number): Strategy => ({
  name: 'fixed-weights',
  onRebalance(ctx: StrategyContext) {
    const hist = ctx.historyBars(null, 21); // closes of t−21 … t−1: the 20 returns before t
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
    if (s > 0) w.forEach((x, j) => (w[j] = x / s));
    if (pos > 0 && best < mu) ctx.countFallback();
    ctx.orderTargetPercents(w);
  },
});

const PY_SCRIPT = String.raw`
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import hppo_ref as H
spec = H.Spec(stale_as_suspended=int(sys.argv[3]))
mkt = H.load_market(sys.argv[2], spec)
def solver(R, alpha, mu, periods):
    n = R.shape[1]
    w = 1.0 + (np.arange(n) % 3)
    return w / w.sum(), bool(periods * R.mean(axis=0).max() < mu), 0.0
print(json.dumps(H.run_backtest(mkt, 0.1, float(sys.argv[4]), spec, solver=solver)))
`;

for (const stale of [0, 3]) {
  test(`SSE 50 2015, reference rules${stale ? `, stale-as-suspended ${stale}` : ''}: engine and metrics agree with hppo_ref.py on the same weights`, async (t) => {
    if (!existsSync(PY) || !existsSync(join(REFERENCE_DIR, 'hppo_ref.py')) || !existsSync(PRICES) || !existsSync(BENCH)) {
      return t.skip(`needs ${PY}, ${REFERENCE_DIR}/hppo_ref.py and ${DATA_DIR}`);
    }
    const mu = 2.0;
    const p = spawnSync(PY, ['-c', PY_SCRIPT, REFERENCE_DIR, DATA_DIR, String(stale), String(mu)], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    const ref = JSON.parse(p.stdout) as Record<string, number>;

    const loaded = (await loadPriceCsv(PRICES, { to: '2015-12-31' })).panel;
    const panel = stale > 0 ? staleAsSuspended(loaded, stale) : loaded;
    const benchmark = await loadBenchmarkCsv(BENCH);
    const res = runBacktestSync(() => fixedWeights(mu), {
      panel,
      start: '2015-01-01',
      end: '2015-12-31',
      benchmark,
      exchange: 'reference',
      rebalance: 20,
      initialCash: 1_000_000,
    });
    const m = res.metrics;
    assert.equal(res.dates.length, 244);
    assert.equal(m.rebalances, ref['rebalances']);
    assert.equal(m.fallbacks, ref['fallbacks']);
    const pairs: [string, number, number][] = [
      ['sharpe', m.sharpe, ref['sharpe'] as number],
      ['annual_return', m.annualReturn, ref['annual_return'] as number],
      ['max_drawdown', m.maxDrawdown, ref['max_drawdown'] as number],
      ['alpha_capm', m.alpha, ref['alpha_capm'] as number],
      ['beta', m.beta, ref['beta'] as number],
      ['total_return', m.totalReturn, ref['total_return'] as number],
      ['annual_volatility', m.annualVolatility, ref['annual_volatility'] as number],
      ['final_nav', m.finalNav, ref['final_nav'] as number],
      ['fees', m.fees, ref['fees'] as number],
    ];
    for (const [name, ours, theirs] of pairs) {
      const rel = Math.abs(ours - theirs) / Math.max(1e-3, Math.abs(theirs));
      assert.ok(rel <= TOL, `${name}: hppo ${ours} vs reference ${theirs} (rel ${rel.toExponential(2)})`);
    }
  });
}
