// The run session: the ONLY module that opens (and locks) the warehouse for a run, creates or migrates the model,
// opens the staging area and the run history, starts or re-opens a run, drives a plan through an executor, and
// finishes the run (status, message, staging cleanup). `run`, `task`, `worker`, `schedule` and `serve --schedule`
// all come through here; a worker joining a run another process owns uses `join` (no lock, no migrate).
import type { Config } from '../config/config.js';
import { TaskError, UsageError } from '../core/errors.js';
import type { DagPlan, FinalState } from '../dag/graph.js';
import { runDag, type DagResult, type TaskFn } from '../dag/runner.js';
import { migrateModel, modelDdl } from './migrate.js';
import type { StagedFile } from '../stages/stage/stage-files.js';
import { newPackageId, StagingArea } from '../stages/stage/staging-area.js';
import { describeLocation, discardNewWarehouse, openWarehouse, warehouseExists } from '../warehouse/open.js';
import { WarehouseLockedError, type Warehouse, type WarehouseSession } from '../warehouse/warehouse.js';
import type { PipelineListener, RunStatus } from './events.js';
import type { Executor, RunScope } from './executors/executor.js';
import { LoadPackage } from './load-package.js';
import {
  closeAbandonedAttempts,
  closeCompletedAttempts,
  HistoryRecorder,
  taskStates,
} from './run-history.js';
import * as runs from './run-store.js';
import { findTask } from './tasks/index.js';
import { publish, type PublishOutcome } from './tasks/publish.js';
import type { RunSource, TaskReport } from './tasks/task.js';

/** A run as the session knows it: its number, load package, start time and status when it was found. */
export interface SessionRun {
  readonly runId: number;
  readonly packageId: string;
  readonly startedAt: Date;
  readonly status: string;
}

/** What the tasks of one execution reported, for the run's summary; `errors` keeps each failed task's error as thrown. */
export interface RunOutcome {
  files: StagedFile[] | null;
  unpackedDir: string | null;
  publish: PublishOutcome | null;
  errors: Map<string, unknown>;
}

export interface Execution {
  readonly dag: DagResult;
  readonly outcome: RunOutcome;
}

/** The message stored with a run's final status (a failed run stores its failure). */
export const RUN_MESSAGE: Record<Exclude<RunStatus, 'failed'>, string | null> = {
  success: null,
  unchanged: 'no input changed since the last load',
  check_failed: 'data-quality checks failed; nothing was published',
  incomplete: 'the selected tasks succeeded; the rest did not run (complete it with --resume)',
  interrupted:
    'stopped by a signal before it finished; nothing new was published (complete it with --resume)',
};

/** Load packages kept in the staging area per warehouse (older ones are removed after a successful run). */
const KEEP_PACKAGES = 3;

export class RunSession {
  /** False while a warehouse this session created holds nothing worth keeping: close() removes it again. */
  private kept: boolean;

  private constructor(
    readonly config: Config,
    readonly wh: Warehouse,
    readonly staging: StagingArea,
    private readonly history: WarehouseSession,
    readonly emit: PipelineListener,
    private readonly created: boolean,
  ) {
    this.kept = !created;
  }

  /**
   * Opens the warehouse for a run and takes its run lock (waiting for it with `wait`, else failing at once naming the
   * holder) — before staging, because the staging area is shared state too — then creates or migrates the model.
   */
  static async open(config: Config, opts: { wait: boolean; emit: PipelineListener }): Promise<RunSession> {
    const created = !warehouseExists(config.warehouse);
    const wh = await lockWarehouse(config, opts.wait, opts.emit);
    return RunSession.assemble(config, wh, opts.emit, created, async () => migrate(wh));
  }

  /** Joins a run another process owns (a worker): no lock and no migration — the owner holds both and finishes it. */
  static async join(config: Config, emit: PipelineListener): Promise<RunSession> {
    const wh = await openWarehouse(config.warehouse, { duckdbMemoryLimit: config.duckdbMemoryLimit });
    return RunSession.assemble(config, wh, emit, false, () => Promise.resolve());
  }

  private static async assemble(
    config: Config,
    wh: Warehouse,
    emit: PipelineListener,
    created: boolean,
    prepare: () => Promise<void>,
  ): Promise<RunSession> {
    let staging: StagingArea | null = null;
    try {
      await prepare();
      staging = await StagingArea.open(config.staging);
      return new RunSession(config, wh, staging, await wh.openSession(), emit, created);
    } catch (err) {
      await staging?.close();
      await wh.close();
      if (created) await discardNewWarehouse(config.warehouse);
      throw err;
    }
  }

  /** Starts a new run (status `running`) with a new load package. */
  async start(opts: {
    trigger: runs.Trigger;
    parameters?: Record<string, unknown>;
    externalId?: string;
  }): Promise<SessionRun> {
    const runId = await runs.nextRunId(this.wh);
    await runs.insertRun(this.wh, {
      runId,
      input: this.config.input,
      packageId: newPackageId(),
      triggeredBy: opts.trigger,
      ...opts,
    });
    // Read back for its start time (the database's clock); a new run does not yet keep a new warehouse file.
    const run = (await runs.findRun(this.wh, String(runId)))!;
    return { runId, packageId: run.packageId!, startedAt: run.startedAt, status: run.status };
  }

  /** The run with this number or orchestrator id, or null; one that predates load packages is refused. */
  async find(ref: string): Promise<SessionRun | null> {
    const run = await runs.findRun(this.wh, ref);
    if (run === null) return null;
    if (run.packageId === null)
      throw new TaskError(`run ${run.runId} predates load packages: start a new run`);
    this.kept = true;
    return { runId: run.runId, packageId: run.packageId, startedAt: run.startedAt, status: run.status };
  }

  /**
   * Re-opens a run for `--resume` (its number or orchestrator id, or with `true` the newest unfinished one), with the
   * final state of each of its tasks. Refuses runs that finished, predate load packages, or were overtaken.
   */
  async resume(ref: string | true): Promise<{ run: SessionRun; previous: Record<string, FinalState> }> {
    const found = ref === true ? await runs.latestResumable(this.wh) : await runs.findRun(this.wh, ref);
    if (found === null)
      throw new UsageError(
        ref === true
          ? 'there is no run to resume: the newest run finished (see `movalytics runs`); start a new run without --resume'
          : `run ${ref} does not exist (see \`movalytics runs\`)`,
      );
    if (!(runs.RESUMABLE as readonly string[]).includes(found.status))
      throw new UsageError(`run ${found.runId} is already ${found.status}: there is nothing to resume`);
    if (found.packageId === null)
      throw new UsageError(`run ${found.runId} predates load packages: start a new run`);
    const newer = await this.publishedAfter(found.runId);
    if (newer !== null)
      throw new UsageError(
        `run ${found.runId} cannot be resumed: run ${newer} published after it, and resuming would load older input over it; start a new run`,
      );
    await closeAbandonedAttempts(this.history, found.runId);
    const previous = await taskStates(this.history, found.runId);
    // A check_failed run's publish ended with a result, but published nothing: resuming it publishes again.
    if (found.status === 'check_failed') delete previous[publish.id];
    await runs.reopenRun(this.wh, found.runId);
    this.kept = true;
    return {
      run: { runId: found.runId, packageId: found.packageId, startedAt: found.startedAt, status: 'running' },
      previous,
    };
  }

  /** The run's load package in this session's staging area. */
  packageOf(run: SessionRun): LoadPackage {
    return new LoadPackage(this.staging, run.packageId);
  }

  /** What every task context of this run shares (an in-process executor runs tasks with it). */
  async scope(run: SessionRun, source: RunSource | null = null): Promise<RunScope> {
    return {
      config: this.config,
      wh: this.wh,
      pkg: this.packageOf(run),
      runId: run.runId,
      runStartedAt: run.startedAt,
      emit: this.emit,
      previous: await runs.readFileState(this.wh),
      source,
    };
  }

  /** Closes the attempts of a task that a lost worker left `running`: a redelivered job is the next attempt. */
  async closeAbandoned(run: SessionRun, task: string): Promise<void> {
    await closeAbandonedAttempts(this.history, run.runId, task);
  }

  /** Closes as `success` the attempts of a done task that a lost worker left `running` (see closeCompletedAttempts). */
  async closeCompleted(run: SessionRun, task: string, detail: string): Promise<void> {
    await closeCompletedAttempts(
      this.history,
      run.runId,
      task,
      `${detail} (its output was complete; the process ended before recording the attempt)`,
    );
  }

  /**
   * Drives the selected tasks of `plan` through `executor`, recording every attempt in the run history (through the
   * second session, so a rolled-back publish keeps the record of why) unless the executor records it where it ran.
   */
  async execute(
    run: SessionRun,
    plan: DagPlan,
    executor: Executor,
    opts: { selection: readonly string[]; concurrency?: number; drain?: AbortSignal },
  ): Promise<Execution> {
    const recorder = await HistoryRecorder.open(this.history, run.runId);
    const outcome: RunOutcome = { files: null, unpackedDir: null, publish: null, errors: new Map() };
    const fns: Record<string, TaskFn> = {};
    for (const id of opts.selection) {
      const task = findTask(id);
      if (task === undefined) continue; // the runner names a selected task without a function
      fns[id] = async (attempt) => {
        try {
          return absorb(outcome, await executor.run(task, attempt));
        } catch (err) {
          outcome.errors.set(id, err);
          throw err;
        }
      };
    }
    const dag = await runDag(plan, fns, {
      selection: opts.selection,
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.drain !== undefined ? { drain: opts.drain } : {}),
      listener: (e) => {
        const remote = 'task' in e && executor.recordsRemotely(e.task);
        // A task that never started has no attempt anywhere: its end is recorded here.
        if (!remote || (e.type === 'task.end' && e.attempts === 0)) recorder.listener(e);
        this.emit(e);
      },
    });
    await recorder.flush();
    if (recorder.failure)
      this.emit({
        type: 'run.warning',
        message: `the run history could not be written: ${recorder.failure.message}`,
      });
    if (dag.tasks.some((t) => t.task === 'stage.files' && t.state === 'success')) this.kept = true;
    return { dag, outcome };
  }

  /**
   * The first run after run `runId` that published (or found nothing to publish), or null. Publishing run `runId`
   * after it would load older input over what it published.
   */
  async publishedAfter(runId: number): Promise<number | null> {
    const [newer] = await this.wh.query<{ run_id: number }>(
      `SELECT run_id FROM movalytics.run WHERE run_id > $1 AND status IN ('success', 'unchanged') ORDER BY run_id LIMIT 1`,
      [runId],
    );
    return newer === undefined ? null : Number(newer.run_id);
  }

  /** Records the run's final status and message; a published run also clears out old load packages. */
  async finish(
    run: SessionRun,
    status: RunStatus,
    message: string | null,
    unpackedDir: string | null = null,
  ): Promise<void> {
    await runs.finishRun(this.wh, run.runId, status, message);
    if (status === 'success' || status === 'unchanged') await this.collectGarbage(run, unpackedDir);
  }

  private async collectGarbage(run: SessionRun, unpackedDir: string | null): Promise<void> {
    const keep = new Set([run.packageId, ...(await runs.recentPackages(this.wh, KEEP_PACKAGES))]);
    await this.staging
      .collectGarbage({
        keepPackages: keep,
        keepRaw: new Set(await runs.fileStateHashes(this.wh)),
        keepUnpacked: new Set(unpackedDir === null ? [] : [unpackedDir]),
      })
      .catch(() => undefined); // best effort: a staging cleanup never fails a published run
  }

  /** Closes everything; a warehouse this session created is removed again when nothing was staged into it. */
  async close(): Promise<void> {
    await this.history.close();
    await this.staging.close();
    await this.wh.close();
    if (this.created && !this.kept) await discardNewWarehouse(this.config.warehouse);
  }
}

/** Records schedule ticks that started no run as runs with status `skipped`, under the run lock (waiting for it). */
export async function recordSkippedTicks(
  config: Config,
  skips: readonly { at: Date; reason: string }[],
): Promise<void> {
  const wh = await lockWarehouse(config, true, () => undefined);
  try {
    await migrate(wh);
    await wh.transaction(async () => {
      for (const s of skips)
        await runs.insertSkippedRun(wh, {
          runId: await runs.nextRunId(wh),
          input: config.input,
          at: s.at,
          message: `tick skipped: ${s.reason}`,
        });
    });
  } finally {
    await wh.close();
  }
}

/** Keeps what a task reported for the run's summary; the runner gets its detail and counts. */
function absorb(outcome: RunOutcome, report: TaskReport): TaskReport {
  if (report.files !== undefined) outcome.files ??= report.files;
  if (report.unpackedDir !== undefined) outcome.unpackedDir = report.unpackedDir;
  if (report.publish !== undefined) outcome.publish = report.publish;
  return {
    ...(report.detail !== undefined ? { detail: report.detail } : {}),
    ...(report.counts !== undefined ? { counts: report.counts } : {}),
  };
}

/** Creates or migrates the model, staging and run tables in one transaction. */
async function migrate(wh: Warehouse): Promise<void> {
  await wh.transaction(async () => {
    await migrateModel(wh);
    for (const ddl of modelDdl(wh)) await wh.exec(ddl);
  });
}

/** Opens the warehouse and takes its run lock; with `wait`, a held lock is waited for (polling, announced once). */
async function lockWarehouse(config: Config, wait: boolean, emit: PipelineListener): Promise<Warehouse> {
  let announced = false;
  // Without --wait a held warehouse is still tried again for a moment: a reader (serve, answers, report, diff) holds
  // a DuckDB file only for a burst of reads, and a run must not be refused because someone looked at the dashboard.
  const giveUpAt = Date.now() + READER_GRACE_MS;
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
      if (!(err instanceof WarehouseLockedError) || (!wait && Date.now() >= giveUpAt)) throw err;
      if (wait && !announced)
        emit({ type: 'run.waiting', warehouse: describeLocation(config.warehouse), holder: err.holder });
      announced = true;
      await new Promise((resolve) => setTimeout(resolve, wait ? 250 : 100));
    }
  }
}

/** How long a run without --wait tries a held warehouse again before it is refused (readers let go within ~1 s). */
const READER_GRACE_MS = 2_000;
