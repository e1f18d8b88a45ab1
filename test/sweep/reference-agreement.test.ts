// Issue 7 item 1: hppo's 121-point HPPO VaR grid agrees cell by cell with the Python reference
// (../shared/reference/hppo_ref.py --serial), run in the same test: literal prices
// (examples/reference-rules.yaml) and --stale-as-suspended 3 (examples/hppo-var-sse50-2015.yaml).
// hppo runs through the 'hppo-var' evaluator (market and backtest from the example documents).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadJobDocument } from '../../src/sweep/job-config.js';
import { createEvaluator, type EvaluatorSpec } from '../../src/sweep/evaluator.js';
import '../../src/sweep/builtin.js';
import { loadNative } from '../../src/solver/native.js';

const PY = '/usr/bin/python3';
const REFERENCE_DIR = resolve(process.env['HPPO_REFERENCE_DIR'] ?? join('..', 'shared', 'reference'));
const DATA_DIR = resolve(process.env['HPPO_DATA'] ?? join('..', 'shared', 'data'));
/** Relative agreement of every metric; absolute below NEAR_ZERO. */
const REL_TOL = 1e-6;
const ABS_TOL_NEAR_ZERO = 1e-9;
const NEAR_ZERO = 1e-3;
const GRID = Array.from({ length: 11 }, (_, k) => Math.round((0.1 + 0.01 * k) * 100) / 100);

interface RefRow {
  mu: number;
  alpha: number;
  sharpe: number;
  annual_return: number;
  max_drawdown: number;
  fallbacks: number;
}

function parseCsv(text: string): RefRow[] {
  const lines = text.trim().split('\n');
  const head = (lines[0] as string).split(',');
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    const row: Record<string, number> = {};
    head.forEach((h, k) => (row[h] = Number(cells[k])));
    return row as unknown as RefRow;
  });
}

function runReference(outDir: string, stale: number): Promise<string> {
  const args = [join(REFERENCE_DIR, 'hppo_ref.py'), '--serial', '--data-dir', DATA_DIR, '--out-dir', outDir];
  if (stale > 0) args.push('--stale-as-suspended', String(stale));
  return new Promise((res, rej) => {
    const p = spawn(PY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout.resume();
    p.on('error', rej);
    p.on('close', (code) => {
      if (code !== 0) return rej(new Error(`hppo_ref.py exited ${code}: ${err}`));
      res(join(outDir, `results_serial${stale > 0 ? `_stale${stale}` : ''}.csv`));
    });
  });
}

const skipReason = ((): string | undefined => {
  for (const f of [PY, join(REFERENCE_DIR, 'hppo_ref.py'), join(DATA_DIR, 'cn_sse50_close_adj_2008_2016.csv')]) {
    if (!existsSync(f)) return `${f} absent: no reference to agree with`;
  }
  try {
    loadNative();
  } catch (err) {
    return `native addon unavailable: ${(err as Error).message}`;
  }
  return undefined;
})();

const CASES = [
  { example: 'examples/reference-rules.yaml', stale: 0 },
  { example: 'examples/hppo-var-sse50-2015.yaml', stale: 3 },
];

test('HPPO VaR 121-point grid: hppo agrees with hppo_ref.py --serial cell by cell (sharpe, annual return, max drawdown, fallbacks), literal prices and stale-as-suspended 3', async (t) => {
  if (skipReason) {
    console.log(`# skipped: ${skipReason}`);
    return t.skip(skipReason);
  }
  const outDir = mkdtempSync(join(tmpdir(), 'hppo-refagree-'));
  try {
    // Both reference runs start now and run while hppo computes (hppo's evaluator is synchronous).
    const refs = CASES.map((c) => runReference(outDir, c.stale));
    refs.forEach((p) => p.catch(() => undefined));
    const ours: Record<string, number>[][] = [];
    for (const c of CASES) {
      const doc = loadJobDocument(c.example);
      assert.equal((doc['data'] as Record<string, unknown>)['staleAsSuspendedDays'], c.stale, `${c.example}: staleAsSuspendedDays`);
      (doc['data'] as Record<string, unknown>)['dataDir'] = DATA_DIR;
      const ev = await createEvaluator(doc as EvaluatorSpec);
      const trials = GRID.flatMap((mu) => GRID.map((alpha) => ({ trialId: `${mu}-${alpha}`, params: { mu, alpha } })));
      const out = await ev.evaluate(trials);
      ours.push(
        out.map((o) => {
          assert.equal(o.error, undefined, `${o.trialId}: ${o.error?.message}`);
          return o.metrics as Record<string, number>;
        }),
      );
    }
    for (const [ci, c] of CASES.entries()) {
      const ref = parseCsv(readFileSync(await refs[ci]!, 'utf8'));
      assert.equal(ref.length, 121);
      let worst = 0;
      for (const [k, m] of ours[ci]!.entries()) {
        const mu = GRID[Math.floor(k / 11)]!;
        const alpha = GRID[k % 11]!;
        const r = ref.find((x) => Math.abs(x.mu - mu) < 1e-12 && Math.abs(x.alpha - alpha) < 1e-12);
        assert.ok(r, `reference has no row (mu ${mu}, alpha ${alpha})`);
        assert.equal(m['fallbacks'], r.fallbacks, `${c.example} (mu ${mu}, alpha ${alpha}): fallbacks`);
        for (const [name, theirs, mine] of [
          ['sharpe', r.sharpe, m['sharpe']],
          ['annual_return', r.annual_return, m['annualReturn']],
          ['max_drawdown', r.max_drawdown, m['maxDrawdown']],
        ] as const) {
          const diff = Math.abs((mine as number) - theirs);
          const ok = Math.abs(theirs) < NEAR_ZERO ? diff <= ABS_TOL_NEAR_ZERO : diff <= REL_TOL * Math.abs(theirs);
          assert.ok(ok, `${c.example} (mu ${mu}, alpha ${alpha}) ${name}: hppo ${mine} vs reference ${theirs}`);
          worst = Math.max(worst, diff / Math.max(NEAR_ZERO, Math.abs(theirs)));
        }
      }
      console.log(`# ${c.example} vs hppo_ref.py${c.stale ? ` --stale-as-suspended ${c.stale}` : ''}: 121 cells, worst relative difference ${worst.toExponential(2)}`);
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
