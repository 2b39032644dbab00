// The Redshift load plan of the model, as pure SQL text: which tables (the model with its physical design, one
// staging table per load file), COPY from the S3 manifests, the value rules and quarantine, de-duplicate and MERGE in
// one transaction, in this order. The load stage owns it (the model and its rules are the stage's business); the
// generic text — physical DDL, COPY, MERGE of a table spec — comes from the seam (warehouse/s3-copy.ts).
// docs/redshift.md explains every choice.
import { unreachable } from '../../core/unreachable.js';
import { INPUT_COLUMNS, MODEL_TABLES, modelTable, type ModelTableName } from '../../model/tables.js';
import { columnSpecs, type ColumnSpec } from '../../core/table-spec.js';
import {
  columnCountReasonSql,
  conversionReasonSql,
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
  REDSHIFT_MAX_VARCHAR,
  copyLinesSql,
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
import { quoteLiteral } from '../../warehouse/warehouse.js';
import { releaseDatesSql } from './load-model.js';

const I = 'INTEGER' as const;
const V = 'VARCHAR' as const;
const D = 'DOUBLE PRECISION' as const;

/** The model on Redshift (model/tables.ts with its physical hints). */
export const RS_MODEL: readonly CopyTable[] = MODEL_TABLES.map(copyTable);

/** The staging tables COPY fills, one per load file, typed as the file's columns (not the model's). */
export const RS_STAGING: Readonly<Record<StagingName, CopyTable>> = {
  rating_in: stagingTable(
    'rating_in',
    [
      { name: 'user_id', type: I },
      { name: 'movielens_id', type: I },
      { name: 'rating', type: D },
      { name: 'rated_epoch', type: 'BIGINT' },
      // Which ratings file of the run (1 = the first in load order): a later file wins a tie on the timestamp.
      { name: 'file_no', type: I },
    ],
    { dist: { style: 'KEY', key: 'movielens_id' }, sortKey: ['movielens_id', 'user_id'] },
  ),
  link_in: stagingTable('link_in', [
    { name: 'movielens_id', type: I },
    { name: 'imdb_id', type: V },
    { name: 'tmdb_id', type: I },
  ]),
  cpi_in: stagingTable('cpi_in', [
    { name: 'series_id', type: V },
    { name: 'date', type: V },
    { name: 'value', type: V },
  ]),
  movie_in: stagingTable('movie_in', columnSpecs(modelTable('movie'))),
  genre_in: stagingTable('genre_in', columnSpecs(modelTable('genre'))),
  movie_genre_in: stagingTable('movie_genre_in', columnSpecs(modelTable('movie_genre'))),
};

/** Staging table `staging.<name>`: no key, spread evenly unless `physical` says otherwise. */
function stagingTable(
  name: StagingName,
  columns: readonly ColumnSpec[],
  physical: Pick<CopyTable, 'dist' | 'sortKey'> = { dist: { style: 'EVEN' }, sortKey: [] },
): CopyTable {
  return { name: `staging.${name}`, columns, primaryKey: [], ...physical };
}

export const STAGING_NAMES = [
  'rating_in',
  'link_in',
  'cpi_in',
  'movie_in',
  'genre_in',
  'movie_genre_in',
] as const;
export type StagingName = (typeof STAGING_NAMES)[number];

/**
 * The staged files COPYed as they are (staging in S3): per input, the manifest listing its `raw/<sha256>` object.
 * Their staging tables (rating_in, link_in, cpi_in) are then filled in SQL from the raw lines, not from parts.
 */
export interface RawInputs {
  /** Ratings files in load order (file_no = place + 1). */
  ratings: readonly LoadObject[];
  links?: LoadObject;
  /** FRED files with the series id of their header. */
  cpi: readonly { series: string; object: LoadObject }[];
}

/** What one run loads into Redshift: the load objects of each staging table present in the run. */
export interface RedshiftLoadInput {
  objects: Partial<Record<StagingName, LoadObject>>;
  /** Inputs loaded from their staged objects (rating_in, link_in and cpi_in are then absent from `objects`). */
  raw?: RawInputs;
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

/** One staged file COPYed as it is: its table of raw lines and how each line becomes a row of its staging table. */
export interface RawSource {
  /** The staging table it fills. */
  staging: StagingName;
  /** Its place among the files of that staging table, in load order (from 0). */
  index: number;
  /** staging.<t>_raw_<n>: one VARCHAR per line. */
  table: string;
  /** staging.<t>_fields_<n>: the lines split into fields, once (every later statement reads these columns). */
  fields: string;
  object: LoadObject;
  /** The file's columns (model/tables.ts INPUT_COLUMNS), in file order. */
  columns: readonly ColumnSpec[];
  /** SQL values the staging table takes before and after the file's own fields (the series id, the file number). */
  before: readonly string[];
  after: readonly string[];
}

/** The raw sources of a run, in load order: ratings files, links, CPI files. */
export function rawSources(input: RedshiftLoadInput): RawSource[] {
  const raw = input.raw;
  if (raw === undefined) return [];
  return [
    ...raw.ratings.map((object, i): RawSource => ({
      staging: 'rating_in',
      index: i,
      table: `staging.rating_raw_${i + 1}`,
      fields: `staging.rating_fields_${i + 1}`,
      object,
      columns: INPUT_COLUMNS.ratings,
      before: [],
      after: [String(i + 1)],
    })),
    ...(raw.links === undefined
      ? []
      : [
          {
            staging: 'link_in',
            index: 0,
            table: 'staging.link_raw_1',
            fields: 'staging.link_fields_1',
            object: raw.links,
            columns: INPUT_COLUMNS.links,
            before: [],
            after: [],
          } satisfies RawSource,
        ]),
    ...raw.cpi.map((c, i): RawSource => ({
      staging: 'cpi_in',
      index: i,
      table: `staging.cpi_raw_${i + 1}`,
      fields: `staging.cpi_fields_${i + 1}`,
      object: c.object,
      columns: INPUT_COLUMNS.cpi,
      before: [quoteLiteral(c.series)],
      after: [],
    })),
  ];
}

/** Whether this run fills staging table `name` (from parts or from staged files). */
export function hasStaging(input: RedshiftLoadInput, name: StagingName): boolean {
  return input.objects[name] !== undefined || rawSources(input).some((r) => r.staging === name);
}

/** A text field that must be a number: its regular expression (a cast of anything else fails on Redshift). */
const NUMBER_TEXT: Readonly<Record<string, string>> = {
  // At most 18 digits: every such text casts to BIGINT. 19 digits may fit (compared as a DECIMAL first, as the other
  // engines' readers take 9223372036854775807); a longer one does not fit and is refused by the same reason.
  INTEGER: '^[+-]?[0-9]{1,18}$',
  BIGINT: '^[+-]?[0-9]{1,18}$',
  BIGINT_19: '^[+-]?[0-9]{19}$',
  'DOUBLE PRECISION': '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$',
};

/** Whether field text `f` (not NULL) is a value of `type`: CASE, so no cast of a text that is not a number runs. */
function fitsSql(f: string, type: ColumnSpec['type']): string {
  switch (type) {
    case 'VARCHAR':
      return 'true';
    case 'INTEGER':
      return `CASE WHEN ${f} ~ '${NUMBER_TEXT.INTEGER!}' THEN CAST(${f} AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END`;
    case 'BIGINT':
      return `CASE WHEN ${f} ~ '${NUMBER_TEXT.BIGINT!}' THEN true WHEN ${f} ~ '${NUMBER_TEXT.BIGINT_19!}' THEN CAST(${f} AS DECIMAL(19, 0)) BETWEEN -9223372036854775808 AND 9223372036854775807 ELSE false END`;
    case 'DOUBLE PRECISION':
      return `${f} ~ '${NUMBER_TEXT[type]!}'`;
    default:
      throw new Error(`a staged file's column of type ${type} is not loaded from raw lines`);
  }
}

/**
 * The raw lines of a source split into fields, as a table: `l` the line without a trailing CR (a file whose line ends
 * mix leaves one on the LF-ended lines' neighbours), `nf` its field count, `f1`… each field (NULL when empty; numbers
 * trimmed). Empty lines are not records, as every engine's CSV reader skips them. Materialised once: the typing, the
 * quarantine and the count read its columns (an engine that inlines the split would redo it per reference).
 */
function fieldsTableSql(src: RawSource): string {
  const fields = src.columns.map((c, i) => {
    const part = `split_part(l, ',', ${i + 1})`;
    return `nullif(${c.type === 'VARCHAR' ? part : `trim(${part})`}, '') AS f${i + 1}`;
  });
  return `CREATE TABLE ${src.fields}
DISTSTYLE EVEN
AS
SELECT l, length(l) - length(replace(l, ',', '')) + 1 AS nf, ${fields.join(', ')}
FROM (SELECT coalesce(rtrim(line, chr(13)), '') AS l FROM ${src.table}) r
WHERE l <> ''`;
}

/** Why a raw line is refused before the value rules (field count, then each field's type), or NULL when it is not. */
function rawReasonSql(src: RawSource): string {
  const n = src.columns.length;
  const whens = src.columns
    .map((c, i) => [c, `f${i + 1}`] as const)
    .filter(([c]) => c.type !== 'VARCHAR')
    .map(
      ([c, f]) => `
    WHEN ${f} IS NOT NULL AND NOT (${fitsSql(f, c.type)}) THEN ${conversionReasonSql(c.name, c.type, f)}`,
    );
  return `CASE WHEN nf <> ${n} THEN ${columnCountReasonSql(n, 'CAST(nf AS VARCHAR(12))')}${whens.join('')} END`;
}

/** The rows of a raw source that type: into its staging table, with the values the plan adds. */
function rawInsertSql(src: RawSource): string {
  const t = RS_STAGING[src.staging];
  const typed = src.columns.map((c, i) =>
    c.type === 'VARCHAR'
      ? `f${i + 1}`
      : `CASE WHEN ${fitsSql(`f${i + 1}`, c.type)} THEN CAST(f${i + 1} AS ${c.type}) END`,
  );
  return `INSERT INTO ${t.name} (${t.columns.map((c) => c.name).join(', ')})
SELECT ${[...src.before, ...typed, ...src.after].join(', ')}
FROM ${src.fields}
WHERE ${rawReasonSql(src)} IS NULL`;
}

/** How many raw lines of a source were refused before the value rules (the run counts them per file). */
export function rawRefusedCountSql(src: RawSource): string {
  return `SELECT COUNT(*) AS n FROM ${src.fields}
WHERE ${rawReasonSql(src)} IS NOT NULL`;
}

/** A staging table filled from raw lines: its text columns at the widest (the lines were not measured). */
function rawStagingBytes(t: CopyTable): VarcharBytes {
  return Object.fromEntries(
    t.columns.filter((c) => c.type === 'VARCHAR').map((c) => [`${t.name}.${c.name}`, REDSHIFT_MAX_VARCHAR]),
  );
}

/**
 * Fresh staging tables and their loads, for the load files this run has: a staged file (staging in S3) is COPYed as
 * it is, line by line, into staging.<t>_raw_<n>, then typed into its staging table in SQL; a part-loaded input
 * (the cleaned movies, or every input when staging is local) is COPYed from its parts' manifest.
 */
export function loadStatements(input: RedshiftLoadInput): string[] {
  const out: string[] = [];
  const raw = rawSources(input);
  for (const name of STAGING_NAMES) {
    const t = RS_STAGING[name];
    const obj = input.objects[name];
    const mine = raw.filter((r) => r.staging === name);
    if (obj === undefined && mine.length === 0) continue;
    out.push(`DROP TABLE IF EXISTS ${t.name}`);
    if (obj !== undefined) {
      out.push(createTableSql(t, input.bytes, false));
      out.push(copySql(t, obj.manifestUrl, input.auth));
      continue;
    }
    out.push(createTableSql(t, rawStagingBytes(t), false));
    for (const src of mine) {
      out.push(`DROP TABLE IF EXISTS ${src.table}`);
      out.push(`CREATE TABLE ${src.table} (
  line VARCHAR(${REDSHIFT_MAX_VARCHAR})
)
DISTSTYLE EVEN`);
      out.push(copyLinesSql(src.table, 'line', src.object.manifestUrl, input.auth));
      out.push(`DROP TABLE IF EXISTS ${src.fields}`);
      out.push(fieldsTableSql(src));
      out.push(rawInsertSql(src));
    }
  }
  return out;
}

/** The raw-line and field tables of a run, dropped once it has counted and quarantined from them. */
export function dropRawStatements(input: RedshiftLoadInput): string[] {
  return rawSources(input).flatMap((r) => [
    `DROP TABLE IF EXISTS ${r.table}`,
    `DROP TABLE IF EXISTS ${r.fields}`,
  ]);
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
  return [
    `DROP TABLE IF EXISTS ${n}`,
    `CREATE TABLE ${n}
DISTSTYLE ALL
AS
SELECT CAST(date AS DATE) AS month, series_id, min(CASE WHEN ${CPI_MISSING} THEN NULL ELSE CAST(value AS DOUBLE PRECISION) END) AS value
FROM staging.cpi_in
WHERE ${CPI_IS_DATE} AND (${CPI_MISSING} OR ${CPI_IS_POSITIVE})
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
${releaseDatesSql('"date"')}`,
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
  const has = (n: StagingName): boolean => hasStaging(input, n);
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
  return `CASE ${expr} ${map.map(([k, v]) => `WHEN ${k} THEN ${quoteLiteral(v)}`).join(' ')} END`;
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
  const cpiSource = (seriesId: string): string =>
    caseOf(
      seriesId,
      Object.entries(from.cpi).map(([k, v]) => [quoteLiteral(k), v] as const),
    );
  // Lines of a staged file refused before the value rules (field count, a field not of its type): the line as raw.
  const sourceOf = (src: RawSource): string =>
    src.staging === 'rating_in'
      ? quoteLiteral(from.ratings[src.index] ?? '')
      : src.staging === 'link_in'
        ? quoteLiteral(from.links ?? '')
        : cpiSource(src.before[0]!);
  for (const src of rawSources(input)) {
    const reason = rawReasonSql(src);
    out.push(`${QUARANTINE_INSERT}
SELECT ${id}, ${sourceOf(src)}, NULL, NULL, ${reason}, l
FROM ${src.fields}
WHERE ${reason} IS NOT NULL`);
  }
  const text = (e: string): string => `coalesce(CAST(${e} AS VARCHAR(64)), '')`;
  if (hasStaging(input, 'rating_in')) {
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
  if (hasStaging(input, 'link_in') && from.links !== undefined)
    out.push(`${QUARANTINE_INSERT}
SELECT ${id}, ${quoteLiteral(from.links)}, NULL, NULL,
  ${linkReasonSql(LINK_IN)},
  ${text('movielens_id')} || ',' || coalesce(imdb_id, '') || ',' || ${text('tmdb_id')}
FROM staging.link_in
WHERE NOT coalesce(${LINK_VALID}, false)`);
  if (hasStaging(input, 'cpi_in'))
    out.push(`${QUARANTINE_INSERT}
SELECT ${id}, ${cpiSource('series_id')}, NULL, NULL,
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
    default:
      return unreachable(kind, 'statement kind');
  }
}
