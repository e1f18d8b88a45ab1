/**
 * `hppo solve <kind> FILE [options]`: one subcommand per problem class, each in its own module.
 * Add a kind by adding one line to `kinds`.
 */
type Command = (argv: string[]) => Promise<number>;

const kinds: Record<string, { summary: string; load: () => Promise<Command> }> = {
  lp: { summary: 'FILE.mps[.gz] [--tol 1e-4] [--time-limit SEC] [--device auto|cpu|cuda] [--json]  (PDLP)', load: async () => (await import('./solve-lp.js')).solveLpCommand },
  qp: { summary: 'FILE.(mps|qps)[.gz]|fof_N.json [--tol 1e-4] [--time-limit SEC] [--device auto|cpu|cuda] [--json]  (ADMM)', load: async () => (await import('./solve-qp.js')).solveQpCommand },
};

export async function solveCommand(argv: string[]): Promise<number> {
  const kind = argv[0];
  const entry = kind === undefined ? undefined : kinds[kind];
  if (!entry) {
    const list = Object.entries(kinds).map(([k, v]) => `  hppo solve ${k.padEnd(4)} ${v.summary}`).join('\n');
    process.stderr.write(`${kind === undefined ? 'hppo solve: missing problem kind' : `hppo solve: unknown problem kind "${kind}"`}\n${list}\n`);
    return 2;
  }
  return (await entry.load())(argv.slice(1));
}
