import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../src/errors.js';
import { runBacktestSync } from '../../src/model/engine.js';
import { loadStrategy } from '../../src/model/strategy-loader.js';
import { makePanel, weekdays } from '../execution/panel-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'hppo-strategy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
}

const dates = weekdays('2015-01-01', 40);
const panel = makePanel(dates, {
  A: dates.map((_, k) => 10 * (1 + 0.01 * k)),
  B: dates.map((_, k) => 20 * (1 - 0.005 * k)),
  C: dates.map((_, k) => 5 + Math.sin(k)),
});

test('a user strategy file (factory default export) runs with per-trial params', async () => {
  const p = file(
    'momentum.mjs',
    `export default function momentum(params) {
       return {
         onInit(ctx) { this.days = 0; },
         onBar(ctx, bar) { this.days++; },
         onRebalance(ctx) {
           const hist = ctx.historyBars(ctx.symbols, params.lookback);
           let best = null, bestRet = -Infinity;
           hist.forEach((h, j) => {
             const r = h[h.length - 1] / h[0] - 1;
             if (r > bestRet) { bestRet = r; best = ctx.symbols[j]; }
           });
           if (Number.isNaN(bestRet) || best === null) return;
           ctx.orderTargetPercents({ [best]: params.size });
         },
         onEnd(ctx) { ctx.record('days', this.days); },
       };
     }`,
  );
  const s = await loadStrategy(p);
  assert.equal(s.name, 'momentum');
  assert.equal(s.file, p);
  const r1 = runBacktestSync(s.create, { panel, start: dates[10], rebalance: 10 }, { params: { lookback: 5, size: 0.5 } });
  const r2 = runBacktestSync(s.create, { panel, start: dates[10], rebalance: 10 }, { params: { lookback: 5, size: 0.9 } });
  assert.equal(r1.metrics.extra['days'], 30);
  assert.equal(r2.metrics.extra['days'], 30, 'each trial has its own state');
  assert.deepEqual([...r1.positions.keys()], ['A']); // A rises steadily: momentum holds it
  const valueA = (nav: Float64Array, sh: number): number => (sh * (10 * (1 + 0.01 * 39))) / (nav[29] as number);
  assert.ok(valueA(r2.nav, r2.positions.get('A') ?? 0) > valueA(r1.nav, r1.positions.get('A') ?? 0));
});

test('a user strategy file exporting an object gets a fresh copy per trial', async () => {
  const p = file(
    'equal.js',
    `export default {
       name: 'equal-weight',
       onRebalance(ctx) {
         this.count = (this.count ?? 0) + 1;
         const w = {};
         for (const s of ctx.symbols) w[s] = 1 / ctx.symbols.length;
         ctx.orderTargetPercents(w);
         ctx.record('rebalancesSeen', this.count);
       },
     };`,
  );
  const s = await loadStrategy(p);
  assert.equal(s.name, 'equal-weight');
  const a = runBacktestSync(s.create, { panel, rebalance: 10 });
  const b = runBacktestSync(s.create, { panel, rebalance: 10 });
  assert.equal(a.metrics.extra['rebalancesSeen'], 4);
  assert.equal(b.metrics.extra['rebalancesSeen'], 4);
  assert.equal(a.metrics.finalNav, b.metrics.finalNav);
});

test('bad strategy files fail with errors naming the file and what is missing', async () => {
  const cases: [string, string, RegExp][] = [
    ['no-default.mjs', 'export const onBar = () => {};', /no-default\.mjs: no default export .*found exports: onBar/],
    ['no-hooks.mjs', 'export default { onInit() {} };', /no-hooks\.mjs \(default export\): the strategy has neither onRebalance nor onBar .*found keys: onInit/],
    ['bad-hook.mjs', 'export default { onBar: 3 };', /bad-hook\.mjs \(default export\): onBar must be a function, got number/],
    ['syntax.mjs', 'export default { onBar( };', /syntax\.mjs: cannot be loaded: /],
    ['throws.mjs', 'throw new Error("top-level boom");', /throws\.mjs: cannot be loaded: top-level boom/],
  ];
  for (const [name, body, re] of cases) {
    const p = file(name, body);
    await assert.rejects(loadStrategy(p), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'strategy' && re.test(e.message), name);
  }
  await assert.rejects(loadStrategy(join(dir, 'missing.mjs')), /missing\.mjs: file not found/);
  await assert.rejects(loadStrategy(file('model.ts', 'export default {}')), /model\.ts: unsupported extension "\.ts"/);
  const f = await loadStrategy(file('factory-bad.mjs', 'export default (p) => p.lookback > 0 ? 42 : { onBar() {} };'));
  assert.throws(() => f.create({ lookback: 3 }), /factory-bad\.mjs \(object returned by the default-export factory\): expected a strategy object, got number/);
  assert.ok(f.create({ lookback: 0 }));
});
