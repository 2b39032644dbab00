// What a pipeline task is: its definition (id, dependencies, retry/timeout profile, boundary, what it reads and writes
// in the load package, how to tell it is already done, run) and the ONE context every task's run receives.
import type { Config } from '../../config/config.js';
import { afterStep } from '../../core/test-hooks.js';
import type { TaskContext as AttemptContext, TaskOutput } from '../../dag/runner.js';
import type { TaskSpec } from '../../dag/graph.js';
import type { FileState, StagedFile } from '../../stages/stage/stage-files.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { PipelineListener, StepName } from '../events.js';
import type { LoadPackage } from '../load-package.js';
import type { PublishOutcome } from './publish.js';

/** Where a run fetches its input from (`--source kaggle`): the Kaggle dataset, the FRED series, the folder. */
export interface RunSource {
  kaggle: string;
  fred: readonly string[];
  dir: string;
}

/** What every task's run receives: the run, its package, the open warehouse, the event sink and its attempt. */
export interface TaskContext {
  readonly config: Config;
  readonly wh: Warehouse;
  readonly pkg: LoadPackage;
  readonly runId: number;
  /** When the run started: the upper bound of a plausible rating time (the same on every repeat of a task). */
  readonly runStartedAt: Date;
  readonly emit: PipelineListener;
  /** The files as the last load left them (read when the session opened): stage.files compares against them. */
  readonly previous: ReadonlyMap<string, FileState>;
  /** The input to fetch, for the extract tasks (null when the run reads a local folder as it is). */
  readonly source: RunSource | null;
  /** This attempt as the DAG runner sees it: abort signal, log lines, progress. */
  readonly attempt: AttemptContext;
}

/** What a task's run returns: the runner's one-line detail and counts, plus what the run summary is built from. */
export interface TaskReport extends TaskOutput {
  readonly files?: StagedFile[];
  /** The unpacked zip folder the stage used (staging cleanup keeps it). */
  readonly unpackedDir?: string | null;
  readonly publish?: PublishOutcome;
}

/** What `movalytics task` and a worker see before running a task: the package and the run's status. */
export interface DoneProbe {
  readonly pkg: LoadPackage;
  readonly runId: number;
  readonly runStatus: string;
}

/** Retry and timeout of a task, by what its failures usually are. */
export type TaskProfile = Pick<TaskSpec, 'retries' | 'retryDelayMs' | 'maxRetryDelayMs' | 'timeoutMs'>;

/**
 * One task of the pipeline, defined once: the graph, `dag --format …`, the Airflow export, `movalytics task`, the
 * BullMQ jobs and `--resume` all derive from these. The id is a plain string so that a mapped task can later have one
 * instance per shard (`load.ratings[3]`) with the same definition.
 */
export interface PipelineTask {
  readonly id: string;
  readonly deps: readonly string[];
  readonly description: string;
  readonly profile: TaskProfile;
  /** The publish boundary it commits in, if any. */
  readonly boundary?: string;
  /** Only in runs that fetch their input (`--source kaggle`); they always run in the submitting process. */
  readonly extract?: true;
  /** Load-package files it reads and writes (relative to runs/<package_id>/). */
  readonly reads: readonly string[];
  readonly writes: readonly string[];
  /**
   * A mapped task (Airflow's dynamic task mapping): the plan holds one instance per shard slot, `id[i]` (see
   * `mappedId`), each this function's result; the task itself (`movalytics task ID` without `--shard`) runs every slot.
   */
  readonly instance?: (index: number) => PipelineTask;
  /** Why the task has nothing left to do in this run (its output is there), or null. */
  done(probe: DoneProbe): Promise<string | null>;
  run(ctx: TaskContext): Promise<TaskReport>;
}

/** The id of instance `index` of mapped task `id`: `load.ratings[3]`, as Airflow shows a map_index. */
export function mappedId(id: string, index: number): string {
  return `${id}[${index}]`;
}

/** The mapped task and index an id names (`load.ratings[3]` → load.ratings, 3), or null for a plain id. */
export function parseMappedId(id: string): { id: string; index: number } | null {
  const m = /^(.+)\[(\d{1,4})\]$/.exec(id);
  return m === null ? null : { id: m[1]!, index: Number(m[2]) };
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
/**
 * Profiles: the store and the warehouse retry a little. A download already retries every request under the sources'
 * HTTP policy (MOVALYTICS_HTTP_RETRIES with backoff), so its task retries once more, not three times over it: a
 * network that is gone (bug 8 of issue 22: 3 min 48 s of FRED retries) fails in proportion.
 */
export const NETWORK = { retries: 1, retryDelayMs: 30 * SECOND, maxRetryDelayMs: 5 * MINUTE } as const;
export const STORE = { retries: 2, retryDelayMs: 10 * SECOND, maxRetryDelayMs: 2 * MINUTE } as const;
export const WAREHOUSE = STORE;

/** Never done before it ran: tasks that only fetch (the sources skip unchanged downloads themselves). */
export const neverDone = (): Promise<null> => Promise.resolve(null);

/**
 * Runs one named step of a task: step events, a log line with its duration, and the test failpoints
 * (src/core/test-hooks.ts) at its end.
 */
export async function step<T>(
  ctx: TaskContext,
  name: StepName,
  fn: () => Promise<T>,
  detail?: (r: T) => string,
): Promise<T> {
  ctx.emit({ type: 'step.start', step: name });
  ctx.attempt.log(`${name} started`);
  const t0 = Date.now();
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    const ms = Date.now() - t0;
    ctx.emit({ type: 'step.end', step: name, status: 'failed', ms });
    ctx.attempt.log(`${name} failed after ${(ms / 1000).toFixed(1)} s: ${(err as Error).message}`);
    throw err;
  }
  const ms = Date.now() - t0;
  const text = detail?.(result);
  ctx.emit({ type: 'step.end', step: name, status: 'success', ms, detail: text });
  ctx.attempt.log(`${name} done in ${(ms / 1000).toFixed(1)} s${text ? `: ${text}` : ''}`);
  await afterStep(name, ctx.attempt.signal);
  return result;
}
