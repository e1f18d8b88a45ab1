/**
 * Argument parsing shared by `hppo solve lp|qp`: FILE, --json, --tol, --time-limit, --device,
 * -h/--help, plus each solver's own flags. Returns the parsed values, 'help', or an error message.
 */
export type Device = 'auto' | 'cpu' | 'cuda';

export interface CommonSolveSettings {
  tolerance?: number;
  timeLimitSec?: number;
  device?: Device;
}

/** A solver-specific flag: a number (`--threads 2`) or a switch (`--float32`). */
export type ExtraFlag<S> = { kind: 'number'; apply(settings: S, v: number): void } | { kind: 'switch'; apply(settings: S): void };

export interface SolveArgs<S> {
  file: string;
  json: boolean;
  settings: S;
}

export function parseSolveArgs<S extends CommonSolveSettings>(argv: readonly string[], extra: Readonly<Record<string, ExtraFlag<S>>>): SolveArgs<S> | 'help' | string {
  let file: string | undefined;
  let json = false;
  const settings = {} as S;
  const number = (s: string | undefined, name: string): number => {
    if (s === undefined) throw new Error(`${name}: missing value`);
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v)) throw new Error(`${name}: "${s}" is not a number`);
    return v;
  };
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] as string;
      const x = extra[a];
      if (x) {
        if (x.kind === 'number') x.apply(settings, number(argv[++i], a));
        else x.apply(settings);
        continue;
      }
      switch (a) {
        case '--json':
          json = true;
          break;
        case '--tol':
          settings.tolerance = number(argv[++i], a);
          break;
        case '--time-limit':
          settings.timeLimitSec = number(argv[++i], a);
          break;
        case '--device': {
          const d = argv[++i];
          if (d !== 'auto' && d !== 'cpu' && d !== 'cuda') throw new Error(`--device: "${d ?? ''}", expected auto, cpu or cuda`);
          settings.device = d;
          break;
        }
        case '-h':
        case '--help':
          return 'help';
        default:
          if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
          if (file !== undefined) throw new Error(`unexpected argument "${a}" (one FILE only)`);
          file = a;
      }
    }
  } catch (err) {
    return (err as Error).message;
  }
  if (file === undefined) return 'missing FILE';
  return { file, json, settings };
}
