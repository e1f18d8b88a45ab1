/**
 * The hppo CLI. Each command lives in its own module, loaded on demand so `hppo solve lp` does
 * not pay for NATS or Arrow start-up. Add a command by adding one line to `commands`.
 */
import { HppoError } from '../src/errors.js';

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  solve: { summary: 'solve an LP (MPS) or QP (QPS, FOF json) file: hppo solve lp|qp FILE [--json]', load: async () => (await import('./solve.js')).solveCommand },
  backtest: { summary: 'one backtest of one parameter set (model, data, backtest, params): hppo backtest --config FILE.yaml [--json] [--param K=V]', load: async () => (await import('./backtest.js')).backtestCommand },
  optimize: { summary: 'search a model\'s parameters by backtests: hppo optimize --config FILE.yaml [--json]', load: async () => (await import('./optimize.js')).optimizeCommand },
  run: { summary: 'the main job: the HPPO VaR experiment on embedded defaults (own nats-server; ../shared/data or a synthetic market)', load: async () => (await import('./node.js')).runCommand },
  status: { summary: 'start a node on embedded defaults, check its actors answer, print its status', load: async () => (await import('./node.js')).statusCommand },
  node: { summary: 'run a node as a long-lived service until SIGINT/SIGTERM (HPPO_NATS_URL to join a cluster)', load: async () => (await import('./node.js')).nodeCommand },
  data: { summary: 'ingest CSV prices into the columnar store, inspect it, slice it, or generate a synthetic market: hppo data ingest|info|slice|synthetic', load: async () => (await import('./data.js')).dataCommand },
  capabilities: { summary: 'print what the native addon was built with and which devices it sees', load: async () => (await import('./capabilities.js')).capabilitiesCommand },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return `usage: hppo <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  // Interactive commands log warnings and errors only (stderr); the service logs lifecycle (info).
  if (process.env['HPPO_LOG_LEVEL'] === undefined) process.env['HPPO_LOG_LEVEL'] = name === 'node' ? 'info' : 'warn';
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`hppo: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await cmd.load())(argv.slice(1));
  } catch (err) {
    // Errors of the taxonomy are for the user: one clear line (HPPO_DEBUG=1 for the stack).
    if (err instanceof HppoError && !process.env['HPPO_DEBUG']) {
      process.stderr.write(`hppo ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
