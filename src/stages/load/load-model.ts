// The load task: staged and cleaned files → staging tables → upsert into the model, with every record accounted for
// (loaded, quarantined with a reason, or collapsed as a duplicate). The caller runs it inside one transaction.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ColumnSpec, Warehouse } from '../../warehouse/warehouse.js';
import { quoteLiteral } from '../../warehouse/warehouse.js';
import type { StagedFile } from '../stage/stage-files.js';
import type { CleanMovies } from './clean-movies.js';

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
  movies: CleanMovies | null;
  /** Folder for hand-off files written by this task (quarantine of CSV rejects). */
  cleanDir: string;
}

const STAGING = 'staging';

const MOVIE_COLUMNS: readonly ColumnSpec[] = [
  { name: 'movie_id', type: 'INTEGER' },
  { name: 'imdb_id', type: 'VARCHAR' },
  { name: 'title', type: 'VARCHAR' },
  { name: 'original_title', type: 'VARCHAR' },
  { name: 'original_language', type: 'VARCHAR' },
  { name: 'is_adult', type: 'BOOLEAN' },
  { name: 'status', type: 'VARCHAR' },
  { name: 'release_date', type: 'DATE' },
  { name: 'budget', type: 'BIGINT' },
  { name: 'revenue', type: 'BIGINT' },
  { name: 'runtime', type: 'DOUBLE PRECISION' },
  { name: 'popularity', type: 'DOUBLE PRECISION' },
  { name: 'vote_average', type: 'DOUBLE PRECISION' },
  { name: 'vote_count', type: 'INTEGER' },
];
const QUARANTINE_COLUMNS: readonly ColumnSpec[] = [
  { name: 'record_number', type: 'BIGINT' },
  { name: 'line_number', type: 'BIGINT' },
  { name: 'reason', type: 'VARCHAR' },
  { name: 'raw', type: 'VARCHAR' },
];

async function count(wh: Warehouse, sql: string): Promise<number> {
  const [row] = await wh.query<{ n: number | null }>(sql);
  return Number(row?.n ?? 0);
}

/** INSERT … ON CONFLICT (key) DO UPDATE SET every other column. */
function upsertSql(
  target: string,
  source: string,
  columns: readonly string[],
  key: readonly string[],
): string {
  const rest = columns.filter((c) => !key.includes(c));
  const set =
    rest.length === 0 ? 'NOTHING' : `UPDATE SET ${rest.map((c) => `${c} = excluded.${c}`).join(', ')}`;
  return `INSERT INTO ${target} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM ${source}
ON CONFLICT (${key.join(', ')}) DO ${set === 'NOTHING' ? 'NOTHING' : set}`;
}

class Loader {
  readonly reports: FileReport[] = [];
  constructor(
    private readonly wh: Warehouse,
    private readonly input: LoadInput,
  ) {}

  private async quarantineRows(fileName: string, ndjson: string): Promise<number> {
    const table = `${STAGING}.quarantine_in`;
    await this.wh.exec(`DROP TABLE IF EXISTS ${table}`);
    const n = await this.wh.bulkLoadNdjson({ file: ndjson, table, columns: QUARANTINE_COLUMNS });
    await this.wh
      .exec(`INSERT INTO movalytics.quarantine (run_id, source_file, record_number, line_number, reason, raw)
SELECT ${this.input.runId}, ${quoteLiteral(fileName)}, record_number, line_number, reason, raw FROM ${table}`);
    await this.wh.exec(`DROP TABLE ${table}`);
    return n;
  }

  /** Bulk-loads a CSV into a staging table and quarantines the records the engine could not read. */
  private async stageCsv(
    file: StagedFile,
    table: string,
    columns: readonly ColumnSpec[],
  ): Promise<{ rows: number; rejected: number }> {
    await this.wh.exec(`DROP TABLE IF EXISTS ${table}`);
    const { rowsLoaded, rejects } = await this.wh.bulkLoadCsv({ file: file.stagedPath!, table, columns });
    if (rejects.length > 0) {
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
    const n = await count(this.wh, `SELECT count(*) AS n FROM ${table} WHERE ${badCondition}`);
    if (n === 0) return 0;
    await this.wh
      .exec(`INSERT INTO movalytics.quarantine (run_id, source_file, record_number, line_number, reason, raw)
SELECT ${this.input.runId}, ${quoteLiteral(fileName)}, NULL, NULL, ${reason}, ${raw} FROM ${table} WHERE ${badCondition}`);
    await this.wh.exec(`DELETE FROM ${table} WHERE ${badCondition}`);
    return n;
  }

  async movies(file: StagedFile): Promise<void> {
    const clean = this.input.movies;
    if (!clean) throw new Error('movies_metadata staged for load but not cleaned');
    const wh = this.wh;
    await wh.exec(
      `DROP TABLE IF EXISTS ${STAGING}.movie; DROP TABLE IF EXISTS ${STAGING}.genre; DROP TABLE IF EXISTS ${STAGING}.movie_genre`,
    );
    await wh.bulkLoadNdjson({ file: clean.moviesFile, table: `${STAGING}.movie`, columns: MOVIE_COLUMNS });
    await wh.bulkLoadNdjson({
      file: clean.genresFile,
      table: `${STAGING}.genre`,
      columns: [
        { name: 'genre_id', type: 'INTEGER' },
        { name: 'name', type: 'VARCHAR' },
      ],
    });
    await wh.bulkLoadNdjson({
      file: clean.movieGenresFile,
      table: `${STAGING}.movie_genre`,
      columns: [
        { name: 'movie_id', type: 'INTEGER' },
        { name: 'genre_id', type: 'INTEGER' },
      ],
    });
    await this.quarantineRows(file.name, clean.quarantineFile);
    await wh.exec(
      upsertSql(
        'movies.movie',
        `${STAGING}.movie`,
        MOVIE_COLUMNS.map((c) => c.name),
        ['movie_id'],
      ),
    );
    await wh.exec(upsertSql('movies.genre', `${STAGING}.genre`, ['genre_id', 'name'], ['genre_id']));
    // A movie's genres are replaced as a whole by the new file's list.
    await wh.exec(`DELETE FROM movies.movie_genre WHERE movie_id IN (SELECT movie_id FROM ${STAGING}.movie)`);
    await wh.exec(
      `INSERT INTO movies.movie_genre (movie_id, genre_id) SELECT movie_id, genre_id FROM ${STAGING}.movie_genre`,
    );
    await wh.exec(`INSERT INTO movies.date (date, day, week, month, quarter, year)
SELECT DISTINCT release_date, extract('day' FROM release_date), extract('week' FROM release_date),
  extract('month' FROM release_date), extract('quarter' FROM release_date), extract('year' FROM release_date)
FROM movies.movie WHERE release_date IS NOT NULL
ON CONFLICT (date) DO NOTHING`);
    const s = clean.stats;
    this.reports.push({
      fileName: file.name,
      recordsRead: s.recordsRead,
      rowsLoaded: s.rowsLoaded,
      rowsQuarantined: s.quarantined,
      duplicatesCollapsed: s.duplicatesCollapsed,
      recordsMerged: s.recordsMerged,
    });
  }

  async links(file: StagedFile): Promise<void> {
    const t = `${STAGING}.links`;
    const { rows, rejected } = await this.stageCsv(file, t, [
      { name: 'movieId', type: 'INTEGER' },
      { name: 'imdbId', type: 'VARCHAR' },
      { name: 'tmdbId', type: 'INTEGER' },
    ]);
    const bad = await this.quarantineWhere(
      file.name,
      t,
      `"movieId" IS NULL OR "movieId" <= 0`,
      `'movieId ' || coalesce('"' || "movieId" || '"', 'is empty') || ' is not a positive id — row quarantined'`,
      `concat_ws(',', "movieId", "imdbId", "tmdbId")`,
    );
    const valid = rows - bad;
    // Rule for a movieId listed twice: keep the row with the smallest tmdbId (then imdbId); the rest are counted.
    await this.wh.exec(`INSERT INTO movies.movie_link (movielens_id, imdb_id, tmdb_id)
SELECT "movieId", arg_min("imdbId", ("tmdbId", "imdbId")), arg_min("tmdbId", ("tmdbId", "imdbId")) FROM ${t} GROUP BY "movieId"
ON CONFLICT (movielens_id) DO UPDATE SET imdb_id = excluded.imdb_id, tmdb_id = excluded.tmdb_id`);
    const distinct = await count(this.wh, `SELECT count(DISTINCT "movieId") AS n FROM ${t}`);
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
    const { rows, rejected } = await this.stageCsv(file, t, [
      { name: 'date', type: 'VARCHAR' },
      { name: 'value', type: 'VARCHAR' },
    ]);
    const badDate = await this.quarantineWhere(
      file.name,
      t,
      `try_cast("date" AS DATE) IS NULL OR extract('day' FROM try_cast("date" AS DATE)) <> 1`,
      `'date ' || coalesce('"' || "date" || '"', 'is empty') || ' is not the first day of a month (YYYY-MM-01) — row quarantined'`,
      `concat_ws(',', "date", "value")`,
    );
    // FRED writes "." (or nothing) for a month without a value.
    const badValue = await this.quarantineWhere(
      file.name,
      t,
      `try_cast("value" AS DOUBLE) IS NULL OR try_cast("value" AS DOUBLE) <= 0`,
      `'value ' || coalesce('"' || "value" || '"', 'is empty') || ' is not a positive number (FRED marks a missing month with ".") — row quarantined'`,
      `concat_ws(',', "date", "value")`,
    );
    const series = quoteLiteral(file.seriesId ?? 'unknown');
    await this.wh.exec(`INSERT INTO movies.cpi (month, series_id, value)
SELECT CAST("date" AS DATE), ${series}, arg_min(CAST("value" AS DOUBLE), "value") FROM ${t} GROUP BY CAST("date" AS DATE)
ON CONFLICT (month) DO UPDATE SET series_id = excluded.series_id, value = excluded.value`);
    const distinct = await count(this.wh, `SELECT count(DISTINCT CAST("date" AS DATE)) AS n FROM ${t}`);
    this.reports.push({
      fileName: file.name,
      recordsRead: file.dataLines ?? rows + rejected,
      rowsLoaded: distinct,
      rowsQuarantined: rejected + badDate + badValue,
      duplicatesCollapsed: rows - badDate - badValue - distinct,
      recordsMerged: 0,
    });
    await this.wh.exec(`DROP TABLE ${t}`);
  }

  async ratings(file: StagedFile): Promise<void> {
    const wh = this.wh;
    const raw = `${STAGING}.rating_raw`;
    const fresh = `${STAGING}.rating_new`;
    const { rows, rejected } = await this.stageCsv(file, raw, [
      { name: 'userId', type: 'INTEGER' },
      { name: 'movieId', type: 'INTEGER' },
      { name: 'rating', type: 'DOUBLE PRECISION' },
      { name: 'timestamp', type: 'BIGINT' },
    ]);
    const rawText = `concat_ws(',', "userId", "movieId", "rating", "timestamp")`;
    let bad = await this.quarantineWhere(
      file.name,
      raw,
      `"userId" IS NULL OR "movieId" IS NULL OR "rating" IS NULL OR "timestamp" IS NULL`,
      `CASE WHEN "userId" IS NULL THEN 'userId' WHEN "movieId" IS NULL THEN 'movieId' WHEN "rating" IS NULL THEN 'rating' ELSE 'timestamp' END || ' is empty — row quarantined'`,
      rawText,
    );
    bad += await this.quarantineWhere(
      file.name,
      raw,
      `"rating" < 0.5 OR "rating" > 5.0 OR "rating" * 2 <> floor("rating" * 2)`,
      `'rating ' || "rating" || ' is not one of 0.5, 1.0 … 5.0 — row quarantined'`,
      rawText,
    );
    bad += await this.quarantineWhere(
      file.name,
      raw,
      `"userId" <= 0 OR "movieId" <= 0 OR "timestamp" < 0`,
      `'userId/movieId must be positive and timestamp not negative — row quarantined'`,
      rawText,
    );
    const valid = rows - bad;
    // One row per (user, movie): the later timestamp wins; on a tie, the higher rating (deterministic).
    const dedupe = `SELECT "userId" AS user_id, "movieId" AS movielens_id, arg_max("rating", ("timestamp", "rating")) AS rating,
  make_timestamp(max("timestamp") * 1000000) AS rated_at FROM ${raw} GROUP BY "userId", "movieId"`;
    const existing = await count(wh, `SELECT count(*) AS n FROM (SELECT 1 FROM movies.rating LIMIT 1) t`);
    let loaded: number;
    if (existing === 0) {
      // First load: nothing to merge with, insert straight from the de-duplicated stage.
      await wh.exec(`INSERT INTO movies.rating (user_id, movielens_id, rating, rated_at) ${dedupe}`);
      loaded = await count(wh, `SELECT count(*) AS n FROM movies.rating`);
    } else {
      await wh.exec(`DROP TABLE IF EXISTS ${fresh}; CREATE TABLE ${fresh} AS ${dedupe}`);
      // A stored rating newer than the incoming one wins: the incoming one is counted as collapsed.
      await wh.exec(`DELETE FROM ${fresh} n USING movies.rating r
WHERE r.user_id = n.user_id AND r.movielens_id = n.movielens_id AND r.rated_at > n.rated_at`);
      await wh.exec(
        `DELETE FROM movies.rating r USING ${fresh} n WHERE r.user_id = n.user_id AND r.movielens_id = n.movielens_id`,
      );
      await wh.exec(
        `INSERT INTO movies.rating (user_id, movielens_id, rating, rated_at) SELECT user_id, movielens_id, rating, rated_at FROM ${fresh}`,
      );
      loaded = await count(wh, `SELECT count(*) AS n FROM ${fresh}`);
      await wh.exec(`DROP TABLE ${fresh}`);
    }
    this.reports.push({
      fileName: file.name,
      recordsRead: file.dataLines ?? rows + rejected,
      rowsLoaded: loaded,
      rowsQuarantined: rejected + bad,
      duplicatesCollapsed: valid - loaded,
      recordsMerged: 0,
    });
    await wh.exec(`DROP TABLE ${raw}`);
  }
}

/** Loads every staged file marked 'load' into the model. Run it inside a transaction. */
export async function loadModel(wh: Warehouse, input: LoadInput): Promise<FileReport[]> {
  await wh.exec(`CREATE SCHEMA IF NOT EXISTS ${STAGING}`);
  const loader = new Loader(wh, input);
  const toLoad = input.files.filter((f) => f.action === 'load');
  // Order matters only for readability of reports; each step reads only its own file.
  const byRole = (role: StagedFile['role']): StagedFile[] => toLoad.filter((f) => f.role === role);
  for (const f of byRole('movies_metadata')) await loader.movies(f);
  for (const f of byRole('links')) await loader.links(f);
  for (const f of byRole('cpi')) await loader.cpi(f);
  // ratings.csv first, then incremental drops in name order, so a later drop's newer rating wins.
  const ratings = byRole('ratings').sort((a, b) =>
    a.name === 'ratings.csv' ? -1 : b.name === 'ratings.csv' ? 1 : a.name.localeCompare(b.name),
  );
  for (const f of ratings) await loader.ratings(f);
  return loader.reports;
}
