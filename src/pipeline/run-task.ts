// `movalytics task TASK --run-id ID`: one task of a run by itself, in its own process — the contract an external
// orchestrator (Airflow's BashOperator, a worker) relies on. The task reads its inputs from the run's load package,
// holds the warehouse's run lock while it works (waiting for it by default), and is idempotent: a task whose
// output is already there, or a publish of a finished run, does nothing and says so.
import type { Config } from '../config/config.js';
import { TaskError, UsageError } from '../errors.js';
import { migrateModel, modelDdl } from '../model/schema.js';
import { newPackageId, StagingArea } from '../stages/stage/staging-area.js';
import type { PipelineListener, RunStatus, TaskName } from './events.js';
import { LoadPackage, PACKAGE_FILES } from './load-package.js';
import { openForRun, RUN_MESSAGE } from './run-pipeline.js';
import * as runs from './run-store.js';
import { bulkTask, cleanTask, publishOrCarry, stageTask, type TaskContext } from './tasks.js';

/** The tasks `movalytics task` runs. `publish` is load.model → check.quality → answers.marts in one transaction. */
export const TASK_IDS = ['stage.files', 'clean.movies', 'load.bulk', 'publish'] as const;
export type TaskId = (typeof TASK_IDS)[number];

export interface TaskRunResult {
  runId: number;
  task: TaskId;
  /** `done`: the task ran; `skipped`: its output was already there (an idempotent repeat). */
  outcome: 'done' | 'skipped';
  /** The run's status after the task (publish sets the final one). */
  runStatus: string;
  detail: string;
}

export async function runTask(
  config: Config,
  task: string,
  runRef: string,
  opts: { listener?: PipelineListener; wait?: boolean } = {},
): Promise<TaskRunResult> {
  if (!(TASK_IDS as readonly string[]).includes(task))
    throw new UsageError(`unknown task ${JSON.stringify(task)}: use one of ${TASK_IDS.join(', ')}`);
  const id = task as TaskId;
  if (runRef.trim() === '') throw new UsageError('--run-id must not be empty');
  const emit = opts.listener ?? (() => undefined);
  const wh = await openForRun(config, opts.wait ?? true, emit);
  let closeStaging = (): Promise<void> => Promise.resolve();
  try {
    await wh.transaction(async () => {
      await migrateModel(wh);
      for (const ddl of modelDdl()) await wh.exec(ddl);
    });
    let run = await runs.findRun(wh, runRef);
    if (run === null) {
      if (id !== 'stage.files')
        throw new TaskError(`run ${runRef} does not exist: its first task is stage.files`);
      if (/^\d+$/.test(runRef))
        throw new UsageError(
          `run ${runRef} does not exist: a numeric --run-id names an existing run; an orchestrator's run id (e.g. Airflow's {{ run_id }}) starts a new run`,
        );
      const runId = await runs.nextRunId(wh);
      await runs.insertRun(wh, {
        runId,
        input: config.input,
        packageId: newPackageId(),
        triggeredBy: 'task',
        externalId: runRef,
      });
      run = (await runs.findRun(wh, String(runId)))!;
    }
    if (run.packageId === null)
      throw new TaskError(`run ${run.runId} predates load packages: start a new run`);
    const staging = await StagingArea.open(config.staging);
    closeStaging = () => staging.close();
    const pkg = new LoadPackage(staging, run.packageId);
    const t0 = Date.now();
    const step: TaskContext['step'] = async (name: TaskName, fn, detail) => {
      emit({ type: 'task.start', task: name });
      const t = Date.now();
      try {
        const r = await fn();
        emit({ type: 'task.end', task: name, status: 'success', ms: Date.now() - t, detail: detail?.(r) });
        return r;
      } catch (err) {
        emit({ type: 'task.end', task: name, status: 'failed', ms: Date.now() - t });
        throw err;
      }
    };
    const ctx: TaskContext = { config, wh, pkg, runId: run.runId, runStartedAt: run.startedAt, emit, step };
    const result = (
      outcome: TaskRunResult['outcome'],
      detail: string,
      runStatus = run.status,
    ): TaskRunResult => ({
      runId: run.runId,
      task: id,
      outcome,
      runStatus,
      detail: `${detail} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    });
    const finished = ['success', 'unchanged', 'check_failed'].includes(run.status);

    switch (id) {
      case 'stage.files': {
        if ((await pkg.readJson(PACKAGE_FILES.manifest)) !== null)
          return result('skipped', `run ${run.runId} is already staged (package ${run.packageId})`);
        const staged = await stageTask(ctx, await runs.readFileState(wh));
        return result('done', `${staged.files.filter((f) => f.action === 'load').length} files to load`);
      }
      case 'clean.movies': {
        if ((await pkg.readJson(PACKAGE_FILES.clean)) !== null)
          return result('skipped', `run ${run.runId}: movies already cleaned`);
        const clean = await cleanTask(ctx);
        return result(
          'done',
          clean === null ? 'nothing to clean' : `${clean.stats.rowsLoaded} movies cleaned`,
        );
      }
      case 'load.bulk': {
        if (finished) return result('skipped', `run ${run.runId} is already ${run.status}`);
        const shadow = await bulkTask(ctx);
        return result(
          'done',
          shadow === null ? 'nothing to bulk-load' : `${shadow.rowsRead} ratings bulk-loaded`,
        );
      }
      case 'publish': {
        if (finished) return result('skipped', `run ${run.runId} is already ${run.status}`);
        let published;
        try {
          published = await publishOrCarry(ctx);
        } catch (err) {
          await runs.finishRun(wh, run.runId, 'failed', (err as Error).message);
          throw err;
        }
        const status: RunStatus = published.status;
        await runs.finishRun(wh, run.runId, status, RUN_MESSAGE[published.status]);
        return result('done', `run ${run.runId} ${status}`, status);
      }
      default: {
        const never: never = id;
        throw new UsageError(`unknown task ${String(never)}`);
      }
    }
  } finally {
    await closeStaging();
    await wh.close();
  }
}
