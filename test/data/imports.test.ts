import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { repoRoot } from '../../src/data/index.js';

/**
 * Static runtime imports of a source module (`import ... from`, `export ... from`; not `import type`,
 * not dynamic `import()`), resolved to .ts paths for relative specifiers.
 */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /^(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+'([^']+)'|^import\s+'([^']+)'/gms;
  for (const m of text.matchAll(re)) {
    const spec = (m[1] ?? m[2])!;
    out.push(spec.startsWith('.') ? resolve(dirname(file), spec.replace(/\.js$/, '.ts')) : spec);
  }
  return out;
}

/** Every module statically reachable from `entry` (files and package names). */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    if (f.endsWith('.ts')) stack.push(...staticImports(f));
  }
  return seen;
}

// Importing apache-arrow costs a process ~130 ms of CPU: the modules a sweep worker needs to
// parse CSV, open a store, blank suspensions or generate a synthetic market must not pull it in.
for (const mod of ['csv', 'store-read', 'load', 'suspension', 'synthetic', 'datasets', 'dates', 'validate']) {
  test(`src/data/${mod}.ts does not load apache-arrow at import time`, () => {
    const src = join(repoRoot(), 'src', 'data', `${mod}.ts`);
    const graph = reachable(src);
    assert.ok(graph.size >= 1);
    assert.ok(!graph.has('apache-arrow'), `${mod}.ts reaches apache-arrow through: ${[...graph].filter((g) => g.endsWith('.ts')).map((g) => g.slice(repoRoot().length + 1)).join(', ')}`);
  });
}

test('the import scanner sees Arrow where it is (arrow-codec.ts, store.ts, slice.ts)', () => {
  for (const mod of ['arrow-codec', 'store', 'slice']) assert.ok(reachable(join(repoRoot(), 'src', 'data', `${mod}.ts`)).has('apache-arrow'), mod);
});
