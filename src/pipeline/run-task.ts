// One task of a run by itself, in its own process. `runTask` is `movalytics task TASK --run-id ID`, the contract an
// external orchestrator (Airflow's BashOperator) relies on: it owns the warehouse for the attempt (run lock, waiting by
// default), starts the run at stage.files for an orchestrator's new run id, and finishes the run at publish.
// `runJoinedTask` is a worker's job in a run another process owns (no lock, no migrate, never finishes the run). Both
// are idempotent: a task whose output is already there does nothing and says so. Retries belong to the caller here:
// each call is one attempt.
import type { Config } from '../config/config.js';
import { TaskError, UsageError } from '../core/errors.js';
import { planDag } from '../dag/graph.js';
import type { TaskResult } from '../dag/runner.js';
import type { PipelineListener, RunStatus } from './events.js';
import { inProcessExecutor } from './executors/executor.js';
import { RUN_MESSAGE, RunSession, type Execution, type SessionRun } from './run-session.js';
import { findTask, planTask, TASK_IDS } from './tasks/index.js';
import { publish } from './tasks/publish.js';
import type { PipelineTask, TaskReport } from './tasks/task.js';

export interface TaskRunResult {
  runId: number;
  task: string;
  /** `done`: the task ran; `skipped`: its output was already there (an idempotent repeat). */
  outcome: 'done' | 'skipped';
  /** The run's status after the task (publish sets the final one). */
  runStatus: string;
  detail: string;
}

export interface RunTaskOptions {
  listener?: PipelineListener;
  /** Wait for the run lock (default) or fail at once. */
  wait?: boolean;
}

/** `movalytics task`: one attempt of one task, owning the warehouse while it works. */
export async function runTask(
  config: Config,
  taskId: string,
  runRef: string,
  opts: RunTaskOptions = {},
): Promise<TaskRunResult> {
  const task = requireTask(taskId);
  if (runRef.trim() === '') throw new UsageError('--run-id must not be empty');
  const session = await RunSession.open(config, {
    wait: opts.wait ?? true,
    emit: opts.listener ?? (() => undefined),
  });
  try {
    const run = (await session.find(runRef)) ?? (await startAt(session, task, runRef));
    const t0 = Date.now();
    const result = (
      outcome: TaskRunResult['outcome'],
      detail: string,
      runStatus = run.status,
    ): TaskRunResult => ({
      runId: run.runId,
      task: task.id,
      outcome,
      runStatus,
      detail: `${detail} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    });
    const done = await task.done({ pkg: session.packageOf(run), runId: run.runId, runStatus: run.status });
    if (done !== null) {
      await session.closeCompleted(run, task.id, done); // an orchestrator's retry of a process killed just after the work
      return result('skipped', done);
    }
    if (task.id === publish.id) await refuseStalePublish(session, run);
    const { mine, outcome } = await attempt(session, run, task);
    if (task.id === publish.id) {
      const status: RunStatus = mine.state === 'success' ? (outcome.publish?.status ?? 'failed') : 'failed';
      await session.finish(
        run,
        status,
        status === 'failed' ? (mine.error?.message ?? null) : RUN_MESSAGE[status],
      );
      if (status !== 'failed') return result('done', `run ${run.runId} ${status}`, status);
    }
    if (mine.state !== 'success') throw failureOf(mine, outcome);
    return result('done', mine.output?.detail ?? 'done');
  } finally {
    await session.close();
  }
}

/**
 * An orchestrator runs a run's tasks one by one, each taking the warehouse lock on its own, so another run can publish
 * between them (a manual `movalytics run` while an Airflow run waits). Publishing the older run after it would load
 * its older input over the newer one's: refused, and the older run is closed as failed, as `--resume` refuses it.
 */
async function refuseStalePublish(session: RunSession, run: SessionRun): Promise<void> {
  const newer = await session.publishedAfter(run.runId);
  if (newer === null) return;
  const message = `run ${run.runId} cannot publish: run ${newer} published after it, and publishing would load older input over it; start a new run`;
  await session.finish(run, 'failed', message);
  throw new UsageError(message);
}

/** A worker's job: one attempt of one task of a run another process owns; returns the task's report. */
export async function runJoinedTask(config: Config, taskId: string, runId: number): Promise<TaskReport> {
  const task = requireTask(taskId);
  const session = await RunSession.join(config, () => undefined);
  try {
    const run = await session.find(String(runId));
    if (run === null) throw new TaskError(`run ${runId} does not exist in ${session.wh.displayName}`);
    if (run.status !== 'running')
      return { detail: `run ${run.runId} is ${run.status}, not running: nothing to do` };
    const done = await task.done({ pkg: session.packageOf(run), runId: run.runId, runStatus: run.status });
    if (done !== null) {
      // Redelivered after its worker died between writing the output and recording the attempt: that attempt's work
      // is complete, so the attempt is too (left `running`, it would show the task unfinished in a successful run).
      await session.closeCompleted(run, task.id, done);
      return { detail: done };
    }
    // An attempt of this task that a lost worker left `running` is over: a redelivered job is the next attempt.
    await session.closeAbandoned(run, task.id);
    const { mine, outcome } = await attempt(session, run, task);
    if (mine.state !== 'success') throw failureOf(mine, outcome);
    return {
      ...mine.output,
      ...(outcome.files !== null ? { files: outcome.files } : {}),
      ...(outcome.publish !== null ? { publish: outcome.publish } : {}),
    };
  } finally {
    await session.close();
  }
}

function requireTask(id: string): PipelineTask {
  // A mapped task's instance (load.ratings[3]) is a task too; the extract tasks run only inside `movalytics run`.
  const task = findTask(id);
  if (task === undefined || task.extract === true)
    throw new UsageError(`unknown task ${JSON.stringify(id)}: use one of ${TASK_IDS.join(', ')}`);
  return task;
}

/** An orchestrator's run id that names no run yet: its first task, stage.files, starts the run. */
async function startAt(session: RunSession, task: PipelineTask, runRef: string): Promise<SessionRun> {
  // A number names a run of this warehouse, whatever the task: a missing one is a mistake in the command line.
  if (/^\d+$/.test(runRef))
    throw new UsageError(
      `run ${runRef} does not exist in ${session.wh.displayName} (see \`movalytics runs\`): a numeric --run-id names an existing run; an orchestrator's run id (e.g. Airflow's {{ run_id }}) starts a new run at stage.files`,
    );
  if (task.id !== 'stage.files')
    throw new TaskError(`run ${runRef} does not exist: its first task is stage.files`);
  return session.start({ trigger: 'task', externalId: runRef });
}

/** One attempt of one task, through the same runner (retries off: the caller owns them) and task code as a run. */
async function attempt(
  session: RunSession,
  run: SessionRun,
  task: PipelineTask,
): Promise<Execution & { mine: TaskResult }> {
  const plan = planTask(task, session.config.dag.tasks);
  const single = planDag({ ...plan.spec, tasks: plan.spec.tasks.map((t) => ({ ...t, retries: 0 })) });
  const executed = await session.execute(run, single, inProcessExecutor(await session.scope(run)), {
    selection: [task.id],
  });
  return { ...executed, mine: executed.dag.tasks.find((t) => t.task === task.id)! };
}

/** The error a failed attempt threw, as thrown (its exit code and message are the cause's). */
function failureOf(mine: TaskResult, outcome: Execution['outcome']): unknown {
  const err = outcome.errors.get(mine.task);
  return err instanceof Error
    ? err
    : new TaskError(`${mine.task} ${mine.state}: ${mine.error?.message ?? 'unknown error'}`);
}
