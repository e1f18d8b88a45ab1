/**
 * GP hyperparameter-fit objective benchmark: one evaluation of the negative log posterior with its
 * gradient (what each L-BFGS step of `fitGpHyperparameters` costs), gp.ts's `gpNegLogPosterior`
 * (V8) against the addon's (gp-native.ts), on seeded random inputs in [0,1]^d at θ = defaultTheta.
 * The last rows time n = 1 (the per-call cost: argument checks, N-API, and a 1×1 "factorization").
 *
 *   node_modules/.bin/tsx bench/gp.bench.ts      (or, after tsc: node dist/bench/gp.bench.js)
 *   env: BENCH_MIN_MS (default 150): time per measurement (best of 3 runs of at least that long)
 *
 * Prints a markdown table (µs per evaluation); the last line is JSON.
 */
import { defaultTheta, gpNegLogPosterior, GpWorkspace } from '../src/search/gp.js';
import { nativeGpNegLogPosterior } from '../src/search/gp-native.js';
import { Rng } from '../src/util/rng.js';

const minMs = Number(process.env['BENCH_MIN_MS'] ?? 150);

/** Microseconds per call: repetitions doubled until one run takes minMs, then the best of 3 runs. */
function microsPerCall(fn: () => void): number {
  for (let i = 0; i < 5; i++) fn();
  let reps = 1;
  const run = (): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  let ms = run();
  while (ms < minMs) {
    reps *= 2;
    ms = run();
  }
  const best = Math.min(ms, run(), run());
  return (best / reps) * 1000;
}

const native = nativeGpNegLogPosterior();
if (!native) {
  process.stderr.write('gp bench: the native addon is not available (bash scripts/build-native.sh), or HPPO_GP_NATIVE=0\n');
  process.exit(1);
}

interface Row {
  d: number;
  n: number;
  gradient: boolean;
  tsMicros: number;
  nativeMicros: number;
}
const rows: Row[] = [];
const cases: Array<[number, number, boolean]> = [];
for (const d of [2, 6]) for (const n of [12, 27, 41, 64, 93, 200]) cases.push([d, n, true]);
cases.push([1, 1, true], [1, 1, false], [2, 93, false]);
for (const [d, n, gradient] of cases) {
  const r = new Rng(`gp-bench-${d}-${n}`);
  const X = Float64Array.from({ length: n * d }, () => r.next());
  const y = Float64Array.from({ length: n }, () => r.normal());
  const theta = defaultTheta(d);
  const g = gradient ? new Float64Array(d + 2) : null;
  const ws = new GpWorkspace(n);
  const vTs = gpNegLogPosterior(X, y, n, d, theta, g, ws);
  const vNative = native(X, y, n, d, theta, g);
  if (!(Math.abs(vTs - vNative) <= 1e-8 * Math.max(1, Math.abs(vTs)))) throw new Error(`d=${d} n=${n}: native ${vNative} vs TS ${vTs}`);
  const tsMicros = microsPerCall(() => gpNegLogPosterior(X, y, n, d, theta, g, ws));
  const nativeMicros = microsPerCall(() => native(X, y, n, d, theta, g));
  rows.push({ d, n, gradient, tsMicros, nativeMicros });
}
const lines = ['| d | n | gradient | gp.ts µs | native µs | speed-up |', '|---|---|---|---|---|---|'];
for (const r of rows) lines.push(`| ${r.d} | ${r.n} | ${r.gradient ? 'yes' : 'no'} | ${r.tsMicros.toFixed(2)} | ${r.nativeMicros.toFixed(2)} | ${(r.tsMicros / r.nativeMicros).toFixed(1)}x |`);
process.stdout.write(`${lines.join('\n')}\n${JSON.stringify({ bench: 'gp', rows })}\n`);
