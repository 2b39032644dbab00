// The Movalytics pipeline as a DAG: task ids, dependencies, retries, timeouts and the publish boundary. The shape
// follows the original Airflow DAG (create tables → staging loads in parallel → upserts → quality checks), one
// task per source, per file role and per table where that lets independent work overlap.
import type { TaskName } from '../pipeline/events.js';
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

export interface PipelineGraphOptions {
  /** Cron expression or Airflow preset; default null (run by hand). */
  schedule?: string | null;
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

/** The pipeline's graph, validated and ordered. */
export function planPipeline(opts: PipelineGraphOptions = {}): DagPlan {
  return planDag(pipelineGraph(opts));
}

/**
 * Today's six tasks (src/pipeline/run-pipeline.ts) as a graph, with the same publish boundary: a first step for
 * wiring the runner in before the finer tasks exist.
 */
export function currentPipelineGraph(): DagSpec {
  // Typed as TaskName: renaming a task in events.ts breaks this at compile time, not silently.
  const [stage, clean, bulk, model, check, marts]: [
    TaskName,
    TaskName,
    TaskName,
    TaskName,
    TaskName,
    TaskName,
  ] = ['stage.files', 'clean.movies', 'load.bulk', 'load.model', 'check.quality', 'answers.marts'];
  return {
    id: 'movalytics',
    description: 'the six tasks of run-pipeline.ts',
    schedule: null,
    boundaries: [{ id: PUBLISH_BOUNDARY, description: 'load, checks and marts in one transaction' }],
    tasks: [
      task(stage, [], STORE, 30 * MINUTE, 'stage the input files'),
      task(clean, [stage], STORE, 30 * MINUTE, 'clean movies_metadata'),
      task(bulk, [stage], WAREHOUSE, 60 * MINUTE, 'bulk-build the first ratings load'),
      task(model, [clean, bulk], IN_BOUNDARY, 60 * MINUTE, 'load the model', PUBLISH_BOUNDARY),
      task(check, [model], IN_BOUNDARY, 30 * MINUTE, 'data-quality checks', PUBLISH_BOUNDARY),
      task(marts, [check], IN_BOUNDARY, 30 * MINUTE, 'answer marts', PUBLISH_BOUNDARY),
    ],
  };
}
