import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ParseError } from '../../src/errors.js';
import { parseMps, readMps } from '../../src/solver/mps.js';

const FREE = `* a comment
NAME          demo
OBJSENSE
    MAX
ROWS
 N  obj
 L  lim1
 G  lim2
 E  eq1
 E  eq2
 N  extra
COLUMNS
    x1  obj  1   lim1  1
    x1  lim2 1
    x2  obj  2   lim1  1
    x2  eq1  -1  extra 5
    x3  obj  -1  eq2   1
    x4  eq2  2
    x5  eq1  1
    x6  lim2 3
RHS
    rhs obj 2.5  lim1 4
    rhs lim2 1   eq1  7
    rhs eq2 3
RANGES
    rng lim1 2   lim2 5
    rng eq1  -2  eq2  4
BOUNDS
 UP bnd x1 4
 MI bnd x2
 FR bnd x3
 BV bnd x4
 FX bnd x5 1.5
 LO bnd x6 -1
 PL bnd x6
ENDATA
`;

describe('parseMps (free format)', () => {
  const p = parseMps(FREE, 'demo.mps');

  test('reads NAME, OBJSENSE on the next line, and the objective constant from the objective RHS', () => {
    assert.equal(p.name, 'demo');
    assert.equal(p.sense, 'max');
    assert.equal(p.objectiveName, 'obj');
    assert.equal(p.offset, -2.5);
    assert.deepEqual(Array.from(p.c), [1, 2, -1, 0, 0, 0]);
  });

  test('drops extra N rows with a warning and keeps constraint rows in order', () => {
    assert.deepEqual(p.rowNames, ['lim1', 'lim2', 'eq1', 'eq2']);
    assert.ok(p.warnings.some((w) => w.includes('free (N) row')));
  });

  test('applies RANGES to L, G and E rows (E: sign of R picks the side)', () => {
    assert.deepEqual(Array.from(p.rowLower), [2, 1, 5, 3]);
    assert.deepEqual(Array.from(p.rowUpper), [4, 6, 7, 7]);
  });

  test('applies UP, MI, FR, BV, FX, LO and PL bounds', () => {
    assert.deepEqual(Array.from(p.colLower), [0, -Infinity, -Infinity, 0, 1.5, -1]);
    assert.deepEqual(Array.from(p.colUpper), [4, Infinity, Infinity, 1, 1.5, Infinity]);
    assert.deepEqual(p.integerColumns, [3]);
  });

  test('builds A as CSR with sorted columns', () => {
    assert.deepEqual(Array.from(p.A.rowPtr), [0, 2, 4, 6, 8]);
    assert.deepEqual(Array.from(p.A.colIdx), [0, 1, 0, 5, 1, 4, 2, 3]);
    assert.deepEqual(Array.from(p.A.values), [1, 1, 1, 3, -1, 1, 1, 2]);
    assert.equal(p.Q, undefined);
  });
});

test('OBJSENSE MAX on the same line, RHS without a set name, negative UP with default lower bound', () => {
  const p = parseMps(
    'NAME t\nOBJSENSE MAX\nROWS\n N o\n L r\nCOLUMNS\n x o 1 r 1\nRHS\n r 3\nBOUNDS\n UP b x -2\nENDATA\n',
    't.mps',
  );
  assert.equal(p.sense, 'max');
  assert.equal(p.rowUpper[0], 3);
  assert.equal(p.colLower[0], -Infinity);
  assert.equal(p.colUpper[0], -2);
  assert.ok(p.warnings.some((w) => w.includes('lower bound set to -inf')));
});

test('fixed MPS with blanks inside names is read by columns', () => {
  // Fields at columns 2-3, 5-12, 15-22, 25-36, 40-47, 50-61 (1-based).
  const fixed = (f: string[]): string => {
    const starts = [1, 4, 14, 24, 39, 49];
    let line = '';
    f.forEach((v, k) => {
      line = line.padEnd(starts[k]!, ' ') + v;
    });
    return line;
  };
  const lines = [
    'NAME          FIXED',
    'ROWS',
    fixed(['N', 'COST']),
    fixed(['L', 'LIM 1']),
    'COLUMNS',
    fixed(['', 'MY VAR', 'COST', '1.0', 'LIM 1', '2.0']),
    'RHS',
    fixed(['', 'RHS', 'LIM 1', '4.0']),
    'BOUNDS',
    fixed(['UP', 'BND', 'MY VAR', '3.0']),
    'ENDATA',
  ];
  const p = parseMps(lines.join('\n'), 'fixed.mps');
  assert.deepEqual(p.colNames, ['MY VAR']);
  assert.deepEqual(p.rowNames, ['LIM 1']);
  assert.equal(p.A.values[0], 2);
  assert.equal(p.rowUpper[0], 4);
  assert.equal(p.colUpper[0], 3);
});

test('MARKER INTORG columns are kept continuous and reported', () => {
  const p = parseMps(
    "NAME m\nROWS\n N o\n G r\nCOLUMNS\n M1 'MARKER' 'INTORG'\n y o 1 r 1\n M2 'MARKER' 'INTEND'\n z o 1 r 1\nRHS\n rhs r 1\nENDATA\n",
    'm.mps',
  );
  assert.deepEqual(p.integerColumns, [0]);
  assert.ok(p.warnings.some((w) => w.includes('INTORG')));
});

test('QUADOBJ (lower triangle) and QMATRIX (full) give the same upper-triangle Q', () => {
  const head = 'NAME q\nROWS\n N o\n E r\nCOLUMNS\n x o 1 r 1\n y o 1 r 1\nRHS\n rhs r 1\n';
  const a = parseMps(head + 'QUADOBJ\n x x 2\n y x 0.5\n y y 4\nENDATA\n', 'a.qps');
  const b = parseMps(head + 'QMATRIX\n x x 2\n x y 0.5\n y x 0.5\n y y 4\nENDATA\n', 'b.qps');
  for (const p of [a, b]) {
    assert.ok(p.Q);
    assert.deepEqual(Array.from(p.Q.colPtr), [0, 1, 3]);
    assert.deepEqual(Array.from(p.Q.rowIdx), [0, 0, 1]);
    assert.deepEqual(Array.from(p.Q.values), [2, 0.5, 4]);
  }
});

test('readMps reads .mps.gz files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hppo-mps-'));
  try {
    const path = join(dir, 'demo.mps.gz');
    writeFileSync(path, gzipSync(Buffer.from(FREE)));
    const p = await readMps(path);
    assert.equal(p.numRows, 4);
    assert.equal(p.numCols, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('malformed MPS gives a ParseError with the line number', () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ['unknown row in COLUMNS', 'NAME t\nROWS\n N o\nCOLUMNS\n x nope 1\nENDATA\n', 5, /unknown row "nope"/],
    ['bad number', 'NAME t\nROWS\n N o\n L r\nCOLUMNS\n x r abc\nENDATA\n', 6, /"abc" is not a number/],
    ['unknown section', 'NAME t\nFOO\n', 2, /unknown section "FOO"/],
    ['unknown bound type', 'NAME t\nROWS\n N o\nCOLUMNS\n x o 1\nBOUNDS\n XX b x 1\nENDATA\n', 7, /unknown bound type "XX"/],
    ['unknown row type', 'NAME t\nROWS\n Q r\n', 3, /unknown row type "Q"/],
    ['unknown column in BOUNDS', 'NAME t\nROWS\n N o\nCOLUMNS\n x o 1\nBOUNDS\n UP b y 1\nENDATA\n', 7, /unknown column "y"/],
    ['no objective row', 'NAME t\nROWS\n L r\nCOLUMNS\n x r 1\nENDATA\n', 6, /no objective/],
  ];
  for (const [name, text, line, re] of cases) {
    test(name, () => {
      assert.throws(
        () => parseMps(text, 'bad.mps'),
        (err: unknown) => err instanceof ParseError && err.line === line && err.source === 'bad.mps' && re.test(err.message),
      );
    });
  }
});
