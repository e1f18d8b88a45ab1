#!/usr/bin/env node
// Entry of the `hppo` CLI: runs the compiled TypeScript (dist/), built by `make build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const main = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`hppo is not built (${main} missing): run "make build" in ${root}\n`);
  process.exit(2);
}
const { main: run } = await import(main);
process.exitCode = await run(process.argv.slice(2));
