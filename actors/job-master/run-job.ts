/**
 * Runs one optimization job on this node: a node (embedded NATS unless HPPO_NATS_URL), a pool of
 * backtester workers (worker threads, one actor system each), a job master and a reporter actor
 * that receives progress and the result. Used by `hppo optimize` and the sweep benchmark.
 */
// Narrow imports, not src/index.ts: the public entry pulls in Apache Arrow and the data layer
// (~0.3 s of module loading) that the job's main thread never uses (issue 7: start-up).
import { JobFinished, JobProgress, StartJob, type JobStatus } from '../../src/gen/hppo/v1/job.js';
import { createLogger, type Logger } from '../../src/log.js';
import { is, startNode } from '../../src/runtime/index.js';
import type { Params } from '../../src/sweep/evaluator.js';
import type { CompiledJob } from '../../src/sweep/job-config.js';
import { metricsFromProto, paramsFromProto } from '../../src/sweep/params.js';
import { jobMasterActor } from './job-master.js';
import { prestartWorkers, type PrestartedWorkers } from './prestart.js';
import type { SearchAnalysis } from '../../src/search/analysis.js';

export interface JobTrial {
  number: number;
  params: Params;
  metrics: Record<string, number>;
  objectives: number[];
  error?: { code: string; message: string };
  seconds: number;
  worker: string;
}

export interface JobRunResult {
  jobId: string;
  status: JobStatus;
  trials: JobTrial[];
  best: JobTrial | undefined;
  timings: { nodeStartSec: number; workersReadySec: number; jobSec: number; totalSec: number };
  natsUrl: string;
  embeddedNats: boolean;
  workers: number;
  /** Convergence, parameter importance, Pareto front (src/search/analysis.ts), when computed. */
  analysis: SearchAnalysis | undefined;
}

export interface RunJobOptions {
  natsUrl?: string;
  /** Job id; default `<name>-<time>`. Passing the id of an interrupted job resumes it from its journal. */
  jobId?: string;
  /** Keep the journal on NATS (default true). */
  durable?: boolean;
  log?: Logger;
  onProgress?(status: JobStatus): void;
  /** Workers the caller already started (prestartWorkers with job.execution.workers); default: started here. */
  prestarted?: PrestartedWorkers;
}

export async function runJob(job: CompiledJob, opts: RunJobOptions = {}): Promise<JobRunResult> {
  const t0 = performance.now();
  const log = opts.log ?? createLogger('run-job');
  // The node (embedded nats-server, connection) and the worker threads start together (or the
  // workers were started even earlier by the caller): their bootstrap and module loading overlap
  // the server start-up, and they get its URL when it is ready.
  const workers = opts.prestarted ?? prestartWorkers(job.execution.workers, log);
  const nodeId = workers.nodeId;
  const nodeStarting = startNode({ nodeId, ...(opts.natsUrl ? { natsUrl: opts.natsUrl } : {}), log });
  let tNode = 0;
  const nodeReady = nodeStarting.then(
    (n) => {
      tNode = performance.now();
      workers.connect(n.natsUrl);
      return n;
    },
    (err: unknown) => {
      workers.connect(err instanceof Error ? err : new Error(String(err)));
      throw err;
    },
  );
  const poolStarting = workers.pool;
  const [nodeResult, poolResult] = await Promise.allSettled([nodeReady, poolStarting]);
  if (nodeResult.status === 'rejected') throw nodeResult.reason; // the pool stopped its workers itself
  const node = nodeResult.value;
  if (poolResult.status === 'rejected') {
    await node.stop();
    throw poolResult.reason;
  }
  const pool = poolResult.value;
  try {
    const tWorkers = performance.now();
    let resolveFinished: (f: JobFinished) => void = () => {};
    const finished = new Promise<JobFinished>((r) => (resolveFinished = r));
    const reporter = await node.system.spawn('reporter', () => ({
      receive(msg) {
        if (is(msg, JobProgress) && msg.body.status) opts.onProgress?.(msg.body.status);
        else if (is(msg, JobFinished)) resolveFinished(msg.body);
      },
    }));
    const jm = await node.system.spawn('job-master', () => jobMasterActor(opts.durable === false ? {} : { nc: node.transport.nc }));
    const jobId = opts.jobId ?? `${job.document.name}-${Date.now().toString(36)}`;
    await node.system.ask(jm, StartJob, { spec: { jobId, name: jobId, configJson: JSON.stringify(job.document) }, reportTo: reporter.address, workers: pool.addresses() }, { timeoutMs: 30_000 });
    const f = await finished;
    const tJob = performance.now();
    const trials: JobTrial[] = f.trials.map((t) => ({
      number: t.number,
      params: paramsFromProto(t.params),
      metrics: metricsFromProto(t.metrics),
      objectives: t.objectives,
      ...(t.error ? { error: { code: t.error.code, message: t.error.message } } : {}),
      seconds: t.seconds,
      worker: t.worker,
    }));
    const bestNo = f.status?.best?.number;
    return {
      jobId,
      status: f.status as JobStatus,
      trials,
      best: trials.find((t) => t.number === bestNo),
      timings: {
        nodeStartSec: (tNode - t0) / 1000,
        workersReadySec: (tWorkers - tNode) / 1000,
        jobSec: (tJob - tWorkers) / 1000,
        totalSec: (performance.now() - t0) / 1000,
      },
      natsUrl: node.natsUrl,
      embeddedNats: node.embedded !== undefined,
      workers: job.execution.workers,
      analysis: f.analysisJson ? (JSON.parse(f.analysisJson) as SearchAnalysis) : undefined,
    };
  } finally {
    await pool.stop();
    await node.stop();
  }
}
