/**
 * Loads a user strategy from a file: an ES module (.js, .mjs; a .cjs module's module.exports is
 * its default) whose default export is either
 *   - a strategy object ({ onInit?, onRebalance?, onBar?, onEnd? }, at least onRebalance or onBar), or
 *   - a factory `(params) => strategy` called once per trial with that trial's parameters.
 * Each trial gets its own strategy: a factory is called again; an object becomes the prototype
 * of a fresh object, so `this.x = …` in a hook writes to that trial only (state kept in nested
 * objects created outside onInit would still be shared: create it in onInit).
 *
 * Bad files fail with InvalidArgumentError on field "strategy", naming the file and what is wrong.
 */
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../errors.js';
import type { Params, Strategy, StrategyFactory } from './strategy.js';

const HOOKS = ['onInit', 'onRebalance', 'onBar', 'onEnd'] as const;
const EXTENSIONS = new Set(['.js', '.mjs', '.cjs']);

function fail(file: string, msg: string, cause?: unknown): never {
  throw new InvalidArgumentError('strategy', `${file}: ${msg}`, cause !== undefined ? { cause } : undefined);
}

/** Checks a strategy object; `where` names the file (and factory) in messages. */
export function validateStrategy(s: unknown, where: string): Strategy {
  if (typeof s !== 'object' || s === null) fail(where, `expected a strategy object, got ${s === null ? 'null' : typeof s}`);
  const o = s as Record<string, unknown>;
  for (const h of HOOKS) {
    if (o[h] !== undefined && typeof o[h] !== 'function') fail(where, `${h} must be a function, got ${typeof o[h]}`);
  }
  if (typeof o['onRebalance'] !== 'function' && typeof o['onBar'] !== 'function') {
    fail(where, `the strategy has neither onRebalance nor onBar (expected at least one of them; found keys: ${Object.keys(o).join(', ') || 'none'})`);
  }
  return s as Strategy;
}

export interface LoadedStrategy {
  /** Absolute path of the file. */
  readonly file: string;
  readonly name: string;
  /** A fresh strategy for one trial. */
  readonly create: StrategyFactory;
}

export async function loadStrategy(file: string): Promise<LoadedStrategy> {
  if (typeof file !== 'string' || file === '') throw new InvalidArgumentError('strategy', 'expected a file path');
  const abs = resolve(file);
  const ext = extname(abs);
  if (!EXTENSIONS.has(ext)) {
    fail(abs, `unsupported extension ${JSON.stringify(ext)} (expected a JavaScript module: .js, .mjs or .cjs; compile TypeScript first)`);
  }
  try {
    const st = await stat(abs);
    if (!st.isFile()) fail(abs, 'not a file');
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    fail(abs, 'file not found', err);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (err) {
    fail(abs, `cannot be loaded: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (!('default' in mod) || mod['default'] === undefined) {
    const names = Object.keys(mod);
    fail(abs, `no default export (expected \`export default { onRebalance(ctx) {…} }\` or a factory \`export default (params) => ({…})\`; found exports: ${names.join(', ') || 'none'})`);
  }
  const exp = mod['default'];
  const base = abs.split(/[\\/]/).pop() ?? abs;
  if (typeof exp === 'function') {
    const factory = exp as (p: Params) => unknown;
    const create: StrategyFactory = (params) => {
      let s: unknown;
      try {
        s = factory(params);
      } catch (err) {
        fail(abs, `the factory threw: ${err instanceof Error ? err.message : String(err)}`, err);
      }
      const st = validateStrategy(s, `${abs} (object returned by the default-export factory)`);
      return st.name === undefined ? Object.assign(Object.create(st) as Strategy, { name: base }) : st;
    };
    return { file: abs, name: factory.name || base, create };
  }
  const proto = validateStrategy(exp, `${abs} (default export)`);
  const name = proto.name ?? base;
  return { file: abs, name, create: () => Object.assign(Object.create(proto) as Strategy, { name }) };
}
