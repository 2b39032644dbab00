// Row-level changes of a publish, per model table: rows added, updated (same key, another value) and deleted,
// recorded per run in movalytics.run_row_changes so `diff` can say "1,000 added, 1,000 updated" where table sizes
// only say "+1,000". Never a comparison of 26M rows: ratings are counted from what the load recorded (the rating
// delta of an incremental merge, or a load into an empty table); the small tables are compared with a copy taken
// just before the load, only when a file that writes them is loaded.
import { qualifiedName } from '../../core/table-spec.js';
import { MODEL_TABLES, modelTable, type ModelTableName } from '../../model/tables.js';
import { queryCount, tablesExist, type Warehouse } from '../../warehouse/warehouse.js';
import { MOVIELENS_COUNTS } from '../answers/marts.js';
import type { StagedFile } from '../stage/stage-files.js';
import { ratingsEmpty } from './load-model.js';

export interface RowChanges {
  added: number;
  updated: number;
  deleted: number;
}

/** Per schema-qualified model table ("movies.rating"): its changes, or null when this run could not know them. */
export type TableRowChanges = Record<string, RowChanges | null>;

/** The input file role that writes each model table. */
const WRITTEN_BY: Record<ModelTableName, StagedFile['role']> = {
  movie: 'movies_metadata',
  genre: 'movies_metadata',
  movie_genre: 'movies_metadata',
  date: 'movies_metadata',
  movie_link: 'links',
  cpi: 'cpi',
  rating: 'ratings',
};

const MODEL_TABLE_NAMES = MODEL_TABLES.map((t) => t.name as ModelTableName);
const NONE: RowChanges = { added: 0, updated: 0, deleted: 0 };
const snapshotOf = (name: ModelTableName): string => `staging.rowdiff_${name}`;

/** Takes what a publish needs to count its row changes before the load, and counts them after it. */
export class RowChangeCounter {
  private constructor(
    private readonly wh: Warehouse,
    /** The tables a loaded file writes (the others did not change). */
    private readonly written: ReadonlySet<ModelTableName>,
    /** What was taken before the load; null when nothing could be (an engine that loads by plan). */
    private readonly taken: { ratingsWereEmpty: boolean } | null,
  ) {}

  /** Call it inside the publish transaction, before the load: copies the small tables the load will write. */
  static async before(wh: Warehouse, files: readonly StagedFile[]): Promise<RowChangeCounter> {
    const loaded = new Set(files.filter((f) => f.action === 'load').map((f) => f.role));
    const written = new Set(MODEL_TABLE_NAMES.filter((t) => loaded.has(WRITTEN_BY[t])));
    // An engine that loads by its own plan creates and fills the model in that plan: what it changed is not known.
    if (wh.capabilities.bulkLoad === 's3-copy') return new RowChangeCounter(wh, written, null);
    await wh.exec('CREATE SCHEMA IF NOT EXISTS staging');
    for (const t of written) {
      if (t === 'rating') continue;
      await wh.exec(`DROP TABLE IF EXISTS ${snapshotOf(t)}`);
      await wh.exec(`CREATE TABLE ${snapshotOf(t)} AS SELECT * FROM ${qualifiedName(modelTable(t))}`);
    }
    return new RowChangeCounter(wh, written, { ratingsWereEmpty: await ratingsEmpty(wh) });
  }

  /**
   * The changes of every model table, after the load and the marts' refresh, before the load's scratch tables are
   * dropped.
   * `ratingDelta`: the table of signed rating changes the incremental merge wrote (LoadResult.ratingDelta).
   */
  async after(ratingDelta: string | null): Promise<TableRowChanges> {
    const out: TableRowChanges = {};
    for (const t of MODEL_TABLE_NAMES) {
      const name = qualifiedName(modelTable(t));
      if (!this.written.has(t)) out[name] = NONE;
      else if (this.taken === null) out[name] = null;
      else if (t === 'rating') out[name] = await this.ratingChanges(ratingDelta);
      else out[name] = await this.compared(t);
    }
    return out;
  }

  /**
   * Ratings: into an empty table every row is added; after an incremental merge, per key of the delta the signed
   * counts sum to 0 when a stored row was replaced (each -1 old row is followed by a +1) and to 1 when the key is new.
   * Otherwise (an engine that loads by plan records no delta) the changes are not known.
   */
  private async ratingChanges(delta: string | null): Promise<RowChanges | null> {
    // The marts' per-MovieLens-id counts, just refreshed, sum to the table's rows (a count of 26M takes 1-2 s on PostgreSQL).
    if (this.taken?.ratingsWereEmpty === true)
      return {
        ...NONE,
        added: await queryCount(this.wh, `SELECT coalesce(sum(n), 0) AS n FROM ${MOVIELENS_COUNTS}`),
      };
    if (delta === null) return null;
    const [r] = await this.wh.query<{ added: number | string | null; updated: number | string | null }>(
      `SELECT sum(CASE WHEN s = 1 THEN 1 ELSE 0 END) AS added, sum(CASE WHEN s = 0 THEN 1 ELSE 0 END) AS updated
       FROM (SELECT sum(n) AS s FROM ${delta} GROUP BY user_id, movielens_id) k`,
    );
    return { added: Number(r?.added ?? 0), updated: Number(r?.updated ?? 0), deleted: 0 };
  }

  /** A small table against its copy from before the load, by key; a value compared NULL-safely. */
  private async compared(t: ModelTableName): Promise<RowChanges> {
    const spec = modelTable(t);
    const now = qualifiedName(spec);
    const before = snapshotOf(t);
    const on = spec.key.map((k) => `a.${k} = b.${k}`).join(' AND ');
    const missing = `b.${spec.key[0]!} IS NULL`;
    const values = spec.columns.map((c) => c.name).filter((c) => !spec.key.includes(c));
    const added = await queryCount(
      this.wh,
      `SELECT count(*) AS n FROM ${now} a LEFT JOIN ${before} b ON ${on} WHERE ${missing}`,
    );
    const deleted = await queryCount(
      this.wh,
      `SELECT count(*) AS n FROM ${before} a LEFT JOIN ${now} b ON ${on} WHERE ${missing}`,
    );
    // Written out rather than IS DISTINCT FROM, which Redshift lacks.
    const differs = values
      .map((c) => `NOT (a.${c} = b.${c} OR (a.${c} IS NULL AND b.${c} IS NULL))`)
      .join(' OR ');
    const updated =
      values.length === 0
        ? 0
        : await queryCount(
            this.wh,
            `SELECT count(*) AS n FROM ${now} a JOIN ${before} b ON ${on} WHERE ${differs}`,
          );
    await this.wh.exec(`DROP TABLE ${before}`);
    return { added, updated, deleted };
  }
}

/** DDL of the table (idempotent), for the Postgres family: send it through `dialect.tableDdl`. */
export const RUN_ROW_CHANGES_DDL = `CREATE TABLE IF NOT EXISTS movalytics.run_row_changes (
  run_id INTEGER NOT NULL,
  table_name VARCHAR NOT NULL,             -- schema-qualified: movies.rating
  added BIGINT,                            -- NULL (all three): this run could not know (an engine loading by plan)
  updated BIGINT,
  deleted BIGINT,
  PRIMARY KEY (run_id, table_name)
)`;

/** Records run `runId`'s row changes; inside the publish transaction. Idempotent (a repeat replaces them). */
export async function recordRowChanges(
  wh: Pick<Warehouse, 'exec' | 'query' | 'dialect'>,
  runId: number,
  changes: TableRowChanges,
): Promise<void> {
  await wh.exec(wh.dialect.tableDdl(RUN_ROW_CHANGES_DDL));
  const id = Math.trunc(runId);
  await wh.exec(`DELETE FROM movalytics.run_row_changes WHERE run_id = ${id}`);
  for (const [table, c] of Object.entries(changes))
    await wh.query(
      `INSERT INTO movalytics.run_row_changes (run_id, table_name, added, updated, deleted) VALUES ($1, $2, $3, $4, $5)`,
      [id, table, c?.added ?? null, c?.updated ?? null, c?.deleted ?? null],
    );
}

/** The row changes each of `runIds` recorded (a run that recorded none is missing from the map). */
export async function readRowChanges(
  wh: Pick<Warehouse, 'query'>,
  runIds: readonly number[],
): Promise<Map<number, TableRowChanges>> {
  const out = new Map<number, TableRowChanges>();
  if (runIds.length === 0) return out;
  if (!(await tablesExist(wh, 'movalytics', 'run_row_changes'))) return out;
  const rows = await wh.query<{
    run_id: number | string;
    table_name: string;
    added: number | string | null;
    updated: number | string | null;
    deleted: number | string | null;
  }>(
    `SELECT run_id, table_name, added, updated, deleted FROM movalytics.run_row_changes
     WHERE run_id IN (${runIds.map((r) => Math.trunc(r)).join(', ')})`,
  );
  for (const r of rows) {
    const id = Number(r.run_id);
    const changes = out.get(id) ?? {};
    changes[r.table_name] =
      r.added === null || r.updated === null || r.deleted === null
        ? null
        : { added: Number(r.added), updated: Number(r.updated), deleted: Number(r.deleted) };
    out.set(id, changes);
  }
  return out;
}
