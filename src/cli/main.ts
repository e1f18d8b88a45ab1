/**
 * The hppo CLI. Each command lives in its own module, loaded on demand so `hppo solve lp` does
 * not pay for NATS or Arrow start-up. Add a command by adding one line to `commands`.
 */
type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  solve: { summary: 'solve an LP (MPS) or QP (QPS, FOF json) file: hppo solve lp|qp FILE [--json]', load: async () => (await import('./solve.js')).solveCommand },
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
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`hppo: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await cmd.load())(argv.slice(1));
}
