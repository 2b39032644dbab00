// The Redshift load plan of the model, as pure SQL text: which tables (the model with its physical design, one
// staging table per load file), COPY from the S3 manifests, the value rules and quarantine, de-duplicate and MERGE in
// one transaction, in this order. The load stage owns it (the model and its rules are the stage's business); the
// generic text — physical DDL, COPY, MERGE of a table spec — comes from the seam (warehouse/s3-copy.ts).
// docs/redshift.md explains every choice.
import { MODEL_TABLES, modelTable, type ModelTableName } from '../../model/tables.js';
import { columnSpecs } from '../../core/table-spec.js';
import {
  cpiMissingSql,
  cpiReasonSql,
  cpiValidSql,
  linkReasonSql,
  linkValidSql,
  ratingReasonSql,
  ratingValidSql,
  type CpiRow,
  type LinkRow,
  type RatingRow,
} from '../../model/value-rules.js';
import {
  copySql,
  copyTable,
  createTableSql,
  redshiftDialect,
  specMerge,
  type CopyAuth,
  type CopyTable,
  type LoadObject,
  type VarcharBytes,
} from '../../warehouse/s3-copy.js';

const I = 'INTEGER' as const;
const V = 'VARCHAR' as const;
const D = 'DOUBLE PRECISION' as const;

/** The model on Redshift (model/tables.ts with its physical hints). */
export const RS_MODEL: readonly CopyTable[] = MODEL_TABLES.map(copyTable);

/** The staging tables COPY fills, one per load file, typed as the file's columns (not the model's). */
export const RS_STAGING: Readonly<Record<StagingName, CopyTable>> = {
  rating_in: {
    name: 'staging.rating_in',
    columns: [
      { name: 'user_id', type: I },
      { name: 'movielens_id', type: I },
      { name: 'rating', type: D },
      { name: 'rated_epoch', type: 'BIGINT' },
      // Which ratings file of the run (1 = the first in load order): a later file wins a tie on the timestamp.
      { name: 'file_no', type: I },
    ],
    primaryKey: [],
    dist: { style: 'KEY', key: 'movielens_id' },
    sortKey: ['movielens_id', 'user_id'],
  },
  link_in: {
    name: 'staging.link_in',
    columns: [
      { name: 'movielens_id', type: I },
      { name: 'imdb_id', type: V },
      { name: 'tmdb_id', type: I },
    ],
    primaryKey: [],
    dist: { style: 'EVEN' },
    sortKey: [],
  },
  cpi_in: {
    name: 'staging.cpi_in',
    columns: [
      { name: 'series_id', type: V },
      { name: 'date', type: V },
      { name: 'value', type: V },
    ],
    primaryKey: [],
    dist: { style: 'EVEN' },
    sortKey: [],
  },
  movie_in: {
    name: 'staging.movie_in',
    columns: columnSpecs(modelTable('movie')),
    primaryKey: [],
    dist: { style: 'EVEN' },
    sortKey: [],
  },
  genre_in: {
    name: 'staging.genre_in',
    columns: columnSpecs(modelTable('genre')),
    primaryKey: [],
    dist: { style: 'EVEN' },
    sortKey: [],
  },
  movie_genre_in: {
    name: 'staging.movie_genre_in',
    columns: columnSpecs(modelTable('movie_genre')),
    primaryKey: [],
    dist: { style: 'EVEN' },
    sortKey: [],
  },
};
export const STAGING_NAMES = [
  'rating_in',
  'link_in',
  'cpi_in',
  'movie_in',
  'genre_in',
  'movie_genre_in',
] as const;
export type StagingName = (typeof STAGING_NAMES)[number];

/** What one run loads into Redshift: the load objects of each staging table present in the run. */
export interface RedshiftLoadInput {
  objects: Partial<Record<StagingName, LoadObject>>;
  /** VARCHAR byte maxima of the data (model and staging columns). */
  bytes: VarcharBytes;
  auth: CopyAuth;
  /** The upper bound of a plausible rating time (the run start). */
  runStartedAt: Date;
}

export const STATEMENT_KINDS = ['ddl', 'load', 'merge', 'answers'] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

/** The DDL of the model: schemas, tables with their physical design, the mapped-rating view, run metadata. */
export function ddlStatements(
  bytes: VarcharBytes,
  metaDdl: readonly string[],
  views: readonly string[],
): string[] {
  return [
    'CREATE SCHEMA IF NOT EXISTS movies',
    'CREATE SCHEMA IF NOT EXISTS movalytics',
    'CREATE SCHEMA IF NOT EXISTS staging',
    ...RS_MODEL.map((t) => createTableSql(t, bytes)),
    ...views,
    ...metaDdl.map((ddl) => redshiftDialect.tableDdl(ddl)),
  ];
}

/** Fresh staging tables and one COPY into each, for the load files this run has. */
export function loadStatements(input: RedshiftLoadInput): string[] {
  const out: string[] = [];
  for (const name of STAGING_NAMES) {
    const obj = input.objects[name];
    if (obj === undefined) continue;
    const t = RS_STAGING[name];
    out.push(`DROP TABLE IF EXISTS ${t.name}`);
    out.push(createTableSql(t, input.bytes, false));
    out.push(copySql(t, obj.manifestUrl, input.auth));
  }
  return out;
}

/** A MERGE into a model table, by its key, of every column of it. */
function modelMerge(name: ModelTableName, source: string): string {
  return specMerge(modelTable(name), source);
}

/** An incoming rating of staging.rating_in, for the model's value rules. */
const RATING_IN: RatingRow = {
  userId: 'user_id',
  movieId: 'movielens_id',
  rating: 'rating',
  epoch: 'rated_epoch',
  ratingText: 'CAST(rating AS VARCHAR(32))',
  epochText: 'CAST(rated_epoch AS VARCHAR(32))',
  dayText: `CAST(CAST(TIMESTAMP 'epoch' + rated_epoch * INTERVAL '1 second' AS DATE) AS VARCHAR(10))`,
};

/** The value rules of an incoming rating (model/value-rules.ts, as every engine's load applies them). */
export function ratingInValidSql(runStartedAt: Date): string {
  return ratingValidSql(RATING_IN, runStartedAt);
}

/**
 * Ratings: keep one row per key (later timestamp, then the later file, then higher rating — as loading the files one
 * after the other would), drop those a stored rating is newer than, MERGE. `file_no` stays in rating_new: the run
 * counts each file's written rows from it.
 */
function mergeRatings(input: RedshiftLoadInput): string[] {
  const n = RATING_NEW;
  return [
    `DROP TABLE IF EXISTS ${n}`,
    `CREATE TABLE ${n}
DISTSTYLE KEY
DISTKEY(movielens_id)
COMPOUND SORTKEY(movielens_id, user_id)
AS
SELECT user_id, movielens_id, rating, rated_at, file_no FROM (
  SELECT user_id, movielens_id, rating, TIMESTAMP 'epoch' + rated_epoch * INTERVAL '1 second' AS rated_at, file_no,
         ROW_NUMBER() OVER (PARTITION BY user_id, movielens_id ORDER BY rated_epoch DESC, file_no DESC, rating DESC) AS rn
  FROM staging.rating_in
  WHERE ${ratingInValidSql(input.runStartedAt)}
) d
WHERE rn = 1`,
    `DELETE FROM ${n}
WHERE EXISTS (SELECT 1 FROM movies.rating WHERE movies.rating.user_id = ${n}.user_id AND movies.rating.movielens_id = ${n}.movielens_id AND movies.rating.rated_at > ${n}.rated_at)`,
    modelMerge('rating', n),
  ];
}

/** The tables the merge leaves in schema staging, one row per key written: the run counts its loads from them. */
export const RATING_NEW = 'staging.rating_new';
export const LINK_NEW = 'staging.link_new';
export const CPI_NEW = 'staging.cpi_new';

/** Links: positive movieIds; a movieId listed twice keeps the smallest tmdbId, then imdbId. */
function mergeLinks(): string[] {
  const n = LINK_NEW;
  return [
    `DROP TABLE IF EXISTS ${n}`,
    `CREATE TABLE ${n}
DISTSTYLE ALL
AS
SELECT movielens_id, imdb_id, tmdb_id FROM (
  SELECT movielens_id, imdb_id, tmdb_id,
         ROW_NUMBER() OVER (PARTITION BY movielens_id ORDER BY tmdb_id ASC NULLS LAST, imdb_id ASC NULLS LAST) AS rn
  FROM staging.link_in
  WHERE ${LINK_VALID}
) d
WHERE rn = 1`,
    modelMerge('movie_link', n),
  ];
}

/** CPI: first-of-month dates; "." or empty is a month without a value; a month listed twice keeps its smallest. */
const CPI_MISSING = cpiMissingSql('value');
const CPI_IS_DATE = `date ~ '^[0-9]{4}-(0[1-9]|1[0-2])-01$'`;
// CASE, not AND: Redshift may evaluate a WHERE in any order, and a cast of text that is not a number fails.
const CPI_IS_POSITIVE = `CASE WHEN value ~ '^[0-9]+([.][0-9]+)?$' THEN CAST(value AS DOUBLE PRECISION) > 0 ELSE false END`;
const CPI_IN: CpiRow = { date: 'date', value: 'value', dateOk: CPI_IS_DATE, valueOk: CPI_IS_POSITIVE };
/** The value rules of an incoming CPI row (staging.cpi_in). */
export const CPI_VALID = cpiValidSql(CPI_IN);
const LINK_IN: LinkRow = { movieId: 'movielens_id', movieIdText: 'CAST(movielens_id AS VARCHAR(32))' };
/** The value rule of an incoming link row (staging.link_in). */
export const LINK_VALID = linkValidSql(LINK_IN);

function mergeCpi(): string[] {
  const n = CPI_NEW;
  const missing = CPI_MISSING;
  const isDate = CPI_IS_DATE;
  const isPositive = CPI_IS_POSITIVE;
  return [
    `DROP TABLE IF EXISTS ${n}`,
    `CREATE TABLE ${n}
DISTSTYLE ALL
AS
SELECT CAST(date AS DATE) AS month, series_id, min(CASE WHEN ${missing} THEN NULL ELSE CAST(value AS DOUBLE PRECISION) END) AS value
FROM staging.cpi_in
WHERE ${isDate} AND (${missing} OR ${isPositive})
GROUP BY CAST(date AS DATE), series_id`,
    modelMerge('cpi', n),
  ];
}

/** Movies, genres and their pairs (a movie's genres are replaced whole), then the release dates. */
function mergeMovies(): string[] {
  const d = 'staging.date_new';
  return [
    modelMerge('movie', 'staging.movie_in'),
    modelMerge('genre', 'staging.genre_in'),
    `DELETE FROM movies.movie_genre WHERE movie_id IN (SELECT movie_id FROM staging.movie_in)`,
    `INSERT INTO movies.movie_genre (movie_id, genre_id) SELECT DISTINCT movie_id, genre_id FROM staging.movie_genre_in`,
    `DROP TABLE IF EXISTS ${d}`,
    `CREATE TABLE ${d}
DISTSTYLE ALL
AS
SELECT DISTINCT release_date AS "date", CAST(extract(day FROM release_date) AS INTEGER) AS day,
  CAST(extract(week FROM release_date) AS INTEGER) AS week, CAST(extract(month FROM release_date) AS INTEGER) AS month,
  CAST(extract(quarter FROM release_date) AS INTEGER) AS quarter, CAST(extract(year FROM release_date) AS INTEGER) AS year
FROM movies.movie WHERE release_date IS NOT NULL`,
    modelMerge('date', d),
  ];
}

/**
 * Everything that publishes, in one transaction: the de-duplicated staging tables merged into the model. A run sends
 * the statements between BEGIN and COMMIT inside its publish transaction, whose COMMIT follows the checks.
 */
export function mergeStatements(input: RedshiftLoadInput): string[] {
  return ['BEGIN', ...mergeBody(input), 'COMMIT'];
}

/** The merge without its BEGIN and COMMIT: what a run sends inside its publish transaction. */
export function mergeBody(input: RedshiftLoadInput): string[] {
  const has = (n: StagingName): boolean => input.objects[n] !== undefined;
  return [
    ...(has('rating_in') ? mergeRatings(input) : []),
    ...(has('link_in') ? mergeLinks() : []),
    ...(has('cpi_in') ? mergeCpi() : []),
    ...(has('movie_in') ? mergeMovies() : []),
  ];
}

/** The model's tables (physical design, sized from `bytes`) and views: what a run creates before its first load. */
export function modelDdlStatements(bytes: VarcharBytes, views: readonly string[]): string[] {
  return [
    'CREATE SCHEMA IF NOT EXISTS movies',
    'CREATE SCHEMA IF NOT EXISTS staging',
    ...RS_MODEL.map((t) => createTableSql(t, bytes)),
    ...views,
  ];
}

/** Where a run's quarantined rows came from: the file names of its inputs, per staging table. */
export interface QuarantineSources {
  /** Ratings file names by file_no - 1. */
  ratings: readonly string[];
  links?: string;
  /** CPI file names by series id. */
  cpi: Readonly<Record<string, string>>;
}

const QUARANTINE_INSERT =
  'INSERT INTO movalytics.quarantine (run_id, source_file, record_number, line_number, reason, raw)';

/** `CASE e WHEN k THEN 'v' … END` (NULL when none matches). */
function caseOf(expr: string, map: readonly (readonly [string, string])[]): string {
  if (map.length === 0) return 'CAST(NULL AS VARCHAR(256))';
  return `CASE ${expr} ${map.map(([k, v]) => `WHEN ${k} THEN ${quoteText(v)}`).join(' ')} END`;
}

/**
 * The rows of this run's staging tables that break a value rule, into movalytics.quarantine with a reason (the merge
 * leaves them out). Sent between the load and the merge; they name the run, so `movalytics sql` does not print them.
 */
export function quarantineStatements(
  input: RedshiftLoadInput,
  runId: number,
  from: QuarantineSources,
): string[] {
  const id = Math.trunc(runId);
  const out: string[] = [];
  const text = (e: string): string => `coalesce(CAST(${e} AS VARCHAR(64)), '')`;
  if (input.objects.rating_in !== undefined) {
    const source = caseOf(
      'file_no',
      from.ratings.map((n, i) => [String(i + 1), n] as const),
    );
    out.push(`${QUARANTINE_INSERT}
SELECT ${id}, ${source}, NULL, NULL,
  ${ratingReasonSql(RATING_IN, input.runStartedAt)},
  ${text('user_id')} || ',' || ${text('movielens_id')} || ',' || ${text('rating')} || ',' || ${text('rated_epoch')}
FROM staging.rating_in
WHERE NOT coalesce(${ratingInValidSql(input.runStartedAt)}, false)`);
  }
  if (input.objects.link_in !== undefined && from.links !== undefined)
    out.push(`${QUARANTINE_INSERT}
SELECT ${id}, ${quoteText(from.links)}, NULL, NULL,
  ${linkReasonSql(LINK_IN)},
  ${text('movielens_id')} || ',' || coalesce(imdb_id, '') || ',' || ${text('tmdb_id')}
FROM staging.link_in
WHERE NOT coalesce(${LINK_VALID}, false)`);
  if (input.objects.cpi_in !== undefined)
    out.push(`${QUARANTINE_INSERT}
SELECT ${id}, ${caseOf(
      'series_id',
      Object.entries(from.cpi).map(([k, v]) => [quoteText(k), v] as const),
    )}, NULL, NULL,
  ${cpiReasonSql(CPI_IN)},
  coalesce(date, '') || ',' || coalesce(value, '')
FROM staging.cpi_in
WHERE NOT coalesce(${CPI_VALID}, false)`);
  return out;
}

/**
 * The SQL of a statement kind, as a run sends it. `views` and `metaDdl` are the model's (model/schema.ts); `answers`
 * the answer marts as the answers stage builds them on Redshift (`martDdl` with the Redshift dialect): the engine
 * knows no stage.
 */
export function planStatements(
  kind: StatementKind,
  input: RedshiftLoadInput,
  model: { views: readonly string[]; metaDdl: readonly string[]; answers: readonly string[] },
): string[] {
  switch (kind) {
    case 'ddl':
      return ddlStatements(input.bytes, model.metaDdl, model.views);
    case 'load':
      return loadStatements(input);
    case 'merge':
      return mergeStatements(input);
    case 'answers':
      return [...model.answers];
    default: {
      const never: never = kind;
      throw new Error(`unknown statement kind ${String(never)}`);
    }
  }
}

function quoteText(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
