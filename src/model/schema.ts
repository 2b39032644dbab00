// The warehouse schema as data: schema `movies` (its tables in model/tables.ts, its views here) and `movalytics` (run
// metadata and lineage, as DDL in the SQL the Postgres family shares); docs/data-model.md documents it. Rendering it
// for an engine and migrating older warehouses is the pipeline's (pipeline/migrate.ts).

export { MODEL_SCHEMA, MODEL_TABLES } from './tables.js';
export const META_SCHEMA = 'movalytics';

/** The CPI series the answers deflate with: FRED CUSR0000SS62031 (admission to movies, theaters and concerts). */
export const PRIMARY_CPI_SERIES = 'CUSR0000SS62031';
/** Other FRED series the model stores when their file is present (used only by `--cpi-splice`). */
export const OPTIONAL_CPI_SERIES: readonly string[] = ['CPIAUCNS'];

/** The views of the model, by name (dropped and recreated around a swap of the tables they read). */
export const MODEL_VIEW_NAMES: readonly string[] = ['movies.rating_mapped'];

/** Ratings joined to movies through links: the only way answers may reach a movie from a rating. */
export const MODEL_VIEWS: readonly string[] = [
  `CREATE OR REPLACE VIEW movies.rating_mapped AS
SELECT r.user_id, r.movielens_id, m.movie_id, r.rating, r.rated_at
FROM movies.rating r
JOIN movies.movie_link l ON l.movielens_id = r.movielens_id
JOIN movies.movie m ON m.movie_id = l.tmdb_id`,
];

/** Run metadata and lineage. */
export const META_TABLES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS movalytics.run (
  run_id INTEGER NOT NULL PRIMARY KEY,
  started_at TIMESTAMP NOT NULL,           -- UTC
  finished_at TIMESTAMP,                   -- UTC
  status VARCHAR NOT NULL,                 -- running | success | unchanged | failed | check_failed | incomplete | interrupted | skipped
  input VARCHAR NOT NULL,
  message VARCHAR,
  package_id VARCHAR,                      -- the run's load package in the staging area: runs/<package_id>/
  triggered_by VARCHAR,                    -- manual | schedule | task (an external orchestrator, e.g. Airflow) | worker
  external_id VARCHAR,                     -- the orchestrator's run id (\`movalytics task … --run-id\`), if any
  parameters VARCHAR                       -- JSON: what the run was asked to do (selection, concurrency, source …)
)`,
  // Per task attempt (Dagster's step events, Airflow's task instances): one row per attempt started, and one row with
  // attempt 0 for a task that never started (skipped after a failed dependency, or not selected). Written through a
  // separate session, so a publish transaction that rolls back never takes its own history with it.
  `CREATE TABLE IF NOT EXISTS movalytics.task_run (
  run_id INTEGER NOT NULL,
  task VARCHAR NOT NULL,
  attempt INTEGER NOT NULL,                -- 1, 2 … per run (a resumed run continues the count); 0 = never started
  state VARCHAR NOT NULL,                  -- running | success | failed | skipped | not_run
  started_at TIMESTAMP,                    -- UTC
  finished_at TIMESTAMP,                   -- UTC
  ms DOUBLE PRECISION,
  detail VARCHAR,                          -- the task's one-line summary, or why it was skipped
  rows_in BIGINT,
  rows_out BIGINT,
  bytes BIGINT,
  error_class VARCHAR,
  error_message VARCHAR,
  retryable BOOLEAN,
  worker VARCHAR,                          -- host:pid of the process that ran the attempt
  PRIMARY KEY (run_id, task, attempt)
)`,
  `CREATE TABLE IF NOT EXISTS movalytics.task_log (
  run_id INTEGER NOT NULL,
  task VARCHAR NOT NULL,
  attempt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  logged_at TIMESTAMP NOT NULL,            -- UTC
  line VARCHAR NOT NULL,
  PRIMARY KEY (run_id, task, attempt, seq)
)`,
  // The files as last loaded: the incremental decision compares a new stage against this.
  `CREATE TABLE IF NOT EXISTS movalytics.file_state (
  file_name VARCHAR NOT NULL PRIMARY KEY,
  role VARCHAR NOT NULL,
  bytes BIGINT NOT NULL,
  mtime_ms DOUBLE PRECISION NOT NULL,
  sha256 VARCHAR NOT NULL,
  data_lines BIGINT NOT NULL,              -- non-empty physical lines after the header
  loaded_run_id INTEGER NOT NULL
)`,
  `CREATE TABLE IF NOT EXISTS movalytics.manifest (
  run_id INTEGER NOT NULL,
  file_name VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  bytes BIGINT NOT NULL,
  sha256 VARCHAR,                          -- NULL when size and mtime matched the last load and hashing was skipped
  data_lines BIGINT,                       -- non-empty physical lines after the header
  action VARCHAR NOT NULL,                 -- loaded | unchanged | ignored
  note VARCHAR,
  PRIMARY KEY (run_id, file_name)
)`,
  `CREATE TABLE IF NOT EXISTS movalytics.reconciliation (
  run_id INTEGER NOT NULL,
  file_name VARCHAR NOT NULL,
  records_read BIGINT NOT NULL,
  rows_loaded BIGINT NOT NULL,
  rows_quarantined BIGINT NOT NULL,
  duplicates_collapsed BIGINT NOT NULL,
  records_merged BIGINT NOT NULL,          -- second halves of broken records stitched into the first
  PRIMARY KEY (run_id, file_name)
)`,
  `CREATE TABLE IF NOT EXISTS movalytics.quarantine (
  run_id INTEGER NOT NULL,
  source_file VARCHAR NOT NULL,
  record_number BIGINT,                    -- 1-based CSV record number, header excluded
  line_number BIGINT,                      -- 1-based physical line where the record starts
  reason VARCHAR NOT NULL,
  raw VARCHAR
)`,
  `CREATE TABLE IF NOT EXISTS movalytics.check_result (
  run_id INTEGER NOT NULL,
  check_name VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,               -- error | warn
  passed BOOLEAN NOT NULL,
  observed VARCHAR,
  expected VARCHAR,
  carried_from_run INTEGER,                -- set when the tables it reads were unchanged and the result was reused
  PRIMARY KEY (run_id, check_name)
)`,
];
