// The `movies` model as data: every table's columns, key and physical hints, and the columns of the input files the
// load reads. DDL for each engine, the load, the Redshift plan, the checks and docs/data-model.md derive from it.
import type { ColumnSpec, TableColumn, TableSpec } from '../core/table-spec.js';

export const MODEL_SCHEMA = 'movies';

const I = 'INTEGER' as const;
const V = 'VARCHAR' as const;
const D = 'DOUBLE PRECISION' as const;
const ALL = { style: 'ALL' } as const;

function table(
  name: string,
  columns: readonly TableColumn[],
  key: readonly string[],
  hints: Pick<TableSpec, 'dist' | 'sortKey' | 'fillFactor'> & { declareKey?: boolean },
): TableSpec {
  return { schema: MODEL_SCHEMA, name, columns, key, declareKey: hints.declareKey ?? true, ...hints };
}

/**
 * The model's tables, in creation order. Physical hints (Redshift): the rating fact is distributed on movielens_id —
 * every answer reaches a movie from a rating through movie_link ON movielens_id, and the marts GROUP BY movielens_id
 * first, so that grouping stays on the slice; the dimensions are small (≤ 46k rows) and DISTSTYLE ALL, a copy on
 * every node, so no join to them moves data.
 */
export const MODEL_TABLES: readonly TableSpec[] = [
  table(
    'movie',
    [
      { name: 'movie_id', type: I, notNull: true, comment: 'TMDB id (movies_metadata.id)' },
      { name: 'imdb_id', type: V },
      { name: 'title', type: V },
      { name: 'original_title', type: V },
      { name: 'original_language', type: V },
      { name: 'is_adult', type: 'BOOLEAN' },
      { name: 'status', type: V },
      { name: 'release_date', type: 'DATE' },
      { name: 'budget', type: 'BIGINT', comment: 'NULL when the source says 0 (unknown)' },
      { name: 'revenue', type: 'BIGINT', comment: 'NULL when the source says 0 (unknown)' },
      { name: 'runtime', type: D },
      { name: 'popularity', type: D },
      { name: 'vote_average', type: D },
      { name: 'vote_count', type: I },
    ],
    ['movie_id'],
    { dist: ALL, sortKey: ['release_date'] },
  ),
  table(
    'genre',
    [
      { name: 'genre_id', type: I, notNull: true },
      { name: 'name', type: V, notNull: true },
    ],
    ['genre_id'],
    { dist: ALL, sortKey: ['genre_id'] },
  ),
  table(
    'movie_genre',
    [
      { name: 'movie_id', type: I, notNull: true },
      { name: 'genre_id', type: I, notNull: true },
    ],
    ['movie_id', 'genre_id'],
    { dist: ALL, sortKey: ['genre_id', 'movie_id'] },
  ),
  table(
    'movie_link',
    [
      { name: 'movielens_id', type: I, notNull: true },
      { name: 'imdb_id', type: V, comment: '7 digits with leading zeros, kept as text' },
      { name: 'tmdb_id', type: I, comment: 'NULL when links.csv has none' },
    ],
    ['movielens_id'],
    { dist: ALL, sortKey: ['movielens_id'] },
  ),
  // No PRIMARY KEY: in DuckDB an ART index over 26M rows costs more memory than the 2 GiB budget; the load guarantees
  // one row per (user_id, movielens_id) and a check verifies it.
  table(
    'rating',
    [
      { name: 'user_id', type: I, notNull: true },
      {
        name: 'movielens_id',
        type: I,
        notNull: true,
        comment: 'MovieLens id: reaches a movie only through movie_link',
      },
      { name: 'rating', type: D, notNull: true },
      { name: 'rated_at', type: 'TIMESTAMP', notNull: true },
    ],
    ['user_id', 'movielens_id'],
    // fillFactor: an incremental file replaces ratings all over the table; with a tenth of each page free, PostgreSQL
    // rewrites a replaced rating on its own page with no new index entry (a HOT update): measured on a +1 % file,
    // 4.1 s and 0.9 GB of WAL against 6.1 s and 1.6 GB to delete the old rows and insert the new, for 11 % more pages.
    {
      dist: { style: 'KEY', key: 'movielens_id' },
      sortKey: ['movielens_id', 'rated_at'],
      declareKey: false,
      fillFactor: 90,
    },
  ),
  table(
    'date',
    [
      { name: 'date', type: 'DATE', notNull: true },
      { name: 'day', type: I, notNull: true },
      { name: 'week', type: I, notNull: true, comment: 'ISO week' },
      { name: 'month', type: I, notNull: true },
      { name: 'quarter', type: I, notNull: true },
      { name: 'year', type: I, notNull: true },
    ],
    ['date'],
    { dist: ALL, sortKey: ['date'] },
  ),
  // One row per FRED series and month: the primary series, and CPIAUCNS when loaded (for --cpi-splice).
  table(
    'cpi',
    [
      { name: 'month', type: 'DATE', notNull: true, comment: 'first day of the month' },
      { name: 'series_id', type: V, notNull: true, comment: "the FRED series id from the file's header" },
      { name: 'value', type: D, comment: 'NULL: the source marks the month missing (FRED ".")' },
    ],
    ['series_id', 'month'],
    { dist: ALL, sortKey: ['series_id', 'month'] },
  ),
];

export type ModelTableName = 'movie' | 'genre' | 'movie_genre' | 'movie_link' | 'rating' | 'date' | 'cpi';

/** The model table `name`. */
export function modelTable(name: ModelTableName): TableSpec {
  const t = MODEL_TABLES.find((m) => m.name === name);
  if (t === undefined) throw new Error(`no model table ${name}`);
  return t;
}

/** The column names of model table `name`, in its order. */
export function modelColumns(name: ModelTableName): string[] {
  return modelTable(name).columns.map((c) => c.name);
}

/** The columns of the input CSVs as the load reads them (in file order, header names). */
export const INPUT_COLUMNS = {
  ratings: [
    { name: 'userId', type: I },
    { name: 'movieId', type: I },
    { name: 'rating', type: D },
    { name: 'timestamp', type: 'BIGINT' },
  ],
  links: [
    { name: 'movieId', type: I },
    { name: 'imdbId', type: V },
    { name: 'tmdbId', type: I },
  ],
  // Text: a FRED value may be "." (a month the source marks missing) and a date anything; the value rules decide.
  cpi: [
    { name: 'date', type: V },
    { name: 'value', type: V },
  ],
} as const satisfies Record<string, readonly ColumnSpec[]>;
