import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { solveQpCommand } from '../../cli/solve-qp.js';

// min 1/2(x1^2 + x2^2) - x1 - x2, x1 + x2 = 1, x1 <= 0.3 -> x = (0.3, 0.7), objective -0.71.
const QPS = `NAME TINY
ROWS
 N obj
 E c1
COLUMNS
 x1 obj -1.0 c1 1.0
 x2 obj -1.0 c1 1.0
RHS
 rhs c1 1.0
BOUNDS
 UP bnd x1 0.3
QUADOBJ
 x1 x1 1.0
 x2 x2 1.0
ENDATA
`;

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hppo-qp-cli-'));
  writeFileSync(join(dir, 'tiny.qps'), QPS);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await solveQpCommand(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

test('hppo solve qp --json prints one object with the solve lp fields', async () => {
  const r = await capture([join(dir, 'tiny.qps'), '--json', '--tol', '1e-8']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 1);
  const o = JSON.parse(lines[0]!) as Record<string, unknown>;
  for (const k of ['status', 'objective', 'iterations', 'solveSeconds', 'primalResidual', 'dualResidual', 'gap', 'device']) assert.ok(k in o, `missing ${k}`);
  assert.equal(o['status'], 'optimal');
  assert.ok(Math.abs((o['objective'] as number) - -0.71) <= 1e-6);
});

test('hppo solve qp: bad arguments and unreadable files exit 2 with a message', async () => {
  const a = await capture([join(dir, 'tiny.qps'), '--device', 'tpu']);
  assert.equal(a.code, 2);
  assert.match(a.err, /--device: "tpu"/);
  const b = await capture([join(dir, 'missing.qps')]);
  assert.equal(b.code, 2);
  assert.match(b.err, /missing\.qps/);
  const c = await capture([]);
  assert.equal(c.code, 2);
  assert.match(c.err, /missing FILE/);
});
