/**
 * hppo optimize --config FILE.yaml [--json] [--workers N] [--top K]
 * Runs the job on this node (embedded NATS unless HPPO_NATS_URL) and prints a result table, best
 * first (or one JSON object with trials, best, seconds, timings).
 */
import { HppoError } from '../src/errors.js';
import { JobState } from '../src/gen/hppo/v1/job.js';
import { compileJob, loadJobDocument } from '../src/sweep/job-config.js';
import { numberFlag, parseArgs } from './args.js';
import type { JobTrial } from '../actors/job-master/run-job.js';
import { prestartWorkers } from '../actors/job-master/prestart.js';
// Start-up (issue 7): the job's runtime (NATS, job master, search: ~0.2 s of module loading) is
// imported after the worker threads have started, so both proceed at once on the two cores. The
// evaluators run in the workers: this thread does not import them.

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

const METRIC_LABELS: Record<string, string> = { alpha: 'alpha(CAPM)', annualReturn: 'annualReturn', maxDrawdown: 'maxDrawdown' };

function table(trials: JobTrial[], paramNames: string[], metricNames: string[], top: number): string {
  const head = ['#', ...paramNames, ...metricNames.map((m) => METRIC_LABELS[m] ?? m)];
  const rows = trials.slice(0, top).map((t, i) => [String(i + 1), ...paramNames.map((p) => String(t.params[p])), ...metricNames.map((m) => fmt(t.metrics[m]))]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (r: string[]): string => r.map((x, c) => x.padStart(widths[c] as number)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export async function optimizeCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { boolean: ['json'], string: ['config', 'workers', 'top'] });
  const file = (args.flags.get('config') as string | undefined) ?? args.positionals[0];
  if (!file) {
    process.stderr.write('usage: hppo optimize --config FILE.yaml [--json] [--workers N] [--top K]\n');
    return 2;
  }
  const workers = numberFlag(args, 'workers');
  let doc: Record<string, unknown>;
  try {
    doc = loadJobDocument(file);
  } catch (err) {
    if (err instanceof HppoError) {
      process.stderr.write(`hppo optimize: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  return runOptimize(doc, { file, json: args.flags.has('json'), top: numberFlag(args, 'top') ?? 10, ...(workers !== undefined ? { workers } : {}) });
}

export interface RunOptimizeOptions {
  file?: string;
  json?: boolean;
  top?: number;
  workers?: number;
}

/** Runs a job document on this node and prints the result (table or one JSON object). */
export async function runOptimize(doc: Record<string, unknown>, o: RunOptimizeOptions): Promise<number> {
  const json = o.json ?? false;
  const top = o.top ?? 10;
  let job;
  try {
    job = compileJob(doc, { ...(o.file ? { file: o.file } : {}), ...(o.workers !== undefined ? { workers: o.workers } : {}) });
  } catch (err) {
    if (err instanceof HppoError) {
      process.stderr.write(`hppo optimize: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const prestarted = prestartWorkers(job.execution.workers);
  let runJob: (typeof import('../actors/job-master/run-job.js'))['runJob'];
  try {
    ({ runJob } = await import('../actors/job-master/run-job.js'));
  } catch (err) {
    prestarted.connect(err instanceof Error ? err : new Error(String(err))); // stops the workers
    throw err;
  }
  const tty = process.stderr.isTTY && !json;
  const result = await runJob(job, {
    prestarted,
    onProgress(s) {
      if (!tty) return;
      const width = 30;
      const frac = s.planned > 0 ? s.evaluations / s.planned : 0;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      process.stderr.write(`\r[${bar}] ${s.evaluations}/${s.planned}  ${s.elapsedSec.toFixed(1)}s  eta ${s.etaSec.toFixed(1)}s`);
    },
  });
  if (tty) process.stderr.write('\n');
  const ok = result.trials.filter((t) => !t.error);
  const sign = job.objectives.directions[0] === 'minimize' ? 1 : -1;
  const ranked = [...ok].sort((a, b) => sign * ((a.objectives[0] ?? NaN) - (b.objectives[0] ?? NaN)));
  if (json) {
    process.stdout.write(
      JSON.stringify({
        job: result.jobId,
        algorithm: job.resolvedSearch.algorithm,
        objective: job.objectives.describe(),
        trials: result.trials.map((t) => ({ params: t.params, metrics: t.metrics, ...(t.error ? { error: t.error } : {}) })),
        history: result.trials.map((t) => ({ number: t.number, params: t.params, metrics: t.metrics, objectives: t.objectives })),
        best: result.best ? { params: result.best.params, metrics: result.best.metrics } : null,
        seconds: result.timings.totalSec,
        timings: result.timings,
        workers: result.workers,
        failed: result.trials.length - ok.length,
        importance: result.analysis?.importance ?? [],
        convergence: result.analysis?.convergence.map((c) => ({ evaluation: c.evaluation, value: c.value, best: c.best })) ?? [],
        paretoFront: result.analysis && result.analysis.directions.length > 1 ? result.analysis.paretoFront : undefined,
      }) + '\n',
    );
  } else {
    const paramNames = job.space.names ? [...job.space.names] : Object.keys(result.trials[0]?.params ?? {});
    const metricNames = ['sharpe', 'annualReturn', 'maxDrawdown', 'alpha', 'value'].filter((m) => ok.some((t) => t.metrics[m] !== undefined));
    process.stdout.write(`${result.jobId}: ${result.trials.length} trials (${ok.length} ok) in ${result.timings.totalSec.toFixed(2)} s on ${result.workers} workers; ${job.objectives.describe()}\n\n`);
    process.stdout.write(table(ranked, paramNames, metricNames, top) + '\n');
    for (const t of result.trials.filter((x) => x.error).slice(0, 5)) process.stdout.write(`failed trial ${t.number}: ${t.error?.message}\n`);
    const imp = result.analysis?.importance ?? [];
    if (imp.length > 0) {
      process.stdout.write('\nparameter importance (Spearman rank correlation with the objective, binned main effect):\n');
      for (const p of imp) process.stdout.write(`  ${p.param.padEnd(16)} importance ${p.importance.toFixed(3)}  spearman ${p.spearman === null ? '-' : p.spearman.toFixed(3)}  main effect ${p.mainEffect.toFixed(3)}\n`);
    }
  }
  return result.status.state === JobState.JOB_STATE_FAILED || result.status.error ? 1 : 0;
}
