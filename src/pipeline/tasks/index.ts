// The task registry: every pipeline task once, in run order. The graph (`dag --format …`, the Airflow export), the
// ids `movalytics task` accepts, the BullMQ jobs and `--only/--from/--resume` all derive from REGISTRY.
import { DagError } from '../../dag/errors.js';
import { planDag, type DagPlan, type DagSpec, type TaskSpec } from '../../dag/graph.js';
import { cleanMoviesTask } from './clean-movies.js';
import { extractFred } from './extract-fred.js';
import { extractMovielens } from './extract-movielens.js';
import { loadBulk } from './load-bulk.js';
import { publish, PUBLISH_BOUNDARY } from './publish.js';
import { stageFiles } from './stage-files.js';
import { SECOND, type PipelineTask } from './task.js';

export const REGISTRY: readonly PipelineTask[] = [
  extractMovielens,
  extractFred,
  stageFiles,
  cleanMoviesTask,
  loadBulk,
  publish,
];

/** The tasks every run has, whatever its source: what `movalytics task` accepts and workers run. */
export const TASK_IDS = REGISTRY.filter((t) => t.extract !== true).map((t) => t.id);

/** The registry entry for an id, or undefined. */
export function findTask(id: string): PipelineTask | undefined {
  return REGISTRY.find((t) => t.id === id);
}

/** Per-task overrides of retries, retry delay and timeout, by task id; `*` applies to every task. */
export type TaskOverrides = Readonly<
  Record<string, { retries?: number; retryDelaySeconds?: number; timeoutSeconds?: number }>
>;

export interface PipelineGraphOptions {
  /** Cron expression or Airflow preset; default null (run by hand). */
  schedule?: string | null;
  /** Fetch the input first: the extract tasks in front of stage.files (`--source kaggle`). */
  extract?: boolean;
  /** From the config's `dag.tasks`. */
  overrides?: TaskOverrides;
}

/** The tasks of a run: the registry, without the extract tasks unless the run fetches its input. */
export function runTasks(extract: boolean): readonly PipelineTask[] {
  return REGISTRY.filter((t) => extract || t.extract !== true);
}

/** The pipeline's graph as data, derived from the registry. */
export function pipelineGraph(opts: PipelineGraphOptions = {}): DagSpec {
  const tasks = runTasks(opts.extract === true);
  const ids = new Set(tasks.map((t) => t.id));
  return {
    id: 'movalytics',
    description:
      'The Movies Dataset + FRED CPI → a clean, checked warehouse that answers four business questions',
    schedule: opts.schedule ?? null,
    boundaries: [
      {
        id: PUBLISH_BOUNDARY,
        description: 'load.model → check.quality → answers.marts in one transaction (write-audit-publish)',
      },
    ],
    tasks: tasks.map((t): TaskSpec => ({
      id: t.id,
      deps: t.deps.filter((d) => ids.has(d)),
      description: t.description,
      ...t.profile,
      ...(t.boundary !== undefined ? { boundary: t.boundary } : {}),
    })),
  };
}

/** The pipeline's graph, validated and ordered, with the config's per-task overrides. */
export function planPipeline(opts: PipelineGraphOptions = {}): DagPlan {
  return planDag(applyOverrides(pipelineGraph(opts), opts.overrides ?? {}));
}

/** The graph with the config's per-task overrides applied; an override naming no task is a DagError. */
function applyOverrides(spec: DagSpec, overrides: TaskOverrides): DagSpec {
  const known = REGISTRY.map((t) => t.id);
  for (const id of Object.keys(overrides))
    if (id !== '*' && !known.includes(id))
      throw new DagError(
        `dag.tasks.${id}: there is no task ${JSON.stringify(id)}; use one of ${known.join(', ')} or "*"`,
      );
  const s = (v: number | undefined): number | undefined =>
    v === undefined ? undefined : Math.round(v * SECOND);
  return {
    ...spec,
    tasks: spec.tasks.map((t) => {
      const o = { ...overrides['*'], ...overrides[t.id] };
      const delay = s(o.retryDelaySeconds);
      return {
        ...t,
        ...(o.retries !== undefined ? { retries: o.retries } : {}),
        ...(delay !== undefined
          ? { retryDelayMs: delay, maxRetryDelayMs: Math.max(delay, t.maxRetryDelayMs) }
          : {}),
        ...(o.timeoutSeconds !== undefined ? { timeoutMs: s(o.timeoutSeconds)! } : {}),
      };
    }),
  };
}
