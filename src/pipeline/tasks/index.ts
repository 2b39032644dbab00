// The task registry: every pipeline task once, in run order. The graph (`dag --format …`, the Airflow export), the
// ids `movalytics task` accepts, the BullMQ jobs and `--only/--from/--resume` all derive from REGISTRY.
import { DagError } from '../../dag/errors.js';
import { planDag, type DagPlan, type DagSpec, type TaskSpec } from '../../dag/graph.js';
import { cleanMoviesTask } from './clean-movies.js';
import { extractFred } from './extract-fred.js';
import { extractMovielens } from './extract-movielens.js';
import { loadRatings } from './load-ratings.js';
import { publish, PUBLISH_BOUNDARY } from './publish.js';
import { stageFiles } from './stage-files.js';
import { mappedId, parseMappedId, SECOND, type PipelineTask } from './task.js';

export const REGISTRY: readonly PipelineTask[] = [
  extractMovielens,
  extractFred,
  stageFiles,
  cleanMoviesTask,
  loadRatings,
  publish,
];

/** The tasks every run has, whatever its source: what `movalytics task` accepts and workers run. */
export const TASK_IDS = REGISTRY.filter((t) => t.extract !== true).map((t) => t.id);

/** The registry entry for an id, or for an instance of a mapped task (`load.ratings[3]`); undefined when none. */
export function findTask(id: string): PipelineTask | undefined {
  const plain = REGISTRY.find((t) => t.id === id);
  if (plain !== undefined) return plain;
  const mapped = parseMappedId(id);
  return mapped === null ? undefined : REGISTRY.find((t) => t.id === mapped.id)?.instance?.(mapped.index);
}

/** The ids a task has in a plan of `shards` shard slots: itself, or one per slot for a mapped task. */
export function planIds(task: PipelineTask, shards: number): string[] {
  return task.instance === undefined
    ? [task.id]
    : Array.from({ length: shards }, (_, i) => mappedId(task.id, i));
}

/** Task ids as a user names them (a mapped task's plain id stands for all its instances), as plan ids. */
export function expandTaskIds(ids: readonly string[], shards: number): string[] {
  return ids.flatMap((id) => {
    const t = REGISTRY.find((r) => r.id === id);
    return t === undefined ? [id] : planIds(t, shards);
  });
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
  /** Shard slots: the instances of each mapped task (`load.ratings[0..shards-1]`); default 1. */
  shards?: number;
}

/** The pipeline's graph as data, derived from the registry. */
export function pipelineGraph(opts: PipelineGraphOptions = {}): DagSpec {
  // The extract tasks only when the run fetches its input.
  const tasks = REGISTRY.filter((t) => opts.extract === true || t.extract !== true);
  const shards = opts.shards ?? 1;
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
    tasks: tasks.flatMap((t) =>
      planIds(t, shards).map((id): TaskSpec => ({
        id,
        deps: expandTaskIds(
          t.deps.filter((d) => ids.has(d)),
          shards,
        ),
        description: findTask(id)!.description,
        ...t.profile,
        ...(t.boundary !== undefined ? { boundary: t.boundary } : {}),
      })),
    ),
  };
}

/** The pipeline's graph, validated and ordered, with the config's per-task overrides. */
export function planPipeline(opts: PipelineGraphOptions = {}): DagPlan {
  return planDag(applyOverrides(pipelineGraph(opts), opts.overrides ?? {}));
}

/**
 * A plan of one task alone, with its profile and the config's overrides and no dependencies: `movalytics task` and a
 * worker's job run one attempt of one task (a mapped instance too, whatever the run's shard count).
 */
export function planTask(task: PipelineTask, overrides: TaskOverrides = {}): DagPlan {
  const graph = pipelineGraph();
  const spec: TaskSpec = {
    id: task.id,
    deps: [],
    description: task.description,
    ...task.profile,
    ...(task.boundary !== undefined ? { boundary: task.boundary } : {}),
  };
  const boundaries = graph.boundaries.filter((b) => b.id === task.boundary);
  return planDag(applyOverrides({ ...graph, boundaries, tasks: [spec] }, overrides));
}

/** The graph with the config's per-task overrides applied; an override naming no task is a DagError. */
function applyOverrides(spec: DagSpec, overrides: TaskOverrides): DagSpec {
  const known = REGISTRY.map((t) => t.id);
  for (const id of Object.keys(overrides))
    if (id !== '*' && !known.includes(id) && !known.includes(parseMappedId(id)?.id ?? id))
      throw new DagError(
        `dag.tasks.${id}: there is no task ${JSON.stringify(id)}; use one of ${known.join(', ')} or "*"`,
      );
  const s = (v: number | undefined): number | undefined =>
    v === undefined ? undefined : Math.round(v * SECOND);
  return {
    ...spec,
    tasks: spec.tasks.map((t) => {
      // An override of a mapped task applies to each instance.
      const o = { ...overrides['*'], ...overrides[parseMappedId(t.id)?.id ?? t.id], ...overrides[t.id] };
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
