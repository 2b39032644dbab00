// The Movalytics pipeline as a DAG: task ids, dependencies, retries, timeouts and the publish boundary. The shape
// follows the original Airflow DAG (create tables → staging loads in parallel → upserts → quality checks), one
// task per source, per file role and per table where that lets independent work overlap.
import type { TaskId } from '../pipeline/dag-tasks.js';
import { DagError } from './errors.js';
import { planDag, type DagPlan, type DagSpec, type TaskSpec } from './graph.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** The boundary whose tasks publish together: upserts, checks, marts and the run's records. */
export const PUBLISH_BOUNDARY = 'publish';

/** Retry/timeout profiles, by what a task's failures usually are. */
const NETWORK = { retries: 3, retryDelayMs: 30 * SECOND, maxRetryDelayMs: 5 * MINUTE } as const;
const STORE = { retries: 2, retryDelayMs: 10 * SECOND, maxRetryDelayMs: 2 * MINUTE } as const;
const WAREHOUSE = { retries: 2, retryDelayMs: 10 * SECOND, maxRetryDelayMs: 2 * MINUTE } as const;
/**
 * Inside the publish boundary a failed statement aborts the whole transaction (PostgreSQL), so retrying one task in
 * it cannot work: the unit of retry there is the run (`--resume` re-runs the whole boundary).
 */
const IN_BOUNDARY = { retries: 0, retryDelayMs: 10 * SECOND, maxRetryDelayMs: 10 * SECOND } as const;

type Profile = Pick<TaskSpec, 'retries' | 'retryDelayMs' | 'maxRetryDelayMs'>;
const task = (
  id: string,
  deps: readonly string[],
  profile: Profile,
  timeoutMs: number,
  description: string,
  boundary?: string,
): TaskSpec => ({ id, deps, description, timeoutMs, ...profile, ...(boundary ? { boundary } : {}) });

const STAGE_ROLES = [
  ['movies_metadata', 'extract.movielens'],
  ['links', 'extract.movielens'],
  ['ratings', 'extract.movielens'],
  ['cpi', 'extract.fred'],
] as const;

/** Model tables that get their own bulk-load and upsert task, with the staged input each reads. */
const TABLES = [
  ['movie', 'load.movies', 'movie, genre, movie_genre and date from the cleaned movies_metadata'],
  ['movie_link', 'load.links', 'movie_link from links.csv'],
  ['rating', 'load.ratings', 'rating from every ratings file, later files winning'],
  ['cpi', 'load.cpi', 'cpi from the FRED series'],
] as const;

/** Per-task overrides of retries, retry delay and timeout, by task id; `*` applies to every task. */
export type TaskOverrides = Readonly<
  Record<string, { retries?: number; retryDelaySeconds?: number; timeoutSeconds?: number }>
>;

export interface PipelineGraphOptions {
  /** Cron expression or Airflow preset; default null (run by hand). */
  schedule?: string | null;
  /** Fetch the input first: extract.movielens and extract.fred in front of stage.files (`--source kaggle`). */
  extract?: boolean;
  /** From the config's `dag.tasks`. */
  overrides?: TaskOverrides;
}

/** The pipeline's graph as data. */
export function pipelineGraph(opts: PipelineGraphOptions = {}): DagSpec {
  const upserts = TABLES.map(([table]) => `upsert.${table}`);
  return {
    id: 'movalytics',
    description:
      'The Movies Dataset + FRED CPI → a clean, checked warehouse that answers four business questions',
    schedule: opts.schedule ?? null,
    boundaries: [
      {
        id: PUBLISH_BOUNDARY,
        description: 'write-audit-publish: the model changes only when every upsert and check succeeded',
      },
    ],
    tasks: [
      task(
        'extract.movielens',
        [],
        NETWORK,
        60 * MINUTE,
        'The Movies Dataset (Kaggle or a local folder) into the raw store',
      ),
      task('extract.fred', [], NETWORK, 10 * MINUTE, 'the FRED CPI series into the raw store'),
      ...STAGE_ROLES.map(([role, from]) =>
        task(
          `stage.${role}`,
          [from],
          STORE,
          30 * MINUTE,
          `verify the ${role} file(s) and add them to the run's load package`,
        ),
      ),
      // After staging: input is validated before the warehouse is created or opened for writing.
      task(
        'create.tables',
        STAGE_ROLES.map(([role]) => `stage.${role}`),
        WAREHOUSE,
        10 * MINUTE,
        'create or migrate the model, staging and run tables',
      ),
      task(
        'clean.movies',
        ['stage.movies_metadata'],
        STORE,
        30 * MINUTE,
        'repair and quarantine movies_metadata records into a cleaned file',
      ),
      task(
        'load.movies',
        ['clean.movies', 'create.tables'],
        WAREHOUSE,
        30 * MINUTE,
        'bulk-load the cleaned movies into staging tables',
      ),
      task(
        'load.links',
        ['stage.links', 'create.tables'],
        WAREHOUSE,
        30 * MINUTE,
        'bulk-load links into a staging table',
      ),
      task(
        'load.ratings',
        ['stage.ratings', 'create.tables'],
        WAREHOUSE,
        60 * MINUTE,
        'bulk-load ratings into a staging (shadow) table',
      ),
      task(
        'load.cpi',
        ['stage.cpi', 'create.tables'],
        WAREHOUSE,
        10 * MINUTE,
        'bulk-load the CPI series into a staging table',
      ),
      ...TABLES.map(([table, load, what]) =>
        task(`upsert.${table}`, [load], IN_BOUNDARY, 60 * MINUTE, `upsert ${what}`, PUBLISH_BOUNDARY),
      ),
      task(
        'check.quality',
        upserts,
        IN_BOUNDARY,
        30 * MINUTE,
        'data-quality checks; a failed error check fails the task',
        PUBLISH_BOUNDARY,
      ),
      task(
        'answers.marts',
        ['check.quality'],
        IN_BOUNDARY,
        30 * MINUTE,
        'rebuild the answer marts from the checked model',
        PUBLISH_BOUNDARY,
      ),
      task(
        'publish',
        ['answers.marts'],
        IN_BOUNDARY,
        10 * MINUTE,
        'record file state, manifest, reconciliation and checks; commit',
        PUBLISH_BOUNDARY,
      ),
      // Outside the boundary: starts only after the commit, and a failure here leaves the published model alone.
      task(
        'cleanup.staging',
        ['publish'],
        STORE,
        10 * MINUTE,
        'remove load packages and raw files no run needs any more',
      ),
    ],
  };
}

/**
 * The graph of the tasks `movalytics task` runs today (src/pipeline/run-task.ts): stage.files → (clean.movies ∥
 * load.bulk) → publish, where publish is load.model → check.quality → answers.marts in one transaction — the whole
 * boundary in one process, so an orchestrator that runs each task in its own process keeps the publish atomic.
 * Because publish is the whole boundary and idempotent per run, it may be retried.
 */
export function currentPipelineGraph(opts: PipelineGraphOptions = {}): DagSpec {
  // Typed as TaskId: renaming a task in dag-tasks.ts breaks this at compile time, not silently.
  const [stage, clean, bulk, publish]: [TaskId, TaskId, TaskId, TaskId] = [
    'stage.files',
    'clean.movies',
    'load.bulk',
    'publish',
  ];
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
    tasks: [
      ...(opts.extract === true
        ? [
            task(
              'extract.movielens',
              [],
              NETWORK,
              60 * MINUTE,
              'fetch The Movies Dataset from Kaggle into the input folder (resumable, verified, skipped when unchanged)',
            ),
            task('extract.fred', [], NETWORK, 10 * MINUTE, 'fetch the FRED CPI series into the input folder'),
          ]
        : []),
      task(
        stage,
        opts.extract === true ? ['extract.movielens', 'extract.fred'] : [],
        STORE,
        30 * MINUTE,
        'verify the input files and stage new or changed ones into the run’s load package',
      ),
      task(
        clean,
        [stage],
        STORE,
        30 * MINUTE,
        'repair and quarantine movies_metadata records into the package’s clean files',
      ),
      task(bulk, [stage], WAREHOUSE, 60 * MINUTE, 'bulk-build the first ratings load into a shadow table'),
      task(
        publish,
        [clean, bulk],
        WAREHOUSE,
        90 * MINUTE,
        'load the model, run the checks, rebuild the marts and record the run — one transaction',
        PUBLISH_BOUNDARY,
      ),
    ],
  };
}

export const PIPELINE_GRAPHS = ['current', 'target'] as const;
export type PipelineGraphName = (typeof PIPELINE_GRAPHS)[number];

/**
 * The pipeline's graph, validated and ordered: `current` (default) is what `movalytics task` runs today; `target`
 * is the finer graph of the Orchestration issue, for when the tasks are split that far.
 */
export function planPipeline(opts: PipelineGraphOptions & { graph?: PipelineGraphName } = {}): DagPlan {
  const spec = opts.graph === 'target' ? pipelineGraph(opts) : currentPipelineGraph(opts);
  return planDag(applyOverrides(spec, opts.overrides ?? {}));
}

/** The graph with the config's per-task overrides applied; an override naming no task is a DagError. */
function applyOverrides(spec: DagSpec, overrides: TaskOverrides): DagSpec {
  const ids = new Set(spec.tasks.map((t) => t.id));
  for (const id of Object.keys(overrides))
    if (id !== '*' && !ids.has(id))
      throw new DagError(
        `dag.tasks.${id}: there is no task ${JSON.stringify(id)}; use one of ${[...ids].join(', ')} or "*"`,
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
