import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/data/datasets.js';

const root = repoRoot();
const bin = join(root, 'bin', 'hppo.js');
const built = existsSync(join(root, 'dist', 'cli', 'main.js'));

function run(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const p = spawnSync(process.execPath, [bin, 'run', '--json'], { cwd: root, env: { ...process.env, ...env, NODE_TEST_CONTEXT: '' }, encoding: 'utf8', timeout: 120_000 });
  return { status: p.status, stdout: p.stdout, stderr: p.stderr };
}

test('hppo run without market data runs the 121-point experiment on a seeded synthetic market and says so', { skip: built ? false : 'dist/ not built (run tsc)' }, () => {
  const r = run({ HPPO_DATA: '/nonexistent-hppo-data' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /SEEDED SYNTHETIC market/);
  const out = JSON.parse(r.stdout) as { trials: unknown[]; best: { params: { alpha: number; mu: number } }; failed: number };
  assert.equal(out.trials.length, 121);
  assert.equal(out.failed, 0);
  const again = JSON.parse(run({ HPPO_DATA: '/nonexistent-hppo-data' }).stdout) as typeof out;
  assert.deepEqual(again.best, out.best, 'the synthetic market is seeded: same result twice');
});

test('hppo run with ../shared/data runs the paper experiment on SSE 50 2015', { skip: !built ? 'dist/ not built (run tsc)' : existsSync(join(root, '..', 'shared', 'data', 'cn_sse50_close_adj_2008_2016.csv')) ? false : '../shared/data absent' }, () => {
  const r = run({});
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /cn_sse50_close_adj_2008_2016\.csv/);
  const out = JSON.parse(r.stdout) as { trials: { params: { alpha: number; mu: number }; metrics: { sharpe: number } }[]; best: { metrics: { sharpe: number } } };
  assert.equal(out.trials.length, 121);
  const maxSharpe = Math.max(...out.trials.map((t) => t.metrics.sharpe));
  assert.equal(out.best.metrics.sharpe, maxSharpe);
});
