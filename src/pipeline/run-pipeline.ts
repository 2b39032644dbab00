// The pipeline run: opens the warehouse under its run lock, starts (or resumes) a run, and drives the DAG's tasks
// (src/pipeline/dag-tasks.ts) with the in-process runner: stage.files → (clean.movies ∥ load.bulk) → publish, where
// publish is load.model → check.quality → answers.marts in ONE transaction (write-audit-publish). Every task attempt
// is recorded in the run history as it happens, through a separate session.
import type { Config } from '../config/config.js';
import { planPipeline } from '../dag/pipeline-graph.js';
import { selectAll, selectFrom, selectOnly, selectResume, type DagPlan } from '../dag/graph.js';
import { runDag, type DagResult, type TaskResult } from '../dag/runner.js';
import { UsageError, TaskError } from '../core/errors.js';
import { migrateModel, modelDdl } from '../model/schema.js';
import type { CheckResult } from '../stages/check/checks.js';
import type { FileReport } from '../stages/load/load-model.js';
import type { StagedFile } from '../stages/stage/stage-files.js';
import { newPackageId, StagingArea } from '../stages/stage/staging-area.js';
import { describeLocation, discardNewWarehouse, openWarehouse, warehouseExists } from '../warehouse/open.js';
import { WarehouseLockedError, type Warehouse, type WarehouseSession } from '../warehouse/warehouse.js';
import { bullmqTaskFns, checkDistributable, openQueue } from './bullmq-executor.js';
import { extractTaskFns, pipelineTaskFns, type RunOutcome, type RunSource } from './dag-tasks.js';
import path from 'node:path';
import type { PipelineListener, RunStatus, StepName } from './events.js';
import { LoadPackage } from './load-package.js';
import { closeAbandonedAttempts, HistoryRecorder, taskStates } from './run-history.js';
import * as runs from './run-store.js';

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
  /** Testing hook: throw right after this step, to prove a failure leaves the previous state intact. */
  failAfter?: StepName;
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
  afterPublish?: (wh: Warehouse) => Promise<void>;
}

/** The message stored with a run's final status. */
export const RUN_MESSAGE: Record<
  'success' | 'unchanged' | 'check_failed' | 'incomplete' | 'interrupted',
  string | null
> = {
  success: null,
  unchanged: 'no input changed since the last load',
  check_failed: 'data-quality checks failed; nothing was published',
  incomplete: 'the selected tasks succeeded; the rest did not run (complete it with --resume)',
  interrupted:
    'stopped by a signal before it finished; nothing new was published (complete it with --resume)',
};

/** Load packages kept in the staging area per warehouse (older ones are removed after a successful run). */
const KEEP_PACKAGES = 3;

/**
 * Opens the warehouse and takes the run lock for the whole run — before staging, because the staging area is shared
 * state too. With `wait`, a held lock is waited for (polling), else it fails at once naming the holder.
 */
export async function openForRun(config: Config, wait: boolean, emit: PipelineListener): Promise<Warehouse> {
  let announced = false;
  for (;;) {
    try {
      const wh = await openWarehouse(config.warehouse, { duckdbMemoryLimit: config.duckdbMemoryLimit });
      try {
        await wh.acquireRunLock?.({ wait });
      } catch (err) {
        await wh.close();
        throw err;
      }
      return wh;
    } catch (err) {
      if (!(err instanceof WarehouseLockedError) || !wait) throw err;
      if (!announced)
        emit({ type: 'run.waiting', warehouse: describeLocation(config.warehouse), holder: err.holder });
      announced = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Runs the pipeline once (or resumes a run). Failed checks are a result (status 'check_failed', nothing published),
 * and so are `incomplete` and `interrupted`; a failed task throws its error after the run is recorded (so exit codes
 * and messages stay those of the cause). Bad input on a new warehouse removes the file again. The run holds the
 * warehouse's run lock from before staging to the end.
 */
export async function runPipeline(given: Config, opts: RunOptions = {}): Promise<RunSummary> {
  // With a source to fetch, the input is the folder the extract tasks fill (a zip path names its folder).
  const config: Config =
    opts.source === undefined || !given.input.toLowerCase().endsWith('.zip')
      ? given
      : { ...given, input: path.dirname(given.input) };
  const emit: PipelineListener = opts.listener ?? (() => undefined);
  const started = Date.now();
  const distributed = opts.executor?.kind === 'bullmq' ? opts.executor : null;
  if (distributed) checkDistributable(config);
  const existed = warehouseExists(config.warehouse);
  const w = await openForRun(config, opts.wait === true, emit);
  // A new warehouse whose run fails before anything is staged is removed again: bad input leaves no trace.
  let created = !existed;
  let session: WarehouseSession | null = null;
  let queue: Awaited<ReturnType<typeof openQueue>> | null = null;
  let closeStaging = (): Promise<void> => Promise.resolve();
  try {
    if (distributed) queue = await openQueue(distributed.queue, config);
    await w.transaction(async () => {
      await migrateModel(w);
      for (const ddl of modelDdl(w)) await w.exec(ddl);
    });
    const staging = await StagingArea.open(config.staging);
    closeStaging = () => staging.close();
    session = await w.openSession();
    const source: RunSource | null =
      opts.source === undefined
        ? null
        : {
            ...opts.source,
            dir: config.input,
          };
    const plan = planPipeline({ overrides: config.dag.tasks, extract: source !== null });

    const { runId, packageId, runStartedAt, previousStates } =
      opts.resume === undefined ? await startRun(w, config, opts) : await reopen(w, session, opts.resume);
    const resumed = opts.resume !== undefined;
    if (resumed) created = false;
    const selection = select(plan, previousStates, opts);
    emit({ type: 'run.start', runId, input: config.input, warehouse: w.displayName, resumed });

    const recorder = await HistoryRecorder.open(session, runId);
    const outcome: RunOutcome = { files: null, unpackedDir: null, publish: null, errors: new Map() };
    const pkg = new LoadPackage(staging, packageId);
    const fns =
      queue === null
        ? pipelineTaskFns(
            {
              config,
              wh: w,
              pkg,
              runId,
              runStartedAt,
              emit,
              previous: await runs.readFileState(w),
              failAfter: opts.failAfter,
            },
            outcome,
          )
        : bullmqTaskFns({ queue, config, runId, outcome });
    const allFns = source === null ? fns : { ...extractTaskFns(source), ...fns };
    const dag = await runDag(plan, allFns, {
      selection,
      concurrency: opts.concurrency ?? config.dag.concurrency,
      drain: opts.signal,
      listener: (e) => {
        // On workers, each attempt is recorded by the worker that runs it; here only tasks that never started, and
        // the extract tasks (which always run here).
        const local = 'task' in e && typeof e.task === 'string' && e.task.startsWith('extract.');
        if (queue === null || local || (e.type === 'task.end' && e.attempts === 0)) recorder.listener(e);
        emit(e);
      },
    });
    await recorder.flush();
    if (recorder.failure)
      emit({
        type: 'run.warning',
        message: `the run history could not be written: ${recorder.failure.message}`,
      });
    if (dag.tasks.find((t) => t.task === 'stage.files')?.state === 'success') created = false;

    const status = runStatus(dag, outcome);
    const rootTask = dag.tasks.find((t) => t.state === 'failed');
    const message =
      status === 'failed'
        ? `${rootTask?.task ?? 'a task'} failed: ${rootTask?.error?.message ?? 'unknown error'}`
        : RUN_MESSAGE[status];
    await runs.finishRun(w, runId, status, message);
    emit({ type: 'run.end', runId, status, ms: Date.now() - started });

    if (status === 'success' || status === 'unchanged') {
      await cleanup(w, staging, packageId, outcome);
      await opts.afterPublish?.(w);
    }
    if (status === 'failed') {
      const cause = rootTask === undefined ? undefined : outcome.errors.get(rootTask.task);
      throw cause instanceof Error ? cause : new TaskError(message ?? 'the run failed');
    }
    const p = outcome.publish;
    return {
      runId,
      status,
      packageId,
      files: outcome.files ?? [],
      reports: p?.reports ?? [],
      checks: p?.checks ?? [],
      quarantined: p?.quarantined ?? 0,
      ms: Date.now() - started,
      tasks: dag.tasks,
      resumed,
    };
  } finally {
    await queue?.close().catch(() => undefined);
    await session?.close();
    await closeStaging();
    await w.close();
    if (created) await discardNewWarehouse(config.warehouse);
  }
}

interface RunStart {
  runId: number;
  packageId: string;
  runStartedAt: Date;
  previousStates: Record<string, 'success' | 'failed' | 'skipped' | 'not_run'>;
}

async function startRun(w: Warehouse, config: Config, opts: RunOptions): Promise<RunStart> {
  const runId = await runs.nextRunId(w);
  const packageId = newPackageId();
  await runs.insertRun(w, {
    runId,
    input: config.input,
    packageId,
    triggeredBy: opts.trigger ?? 'manual',
    parameters: opts.parameters,
  });
  const [row] = await w.query<{ started_at: string }>(
    `SELECT CAST(started_at AS VARCHAR) AS started_at FROM movalytics.run WHERE run_id = $1`,
    [runId],
  );
  return {
    runId,
    packageId,
    runStartedAt: new Date(`${row!.started_at.replace(' ', 'T')}Z`),
    previousStates: {},
  };
}

/** Re-opens a run for `--resume`: refuses runs that finished, predate load packages, or were overtaken. */
async function reopen(w: Warehouse, session: WarehouseSession, ref: string | true): Promise<RunStart> {
  const run = ref === true ? await runs.latestResumable(w) : await runs.findRun(w, ref);
  if (run === null)
    throw new UsageError(
      ref === true
        ? 'there is no run to resume: the newest run finished (see `movalytics runs`); start a new run without --resume'
        : `run ${ref} does not exist (see \`movalytics runs\`)`,
    );
  if (!(runs.RESUMABLE as readonly string[]).includes(run.status))
    throw new UsageError(`run ${run.runId} is already ${run.status}: there is nothing to resume`);
  if (run.packageId === null)
    throw new UsageError(`run ${run.runId} predates load packages: start a new run`);
  const [newer] = await w.query<{ run_id: number }>(
    `SELECT run_id FROM movalytics.run WHERE run_id > $1 AND status IN ('success', 'unchanged') ORDER BY run_id LIMIT 1`,
    [run.runId],
  );
  if (newer !== undefined)
    throw new UsageError(
      `run ${run.runId} cannot be resumed: run ${newer.run_id} published after it, and resuming would load older input over it; start a new run`,
    );
  await closeAbandonedAttempts(session, run.runId);
  const previousStates = await taskStates(session, run.runId);
  await runs.reopenRun(w, run.runId);
  return { runId: run.runId, packageId: run.packageId, runStartedAt: run.startedAt, previousStates };
}

/** The tasks this run runs: all, or what --resume / --only / --from select (intersected when combined). */
function select(
  plan: DagPlan,
  previous: RunStart['previousStates'],
  opts: Pick<RunOptions, 'resume' | 'only' | 'from'>,
): readonly string[] {
  let tasks = opts.resume === undefined ? selectAll(plan).tasks : selectResume(plan, previous).tasks;
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

/** Load packages kept in the staging area per warehouse (older ones are removed after a successful run). */
async function cleanup(
  w: Warehouse,
  staging: StagingArea,
  packageId: string,
  outcome: RunOutcome,
): Promise<void> {
  const keep = new Set([packageId, ...(await runs.recentPackages(w, KEEP_PACKAGES))]);
  await staging
    .collectGarbage({
      keepPackages: keep,
      keepRaw: new Set(await runs.fileStateHashes(w)),
      keepUnpacked: new Set(outcome.unpackedDir === null ? [] : [outcome.unpackedDir]),
    })
    .catch(() => undefined); // best effort: a staging cleanup never fails a published run
}
