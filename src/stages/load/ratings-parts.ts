// The ratings as shards: the map (`buildRatingsPart`, one shard of one ratings file → one typed part table, with
// today's rules: types, value ranges, quarantine reasons, adjacent duplicates) and the reduce for the first load into
// an empty table (`reduceRatingsShadow`: the parts → the shadow table the publish swaps in). Incremental files' parts
// are merged inside the publish (Loader.ratings). Parts are tables of the warehouse: every engine that runs them
// (DuckDB in one process, PostgreSQL from any worker) reads them there without another copy through the store.
import { queryCount, type BulkReject, type DirectLoad, type Warehouse } from '../../warehouse/warehouse.js';
import { keysOfShard, type Shard } from '../stage/shards.js';
import type { StagedFile } from '../stage/stage-files.js';
import { withUniformLineEndings } from './line-endings.js';
import { modelTable } from '../../model/tables.js';
import {
  dedupeSql,
  RATING_CSV_COLUMNS,
  RATING_MODEL_COLUMNS,
  ratingDirectLoad,
  invalidRatingSelect,
  ratingSelect,
  ratingValid,
  SHADOW_RATING,
  STAGING,
  unionOf,
  type RatingsShadow,
} from './load-model.js';

/** One shard of one ratings file, loaded: what the reduce (or the merge) needs, handed off as JSON. */
export interface RatingsPart {
  fileName: string;
  shard: number;
  /** The typed rows that passed the value rules, de-duplicated inside the shard when the file's order was verified. */
  table: string;
  /** Rows that parsed and passed the value rules (duplicates included). */
  rows: number;
  /** Records the engine could not parse, with their physical line in the file: quarantined when published. */
  rejects: BulkReject[];
  /** Rows that parsed but broke a value rule (quarantined when published), or null when there were none. */
  invalidTable: string | null;
  invalid: number;
  /** Rows removed as adjacent duplicates inside the shard. */
  collapsed: number;
  /** The keys that had duplicates inside the shard (null when the file's order is unverified: the reduce groups). */
  dupKeysTable: string | null;
  /** The run start the rows were checked against (ISO 8601). */
  runStartedAt: string;
}

export interface PartRequest {
  file: StagedFile;
  /** The file's place in load order (table names: two files' shards never share a table). */
  fileIndex: number;
  /** The shard, or null for the whole file. */
  shard: Shard | null;
  /** A local CSV with the file's header and the shard's bytes. */
  csv: string;
  runStartedAt: Date;
}

/** The tables of one part (also what a re-run drops first). */
export function partTables(
  fileIndex: number,
  shard: number,
): { table: string; invalid: string; dups: string } {
  const id = `${fileIndex}_${shard}`;
  return {
    // In schema movies: a lone part becomes the shadow by a rename (DuckDB cannot move a table between schemas).
    table: `movies.rating__part_${id}`,
    invalid: `${STAGING}.rating_invalid_${id}`,
    dups: `${STAGING}.rating_dup_keys_${id}`,
  };
}

/** Loads one shard into its part table: the same rules as the whole file, accounted for per shard. */
export async function buildRatingsPart(wh: Warehouse, req: PartRequest): Promise<RatingsPart> {
  const { file, shard } = req;
  const t = partTables(req.fileIndex, shard?.index ?? 0);
  const valid = ratingValid(req.runStartedAt);
  await createStagingSchema(wh);
  await wh.exec(
    `DROP TABLE IF EXISTS ${t.table}; DROP TABLE IF EXISTS ${t.invalid}; DROP TABLE IF EXISTS ${t.dups}`,
  );
  // Straight into the typed part when every row fits it (`direct`: on PostgreSQL one logged COPY instead of a typed
  // copy and a CREATE TABLE AS of it, docs/warehouse.md); else CREATE TABLE AS, then NOT NULL: PostgreSQL writes a
  // new table in bulk (20 s + 3.5 s for the NOT NULL scan, against 30.5 s for an INSERT into the table created from
  // its DDL).
  // A file whose line endings mix is read from an LF copy of the shard (line-endings.ts): same lines, same numbers.
  const lines = shard === null ? file.dataLines : shard.dataLines;
  const { rowsLoaded, rejects, invalid } = await withUniformLineEndings(
    { ...file, stagedPath: req.csv },
    async (csv) => {
      const load = (
        target: string,
        select: string,
        where: string,
        direct?: DirectLoad,
      ): ReturnType<Warehouse['bulkLoadCsv']> =>
        wh.bulkLoadCsv({
          file: csv,
          columns: RATING_CSV_COLUMNS,
          target,
          mode: 'create',
          select,
          where,
          fillFactor: modelTable('rating').fillFactor,
          ...(direct ? { direct } : {}),
        });
      const loaded = await load(
        t.table,
        ratingSelect(wh.dialect),
        valid,
        ratingDirectLoad(wh.dialect, req.runStartedAt),
      );
      for (const sql of wh.dialect.setNotNull(t.table, RATING_MODEL_COLUMNS)) await wh.exec(sql);
      // Rows that parsed but failed the value rules were filtered out; fetch them only when the counts say so.
      if (lines === null || lines - loaded.rejects.length - loaded.rowsLoaded <= 0)
        return { ...loaded, invalid: 0 };
      const bad = await load(t.invalid, invalidRatingSelect(wh.dialect), `NOT coalesce(${valid}, false)`);
      return { ...loaded, invalid: bad.rowsLoaded };
    },
  );
  // The part's lines are the header, then the shard's: its line L is line L + firstLine - 2 of the file.
  const offset = shard === null ? 0 : shard.firstLine - 2;
  // Duplicated (user, movie) pairs: when stage.files verified the file's order, they sit inside one shard (shards
  // are cut where the user changes) and only the keys it saw repeat can be duplicated; otherwise the reduce groups.
  let collapsed = 0;
  let dupKeysTable: string | null = null;
  if (file.keyOrder) {
    const keys = file.keyOrder.duplicateKeys;
    await duplicatesOfKeys(wh, t.dups, t.table, shard === null ? keys : keysOfShard(shard, keys));
    collapsed = await collapseDuplicates(wh, t.table, t.dups);
    dupKeysTable = t.dups;
  }
  return {
    fileName: file.name,
    shard: shard?.index ?? 0,
    table: t.table,
    rows: rowsLoaded,
    rejects: rejects.map((r) => ({ ...r, line: r.line + offset })),
    invalidTable: invalid > 0 ? t.invalid : null,
    invalid,
    collapsed,
    dupKeysTable,
    runStartedAt: req.runStartedAt.toISOString(),
  };
}

/**
 * Drops the part tables no part of this run names: what a failed run with other shards (or files) left behind. Call
 * it once every part of the run is loaded (one run at a time holds the warehouse).
 */
export async function dropStaleParts(wh: Warehouse, parts: readonly RatingsPart[]): Promise<void> {
  const keep = new Set(
    parts.flatMap((p) => [p.table, p.invalidTable, p.dupKeysTable].filter((t): t is string => t !== null)),
  );
  const tables = await wh.query<{ s: string; t: string }>(
    `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
WHERE (table_schema = 'movies' AND table_name LIKE 'rating\\_\\_part\\_%' ESCAPE '\\')
   OR (table_schema = '${STAGING}' AND (table_name LIKE 'rating\\_invalid\\_%' ESCAPE '\\' OR table_name LIKE 'rating\\_dup\\_keys\\_%' ESCAPE '\\'))`,
  );
  for (const { s, t } of tables) if (!keep.has(`${s}.${t}`)) await wh.exec(`DROP TABLE IF EXISTS ${s}.${t}`);
}

/**
 * CREATE SCHEMA IF NOT EXISTS for the staging schema, when shards on several workers may run it at the same moment:
 * PostgreSQL then lets one win and fails the others on the catalog's unique index; the schema is there all the same.
 */
async function createStagingSchema(wh: Warehouse): Promise<void> {
  try {
    await wh.exec(`CREATE SCHEMA IF NOT EXISTS ${STAGING}`);
  } catch (err) {
    const there = await queryCount(
      wh,
      `SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = '${STAGING}'`,
    );
    if (there === 0) throw err;
  }
}

/**
 * The reduce of the first ratings file into an empty table: its parts become the shadow table (one part by a rename,
 * several by one CREATE TABLE AS over all of them), de-duplicated globally when the file's order was not verified.
 * Runs before the publish transaction (rows written inside one are scanned several times slower by DuckDB until it
 * commits, and the checks and marts scan every rating); nothing reads the shadow until the publish swaps it in.
 */
export async function reduceRatingsShadow(
  wh: Warehouse,
  parts: readonly RatingsPart[],
): Promise<RatingsShadow> {
  const first = parts[0];
  if (first === undefined) throw new Error('reduceRatingsShadow needs at least one part');
  const invalidTable = `${STAGING}.rating_invalid`;
  const dups = `${STAGING}.rating_dup_keys`;
  await wh.exec(
    `DROP TABLE IF EXISTS ${SHADOW_RATING}; DROP TABLE IF EXISTS ${invalidTable}; DROP TABLE IF EXISTS ${dups}`,
  );
  if (parts.length === 1) {
    await wh.exec(`ALTER TABLE ${first.table} RENAME TO ${SHADOW_RATING.replace(/^movies\./, '')}`);
  } else {
    const storage = wh.dialect.storageClause(modelTable('rating').fillFactor);
    await wh.exec(`CREATE TABLE ${SHADOW_RATING}${storage} AS ${unionOf(parts.map((p) => p.table))}`);
    for (const sql of wh.dialect.setNotNull(SHADOW_RATING, RATING_MODEL_COLUMNS)) await wh.exec(sql);
    for (const p of parts) await wh.exec(`DROP TABLE ${p.table}`);
  }
  const invalids = parts.flatMap((p) => (p.invalidTable === null ? [] : [p.invalidTable]));
  if (invalids.length > 0) {
    await wh.exec(`CREATE TABLE ${invalidTable} AS ${unionOf(invalids)}`);
    for (const t of invalids) await wh.exec(`DROP TABLE ${t}`);
  }
  let collapsed = parts.reduce((a, p) => a + p.collapsed, 0);
  const dupTables = parts.flatMap((p) => (p.dupKeysTable === null ? [] : [p.dupKeysTable]));
  if (dupTables.length === parts.length) {
    await wh.exec(`CREATE TABLE ${dups} AS ${unionOf(dupTables)}`);
  } else {
    // The order did not hold: every key is grouped (today's fallback), over all parts at once.
    await wh.exec(`CREATE TABLE ${dups} AS
SELECT user_id, movielens_id, count(*) AS n FROM ${SHADOW_RATING} GROUP BY user_id, movielens_id HAVING count(*) > 1`);
    collapsed += await collapseDuplicates(wh, SHADOW_RATING, dups);
  }
  for (const t of dupTables) await wh.exec(`DROP TABLE IF EXISTS ${t}`);
  // Built with the table, outside the publish transaction: every later incremental load looks its keys up in it.
  for (const sql of wh.dialect.keyIndex(SHADOW_RATING, modelTable('rating').key)) await wh.exec(sql);
  for (const sql of wh.dialect.analyze(SHADOW_RATING)) await wh.exec(sql);
  return {
    fileName: first.fileName,
    rowsRead: parts.reduce((a, p) => a + p.rows, 0),
    rejects: parts.flatMap((p) => p.rejects),
    invalidTable: invalids.length > 0 ? invalidTable : null,
    collapsed,
    // Kept for the checks: every key was grouped (or its order verified), so uniqueness is left to check only for
    // the keys fixed.
    dupKeysTable: dups,
    runStartedAt: first.runStartedAt,
  };
}

/**
 * Keeps one row per key of `dups` in `table` (the later rated_at, then the higher rating) and returns how many rows it
 * removed.
 */
async function collapseDuplicates(wh: Warehouse, table: string, dups: string): Promise<number> {
  const collapsed = await queryCount(wh, `SELECT coalesce(sum(n - 1), 0) AS n FROM ${dups}`);
  if (collapsed === 0) return 0;
  const keep = `${STAGING}.rating_dup_keep_${process.pid}`;
  await wh.exec(
    `DROP TABLE IF EXISTS ${keep}; CREATE TABLE ${keep} AS ${dedupeSql(wh.dialect, `(SELECT r.* FROM ${table} r JOIN ${dups} d USING (user_id, movielens_id))`)}`,
  );
  await wh.exec(
    `DELETE FROM ${table} r USING ${dups} d WHERE r.user_id = d.user_id AND r.movielens_id = d.movielens_id`,
  );
  await wh.exec(
    `INSERT INTO ${table} (user_id, movielens_id, rating, rated_at) SELECT user_id, movielens_id, rating, rated_at FROM ${keep}`,
  );
  await wh.exec(`DROP TABLE ${keep}`);
  return collapsed;
}

/**
 * The duplicated keys of `table` when only `candidates` can repeat (the file's verified order): their rows are
 * counted among those loaded (a repeated line may have been rejected), with no scan at all when there are none.
 */
async function duplicatesOfKeys(
  wh: Warehouse,
  dups: string,
  table: string,
  candidates: readonly (readonly [number, number])[],
): Promise<void> {
  const d = wh.dialect;
  await wh.exec(
    `CREATE TABLE ${dups} (user_id INTEGER NOT NULL, movielens_id INTEGER NOT NULL, n ${d.typeName('BIGINT')} NOT NULL)`,
  );
  if (candidates.length === 0) return;
  const keys = `${dups}_candidates`;
  await wh.exec(
    `DROP TABLE IF EXISTS ${keys}; CREATE TABLE ${keys} (user_id INTEGER NOT NULL, movielens_id INTEGER NOT NULL)`,
  );
  for (let i = 0; i < candidates.length; i += 1000) {
    const rows = candidates
      .slice(i, i + 1000)
      .map(([u, m]) => `(${Math.trunc(u)}, ${Math.trunc(m)})`)
      .join(', ');
    await wh.exec(`INSERT INTO ${keys} (user_id, movielens_id) VALUES ${rows}`);
  }
  await wh.exec(`INSERT INTO ${dups} (user_id, movielens_id, n)
SELECT r.user_id, r.movielens_id, count(*) FROM ${table} r JOIN ${keys} k USING (user_id, movielens_id)
GROUP BY r.user_id, r.movielens_id HAVING count(*) > 1`);
  await wh.exec(`DROP TABLE ${keys}`);
}
