/** Tiny argv parser shared by the commands: --flag, --key value, --key=value, positionals. */
import { InvalidArgumentError } from '../src/errors.js';

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[], spec: { boolean?: readonly string[]; string?: readonly string[] }): ParsedArgs {
  const bools = new Set(spec.boolean ?? []);
  const strings = new Set(spec.string ?? []);
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = a.slice(2, eq >= 0 ? eq : undefined);
    if (bools.has(key)) {
      flags.set(key, true);
      continue;
    }
    if (!strings.has(key)) throw new InvalidArgumentError(`--${key}`, `unknown option (known: ${[...bools, ...strings].map((k) => `--${k}`).join(', ')})`);
    const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new InvalidArgumentError(`--${key}`, 'expects a value');
    flags.set(key, value);
  }
  return { positionals, flags };
}

export function numberFlag(args: ParsedArgs, key: string): number | undefined {
  const v = args.flags.get(key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isFinite(n)) throw new InvalidArgumentError(`--${key}`, `expects a number, got ${String(v)}`);
  return n;
}
