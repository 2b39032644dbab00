// The Redshift load plan for the full model, as pure SQL text: physical DDL, COPY from S3 manifests, staging →
// de-duplicate → plain MERGE in one transaction. docs/redshift.md explains every choice.
import { MODEL_TABLES, modelTable, type ModelTableName } from '../../model/tables.js';
import { columnSpecs } from '../../model/table-spec.js';
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
import type { ColumnType, DistStyle, TableSpec } from '../warehouse.js';

/** Redshift's widest VARCHAR, in bytes. */
export const REDSHIFT_MAX_VARCHAR = 65535;

export interface RsColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly notNull?: boolean;
}

/** A table with its Redshift physical design. */
export interface RsTable {
  /** Schema-qualified. */
  readonly name: string;
  readonly columns: readonly RsColumn[];
  readonly primaryKey: readonly string[];
  readonly dist: DistStyle;
  readonly sortKey: readonly string[];
}

const I = 'INTEGER' as const;
const V = 'VARCHAR' as const;
const D = 'DOUBLE PRECISION' as const;

/** Names Redshift's grammar (and the parse gate) will not take bare: type names such as "date". */
const QUOTED_NAMES = new Set(['date']);
function rsIdent(name: string): string {
  return QUOTED_NAMES.has(name) ? `"${name}"` : name;
}

/** A table spec as Redshift declares it: reserved names quoted, the key declared only when the spec declares it. */
export function rsTable(t: TableSpec): RsTable {
  return {
    name: `${t.schema}.${rsIdent(t.name)}`,
    columns: t.columns.map((c) => ({ name: rsIdent(c.name), type: c.type, notNull: c.notNull === true })),
    primaryKey: t.declareKey ? t.key.map(rsIdent) : [],
    dist: t.dist,
    sortKey: t.sortKey.map(rsIdent),
  };
}

/** The model on Redshift (model/tables.ts with its physical hints). */
export const RS_MODEL: readonly RsTable[] = MODEL_TABLES.map(rsTable);

/** The staging tables COPY fills, one per load file, typed as the file's columns (not the model's). */
export const RS_STAGING: Readonly<Record<StagingName, RsTable>> = {
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

/** Largest value in bytes (UTF-8) per VARCHAR column, keyed `schema.table.column`; measured from the load files. */
export type VarcharBytes = Readonly<Record<string, number>>;

/**
 * The declared size of a VARCHAR whose longest value is `maxBytes` bytes: twice that (room for later loads) rounded
 * up to a power of two, at least 32, at most 65535. Redshift counts bytes: 'é' is 2, an emoji 4.
 */
export function varcharSize(maxBytes: number): number {
  if (maxBytes > REDSHIFT_MAX_VARCHAR)
    throw new RangeError(
      `a value of ${maxBytes} bytes does not fit Redshift's widest VARCHAR (${REDSHIFT_MAX_VARCHAR} bytes)`,
    );
  let n = 32;
  while (n < maxBytes * 2 && n < REDSHIFT_MAX_VARCHAR) n *= 2;
  return Math.min(n, REDSHIFT_MAX_VARCHAR);
}

function columnType(table: RsTable, c: RsColumn, bytes: VarcharBytes): string {
  if (c.type !== 'VARCHAR') return c.type;
  return `VARCHAR(${varcharSize(bytes[`${table.name}.${c.name}`] ?? 0)})`;
}

function distSql(dist: DistStyle): string[] {
  switch (dist.style) {
    case 'ALL':
    case 'EVEN':
    case 'AUTO':
      return [`DISTSTYLE ${dist.style}`];
    case 'KEY':
      return ['DISTSTYLE KEY', `DISTKEY(${dist.key})`];
    default: {
      const never: never = dist;
      throw new Error(`unknown dist style ${String(never)}`);
    }
  }
}

/** Table attributes after the column list: dist style, dist key, sort key (compound when it has several columns). */
function tableAttributes(t: RsTable): string[] {
  const sort =
    t.sortKey.length === 0
      ? []
      : [`${t.sortKey.length > 1 ? 'COMPOUND ' : ''}SORTKEY(${t.sortKey.join(', ')})`];
  return [...distSql(t.dist), ...sort];
}

/**
 * CREATE TABLE with the physical design. No column names an ENCODE, so Redshift's ENCODE AUTO (its default when no
 * column does) chooses and changes every column's compression.
 */
export function createTableSql(t: RsTable, bytes: VarcharBytes, ifNotExists = true): string {
  const cols = t.columns.map((c) => `  ${c.name} ${columnType(t, c, bytes)}${c.notNull ? ' NOT NULL' : ''}`);
  if (t.primaryKey.length > 0) cols.push(`  PRIMARY KEY (${t.primaryKey.join(', ')})`);
  return `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${t.name} (\n${cols.join(',\n')}\n)\n${tableAttributes(t).join('\n')}`;
}

/** The run metadata tables on Redshift: the model's DDL with each VARCHAR at Redshift's widest (tiny tables). */
export function metaTableSql(ddl: string): string {
  return ddl.replace(/\bVARCHAR\b(?!\()/g, `VARCHAR(${REDSHIFT_MAX_VARCHAR})`).replace(/ *--[^\n]*/g, '');
}

/** Where one load file went in S3, after it was split into parts. */
export interface LoadObject {
  /** The manifest's s3:// URL. */
  manifestUrl: string;
  /** The parts' s3:// URLs, in order. */
  partUrls: readonly string[];
}

/** Where parts with these sha256s go under the s3:// staging area: content-addressed, so a key names its bytes. */
export function loadObjectFor(
  sha256: readonly string[],
  staging: string,
  manifestSha256: (text: string) => string,
): LoadObject & { partKeys: string[]; manifestKey: string; manifest: string } {
  const base = staging.replace(/\/$/, '');
  const partKeys = sha256.map((h) => `redshift/${h}.csv`);
  const partUrls = partKeys.map((k) => `${base}/${k}`);
  const manifest = manifestJson(partUrls);
  const manifestKey = `redshift/${manifestSha256(manifest)}.manifest`;
  return { manifestUrl: `${base}/${manifestKey}`, partUrls, partKeys, manifestKey, manifest };
}

/** A COPY manifest: every part mandatory, so a missing object fails the load instead of loading less. */
export function manifestJson(partUrls: readonly string[]): string {
  return JSON.stringify({ entries: partUrls.map((url) => ({ url, mandatory: true })) }, null, 2) + '\n';
}

export interface CopyAuth {
  /** An IAM role ARN, or 'DEFAULT' (the cluster's default role). */
  iamRole: string;
  /** The bucket's region when it is not the cluster's. */
  region?: string;
}

/**
 * COPY from a manifest. Always a manifest, even for one part: COPY FROM 's3://b/p' loads every object whose key
 * starts with p (part-1 would take part-10 too). EMPTYASNULL: an unquoted empty field is NULL, as in PostgreSQL's CSV;
 * the load files quote every string, so an empty string stays one. The options are spelled with AS, in this order.
 */
export function copySql(table: RsTable, manifestUrl: string, auth: CopyAuth): string {
  const cols = table.columns.map((c) => c.name).join(', ');
  const role = auth.iamRole === 'DEFAULT' ? 'DEFAULT' : quote(auth.iamRole);
  const region = auth.region ? ` REGION AS ${quote(auth.region)}` : '';
  return `COPY ${table.name} (${cols})
FROM ${quote(manifestUrl)}
IAM_ROLE ${role}
FORMAT AS CSV IGNOREHEADER AS 1 EMPTYASNULL MANIFEST${region}`;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

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
    ...metaDdl.map(metaTableSql),
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

/**
 * A plain Redshift MERGE: no alias on the target, a table as source, the key equalities as ON, one WHEN MATCHED
 * UPDATE without a condition and one WHEN NOT MATCHED INSERT. Columns are qualified by table name (no aliases at all,
 * so the same text runs on PostgreSQL 15).
 */
export function plainMerge(
  target: string,
  source: string,
  columns: readonly string[],
  key: readonly string[],
): string {
  const on = key.map((k) => `${target}.${k} = ${source}.${k}`).join(' AND ');
  const rest = columns.filter((c) => !key.includes(c));
  // Redshift's MERGE takes both clauses; a key-only table updates its key to itself.
  const set = (rest.length > 0 ? rest : key).map((c) => `${c} = ${source}.${c}`).join(', ');
  return `MERGE INTO ${target}
USING ${source}
ON ${on}
WHEN MATCHED THEN UPDATE SET ${set}
WHEN NOT MATCHED THEN INSERT (${columns.join(', ')}) VALUES (${columns.map((c) => `${source}.${c}`).join(', ')})`;
}

/** plainMerge into a model table, by its key, of every column of it. */
function modelMerge(name: ModelTableName, source: string): string {
  const t = rsTable(modelTable(name));
  const key = modelTable(name).key.map(rsIdent);
  return plainMerge(
    t.name,
    source,
    t.columns.map((c) => c.name),
    key,
  );
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
  return `CASE ${expr} ${map.map(([k, v]) => `WHEN ${k} THEN ${quote(v)}`).join(' ')} END`;
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
SELECT ${id}, ${quote(from.links)}, NULL, NULL,
  ${linkReasonSql(LINK_IN)},
  ${text('movielens_id')} || ',' || coalesce(imdb_id, '') || ',' || ${text('tmdb_id')}
FROM staging.link_in
WHERE NOT coalesce(${LINK_VALID}, false)`);
  if (input.objects.cpi_in !== undefined)
    out.push(`${QUARANTINE_INSERT}
SELECT ${id}, ${caseOf(
      'series_id',
      Object.entries(from.cpi).map(([k, v]) => [quote(k), v] as const),
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

/**
 * The same statement for PostgreSQL, where the two agree on everything else: the physical attributes (DISTSTYLE,
 * DISTKEY, SORTKEY, ENCODE) removed. COPY from S3 has no PostgreSQL form; the caller replaces it by COPY FROM STDIN.
 */
export function stripPhysical(sql: string): string {
  return sql
    .replace(/\n?\s*DISTSTYLE (?:ALL|EVEN|KEY|AUTO)\b/g, '')
    .replace(/\n?\s*DISTKEY\([^)]*\)/g, '')
    .replace(/\n?\s*(?:COMPOUND |INTERLEAVED )?SORTKEY\([^)]*\)/g, '')
    .replace(/\s+ENCODE \w+/g, '');
}

/** A COPY of this plan parsed back: table, columns, manifest URL — what a PostgreSQL stand-in needs. */
export function parseCopy(sql: string): { table: string; columns: string[]; manifestUrl: string } | null {
  const m = /^COPY (\S+) \(([^)]*)\)\nFROM '([^']*)'/.exec(sql);
  if (!m) return null;
  return { table: m[1]!, columns: m[2]!.split(', '), manifestUrl: m[3]! };
}
