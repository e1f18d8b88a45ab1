import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.js';

const tmp = tempDir();
after(() => tmp.remove());

/** Runs `hppo ...args` in a child process with the same loader as this test (tsx or compiled JS). */
function hppo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const here = fileURLToPath(import.meta.url);
  const entry = join(dirname(here), `cli-entry${here.endsWith('.ts') ? '.ts' : '.js'}`);
  const r = spawnSync(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--test')), entry, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_TEST_CONTEXT: '', HPPO_LOG_LEVEL: 'silent' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('hppo data', () => {
  test('synthetic → info → slice: a store written, described and sliced from the command line', () => {
    const dir = join(tmp.path, 'syn');
    const a = hppo('data', 'synthetic', '--seed', '3', '--tickers', '5', '--days', '30', '--out', dir, '--json');
    assert.equal(a.status, 0, a.stderr);
    const made = JSON.parse(a.stdout) as { manifest: { numDays: number; datasetId: string }; description: string };
    assert.equal(made.manifest.numDays, 30);
    assert.match(made.description, /seed 3/);
    const b = hppo('data', 'slice', dir, '--by', 'week', '--json');
    assert.equal(b.status, 0, b.stderr);
    const sliced = JSON.parse(b.stdout) as { dir: string; slices: Array<{ index: number; datasetId: string }> };
    assert.equal(sliced.slices.length, 6); // 30 weekdays from a Monday
    assert.equal(sliced.slices[0]!.datasetId, made.manifest.datasetId);
    assert.equal(readdirSync(sliced.dir).filter((f) => f.endsWith('.arrow')).length, 6);
  });

  test('ingest a CSV pair then info reads the same manifest', () => {
    const prices = tmp.file('p.csv', 'date,A,B\n2020-01-02,1.5,2\n2020-01-03,1.75,\n');
    const bench = tmp.file('b.csv', 'date,close\n2020-01-02,10\n2020-01-03,10.5\n');
    const out = join(tmp.path, 'ing');
    const a = hppo('data', 'ingest', prices, '--benchmark', bench, '--out', out, '--json');
    assert.equal(a.status, 0, a.stderr);
    assert.ok(existsSync(join(out, 'manifest.json')));
    const b = hppo('data', 'info', out);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /2 days 2020-01-02 \.\. 2020-01-03 × 2 tickers, fields close, benchmark b/);
  });

  test('a missing file exits 1 naming it; an unknown subcommand exits 2 with usage', () => {
    const a = hppo('data', 'ingest', join(tmp.path, 'missing.csv'));
    assert.equal(a.status, 1);
    assert.match(a.stderr, /missing\.csv: price file not found/);
    const b = hppo('data', 'frobnicate');
    assert.equal(b.status, 2);
    assert.match(b.stderr, /unknown subcommand "frobnicate"[\s\S]*usage:/);
  });
});
