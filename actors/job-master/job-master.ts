/**
 * Job master: one per optimization job. Drives the job's search algorithm (ask/tell) through the
 * backtester actors, keeping every worker busy, retries the batches of a worker that failed or
 * vanished (a trial counts once: the searcher ignores duplicate tells), and tells progress and the
 * final result to `reportTo`.
 *
 * Messages: StartJob (ask → JobStatus RUNNING, or the config error), GetJobStatus (ask → JobStatus).
 * Sends: RunBacktestBatch (ask) to workers; JobProgress and JobFinished (tell) to reportTo.
 * State: the current job; a second StartJob while one runs is refused.
 */
import {
  ErrorCode,
  HppoError,
  JobFinished,
  JobProgress,
  JobState,
  JobStatus,
  GetJobStatus,
  RunBacktestBatch,
  StartJob,
  compileJob,
  is,
  metricsFromProto,
  metricsToProto,
  paramsFromProto,
  paramsToProto,
  reply,
  toErrorDetail,
  type Actor,
  type ActorContext,
  type BacktestBatchResult,
  type CompiledJob,
  type TrialMessage as ProtoTrial,
} from '../../src/index.js';
import { createSearcher } from '../../src/search/searcher.js';
import type { Candidate, Searcher } from '../../src/search/types.js';

interface Pending {
  candidate: Candidate;
  attempts: number;
}

interface RunningJob {
  jobId: string;
  job: CompiledJob;
  searcher: Searcher;
  reportTo: string;
  workers: string[];
  idle: Set<string>;
  retry: Pending[];
  attempts: Map<number, number>;
  trials: ProtoTrial[];
  startedAt: number;
  inflight: number;
  state: JobState;
  error?: HppoError;
  batchSeq: number;
  planned: number;
}

function statusOf(j: RunningJob, now: number): JobStatus {
  const elapsed = (now - j.startedAt) / 1000;
  const done = j.trials.length;
  const planned = j.planned;
  const best = j.searcher.best();
  const bestTrial = best ? j.trials.find((t) => t.number === best.evaluation) : undefined;
  return JobStatus.fromPartial({
    jobId: j.jobId,
    state: j.state,
    evaluations: done,
    planned,
    elapsedSec: elapsed,
    etaSec: done > 0 && planned > done ? (elapsed / done) * (planned - done) : 0,
    ...(bestTrial ? { best: bestTrial } : {}),
    ...(j.error ? { error: j.error.toDetail() } : {}),
  });
}

export function jobMasterActor(): Actor {
  let job: RunningJob | undefined;

  function batchSizeFor(j: RunningJob): number {
    if (j.job.execution.batchSize > 0) return j.job.execution.batchSize;
    // Grid-like searches know their size: two batches per worker balance load and keep progress visible.
    if (j.job.resolvedSearch.algorithm === 'grid' || j.job.resolvedSearch.algorithm === 'random' || j.job.resolvedSearch.algorithm === 'sobol') {
      return Math.max(1, Math.ceil(j.planned / (j.workers.length * 2)));
    }
    return 1;
  }

  function nextBatch(j: RunningJob, n: number): Pending[] {
    const out = j.retry.splice(0, n);
    if (out.length < n && !j.searcher.isDone()) {
      for (const c of j.searcher.ask(n - out.length)) out.push({ candidate: c, attempts: 0 });
    }
    return out;
  }

  async function runBatch(ctx: ActorContext, j: RunningJob, worker: string, batch: Pending[]): Promise<void> {
    const batchId = `${j.jobId}-b${++j.batchSeq}`;
    let result: BacktestBatchResult;
    try {
      result = await ctx.ask<RunBacktestBatch, BacktestBatchResult>(
        worker,
        RunBacktestBatch,
        {
          jobId: j.jobId,
          batchId,
          spec: { model: j.job.document.model.name, modelConfigJson: JSON.stringify(j.job.document) },
          params: batch.map((p) => paramsToProto(`${j.jobId}-${p.candidate.id}`, p.candidate.params)),
        },
        { timeoutMs: j.job.execution.batchTimeoutMs },
      );
    } catch (err) {
      const e = err instanceof HppoError ? err : new HppoError(ErrorCode.Internal, (err as Error).message);
      ctx.log.warn({ err: e, worker, batchId, trials: batch.length }, 'batch failed');
      for (const p of batch) {
        p.attempts++;
        if (p.attempts < j.job.execution.maxAttempts && (e.retryable || e.code === ErrorCode.Internal)) j.retry.push(p);
        else record(j, p.candidate, undefined, e.toDetail(), 0, worker);
      }
      if (!e.retryable && e.code !== ErrorCode.Internal) {
        // The spec itself is unusable (bad config/data): stop the job with that error.
        j.error = e;
      }
      return;
    }
    const byTrial = new Map(result.results.map((r) => [r.trialId, r]));
    for (const p of batch) {
      const r = byTrial.get(`${j.jobId}-${p.candidate.id}`);
      if (!r) {
        p.attempts++;
        j.retry.push(p);
        continue;
      }
      record(j, p.candidate, r.metrics ? metricsFromProto(r.metrics) : undefined, r.error, r.seconds, result.worker);
    }
    ctx.tell(j.reportTo, JobProgress, { status: statusOf(j, ctx.clock.now()), finished: j.trials.slice(-batch.length) });
  }

  function record(j: RunningJob, c: Candidate, metrics: Record<string, number> | undefined, error: ProtoTrial['error'], seconds: number, worker: string): void {
    const objectives = error ? null : j.job.objectives.evaluate(metrics);
    const summary = j.searcher.tell([{ candidate: c, objectives, ...(metrics ? { metrics } : {}) }]);
    if (summary.duplicates.length > 0) return;
    j.trials.push({
      trialId: `${j.jobId}-${c.id}`,
      number: j.trials.length + 1,
      params: paramsToProto(`${j.jobId}-${c.id}`, c.params),
      metrics: metricsToProto(metrics),
      objectives: objectives ?? [],
      error,
      seconds,
      worker,
    });
  }

  async function drive(ctx: ActorContext, j: RunningJob): Promise<void> {
    const running = new Set<Promise<void>>();
    const bs = batchSizeFor(j);
    for (;;) {
      if (j.error) break;
      for (const w of [...j.idle]) {
        const batch = nextBatch(j, bs);
        if (batch.length === 0) break;
        j.idle.delete(w);
        const p: Promise<void> = runBatch(ctx, j, w, batch).finally(() => {
          j.idle.add(w);
          running.delete(p);
        });
        running.add(p);
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
    await Promise.all(running);
    j.state = j.error ? JobState.JOB_STATE_FAILED : JobState.JOB_STATE_SUCCEEDED;
    const status = statusOf(j, ctx.clock.now());
    ctx.log.info({ jobId: j.jobId, evaluations: j.trials.length, seconds: status.elapsedSec, state: j.state }, 'job finished');
    ctx.tell(j.reportTo, JobFinished, { status, trials: j.trials, analysisJson: '' });
  }

  return {
    receive(msg, ctx) {
      if (is(msg, StartJob)) {
        if (job && job.state === JobState.JOB_STATE_RUNNING) throw new HppoError(ErrorCode.InvalidArgument, `job ${job.jobId} is still running`);
        const spec = msg.body.spec;
        const doc = JSON.parse(spec?.configJson ?? '{}') as Record<string, unknown>;
        const compiled = compileJob(doc);
        const workers = msg.body.workers;
        if (workers.length === 0) throw new HppoError(ErrorCode.InvalidArgument, 'StartJob.workers: no backtester to run on');
        const searcher = createSearcher(compiled.space, { ...compiled.searchOptions, clock: { now: () => ctx.clock.now() } });
        const jobId = spec?.jobId || compiled.document.name;
        job = {
          jobId,
          job: compiled,
          searcher,
          reportTo: msg.body.reportTo,
          workers: [...workers],
          idle: new Set(workers),
          retry: [],
          attempts: new Map(),
          trials: [],
          startedAt: ctx.clock.now(),
          inflight: 0,
          state: JobState.JOB_STATE_RUNNING,
          batchSeq: 0,
          planned: searcher.remainingBudget(),
        };
        const j = job;
        void drive(ctx, j).catch((err: unknown) => {
          j.state = JobState.JOB_STATE_FAILED;
          ctx.log.error({ err }, 'job master loop failed');
          ctx.tell(j.reportTo, JobFinished, { status: { ...statusOf(j, ctx.clock.now()), error: toErrorDetail(err) }, trials: j.trials });
        });
        return reply(JobStatus, statusOf(j, ctx.clock.now()));
      }
      if (is(msg, GetJobStatus)) {
        if (!job) throw new HppoError(ErrorCode.InvalidArgument, `no job ${msg.body.jobId}`);
        return reply(JobStatus, statusOf(job, ctx.clock.now()));
      }
    },
  };
}

export { paramsFromProto };
