// `movalytics task TASK --run-id ID`: one task of a run by itself, in its own process — the contract an external
// orchestrator (Airflow's BashOperator, a worker) relies on. The task reads its inputs from the run's load package,
// holds the warehouse's run lock while it works (waiting for it by default), records its attempt in the run history,
// and is idempotent: a task whose output is already there, or a publish of a finished run, does nothing and says so.
// Retries belong to the orchestrator here: each call is one attempt.
import type { Config } from '../config/config.js';
import { planDag } from '../dag/graph.js';
import { planPipeline } from '../dag/pipeline-graph.js';
import { runDag, type TaskOutput } from '../dag/runner.js';
import { TaskError, UsageError } from '../core/errors.js';
import { migrateModel, modelDdl } from '../model/schema.js';
import { newPackageId, StagingArea } from '../stages/stage/staging-area.js';
import type { WarehouseSession } from '../warehouse/warehouse.js';
import { pipelineTaskFns, TASK_IDS, type PublishOutcome, type RunOutcome, type TaskId } from './dag-tasks.js';
import type { StagedFile } from '../stages/stage/stage-files.js';
import { openWarehouse } from '../warehouse/open.js';
import type { PipelineListener, RunStatus } from './events.js';
import { LoadPackage, PACKAGE_FILES } from './load-package.js';
import { closeAbandonedAttempts, HistoryRecorder } from './run-history.js';
import { openForRun, RUN_MESSAGE } from './run-pipeline.js';
import * as runs from './run-store.js';

export { TASK_IDS, type TaskId } from './dag-tasks.js';

export interface TaskRunResult {
  runId: number;
  task: TaskId;
  /** `done`: the task ran; `skipped`: its output was already there (an idempotent repeat). */
  outcome: 'done' | 'skipped';
  /** The run's status after the task (publish sets the final one). */
  runStatus: string;
  detail: string;
  /** What the task reported (counts), and for publish what it published: the executor's summary is built from it. */
  output?: TaskOutput;
  publish?: PublishOutcome | null;
  files?: StagedFile[] | null;
}

export interface RunTaskOptions {
  listener?: PipelineListener;
  /** Wait for the run lock (default) or fail at once. */
  wait?: boolean;
  trigger?: runs.Trigger;
  /**
   * A worker of a distributed run: the submitting process holds the run lock, created the tables and the run, and
   * finishes it — the task only does its own work (and records its attempt). Default false.
   */
  forSubmitter?: boolean;
}

export async function runTask(
  config: Config,
  task: string,
  runRef: string,
  opts: RunTaskOptions = {},
): Promise<TaskRunResult> {
  if (!(TASK_IDS as readonly string[]).includes(task))
    throw new UsageError(`unknown task ${JSON.stringify(task)}: use one of ${TASK_IDS.join(', ')}`);
  const id = task as TaskId;
  if (runRef.trim() === '') throw new UsageError('--run-id must not be empty');
  const emit = opts.listener ?? (() => undefined);
  const worker = opts.forSubmitter === true;
  const wh = worker
    ? await openWarehouse(config.warehouse, { duckdbMemoryLimit: config.duckdbMemoryLimit })
    : await openForRun(config, opts.wait ?? true, emit);
  let closeStaging = (): Promise<void> => Promise.resolve();
  let session: WarehouseSession | null = null;
  try {
    if (!worker)
      await wh.transaction(async () => {
        await migrateModel(wh);
        for (const ddl of modelDdl(wh)) await wh.exec(ddl);
      });
    let run = await runs.findRun(wh, runRef);
    if (run === null && worker) throw new TaskError(`run ${runRef} does not exist in ${wh.displayName}`);
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
        triggeredBy: opts.trigger ?? 'task',
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
    if (worker && run.status !== 'running')
      return result('skipped', `run ${run.runId} is ${run.status}, not running: nothing to do`);
    if (id === 'stage.files' && (await pkg.readJson(PACKAGE_FILES.manifest)) !== null)
      return result('skipped', `run ${run.runId} is already staged (package ${run.packageId})`);
    if (id === 'clean.movies' && (await pkg.readJson(PACKAGE_FILES.clean)) !== null)
      return result('skipped', `run ${run.runId}: movies already cleaned`);
    if ((id === 'load.bulk' || id === 'publish') && finished)
      return result('skipped', `run ${run.runId} is already ${run.status}`);

    // One attempt of one task, through the same runner and task functions as an in-process run.
    const plan = planPipeline({ overrides: config.dag.tasks });
    const single = planDag({
      ...plan.spec,
      tasks: plan.spec.tasks.map((t) => ({ ...t, retries: 0 })),
    });
    session = await wh.openSession();
    // An attempt of this task that a lost worker left `running` is over: a redelivered job is the next attempt.
    if (worker) await closeAbandonedAttempts(session, run.runId, id);
    const recorder = await HistoryRecorder.open(session, run.runId);
    const outcome: RunOutcome = { files: null, unpackedDir: null, publish: null, errors: new Map() };
    const fns = pipelineTaskFns(
      {
        config,
        wh,
        pkg,
        runId: run.runId,
        runStartedAt: run.startedAt,
        emit,
        previous: await runs.readFileState(wh),
      },
      outcome,
    );
    const dag = await runDag(single, fns, {
      selection: [id],
      listener: (e) => {
        recorder.listener(e);
        emit(e);
      },
    });
    await recorder.flush();
    const mine = dag.tasks.find((t) => t.task === id)!;
    if (worker) {
      if (mine.state !== 'success' && outcome.publish?.status !== 'check_failed') {
        const err = outcome.errors.get(id);
        throw err instanceof Error ? err : new TaskError(`${id} ${mine.state}: ${mine.error?.message ?? ''}`);
      }
      return {
        ...result('done', mine.output?.detail ?? mine.state),
        output: mine.output,
        publish: outcome.publish,
        files: outcome.files,
      };
    }
    if (mine.state !== 'success') {
      const err = outcome.errors.get(id);
      if (id === 'publish') {
        const status: RunStatus = outcome.publish?.status === 'check_failed' ? 'check_failed' : 'failed';
        await runs.finishRun(
          wh,
          run.runId,
          status,
          status === 'failed' ? (mine.error?.message ?? null) : RUN_MESSAGE.check_failed,
        );
        if (status === 'check_failed') return result('done', `run ${run.runId} check_failed`, status);
      }
      throw err instanceof Error
        ? err
        : new TaskError(`${id} ${mine.state}: ${mine.error?.message ?? 'unknown error'}`);
    }
    if (id === 'publish') {
      const status: RunStatus = outcome.publish!.status;
      await runs.finishRun(wh, run.runId, status, RUN_MESSAGE[status]);
      return result('done', `run ${run.runId} ${status}`, status);
    }
    return result('done', mine.output?.detail ?? 'done');
  } finally {
    await session?.close();
    await closeStaging();
    await wh.close();
  }
}
