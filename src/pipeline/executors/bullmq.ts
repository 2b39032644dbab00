// The distributed executor: the DAG's tasks as BullMQ jobs on Redis, run by `movalytics worker` processes on any
// number of machines. The submitting process keeps the runner (dependencies, skips, retries, timeouts) and the run
// lock; each task becomes one job per attempt, with a fixed id `<runId>.<task>.<n>`, so a resubmission never
// duplicates. A worker runs the job with `runJoinedTask` — the same registry task as in-process, in a session that
// joins the submitter's run — and records its attempt in the warehouse. Outcomes travel back as job return values, but what a task did is kept in
// the warehouse and the load package, never only in Redis: a job that Redis lost (a restart without persistence) is a
// retryable error, and the retried task finds its output already there.
//
// Not a BullMQ flow: a diamond of dependencies in one flow hangs silently (measured with 6.7.0), and the runner
// already knows the order; one job per task attempt is all that is needed.
import { createHash } from 'node:crypto';
import { Job, Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Config } from '../../config/config.js';
import { errorInfo } from '../../dag/runner.js';
import {
  EnvironmentError,
  EXIT,
  MovalyticsError,
  TaskError,
  UsageError,
  type ErrorCode,
  type ExitCode,
} from '../../core/errors.js';
import { redactLocation } from '../../core/redact.js';
import { describeLocation } from '../../warehouse/open.js';
import { WORKER_ID } from '../run-history.js';
import { runJoinedTask } from '../run-task.js';
import { findTask } from '../tasks/index.js';
import type { TaskReport } from '../tasks/task.js';
import type { Executor } from './executor.js';

/**
 * The BullMQ queue of one warehouse: `movalytics-<hash of its location>`. Workers of different warehouses can share a
 * Redis without ever taking each other's jobs; the check in the worker stays as a second line of defence.
 */
export function queueName(config: Config): string {
  const id = createHash('sha256').update(describeLocation(config.warehouse)).digest('hex').slice(0, 12);
  return `movalytics-${id}`;
}

/** The queue a run submits its task jobs to. */
export type TaskQueue = Queue<TaskJobData, TaskJobResult>;

/** Locks of 5 s: a job whose worker died is noticed in seconds, not the default ~30–60 s (measured: 6.8 s vs 51.7 s). */
const LOCK_MS = 5_000;
const POLL_MS = 200;

/** What a job carries: which run and task, and where — no secret (workers use their own credentials). */
export interface TaskJobData {
  runId: number;
  task: string;
  /** The input folder or zip stage.files reads (it must be reachable from the workers). */
  input: string;
  /** The warehouse as describeLocation prints it (no password): a worker refuses a job for another warehouse. */
  warehouse: string;
  staging: string;
  /** `run --full-checks`: the publish task checks every row and rebuilds every mart. */
  fullChecks: boolean;
  /** `run --shards N`: how many shards stage.files cuts each ratings file into (the submitter's plan has N slots). */
  shards: number;
}

/** What a worker returns: the task's result, or its error as data (class, message, whether to retry, exit code). */
export type TaskJobResult =
  | { ok: true; worker: string; report: TaskReport }
  | {
      ok: false;
      worker: string;
      error: { class: string; message: string; retryable: boolean; code: ErrorCode | null; exitCode: number };
    };

/** `redis://[user:password@]host:port[/db]` → ioredis options. A bad URL is a one-line usage error. */
export function queueConnection(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue ${redactLocation(url)} is not a URL: use redis://HOST:6379[/DB]`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new UsageError(`--queue ${redactLocation(url)}: use redis://HOST:6379[/DB] (or rediss:// for TLS)`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new UsageError(`--queue ${redactLocation(url)}: the database after the port must be a number`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port === '' ? 6379 : Number(u.port),
    db: db === '' ? 0 : Number(db),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // Required by BullMQ workers; keeps commands waiting through a Redis restart instead of failing them.
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
  };
}

/**
 * A distributed run needs a shared staging area and a server warehouse: checked before anything starts, by the
 * submitting run (`who` = `--executor bullmq`) and by a worker (`who` = `worker`), which would otherwise wait forever.
 */
export function checkDistributable(config: Config, who = '--executor bullmq'): void {
  if (config.warehouse.kind === 'duckdb')
    throw new UsageError(
      `${who} needs a warehouse every worker can reach: ${describeLocation(config.warehouse)} is an embedded DuckDB file — use postgres://…${who === 'worker' ? '' : ' (or run without --executor)'}`,
    );
  if (!/^s3:\/\//i.test(config.staging))
    throw new UsageError(
      `${who} needs a staging area every worker can reach: ${config.staging} is a local folder — use --staging s3://BUCKET/PREFIX`,
    );
}

/** The error a job returned, rebuilt for the runner: same class name and message, retryable as the worker said. */
export class RemoteTaskError extends MovalyticsError {
  constructor(
    readonly remoteClass: string,
    message: string,
    opts: { retryable: boolean; code: ErrorCode | null; exitCode: number },
  ) {
    super(opts.code ?? 'task', message, { retryable: opts.retryable, exitCode: opts.exitCode as ExitCode });
    this.name = remoteClass;
  }
}

/** The queue lost a job (Redis restarted without persistence, or the job was removed): try the task again. */
export class JobLostError extends TaskError {
  constructor(jobId: string) {
    super(`job ${jobId} disappeared from the queue (was Redis restarted?); the task is tried again`, {
      retryable: true,
    });
    this.name = 'JobLostError';
  }
}

/**
 * The submitting side: each attempt of a task becomes a job, waited for by polling. Tasks that fetch the input (the
 * extract tasks) run in this process through `local`: the input folder is this machine's.
 */
export function bullmqExecutor(opts: {
  queue: TaskQueue;
  config: Config;
  runId: number;
  local: Executor;
}): Executor {
  // Job ids are fixed per attempt of this submission: `<run>.<task>.<submission>.<attempt>`. A resumed run is a new
  // submission, so its attempt 1 never collides with a finished job of the earlier one still kept in Redis.
  const submission = Date.now().toString(36);
  const data = (task: string): TaskJobData => ({
    runId: opts.runId,
    task,
    input: opts.config.input,
    warehouse: describeLocation(opts.config.warehouse),
    staging: opts.config.staging,
    fullChecks: opts.config.fullChecks,
    shards: opts.config.shards,
  });
  const remote = (id: string): boolean => findTask(id)?.extract !== true;
  return {
    recordsRemotely: remote,
    async run(task, ctx) {
      if (!remote(task.id)) return opts.local.run(task, ctx);
      const jobId = `${opts.runId}.${task.id}.${submission}.${ctx.attempt}`;
      await opts.queue.add(task.id, data(task.id), {
        jobId,
        attempts: 1,
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
      ctx.log(`queued as job ${jobId}`);
      let seenActive = false;
      for (;;) {
        if (ctx.signal.aborted) throw ctx.signal.reason as Error;
        await sleep(POLL_MS, ctx.signal);
        // One read of the job's hash: its state, result and times come from the same snapshot (reading the state
        // separately could see `completed` while the snapshot still has no return value).
        const job = await Job.fromId<TaskJobData, TaskJobResult>(opts.queue, jobId);
        if (job === undefined) throw new JobLostError(jobId);
        if (job.processedOn !== undefined && !seenActive) {
          seenActive = true;
          ctx.log(`job ${jobId} started on a worker`);
        }
        if (job.finishedOn === undefined) continue;
        if (job.failedReason !== undefined && job.failedReason !== '' && !job.returnvalue)
          throw new TaskError(`job ${jobId} failed on the queue: ${job.failedReason}`, { retryable: true });
        if (!job.returnvalue) continue; // finished but its result not visible yet: read again
        const r = job.returnvalue;
        if (!r.ok) throw new RemoteTaskError(r.error.class, r.error.message, r.error);
        ctx.log(`done on ${r.worker}: ${r.report.detail ?? 'done'}`);
        return r.report;
      }
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

/** The task queue at `url`, once Redis answers; an unreachable one is a one-line error after 5 s, not a hang. */
export async function openQueue(url: string, config: Config): Promise<Queue<TaskJobData, TaskJobResult>> {
  const queue = new Queue<TaskJobData, TaskJobResult>(queueName(config), {
    connection: queueConnection(url),
  });
  queue.on('error', () => undefined); // reconnects are ioredis's business; a lost job is noticed by its poll
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.waitUntilReady(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new EnvironmentError(
                `queue ${redactLocation(url)} did not answer within 5 s: is Redis running there?`,
              ),
            ),
          5_000,
        );
      }),
    ]);
  } catch (err) {
    await queue.close().catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return queue;
}

export interface WorkerHandle {
  /** Graceful: lets running jobs finish, takes no new ones, then closes. */
  close(): Promise<void>;
}

/**
 * `movalytics worker`: takes task jobs from the queue and runs them against this worker's own warehouse and staging
 * (their credentials stay on the machine). A job for another warehouse is refused as a permanent error.
 */
export function startWorker(opts: {
  queueUrl: string;
  config: Config;
  concurrency: number;
  log: (line: string) => void;
}): WorkerHandle {
  const me = WORKER_ID;
  const mine = describeLocation(opts.config.warehouse);
  const worker = new Worker<TaskJobData, TaskJobResult>(
    queueName(opts.config),
    async (job) => {
      const d = job.data;
      if (d.warehouse !== mine || d.staging !== opts.config.staging)
        return {
          ok: false,
          worker: me,
          error: {
            class: 'ConfigError',
            message: `worker ${me} points at ${mine} and ${redactLocation(opts.config.staging)}, but run ${d.runId} uses ${d.warehouse} and ${redactLocation(d.staging)}: start the worker with the run's --warehouse and --staging`,
            retryable: false,
            code: 'config',
            exitCode: EXIT.usage,
          },
        };
      opts.log(`worker ${me}: run ${d.runId} ${d.task} (job ${job.id ?? '?'}) …`);
      try {
        const t0 = Date.now();
        const report = await runJoinedTask(
          // A job queued before jobs carried the shard count: the worker's own.
          {
            ...opts.config,
            input: d.input,
            fullChecks: d.fullChecks,
            shards: d.shards ?? opts.config.shards,
          },
          d.task,
          d.runId,
        );
        opts.log(
          `worker ${me}: run ${d.runId} ${d.task}: ${report.detail ?? 'done'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
        );
        return { ok: true, worker: me, report };
      } catch (err) {
        const info = errorInfo(err);
        opts.log(`worker ${me}: run ${d.runId} ${d.task} failed: ${info.message}`);
        return {
          ok: false,
          worker: me,
          error: {
            class: info.class,
            message: info.message,
            retryable: info.retryable,
            code: err instanceof MovalyticsError ? err.code : null,
            exitCode: err instanceof MovalyticsError ? err.exitCode : EXIT.taskFailed,
          },
        };
      }
    },
    {
      connection: queueConnection(opts.queueUrl),
      concurrency: opts.concurrency,
      lockDuration: LOCK_MS,
      stalledInterval: LOCK_MS,
      maxStalledCount: 2,
    },
  );
  worker.on('error', (err) => opts.log(`worker ${me}: queue error: ${redactLocation(err.message)}`));
  return { close: () => worker.close() };
}
