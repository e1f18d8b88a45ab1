import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpression, ExpressionSyntaxError } from '../../src/search/expr.js';

test('constraint expressions evaluate comparisons, arithmetic and precedence', () => {
  const e = compileExpression('take_profit > stop_loss');
  assert.deepEqual(e.names, ['take_profit', 'stop_loss']);
  assert.equal(e.evaluate({ take_profit: 0.1, stop_loss: 0.05 }), 1);
  assert.equal(e.evaluate({ take_profit: 0.05, stop_loss: 0.05 }), 0);
  assert.equal(compileExpression('a + b <= 1').evaluate({ a: 0.4, b: 0.6 }), 1);
  assert.equal(compileExpression('a + b <= 1').evaluate({ a: 0.5, b: 0.6 }), 0);
  assert.equal(compileExpression('2 + 3 * 4 ^ 2 == 50').evaluate({}), 1);
  assert.equal(compileExpression('-(1 - 3) * 2 == 4').evaluate({}), 1);
  assert.equal(compileExpression('max(fast, 2) * 2 < slow').evaluate({ fast: 5, slow: 11 }), 1);
  assert.equal(compileExpression('abs(x) < 1 && y >= 0 || z == 3').evaluate({ x: -2, y: 1, z: 3 }), 1);
  assert.equal(compileExpression('not (x < 1) and x < 3').evaluate({ x: 2 }), 1);
  assert.equal(compileExpression('0 < x < 1').evaluate({ x: 2 }), 0);
  assert.equal(compileExpression('0 < x < 1').evaluate({ x: 0.5 }), 1);
  assert.equal(compileExpression('1e-3 * 1000 == 1').evaluate({}), 1);
});

test('constraint expressions reject bad syntax with the column and never evaluate code', () => {
  assert.throws(() => compileExpression('a >'), (e: unknown) => e instanceof ExpressionSyntaxError && /end of expression at column 4/.test(e.message));
  assert.throws(() => compileExpression('a > b)'), /unexpected "\)" at column 6/);
  assert.throws(() => compileExpression('a ; b'), /unexpected character ";" at column 3/);
  assert.throws(() => compileExpression('eval(1)'), /unknown function "eval"/);
  assert.throws(() => compileExpression('max()'), /takes 1\.\.64 argument/);
  // Names are only looked up in the values record: no access to globals or prototypes.
  const e = compileExpression('constructor + 1 > 0');
  assert.equal(e.evaluate({ constructor: 1 }), 1);
});
