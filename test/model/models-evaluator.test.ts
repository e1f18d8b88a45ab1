import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ErrorCode } from '../../src/errors.js';
import { createEvaluator, type EvaluatorSpec } from '../../src/sweep/evaluator.js';
import { resolveModel } from '../../src/model/models/index.js';
import { loadJobDocument } from '../../src/sweep/job-config.js';
import { formatBacktestReport, runBacktestDocument } from '../../cli/backtest.js';
import { defaultDataDir } from '../../src/data/datasets.js';
import '../../src/sweep/builtin.js';

const dir = mkdtempSync(join(tmpdir(), 'hppo-models-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
}

const data = { dataset: 'synthetic', synthetic: { seed: 31, tickers: 10, days: 160 } };
const backtest = { start: '2015-04-01', rebalance: 20 };

// Buys the symbol of rank `rank` by trailing return, all in; throws when asked to (per-trial errors).
const userStrategy = `export default function topOne(params) {
  if (params.fail === true) throw new Error('asked to fail');
  return {
    onRebalance(ctx) {
      const h = ctx.historyBars(ctx.symbols, params.lookback);
      const ranked = ctx.symbols.map((s, j) => [s, h[j][h[j].length - 1] / h[j][0] - 1]).filter(([, r]) => Number.isFinite(r)).sort((a, b) => b[1] - a[1]);
      const pick = ranked[params.rank] ?? ranked[0];
      ctx.orderTargetPercents({ [pick[0]]: 0.99 });
      ctx.record('lookbackSeen', params.lookback);
    },
  };
}
`;

test("'strategy' evaluator: a user strategy file runs per trial with params injected over model.options; a failing trial keeps its error", async () => {
  const p = file('top-one.mjs', userStrategy);
  const spec = { model: { name: 'strategy', strategy: p, options: { lookback: 10, rank: 0 } }, data, backtest } as unknown as EvaluatorSpec;
  const ev = await createEvaluator(spec);
  const out = await ev.evaluate([
    { trialId: 'a', params: {} },
    { trialId: 'b', params: { lookback: 30 } },
    { trialId: 'c', params: { fail: true } },
    { trialId: 'd', params: { lookback: 30, rank: 3 } },
  ]);
  assert.deepEqual(out.map((o) => o.trialId), ['a', 'b', 'c', 'd']);
  assert.equal(out[0]!.metrics?.['lookbackSeen'], 10);
  assert.equal(out[1]!.metrics?.['lookbackSeen'], 30);
  assert.ok(Number.isFinite(out[1]!.metrics?.['sharpe']));
  assert.ok(out[2]!.error && /asked to fail/.test(out[2]!.error.message) && out[2]!.error.code === ErrorCode.InvalidArgument);
  assert.ok(out[3]!.metrics && out[3]!.metrics['totalReturn'] !== out[1]!.metrics?.['totalReturn'], 'a different rank is a different backtest');
});

test('built-in models as evaluators: momentum, mean-cvar and fof-bl by name; bad params are per-trial errors naming the field', async () => {
  const ev = await createEvaluator({ model: { name: 'momentum', options: { lookback: 15 } }, data, backtest } as unknown as EvaluatorSpec);
  const out = await ev.evaluate([
    { trialId: 'ok', params: { stopLoss: 0.05, takeProfit: 0.1 } },
    { trialId: 'bad', params: { stopLoss: 0.2, takeProfit: 0.1 } },
  ]);
  assert.ok(out[0]!.metrics && Number.isFinite(out[0]!.metrics['sharpe']) && out[0]!.metrics['entries']! > 0);
  assert.match(out[1]!.error?.message ?? '', /params\.takeProfit/);
  for (const name of ['mean-cvar', 'fof-bl']) {
    const e = await createEvaluator({ model: { name, options: { window: 30 } }, data, backtest } as unknown as EvaluatorSpec);
    const [r] = await e.evaluate([{ trialId: 'x', params: { riskAversion: 2 } }]);
    assert.ok(r!.metrics && r!.metrics['rebalances']! > 0 && r!.metrics['fallbacks'] === 0, `${name}: ${JSON.stringify(r)}`);
  }
  // The same model through 'strategy' gives the same metrics.
  const viaStrategy = await createEvaluator({ model: { name: 'strategy', strategy: 'momentum', options: { lookback: 15 } }, data, backtest } as unknown as EvaluatorSpec);
  const [same] = await viaStrategy.evaluate([{ trialId: 'ok', params: { stopLoss: 0.05, takeProfit: 0.1 } }]);
  assert.deepEqual(same!.metrics, out[0]!.metrics);
});

test('model sections: errors name model.name, model.strategy and model.options fields', async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ name: 'momentun' }, 'model.name'],
    [{ name: 'strategy' }, 'model.strategy'],
    [{ name: 'momentum', options: { lookback: 0 } }, 'model.options.lookback'],
    [{ name: 'momentum', options: { views: [] } }, 'model.options.views'],
    [{ name: 'fof-bl', options: { views: [{ asset: 'A' }] } }, 'model.options.views[0].return'],
    [{ name: 'momentum', strategy: 'x.mjs' }, 'model.strategy'],
    [{ name: 'momentum', colour: 'red' }, 'model.colour'],
  ];
  for (const [model, path] of cases) {
    await assert.rejects(resolveModel({ model }), (e: unknown) => e instanceof ConfigError && e.path === path, JSON.stringify(model));
  }
  await assert.rejects(resolveModel({ model: { name: 'strategy', strategy: join(dir, 'missing.mjs') } }), /file not found/);
});

test('hppo backtest: a YAML document with params gives metrics, the params used and the NAV of every day', async () => {
  const strat = file('top-one-b.mjs', userStrategy);
  const cfg = file(
    'bt.yaml',
    `name: bt-test
model: {name: strategy, strategy: ./top-one-b.mjs, options: {rank: 1}}
data: {dataset: synthetic, synthetic: {seed: 31, tickers: 10, days: 160}}
backtest: {start: 2015-04-01, rebalance: 20}
params: {lookback: 12}
space: {lookback: {type: int, low: 5, high: 30}}
`,
  );
  const doc = loadJobDocument(cfg);
  assert.equal((doc['model'] as { strategy: string }).strategy, strat, 'the strategy path is resolved against the config file');
  const r = await runBacktestDocument(doc, ['lookback=20']);
  assert.deepEqual(r.params, { rank: 1, lookback: 20 });
  assert.equal(r.metrics['lookbackSeen'], 20);
  assert.ok(r.nav.length > 50 && r.nav[0]!.date === '2015-04-01');
  const last = r.nav[r.nav.length - 1]!.nav;
  assert.ok(Math.abs(last - r.metrics['finalNav']!) < 1e-6);
  const text = formatBacktestReport(r);
  assert.match(text, /sharpe/);
  assert.match(text, /NAV: \d+ days 2015-04-01/);
  // A built-in model from the same kind of document, and a bad params section.
  const mom = await runBacktestDocument({ model: { name: 'momentum' }, data, backtest, params: { lookback: 10 } });
  assert.equal(mom.params['lookback'], 10);
  await assert.rejects(runBacktestDocument({ model: { name: 'momentum' }, data, backtest, params: { lookback: [1] } }), (e: unknown) => e instanceof ConfigError && e.path === 'params.lookback');
  await assert.rejects(runBacktestDocument({ model: { name: 'momentum' }, data, backtest, param: {} }), (e: unknown) => e instanceof ConfigError && e.path === 'param');
});

const sse50 = join(defaultDataDir(), 'cn_sse50_close_adj_2008_2016.csv');
test('built-in models on ../shared/data SSE 50 2015 through hppo backtest: 13 rebalances, no fallbacks', { skip: existsSync(sse50) ? false : `${sse50} not present` }, async () => {
  const data = { dataset: 'sse50', staleAsSuspendedDays: 3 };
  const backtest = { start: '2015-01-01', end: '2015-12-31', rebalance: 20, exchange: 'cnAShares' };
  for (const model of [
    { name: 'momentum', options: { lookback: 40, positionSize: 0.2 } },
    { name: 'mean-cvar', options: { window: 60, maxWeight: 0.2, turnover: 1.2, cvarLimit: 0.08 } },
    { name: 'fof-bl', options: { window: 60, maxWeight: 0.1, views: [{ asset: '600519.SH', return: 0.2 }] } },
  ]) {
    const r = await runBacktestDocument({ model, data, backtest });
    assert.equal(r.metrics['rebalances'], 13, model.name);
    assert.equal(r.metrics['fallbacks'], 0, model.name);
    assert.equal(r.nav.length, 244, model.name);
    assert.ok(Number.isFinite(r.metrics['sharpe']), model.name);
  }
});
