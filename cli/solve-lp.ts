/**
 * `hppo solve lp FILE.mps[.gz] [--tol 1e-4] [--time-limit SEC] [--device auto|cpu|cuda] [--json]
 *  [--threads N] [--float32] [--no-dense]`
 *
 * Reads an MPS file and solves it with PDLP. Exit 0 on any solve status (optimal, infeasible,
 * limits); 2 on bad arguments or an unreadable file, with a message on stderr.
 */
import { HppoError } from '../src/errors.js';
import { parseSolveArgs, type ExtraFlag } from './solve-args.js';
import { readMps } from '../src/solver/mps.js';
import { lpFromMps, solveLp, type LpSettings } from '../src/solver/lp.js';

const USAGE =
  'usage: hppo solve lp FILE.mps[.gz] [--tol 1e-4] [--time-limit SEC] [--device auto|cpu|cuda] [--json]\n' +
  '                     [--threads N] [--float32] [--no-dense] [--iteration-limit N]\n';

const EXTRA: Record<string, ExtraFlag<LpSettings>> = {
  '--iteration-limit': { kind: 'number', apply: (s, v) => void (s.iterationLimit = v) },
  '--threads': { kind: 'number', apply: (s, v) => void (s.cpuThreads = v) },
  '--float32': { kind: 'switch', apply: (s) => void (s.denseFloat32 = true) },
  '--no-dense': { kind: 'switch', apply: (s) => void (s.denseBlock = 'off') },
};

export async function solveLpCommand(argv: string[]): Promise<number> {
  const args = parseSolveArgs(argv, EXTRA);
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (typeof args === 'string') {
    process.stderr.write(`hppo solve lp: ${args}\n${USAGE}`);
    return 2;
  }
  try {
    const t0 = performance.now();
    const mps = await readMps(args.file);
    const readSeconds = (performance.now() - t0) / 1000;
    const r = await solveLp(lpFromMps(mps), args.settings);
    const warnings = [...mps.warnings, ...r.warnings];
    if (args.json) {
      const out = {
        file: args.file,
        status: r.status,
        objective: r.objective,
        dualObjective: r.dualObjective,
        iterations: r.iterations,
        restarts: r.restarts,
        readSeconds,
        setupSeconds: r.setupSeconds,
        solveSeconds: r.solveSeconds,
        primalResidual: r.primalResidual,
        dualResidual: r.dualResidual,
        gap: r.gap,
        device: r.device,
        backend: r.backend,
        rows: mps.numRows,
        cols: mps.numCols,
        nnz: mps.A.values.length,
        denseBlock: r.denseBlock,
        warnings,
      };
      process.stdout.write(JSON.stringify(out) + '\n');
    } else {
      const lines = [
        `file        ${args.file} (${mps.numRows} rows, ${mps.numCols} cols, ${mps.A.values.length} nonzeros, ${mps.sense})`,
        `status      ${r.status}`,
        `objective   ${r.objective}`,
        `dual obj    ${r.dualObjective}`,
        `residuals   primal ${r.primalResidual.toExponential(2)}  dual ${r.dualResidual.toExponential(2)}  gap ${r.gap.toExponential(2)} (relative)`,
        `iterations  ${r.iterations} (${r.restarts} restarts)`,
        `time        read ${readSeconds.toFixed(3)} s, setup ${r.setupSeconds.toFixed(3)} s, solve ${r.solveSeconds.toFixed(3)} s`,
        `device      ${r.backend}: ${r.device}${r.denseBlock ? ` (dense block ${r.denseBlock.rows}x${r.denseBlock.cols}${r.denseBlock.float32 ? ' float32' : ''})` : ''}`,
        ...warnings.map((w) => `warning     ${w}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    }
    return 0;
  } catch (err) {
    const msg = err instanceof HppoError ? err.message : (err as Error).message;
    process.stderr.write(`hppo solve lp: ${msg}\n`);
    return 2;
  }
}
