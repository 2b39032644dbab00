// What a published run answered, kept per run: the model is overwritten by the next run, so a diff between two runs
// can only compare answers (and table sizes) recorded at publish time. Table movalytics.run_answers.
import { MODEL_TABLES } from '../../model/schema.js';
import type { Answers } from './index.js';
import { MOVIELENS_COUNTS } from './marts.js';
import { queryCount, sqlUtc, tablesExist, type Warehouse } from '../../warehouse/warehouse.js';

type Db = Pick<Warehouse, 'query' | 'exec'>;

/** DDL of the table (idempotent), as written for the Postgres family: send it through `dialect.tableDdl`. */
export const RUN_ANSWERS_DDL = `CREATE TABLE IF NOT EXISTS movalytics.run_answers (
  run_id INTEGER NOT NULL PRIMARY KEY,
  recorded_at TIMESTAMP NOT NULL,          -- UTC
  answers VARCHAR NOT NULL,                -- the Answers JSON (schemaVersion 1) the run published
  table_rows VARCHAR NOT NULL              -- {"movies.movie": n, …}: row counts of the model tables after the publish
)`;

/**
 * Row counts of the model tables, by schema-qualified name. `ratingsFromMarts`: the ratings are summed from the marts'
 * per-MovieLens-id counts, exact right after the marts were refreshed (a count of 26M rows takes 1-2 s on PostgreSQL).
 */
export async function modelTableRows(
  wh: Db,
  opts: { ratingsFromMarts?: boolean } = {},
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of MODEL_TABLES) {
    const sql =
      t.name === 'rating' && opts.ratingsFromMarts === true
        ? `SELECT coalesce(sum(n), 0) AS n FROM ${MOVIELENS_COUNTS}`
        : `SELECT count(*) AS n FROM movies.${t.name}`;
    out[`movies.${t.name}`] = await queryCount(wh, sql);
  }
  return out;
}

/**
 * Records what run `runId` published: its answers (as computed with the configured parameters) and the model's
 * table sizes. Call it inside the publish transaction, after the marts are refreshed, so a run's recorded answers
 * exist exactly when its model does. Idempotent (a repeated publish replaces the row).
 */
export async function recordRunAnswers(
  wh: Db & Pick<Warehouse, 'dialect'>,
  runId: number,
  answers: Answers,
): Promise<void> {
  await wh.exec(wh.dialect.tableDdl(RUN_ANSWERS_DDL));
  const rows = await modelTableRows(wh, { ratingsFromMarts: true });
  const id = Math.trunc(runId);
  await wh.exec(`DELETE FROM movalytics.run_answers WHERE run_id = ${id}`);
  await wh.query(
    `INSERT INTO movalytics.run_answers (run_id, recorded_at, answers, table_rows) VALUES ($1, CAST($2 AS TIMESTAMP), $3, $4)`,
    [
      id,
      sqlUtc(),
      // Inside the publish the run is not finished yet: the answers describe this run, not the previous one.
      JSON.stringify({ ...answers, run: { runId: id, finishedAt: null } }),
      JSON.stringify(rows),
    ],
  );
}

export interface RecordedRun {
  answers: Answers;
  tableRows: Record<string, number>;
}

/** The answers and table sizes run `runId` recorded, or null (an older run, or one that published nothing). */
export async function readRunAnswers(wh: Db, runId: number): Promise<RecordedRun | null> {
  if (!(await tablesExist(wh, 'movalytics', 'run_answers'))) return null;
  const [r] = await wh.query<{ answers: string; table_rows: string }>(
    `SELECT answers, table_rows FROM movalytics.run_answers WHERE run_id = $1`,
    [Math.trunc(runId)],
  );
  if (r === undefined) return null;
  return {
    answers: JSON.parse(r.answers) as Answers,
    tableRows: JSON.parse(r.table_rows) as Record<string, number>,
  };
}
