/**
 * `hppo solve qp FILE [--tol 1e-4] [--time-limit SEC] [--device auto|cpu|cuda] [--json]
 *  [--max-iter N] [--no-polish]`
 *
 * FILE is a QPS file (.mps/.qps, optionally .gz: MPS with QUADOBJ/QMATRIX) or a fund-of-funds
 * compact instance fof_<N>.json (+ its .F.f64, factor form with proportional costs). Solves it with
 * the ADMM QP solver. Exit 0 on any solve status (optimal, infeasible, limits); 2 on bad arguments,
 * an unreadable file or a problem that is not convex, with a message on stderr.
 */
import { HppoError } from '../src/errors.js';
import { parseSolveArgs, type ExtraFlag } from './solve-args.js';
import { readFof } from '../src/solver/fof.js';
import { readMps } from '../src/solver/mps.js';
import { qpFromMps, solveQp, type QpProblem, type QpSettings } from '../src/solver/qp.js';

const USAGE =
  'usage: hppo solve qp FILE.(mps|qps)[.gz]|fof_N.json [--tol 1e-4] [--time-limit SEC] [--device auto|cpu|cuda] [--json]\n' +
  '                     [--max-iter N] [--no-polish]\n';

const EXTRA: Record<string, ExtraFlag<QpSettings>> = {
  '--max-iter': { kind: 'number', apply: (s, v) => void (s.maxIter = v) },
  '--no-polish': { kind: 'switch', apply: (s) => void (s.polish = false) },
};

interface Loaded {
  problem: QpProblem;
  /** +1 for a minimization file, -1 for OBJSENSE MAX (objective reported in the file's sense). */
  sign: number;
  describe: string;
  warnings: string[];
}

async function load(file: string): Promise<Loaded> {
  if (file.toLowerCase().endsWith('.json')) {
    const f = await readFof(file);
    return { problem: f.problem, sign: 1, describe: `fund-of-funds N=${f.N}, factor form k=${f.T}, 4 equality rows`, warnings: [] };
  }
  const mps = await readMps(file);
  const nq = mps.Q?.values.length ?? 0;
  return {
    problem: qpFromMps(mps),
    sign: mps.sense === 'max' ? -1 : 1,
    describe: `${mps.numRows} rows, ${mps.numCols} cols, ${mps.A.values.length} nonzeros, ${nq} Q entries (upper), ${mps.sense}`,
    warnings: mps.warnings,
  };
}

/** Where the command writes (the process streams by default; tests pass their own). */
export interface CommandIo {
  out: (s: string) => void;
  err: (s: string) => void;
}
const processIo: CommandIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export async function solveQpCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  const args = parseSolveArgs(argv, EXTRA);
  if (args === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (typeof args === 'string') {
    io.err(`hppo solve qp: ${args}\n${USAGE}`);
    return 2;
  }
  try {
    const t0 = performance.now();
    const inst = await load(args.file);
    const readSeconds = (performance.now() - t0) / 1000;
    const r = await solveQp(inst.problem, args.settings);
    const warnings = [...inst.warnings, ...r.warnings];
    const objective = inst.sign * r.objective;
    const dualObjective = inst.sign * r.dualObjective;
    if (args.json) {
      const out = {
        file: args.file,
        status: r.status,
        objective,
        dualObjective,
        iterations: r.iterations,
        rhoUpdates: r.rhoUpdates,
        polished: r.polished,
        readSeconds,
        setupSeconds: r.setupSeconds,
        solveSeconds: r.solveSeconds,
        primalResidual: r.primalResidual,
        dualResidual: r.dualResidual,
        gap: Number.isFinite(r.gap) ? r.gap : null,
        device: r.device,
        backend: r.backend,
        rows: inst.problem.m,
        cols: inst.problem.n,
        warnings,
      };
      io.out(JSON.stringify(out) + '\n');
    } else {
      const lines = [
        `file        ${args.file} (${inst.describe})`,
        `status      ${r.status}`,
        `objective   ${objective}`,
        `dual obj    ${dualObjective}`,
        `residuals   primal ${r.primalResidual.toExponential(2)}  dual ${r.dualResidual.toExponential(2)}  gap ${r.gap.toExponential(2)} (absolute, inf-norm)`,
        `iterations  ${r.iterations} (${r.rhoUpdates} rho updates, polish ${r.polished === null ? 'not run' : r.polished ? 'accepted' : 'rejected'})`,
        `time        read ${readSeconds.toFixed(3)} s, setup ${r.setupSeconds.toFixed(3)} s, solve ${r.solveSeconds.toFixed(3)} s`,
        `device      ${r.backend}: ${r.device}`,
        ...warnings.map((w) => `warning     ${w}`),
      ];
      io.out(lines.join('\n') + '\n');
    }
    return 0;
  } catch (err) {
    const msg = err instanceof HppoError ? err.message : (err as Error).message;
    io.err(`hppo solve qp: ${msg}\n`);
    return 2;
  }
}
