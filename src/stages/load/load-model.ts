// The load task: staged and cleaned files → staging tables → upsert into the model, with every record accounted for
// (loaded, quarantined with a reason, or collapsed as a duplicate). The caller runs it inside one transaction.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MODEL_VIEW_NAMES, MODEL_VIEWS } from '../../model/schema.js';
import { columnSpecs, qualifiedName } from '../../core/table-spec.js';
import {
  cpiMissingSql,
  cpiReasonSql,
  cpiValidSql,
  epochDatable,
  linkReasonSql,
  linkValidSql,
  ratingReasonSql,
  ratingValidSql,
  type RatingRow,
} from '../../model/value-rules.js';
import { INPUT_COLUMNS, modelColumns, modelTable, type ModelTableName } from '../../model/tables.js';
import type { KeyScope, RowAccounting } from '../check/checks.js';
import { upsertStrategyFor, type SqlDialect, type UpsertSpec } from '../../warehouse/dialect.js';
import {
  queryCount,
  type BulkReject,
  type ColumnSpec,
  type DirectLoad,
  type Warehouse,
} from '../../warehouse/warehouse.js';
import type { StagedFile } from '../stage/stage-files.js';
import type { CleanMovies } from './clean-movies.js';
import { withUniformLineEndings } from './line-endings.js';
import { noteRatingSource } from './rating-source.js';
import type { RatingsPart } from './ratings-parts.js';

/** Per-file accounting: recordsRead = rowsLoaded + rowsQuarantined + duplicatesCollapsed + recordsMerged. */
export interface FileReport {
  fileName: string;
  recordsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  duplicatesCollapsed: number;
  recordsMerged: number;
}

export interface LoadInput {
  runId: number;
  files: readonly StagedFile[];
  /** The first ratings file into an empty table, already reduced from its parts (reduceRatingsShadow). */
  shadow: RatingsShadow | null;
  /** The other ratings files' parts (the load.ratings tasks), by file name, merged here. */
  ratingParts: Readonly<Record<string, readonly RatingsPart[]>>;
  /** The cleaned movies_metadata (a promise: the clean task may still be running). */
  movies: Promise<CleanMovies | null>;
  /** Folder for hand-off files written by this task (quarantine of CSV rejects). */
  cleanDir: string;
  /** When the run started: a rating dated later is quarantined (default: now). */
  runStartedAt?: Date;
  /**
   * The s3:// URL of each staged file's object (by file name) when staging is in S3: an engine loading through S3
   * (`bulkLoad: 's3-copy'`) COPYs the ratings, links and CPI files from there as they are.
   */
  stagedObjects?: ReadonlyMap<string, string>;
}

export const STAGING = 'staging';

const QUARANTINE_COLUMNS: readonly ColumnSpec[] = [
  { name: 'record_number', type: 'BIGINT' },
  { name: 'line_number', type: 'BIGINT' },
  { name: 'reason', type: 'VARCHAR' },
  { name: 'raw', type: 'VARCHAR' },
];

/** An upsert of every column of model table `name` by its key, from `source` (a table or a parenthesised query). */
function modelUpsert(name: ModelTableName, source: string): UpsertSpec {
  const t = modelTable(name);
  return { target: qualifiedName(t), source, columns: t.columns.map((c) => c.name), key: t.key };
}

/** Upserts by key in whichever way the engine supports (ON CONFLICT, MERGE, or DELETE + INSERT). */
async function upsert(wh: Warehouse, spec: UpsertSpec): Promise<void> {
  for (const sql of wh.dialect.upsert(spec, upsertStrategyFor(wh.capabilities))) await wh.exec(sql);
}

/**
 * The date dimension: one row per release date in movies.movie, with its parts. `dateAs` is the date column's alias
 * as the engine takes it (the Redshift plan quotes it).
 */
export function releaseDatesSql(dateAs: string): string {
  return `SELECT DISTINCT release_date AS ${dateAs}, CAST(extract(day FROM release_date) AS INTEGER) AS day,
  CAST(extract(week FROM release_date) AS INTEGER) AS week, CAST(extract(month FROM release_date) AS INTEGER) AS month,
  CAST(extract(quarter FROM release_date) AS INTEGER) AS quarter, CAST(extract(year FROM release_date) AS INTEGER) AS year
FROM movies.movie WHERE release_date IS NOT NULL`;
}

/** Whether movies.rating holds no row (found without counting its rows). */
export async function ratingsEmpty(wh: Pick<Warehouse, 'query'>): Promise<boolean> {
  return (await queryCount(wh, `SELECT count(*) AS n FROM (SELECT 1 FROM movies.rating LIMIT 1) t`)) === 0;
}

/** movies_metadata's accounting: the clean task counted its records. */
function cleanedReport(file: StagedFile, clean: CleanMovies): FileReport {
  const s = clean.stats;
  return {
    fileName: file.name,
    recordsRead: s.recordsRead,
    rowsLoaded: s.rowsLoaded,
    rowsQuarantined: s.quarantined,
    duplicatesCollapsed: s.duplicatesCollapsed,
    recordsMerged: s.recordsMerged,
  };
}

/** A ratings file loaded: the records read, and its accounting. */
type RatingsLoaded = { read: number; report: Omit<FileReport, 'fileName' | 'recordsRead' | 'recordsMerged'> };

class Loader {
  readonly reports: FileReport[] = [];
  /** Whether an incremental ratings load left its rows in RATING_TOUCHED. */
  touchedRatings = false;
  /** Whether a ratings file was loaded into an empty table (then every rating is new). */
  coldRatings = false;
  /**
   * The merges' row accounting, on an engine without a key index (DuckDB), where it spares key_unique.rating a join
   * with every stored rating (see RowAccounting); null until the first merge, and on PostgreSQL, which looks each key
   * up in its index instead (its count(*) would be the full scan).
   */
  accounting: RowAccounting | null = null;
  constructor(
    private readonly wh: Warehouse,
    private readonly input: LoadInput,
  ) {
    this.d = wh.dialect;
  }
  private readonly d: SqlDialect;

  /** Quarantines the rows of an NDJSON file of quarantine records (record_number, line_number, reason, raw). */
  async quarantineRows(fileName: string, ndjson: string): Promise<number> {
    const table = `${STAGING}.quarantine_in`;
    await this.wh.exec(`DROP TABLE IF EXISTS ${table}`);
    const n = await this.wh.bulkLoadNdjson({ file: ndjson, table, columns: QUARANTINE_COLUMNS });
    await this.wh
      .exec(`INSERT INTO movalytics.quarantine (run_id, source_file, record_number, line_number, reason, raw)
SELECT ${this.input.runId}, ${this.d.quoteLiteral(fileName)}, record_number, line_number, reason, raw FROM ${table}`);
    await this.wh.exec(`DROP TABLE ${table}`);
    return n;
  }

  /** Quarantines the records the engine could not read as the declared columns. */
  async quarantineRejects(file: StagedFile, rejects: readonly BulkReject[]): Promise<void> {
    if (rejects.length === 0) return;
    const nd = path.join(this.input.cleanDir, `${file.name}.rejects.ndjson`);
    await writeFile(
      nd,
      rejects
        .map((r) =>
          JSON.stringify({
            record_number: r.line - 1,
            line_number: r.line,
            reason: `${r.reason} — row quarantined`,
            raw: r.raw,
          }),
        )
        .join('\n') + '\n',
    );
    await this.quarantineRows(file.name, nd);
  }

  /** Bulk-loads a CSV into a new staging table and quarantines the records the engine could not read. */
  private async stageCsv(
    file: StagedFile,
    table: string,
    columns: readonly ColumnSpec[],
    select?: string,
  ): Promise<{ rows: number; rejected: number }> {
    await this.wh.exec(`DROP TABLE IF EXISTS ${table}`);
    const { rowsLoaded, rejects } = await withUniformLineEndings(file, (csv) =>
      this.wh.bulkLoadCsv({ file: csv, columns, target: table, mode: 'create', select }),
    );
    await this.quarantineRejects(file, rejects);
    return { rows: rowsLoaded, rejected: rejects.length };
  }

  /**
   * Moves the rows of `table` that fail `condition` (a SQL expression over its columns) to quarantine with `reason`
   * (a SQL expression), and deletes them from `table`. Returns how many.
   */
  private async quarantineWhere(
    fileName: string,
    table: string,
    badCondition: string,
    reason: string,
    raw: string,
  ): Promise<number> {
    const n = await queryCount(this.wh, `SELECT count(*) AS n FROM ${table} WHERE ${badCondition}`);
    if (n === 0) return 0;
    await this.wh
      .exec(`INSERT INTO movalytics.quarantine (run_id, source_file, record_number, line_number, reason, raw)
SELECT ${this.input.runId}, ${this.d.quoteLiteral(fileName)}, NULL, NULL, ${reason}, ${raw} FROM ${table} WHERE ${badCondition}`);
    await this.wh.exec(`DELETE FROM ${table} WHERE ${badCondition}`);
    return n;
  }

  async movies(file: StagedFile, clean: CleanMovies | null): Promise<void> {
    if (!clean) throw new Error('movies_metadata staged for load but not cleaned');
    const wh = this.wh;
    await wh.exec(
      `DROP TABLE IF EXISTS ${STAGING}.movie; DROP TABLE IF EXISTS ${STAGING}.genre; DROP TABLE IF EXISTS ${STAGING}.movie_genre`,
    );
    const cleaned = [
      ['movie', clean.moviesFile],
      ['genre', clean.genresFile],
      ['movie_genre', clean.movieGenresFile],
    ] as const;
    for (const [name, ndjson] of cleaned)
      await wh.bulkLoadNdjson({
        file: ndjson,
        table: `${STAGING}.${name}`,
        columns: columnSpecs(modelTable(name)),
      });
    await this.quarantineRows(file.name, clean.quarantineFile);
    await upsert(wh, modelUpsert('movie', `${STAGING}.movie`));
    await upsert(wh, modelUpsert('genre', `${STAGING}.genre`));
    // A movie's genres are replaced as a whole by the new file's list.
    await wh.exec(`DELETE FROM movies.movie_genre WHERE movie_id IN (SELECT movie_id FROM ${STAGING}.movie)`);
    await wh.exec(
      `INSERT INTO movies.movie_genre (movie_id, genre_id) SELECT movie_id, genre_id FROM ${STAGING}.movie_genre`,
    );
    await upsert(wh, modelUpsert('date', `(${releaseDatesSql('date')})`));
    this.reports.push(cleanedReport(file, clean));
  }

  async links(file: StagedFile): Promise<void> {
    const t = `${STAGING}.links`;
    const { rows, rejected } = await this.stageCsv(file, t, INPUT_COLUMNS.links);
    const link = { movieId: '"movieId"', movieIdText: '"movieId"' };
    const bad = await this.quarantineWhere(
      file.name,
      t,
      `NOT coalesce(${linkValidSql(link)}, false)`,
      linkReasonSql(link),
      `concat_ws(',', "movieId", "imdbId", "tmdbId")`,
    );
    const valid = rows - bad;
    // Rule for a movieId listed twice: keep the row with the smallest tmdbId (then imdbId); the rest are counted.
    const order = ['"tmdbId"', '"imdbId"'];
    await upsert(
      this.wh,
      modelUpsert(
        'movie_link',
        `(SELECT "movieId" AS movielens_id, ${this.d.argMin('"imdbId"', order)} AS imdb_id,
  ${this.d.argMin('"tmdbId"', order)} AS tmdb_id FROM ${t} GROUP BY "movieId")`,
      ),
    );
    const distinct = await queryCount(this.wh, `SELECT count(DISTINCT "movieId") AS n FROM ${t}`);
    this.reports.push({
      fileName: file.name,
      recordsRead: file.dataLines ?? rows + rejected,
      rowsLoaded: distinct,
      rowsQuarantined: rejected + bad,
      duplicatesCollapsed: valid - distinct,
      recordsMerged: 0,
    });
    await this.wh.exec(`DROP TABLE ${t}`);
  }

  async cpi(file: StagedFile): Promise<void> {
    const t = `${STAGING}.cpi`;
    const { rows, rejected } = await this.stageCsv(file, t, INPUT_COLUMNS.cpi);
    const date = this.d.safeCast('"date"', 'DATE');
    const row = {
      date: '"date"',
      value: '"value"',
      dateOk: `extract(day FROM ${date}) = 1`,
      valueOk: `${this.d.safeCast('"value"', 'DOUBLE PRECISION')} > 0`,
    };
    const bad = await this.quarantineWhere(
      file.name,
      t,
      `NOT (${cpiValidSql(row)})`,
      cpiReasonSql(row),
      `concat_ws(',', "date", "value")`,
    );
    const missing = cpiMissingSql('"value"');
    const series = this.d.quoteLiteral(file.seriesId ?? 'unknown');
    // A month listed twice keeps its smallest value; a month with a value beats the same month marked missing.
    await upsert(
      this.wh,
      modelUpsert(
        'cpi',
        `(SELECT CAST("date" AS DATE) AS month, ${series} AS series_id,
  min(CAST(CASE WHEN ${missing} THEN NULL ELSE "value" END AS DOUBLE PRECISION)) AS value
FROM ${t} GROUP BY CAST("date" AS DATE))`,
      ),
    );
    const distinct = await queryCount(this.wh, `SELECT count(DISTINCT CAST("date" AS DATE)) AS n FROM ${t}`);
    this.reports.push({
      fileName: file.name,
      recordsRead: file.dataLines ?? rows + rejected,
      rowsLoaded: distinct,
      rowsQuarantined: rejected + bad,
      duplicatesCollapsed: rows - bad - distinct,
      recordsMerged: 0,
    });
    await this.wh.exec(`DROP TABLE ${t}`);
  }

  /**
   * Loads a ratings file. The first file into an empty table was built beforehand into a shadow table (the
   * load.ratings parts, reduceRatingsShadow) and is swapped in here; later files are staged, de-duplicated and merged
   * by key. Either way the result has one row per (user, movie): the later timestamp wins, then (within a file) the
   * higher rating; a later file's rating with the stored timestamp replaces the stored one.
   */
  async ratings(file: StagedFile): Promise<void> {
    const shadow = this.input.shadow;
    const r =
      shadow && shadow.fileName === file.name
        ? await this.publishShadow(file, shadow)
        : await this.ratingsMerge(file);
    this.reports.push({
      fileName: file.name,
      recordsRead: file.dataLines ?? r.read,
      recordsMerged: 0,
      ...r.report,
    });
  }

  private async publishShadow(file: StagedFile, shadow: RatingsShadow): Promise<RatingsLoaded> {
    const wh = this.wh;
    if (!(await ratingsEmpty(wh)))
      throw new Error('rating shadow built for an empty table, but movies.rating has rows');
    this.coldRatings = true;
    await this.quarantineRejects(file, shadow.rejects);
    let invalid = 0;
    if (shadow.invalidTable) {
      invalid = await this.quarantineInvalidRatings(
        file.name,
        shadow.invalidTable,
        new Date(shadow.runStartedAt),
      );
      await wh.exec(`DROP TABLE ${shadow.invalidTable}`);
    }
    // Publish by swapping tables: a metadata change inside this transaction, no 26M-row copy. The views over
    // movies.rating go first and come back after (PostgreSQL refuses to drop a table a view depends on).
    for (const view of MODEL_VIEW_NAMES) await wh.exec(`DROP VIEW IF EXISTS ${view}`);
    await wh.exec(`DROP TABLE movies.rating`);
    await wh.exec(`ALTER TABLE ${SHADOW_RATING} RENAME TO rating`);
    for (const view of MODEL_VIEWS) await wh.exec(view);
    return {
      read: shadow.rowsRead + shadow.rejects.length + invalid,
      report: {
        rowsLoaded: shadow.rowsRead - shadow.collapsed,
        rowsQuarantined: shadow.rejects.length + invalid,
        duplicatesCollapsed: shadow.collapsed,
      },
    };
  }

  private async ratingsMerge(file: StagedFile): Promise<RatingsLoaded> {
    const wh = this.wh;
    const fresh = `${STAGING}.rating_fresh`;
    const { rows, rejected, bad, parts } = await this.stageParts(file);
    const valid = rows - bad;
    await wh.exec(`DROP TABLE IF EXISTS ${fresh}`);
    // Straight from the parts: one statement, no copy of them into a staging table first.
    await wh.exec(`CREATE TABLE ${fresh} AS ${dedupeSql(this.d, `(${unionOf(parts)})`)}`);
    for (const part of parts) await wh.exec(`DROP TABLE ${part}`);
    await this.analyze(fresh);
    // One pass over movies.rating: the stored versions of the incoming keys. (Two joins with the 26M-row table — one
    // to drop stale incoming rows, one to delete the replaced stored rows — took ~25 s on PostgreSQL.) Where the
    // engine updates in place (PostgreSQL) the same pass changes the rows; else (DuckDB) it records their row ids,
    // and the replaced rows are deleted by row id and inserted again.
    const stored = `${STAGING}.rating_stored`;
    const key = modelTable('rating').key;
    const indexed = this.d.keyIndex('movies.rating', key).length > 0;
    if (!indexed && this.accounting === null)
      this.accounting = {
        rowsBefore: await queryCount(wh, `SELECT count(*) AS n FROM movies.rating`),
        replaced: 0,
        inserted: 0,
      };
    // A stored rating newer than the incoming one wins: the incoming one is counted as collapsed.
    const storedWins = 'o.rated_at > n.rated_at';
    await wh.exec(`DROP TABLE IF EXISTS ${stored}`);
    const update = this.d.updateMatchedReturningOld({
      table: 'movies.rating',
      incoming: fresh,
      stored,
      key,
      columns: ['rating', 'rated_at'],
      keepStored: storedWins,
    });
    if (update !== null) {
      await wh.exec(
        `CREATE TABLE ${stored} AS SELECT user_id, movielens_id, rating, rated_at FROM movies.rating WHERE 1 = 0`,
      );
      await wh.exec(update);
    } else {
      await wh.exec(`CREATE TABLE ${stored} AS
SELECT ${this.d.rowId('o')} AS rid, o.user_id, o.movielens_id, o.rating, o.rated_at
FROM movies.rating o JOIN ${fresh} n ON o.user_id = n.user_id AND o.movielens_id = n.movielens_id`);
    }
    await this.analyze(stored);
    await wh.exec(`DELETE FROM ${fresh} n USING ${stored} o
WHERE o.user_id = n.user_id AND o.movielens_id = n.movielens_id AND ${storedWins}`);
    await this.recordDelta(fresh, stored);
    // The stored rows the incoming ones replace (the stale incoming rows are gone from `fresh` now).
    const replaced = `${stored} s JOIN ${fresh} n ON s.user_id = n.user_id AND s.movielens_id = n.movielens_id`;
    if (this.accounting !== null)
      this.accounting.replaced += await queryCount(wh, `SELECT count(*) AS n FROM ${replaced}`);
    if (update === null)
      await wh.exec(this.d.deleteByRowIds('movies.rating', `SELECT s.rid FROM ${replaced}`));
    // In key order where the table has a key index: PostgreSQL then adds the new keys to it in order (2.9-3.3 s for
    // a +1 % file against 5.6 s unordered, measured when every incoming row was inserted). Without one (DuckDB) the
    // sort would only cost time (~0.1 s).
    const order = indexed ? ` ORDER BY ${key.join(', ')}` : '';
    const inserted =
      update === null
        ? fresh
        : `${fresh} n WHERE NOT EXISTS (SELECT 1 FROM ${stored} s WHERE s.user_id = n.user_id AND s.movielens_id = n.movielens_id)`;
    await wh.exec(
      `INSERT INTO movies.rating (user_id, movielens_id, rating, rated_at) SELECT user_id, movielens_id, rating, rated_at FROM ${inserted}${order}`,
    );
    await wh.exec(`DROP TABLE ${stored}`);
    const loaded = await queryCount(wh, `SELECT count(*) AS n FROM ${fresh}`);
    if (this.accounting !== null) this.accounting.inserted += loaded;
    await this.recordTouched(fresh);
    return {
      read: rows + rejected,
      report: { rowsLoaded: loaded, rowsQuarantined: rejected + bad, duplicatesCollapsed: valid - loaded },
    };
  }

  /**
   * Statistics for a staging table the merge joins with movies.rating. Without them PostgreSQL guessed ~7× too many
   * rows for the replaced keys and updated them by hashing all 26M row ids (32 s at full scale, a +1 % file) instead
   * of fetching each by its id (4.4 s).
   */
  private async analyze(table: string): Promise<void> {
    for (const sql of this.d.analyze(table)) await this.wh.exec(sql);
  }

  /**
   * Moves the rows this file wrote (`fresh`, which is gone after) to RATING_TOUCHED, the scope of the rating checks.
   * When two ratings files drop in one run, a row of the earlier file that the later one replaced leaves it: the
   * table holds every row this run wrote that is still stored, one per key, whichever file wrote it.
   */
  private async recordTouched(fresh: string): Promise<void> {
    const wh = this.wh;
    if (!this.touchedRatings) {
      // The first file's rows are the table: renamed, not copied (both live in the staging schema).
      await wh.exec(`ALTER TABLE ${fresh} RENAME TO ${RATING_TOUCHED.slice(STAGING.length + 1)}`);
      this.touchedRatings = true;
      return;
    }
    await wh.exec(`DELETE FROM ${RATING_TOUCHED} t USING ${fresh} n
WHERE t.user_id = n.user_id AND t.movielens_id = n.movielens_id`);
    await wh.exec(
      `INSERT INTO ${RATING_TOUCHED} (user_id, movielens_id, rating, rated_at) SELECT user_id, movielens_id, rating, rated_at FROM ${fresh}`,
    );
    await wh.exec(`DROP TABLE ${fresh}`);
  }

  /**
   * The file's parts (the load.ratings tasks built them), their rejects and invalid rows quarantined: `rows` parsed,
   * `rejected` unparsable, `bad` broke a value rule; `parts` are the part tables, which hold rows - bad, less the
   * duplicates the shards collapsed (the caller reads and drops them).
   */
  private async stageParts(
    file: StagedFile,
  ): Promise<{ rows: number; rejected: number; bad: number; parts: string[] }> {
    const parts = this.input.ratingParts[file.name];
    if (parts === undefined || parts.length === 0)
      throw new Error(`${file.name} is staged for load but none of its shards was loaded`);
    const rejects = parts.flatMap((p) => p.rejects);
    await this.quarantineRejects(file, rejects);
    let bad = 0;
    for (const p of parts) {
      if (p.dupKeysTable !== null) await this.wh.exec(`DROP TABLE IF EXISTS ${p.dupKeysTable}`);
      if (p.invalidTable === null) continue;
      bad += await this.quarantineInvalidRatings(file.name, p.invalidTable, new Date(p.runStartedAt));
      await this.wh.exec(`DROP TABLE ${p.invalidTable}`);
    }
    const parsed = parts.reduce((a, p) => a + p.rows + p.invalid, 0);
    return { rows: parsed, rejected: rejects.length, bad, parts: parts.map((p) => p.table) };
  }

  /**
   * Appends this file's rating changes to RATING_DELTA for the marts: each row written (n = 1) and each stored row it
   * replaces (n = -1, with the old value, which the marts subtract). Appended per file: a later drop that replaces a
   * row an earlier one wrote subtracts that row again, so the sum over the run is exact.
   */
  private async recordDelta(fresh: string, stored: string): Promise<void> {
    const wh = this.wh;
    await wh.exec(
      `CREATE TABLE IF NOT EXISTS ${RATING_DELTA} (user_id INTEGER NOT NULL, movielens_id INTEGER NOT NULL, n INTEGER NOT NULL, rating ${this.d.typeName('DOUBLE PRECISION')} NOT NULL)`,
    );
    await wh.exec(`INSERT INTO ${RATING_DELTA} (user_id, movielens_id, n, rating)
SELECT s.user_id, s.movielens_id, -1, s.rating FROM ${stored} s JOIN ${fresh} n ON s.user_id = n.user_id AND s.movielens_id = n.movielens_id`);
    await wh.exec(`INSERT INTO ${RATING_DELTA} (user_id, movielens_id, n, rating)
SELECT user_id, movielens_id, 1, rating FROM ${fresh}`);
  }

  /** Quarantines (and deletes) the rows of a staged ratings table (invalidRatingSelect's) that break the value rules. */
  private async quarantineInvalidRatings(
    fileName: string,
    table: string,
    runStartedAt: Date,
  ): Promise<number> {
    const d = this.d;
    const epoch = 'epoch_seconds';
    const row: RatingRow = {
      userId: 'user_id',
      movieId: 'movielens_id',
      rating: 'rating',
      epoch,
      ratingText: d.toText('rating'),
      epochText: d.toText(epoch),
      dayText: d.toText('CAST(rated_at AS DATE)'),
    };
    return this.quarantineWhere(
      fileName,
      table,
      `NOT coalesce(${ratingValidSql(row, runStartedAt)}, false)`,
      ratingReasonSql(row, runStartedAt),
      `concat_ws(',', coalesce(${d.toText('user_id')}, ''), coalesce(${d.toText('movielens_id')}, ''), coalesce(${d.toText('rating')}, ''), coalesce(${d.toText(epoch)}, ''))`,
    );
  }
}

export const RATING_CSV_COLUMNS = INPUT_COLUMNS.ratings;
/** movies.rating's columns, in its DDL's order (all NOT NULL). */
export const RATING_MODEL_COLUMNS = modelColumns('rating');
/**
 * CSV columns → model columns, typed as movies.rating declares them (a CREATE TABLE AS takes its types from here);
 * the epoch seconds become a TIMESTAMP (UTC, no time zone).
 */
export function ratingSelect(d: SqlDialect): string {
  return `${ratingKeyAndValueSelect(d)}, CAST(${d.timestampFromEpochSeconds('"timestamp"')} AS TIMESTAMP) AS rated_at`;
}
/**
 * ratingSelect for the rows that break a value rule: rated_at only where the epoch makes a TIMESTAMP (NULL
 * otherwise), and the epoch as read, `epoch_seconds`, for the quarantine's reason.
 */
export function invalidRatingSelect(d: SqlDialect): string {
  const ts = `CASE WHEN ${epochDatable('"timestamp"')} THEN ${d.timestampFromEpochSeconds('"timestamp"')} END`;
  return `${ratingKeyAndValueSelect(d)}, CAST(${ts} AS TIMESTAMP) AS rated_at, "timestamp" AS epoch_seconds`;
}
function ratingKeyAndValueSelect(d: SqlDialect): string {
  return `CAST("userId" AS INTEGER) AS user_id, CAST("movieId" AS INTEGER) AS movielens_id, CAST("rating" AS ${d.typeName('DOUBLE PRECISION')}) AS rating`;
}
/**
 * The load straight into movies.rating's typed columns (BulkCsvOptions.direct): the CSV's fields in the model's order,
 * the epoch typed as rated_at, and the value rules over the typed columns.
 */
export function ratingDirectLoad(d: SqlDialect, runStartedAt: Date): DirectLoad {
  const row = {
    userId: 'user_id',
    movieId: 'movielens_id',
    rating: 'rating',
    epoch: d.epochSeconds('rated_at'),
  };
  return {
    columns: modelTable('rating').columns,
    epochSeconds: 'rated_at',
    check: ratingValidSql(row, runStartedAt),
  };
}
/** The value rules of a rating row, over the CSV's columns. */
export function ratingValid(runStartedAt: Date): string {
  return ratingValidSql(
    { userId: '"userId"', movieId: '"movieId"', rating: '"rating"', epoch: '"timestamp"' },
    runStartedAt,
  );
}
/** Ratings written by an incremental load in this run: the scope of the rating checks. */
export const RATING_TOUCHED = `${STAGING}.rating_touched`;
/** The signed rating changes of an incremental load in this run, for the marts (see Loader.recordDelta). */
export const RATING_DELTA = `${STAGING}.rating_delta`;

/**
 * One row per (user_id, movielens_id) of `source`: the later rated_at wins, then the higher rating. By DISTINCT ON
 * where the dialect sorts faster than it aggregates; otherwise an arg-max whose tie-break is packed into one BIGINT
 * (microseconds × 16 + rating × 2; rated_at has microsecond precision), because one over a struct is several times
 * slower.
 */
export function dedupeSql(d: SqlDialect, source: string): string {
  if (d.newestPerKeyByDistinctOn)
    return `SELECT DISTINCT ON (user_id, movielens_id) user_id, movielens_id, rating, rated_at
FROM ${source} d0 ORDER BY user_id, movielens_id, rated_at DESC, rating DESC`;
  return `SELECT user_id, movielens_id, ${d.argMax('rating', [`${d.epochMicros('rated_at')} * 16 + CAST(rating * 2 AS BIGINT)`])} AS rating, max(rated_at) AS rated_at
FROM ${source} d0 GROUP BY user_id, movielens_id`;
}

export interface LoadResult {
  reports: FileReport[];
  /**
   * A table with the only rating rows this run wrote, when they are few (an incremental file): checks of rating rows
   * may look at just these, because every older row passed the checks of the run that published it.
   * null when every rating is new or none was touched.
   */
  ratingScope: string | null;
  /**
   * When the first ratings file was bulk-built, every key was grouped by the build in this run and duplicates fixed:
   * only the fixed keys' uniqueness is left to check. null = check every key (or the ratingScope's).
   */
  ratingKeyScope: KeyScope | null;
  /**
   * RATING_DELTA when every rating this run wrote went through an incremental merge (the marts can be updated from
   * it); null when none was written, or some were loaded whole (a cold load, an engine loading by plan).
   */
  ratingDelta: string | null;
}

/**
 * Loads every staged file marked 'load' into the model. Run it inside a transaction. `movies` may still be being
 * cleaned: the ratings (engine work) go first, so the JavaScript parse of movies_metadata overlaps with them.
 */
export async function loadModel(wh: Warehouse, input: LoadInput): Promise<LoadResult> {
  if (wh.capabilities.bulkLoad === 's3-copy') return loadModelByPlan(wh, input);
  await wh.exec(
    `CREATE SCHEMA IF NOT EXISTS ${STAGING}; DROP TABLE IF EXISTS ${RATING_TOUCHED}; DROP TABLE IF EXISTS ${RATING_DELTA}`,
  );
  const loader = new Loader(wh, input);
  const toLoad = input.files.filter((f) => f.action === 'load');
  const byRole = (role: StagedFile['role']): StagedFile[] => toLoad.filter((f) => f.role === role);
  for (const f of ratingsInLoadOrder(input.files)) {
    await loader.ratings(f);
    const whole = input.shadow !== null && input.shadow.fileName === f.name;
    await noteRatingSource(wh, input.runId, f, whole ? null : RATING_TOUCHED);
  }
  for (const f of byRole('links')) await loader.links(f);
  for (const f of byRole('cpi')) await loader.cpi(f);
  for (const f of byRole('movies_metadata')) await loader.movies(f, await input.movies);
  if (ratingsInLoadOrder(input.files).length === 0) {
    // No ratings file in this run (say only a CPI file was added or removed): no rating row was written, and every
    // one passed the checks of the run that published it. An empty scope spares the rating row checks a 26M-row
    // scan — a full key_unique.rating GROUP BY took 3.6–4.8 s of a 0.5 s check.quality.
    await wh.exec(`CREATE TABLE ${RATING_TOUCHED} AS SELECT * FROM movies.rating LIMIT 0`);
    return {
      reports: loader.reports,
      ratingScope: RATING_TOUCHED,
      ratingKeyScope: { table: RATING_TOUCHED, note: 'no rating written by this run' },
      ratingDelta: null,
    };
  }
  const merged = loader.touchedRatings && !loader.coldRatings;
  return {
    reports: loader.reports,
    ratingScope: merged ? RATING_TOUCHED : null,
    ratingDelta: merged ? RATING_DELTA : null,
    ratingKeyScope:
      input.shadow && !loader.touchedRatings
        ? {
            table: input.shadow.dupKeysTable,
            note: `every key was grouped (or its order verified) when load.ratings built the parts in this run; the ${input.shadow.collapsed} duplicated rows it collapsed re-checked`,
          }
        : merged && loader.accounting !== null
          ? { table: RATING_TOUCHED, note: 'rows written by this run', accounting: loader.accounting }
          : null,
  };
}

/**
 * The load on an engine whose files reach it only through object storage (`bulkLoad: 's3-copy'`): the stage's
 * Redshift plan (redshift-plan.ts, the statements `movalytics sql` prints) run through the seam's S3CopyLoad; here
 * the records it refused are quarantined and every file is accounted for, as the other engines' load does.
 */
async function loadModelByPlan(wh: Warehouse, input: LoadInput): Promise<LoadResult> {
  if (wh.s3Copy === undefined) throw new Error(`${wh.displayName} loads through S3 but has no s3Copy`);
  const loader = new Loader(wh, input);
  const toLoad = input.files.filter((f) => f.action === 'load');
  const ratings = ratingsInLoadOrder(input.files);
  const links = toLoad.find((f) => f.role === 'links') ?? null;
  const cpi = toLoad.filter((f) => f.role === 'cpi');
  const metadata = toLoad.find((f) => f.role === 'movies_metadata') ?? null;
  const clean = metadata === null ? null : await input.movies;
  if (metadata !== null && clean === null) throw new Error('movies_metadata staged for load but not cleaned');
  const { runModelPlan } = await import('./redshift-load.js');
  const scratch = await mkdtemp(path.join(tmpdir(), 'movalytics-redshift-'));
  const r = await runModelPlan(
    wh,
    wh.s3Copy,
    {
      runId: input.runId,
      runStartedAt: input.runStartedAt ?? new Date(),
      // Without staged objects (staging in a local folder) the files are read here and uploaded as parts.
      ratings: ratings.map((f) => ({ name: f.name, file: f.stagedPath ?? '' })),
      links: links === null ? null : { name: links.name, file: links.stagedPath ?? '' },
      cpi: cpi.map((f) => ({ name: f.name, file: f.stagedPath ?? '', series: f.seriesId ?? 'unknown' })),
      movies:
        clean === null
          ? null
          : { movies: clean.moviesFile, genres: clean.genresFile, movieGenres: clean.movieGenresFile },
      views: MODEL_VIEWS,
      ...(input.stagedObjects === undefined ? {} : { stagedObjects: input.stagedObjects }),
    },
    scratch,
  ).finally(() => rm(scratch, { recursive: true, force: true }));
  const reports: FileReport[] = [];
  for (const f of [...ratings, ...(links === null ? [] : [links]), ...cpi]) {
    const c = r.files[f.name];
    if (c === undefined) throw new Error(`the load plan did not account for ${f.name}`);
    await loader.quarantineRejects(f, c.rejects);
    reports.push({
      fileName: f.name,
      recordsRead: f.dataLines ?? c.rows + c.rejects.length + c.refused,
      rowsLoaded: c.loaded,
      rowsQuarantined: c.rejects.length + c.refused + c.invalid,
      duplicatesCollapsed: c.rows - c.invalid - c.loaded,
      recordsMerged: 0,
    });
  }
  if (metadata !== null && clean !== null) {
    await loader.quarantineRows(metadata.name, clean.quarantineFile);
    reports.push(cleanedReport(metadata, clean));
  }
  // Scopes for the checks: the rows this run wrote (an incremental file), none (no ratings file), or every row.
  const written = r.ratingsWritten;
  if (written === null) {
    await wh.exec(`DROP TABLE IF EXISTS ${RATING_TOUCHED}`);
    await wh.exec(
      `CREATE TABLE ${RATING_TOUCHED} AS SELECT user_id, movielens_id, rating, rated_at FROM movies.rating WHERE 1 = 0`,
    );
  }
  return {
    reports,
    ratingScope: written === null ? RATING_TOUCHED : r.ratingsCold ? null : written,
    ratingKeyScope:
      written === null ? { table: RATING_TOUCHED, note: 'no rating written by this run' } : null,
    ratingDelta: null,
  };
}

/** Drops what the load left in the staging schema for the checks. Call it before the transaction commits. */
export async function dropLoadScratch(wh: Warehouse): Promise<void> {
  await wh.exec(
    `DROP TABLE IF EXISTS ${RATING_TOUCHED}; DROP TABLE IF EXISTS ${RATING_DELTA}; DROP TABLE IF EXISTS ${STAGING}.rating_dup_keys`,
  );
}

/** The shadow rating table (in schema movies: DuckDB cannot move a table between schemas). */
export const SHADOW_RATING = 'movies.rating__shadow';

/** A ratings file bulk-loaded into SHADOW_RATING, ready to be published by the load transaction. */
export interface RatingsShadow {
  fileName: string;
  /** Rows that passed parsing and the value rules (duplicates included). */
  rowsRead: number;
  /** Records the engine could not parse: quarantined when published. */
  rejects: BulkReject[];
  /** A table of rows that broke a value rule (quarantined when published), or null when there were none. */
  invalidTable: string | null;
  /** Rows removed as duplicates of a (user, movie) pair. */
  collapsed: number;
  /** The keys that had duplicates (the only keys whose uniqueness the checks still need to verify). */
  dupKeysTable: string;
  /**
   * The run start (ISO 8601; the shadow is handed off as JSON) the rows were checked against: the quarantine of the
   * invalid rows applies the same bound.
   */
  runStartedAt: string;
}

/** SELECT every row of `tables`, in order. */
export function unionOf(tables: readonly string[]): string {
  return tables.map((t) => `SELECT * FROM ${t}`).join(' UNION ALL ');
}

/** Ratings files in load order: ratings.csv first, then incremental drops by name, so a later drop's rating wins. */
export function ratingsInLoadOrder(files: readonly StagedFile[]): StagedFile[] {
  return files
    .filter((f) => f.action === 'load' && f.role === 'ratings')
    .sort((a, b) => compareRatingsFiles(a.name, b.name));
}

/** The ratings load order of two file names (a sort comparator): ratings.csv first, then by name. */
export function compareRatingsFiles(a: string, b: string): number {
  return a === 'ratings.csv' ? -1 : b === 'ratings.csv' ? 1 : a.localeCompare(b);
}
