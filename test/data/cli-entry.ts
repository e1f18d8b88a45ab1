// Child-process entry for cli.test.ts: the hppo CLI from source (tsx) or dist (compiled), like bin/hppo.js.
import { main } from '../../cli/main.js';

process.exitCode = await main(process.argv.slice(2));
