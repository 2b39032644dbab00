// The pipeline run: a run session (warehouse under its run lock, model migrated, staging, history) starts or resumes
// a run and drives the registry's plan — stage.files → (clean.movies ∥ load.ratings[0..n-1]) → publish, where publish is
// load.model → check.quality → answers.marts in ONE transaction — through an executor (in this process, or BullMQ
// jobs for `movalytics worker` processes), then finishes the run.
import path from 'node:path';
import type { Config } from '../config/config.js';
import { TaskError } from '../core/errors.js';
import {
  selectAll,
  selectFrom,
  selectOnly,
  selectResume,
  type DagPlan,
  type FinalState,
} from '../dag/graph.js';
import type { DagResult, TaskResult } from '../dag/runner.js';
import type { CheckResult } from '../stages/check/checks.js';
import type { FileReport } from '../stages/load/load-model.js';
import type { StagedFile } from '../stages/stage/stage-files.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { PipelineListener, RunStatus } from './events.js';
import type { TaskQueue } from './executors/bullmq.js';
import { inProcessExecutor } from './executors/executor.js';
import { RUN_MESSAGE, RunSession, type RunOutcome, type SessionRun } from './run-session.js';
import type * as runs from './run-store.js';
import { expandTaskIds, planPipeline } from './tasks/index.js';
import type { RunSource } from './tasks/task.js';

export interface RunSummary {
  runId: number;
  status: RunStatus;
  /** The run's load package in the staging area (runs/<packageId>/). */
  packageId: string;
  files: StagedFile[];
  reports: FileReport[];
  checks: CheckResult[];
  quarantined: number;
  ms: number;
  /** Every task of the DAG with its state, attempts and duration in this run. */
  tasks: readonly TaskResult[];
  /** Whether this run continued an earlier one (`--resume`). */
  resumed: boolean;
}

export interface RunOptions {
  listener?: PipelineListener;
  /** Continue this run (its number or orchestrator id) — or, with `true`, the newest run that did not finish. */
  resume?: string | true;
  /** Run only these tasks (`--only`), or these and everything downstream (`--from`). */
  only?: readonly string[];
  from?: readonly string[];
  /** Tasks running at once (default 4). */
  concurrency?: number;
  /** A graceful stop (SIGTERM): running tasks finish, nothing new starts, the run ends `interrupted`. */
  signal?: AbortSignal;
  /** Who started the run (default manual). */
  trigger?: runs.Trigger;
  /** What the run was asked to do, kept with the run (shown by `runs show`). */
  parameters?: Record<string, unknown>;
  /**
   * Fetch the input first (`--source kaggle`): extract tasks download the dataset and the FRED series into the input
   * folder inside the run, under its lock. They run in this process with any executor.
   */
  source?: { kaggle: string; fred: readonly string[] };
  /** Where the tasks run: in this process (default), or as BullMQ jobs for `movalytics worker` processes. */
  executor?: { kind: 'in-process' } | { kind: 'bullmq'; queue: string };
  /** When another run holds the warehouse: wait for it (true) or fail at once with who holds it (default). */
  wait?: boolean;
  /**
   * Called with the still-open warehouse after a successful or unchanged run, before the run lock is released — so
   * what it reads (the closing answers) is what this run published, not what a waiting run wrote next.
   */
  afterPublish?: (wh: Warehouse, runId: number) => Promise<void>;
}

/**
 * Runs the pipeline once (or resumes a run). Failed checks are a result (status 'check_failed', nothing published),
 * and so are `incomplete` and `interrupted`; a failed task throws its error after the run is recorded (so exit codes
 * and messages stay those of the cause). Bad input on a new warehouse removes the file again.
 */
export async function runPipeline(given: Config, opts: RunOptions = {}): Promise<RunSummary> {
  // With a source to fetch, the input is the folder the extract tasks fill (a zip path names its folder).
  const config: Config =
    opts.source === undefined || !given.input.toLowerCase().endsWith('.zip')
      ? given
      : { ...given, input: path.dirname(given.input) };
  const emit: PipelineListener = opts.listener ?? (() => undefined);
  const started = Date.now();
  // BullMQ (and ioredis) only for `--executor bullmq`: importing them took 0.7-0.9 s quiet, 3.5-5.3 s under load, of
  // every in-process run's start.
  const bull = opts.executor?.kind === 'bullmq' ? await import('./executors/bullmq.js') : null;
  bull?.checkDistributable(config);
  const session = await RunSession.open(config, { wait: opts.wait === true, emit });
  let queue: TaskQueue | null = null;
  try {
    // The queue answers before the run is started: an unreachable Redis leaves no run behind.
    if (bull !== null && opts.executor?.kind === 'bullmq')
      queue = await bull.openQueue(opts.executor.queue, config);
    const source: RunSource | null = opts.source === undefined ? null : { ...opts.source, dir: config.input };
    const { run, previous } =
      opts.resume === undefined
        ? {
            run: await session.start({ trigger: opts.trigger ?? 'manual', parameters: opts.parameters }),
            previous: null,
          }
        : await session.resume(opts.resume);
    const resumed = previous !== null;
    // A resumed run keeps the shards it staged (whatever --shards says now): its plan has one slot per shard.
    const staged = resumed ? await session.packageOf(run).shardSlotsIfStaged() : 0;
    const shards = Math.max(config.shards, staged);
    const plan = planPipeline({ overrides: config.dag.tasks, extract: source !== null, shards });
    emit({
      type: 'run.start',
      runId: run.runId,
      input: config.input,
      warehouse: session.wh.displayName,
      resumed,
    });
    const local = inProcessExecutor(await session.scope(run, source));
    const executor =
      queue === null || bull === null
        ? local
        : bull.bullmqExecutor({ queue, config, runId: run.runId, local });
    const { dag, outcome } = await session.execute(run, plan, executor, {
      selection: select(plan, previous, {
        ...(opts.only !== undefined ? { only: expandTaskIds(opts.only, shards) } : {}),
        ...(opts.from !== undefined ? { from: expandTaskIds(opts.from, shards) } : {}),
      }),
      concurrency: opts.concurrency ?? config.dag.concurrency,
      ...(opts.signal !== undefined ? { drain: opts.signal } : {}),
    });

    const status = runStatus(dag, outcome);
    const root = dag.tasks.find((t) => t.state === 'failed');
    const message =
      status === 'failed'
        ? `${root?.task ?? 'a task'} failed: ${root?.error?.message ?? 'unknown error'}`
        : RUN_MESSAGE[status];
    await session.finish(run, status, message, outcome.unpackedDir);
    emit({ type: 'run.end', runId: run.runId, status, ms: Date.now() - started });
    if (status === 'success' || status === 'unchanged') await opts.afterPublish?.(session.wh, run.runId);
    if (status === 'failed') {
      const cause = root === undefined ? undefined : outcome.errors.get(root.task);
      throw cause instanceof Error ? cause : new TaskError(message ?? 'the run failed');
    }
    return summarize(run, status, outcome, dag, resumed, Date.now() - started);
  } finally {
    await queue?.close().catch(() => undefined);
    await session.close();
  }
}

/** The tasks this run runs: all, or what --resume / --only / --from select (intersected when combined). */
function select(
  plan: DagPlan,
  previous: Readonly<Record<string, FinalState>> | null,
  opts: Pick<RunOptions, 'only' | 'from'>,
): readonly string[] {
  let tasks = previous === null ? selectAll(plan).tasks : selectResume(plan, previous).tasks;
  if (opts.only !== undefined && opts.only.length > 0) {
    const only = new Set(selectOnly(plan, opts.only).tasks);
    tasks = tasks.filter((t) => only.has(t));
  }
  if (opts.from !== undefined && opts.from.length > 0) {
    const from = new Set(selectFrom(plan, opts.from).tasks);
    tasks = tasks.filter((t) => from.has(t));
  }
  return tasks;
}

function runStatus(dag: DagResult, outcome: RunOutcome): RunStatus {
  if (outcome.publish !== null) return outcome.publish.status;
  if (dag.status === 'cancelled') return 'interrupted';
  if (dag.status === 'failed') return 'failed';
  return 'incomplete';
}

function summarize(
  run: SessionRun,
  status: RunStatus,
  outcome: RunOutcome,
  dag: DagResult,
  resumed: boolean,
  ms: number,
): RunSummary {
  const p = outcome.publish;
  return {
    runId: run.runId,
    status,
    packageId: run.packageId,
    files: outcome.files ?? [],
    reports: p?.reports ?? [],
    checks: p?.checks ?? [],
    quarantined: p?.quarantined ?? 0,
    ms,
    tasks: dag.tasks,
    resumed,
  };
}
