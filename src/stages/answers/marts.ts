// Answer marts: small aggregate tables in schema `marts`, brought up to date after each load — rebuilt from the model,
// or updated from the rating delta — so the four answers read kilobytes instead of scanning 26M ratings.
import type { SqlDialect } from '../../warehouse/dialect.js';
import { queryCount, tablesExist, type Warehouse } from '../../warehouse/warehouse.js';
import { PRIMARY_CPI_SERIES } from '../../model/schema.js';

export const MARTS_SCHEMA = 'marts';

/** The mart tables answers read; their presence is how answers tell a built warehouse from an empty one. */
export const MART_TABLES = [
  'movie_rating_stats',
  'genre_rating_stats',
  'rating_totals',
  'revenue_movie',
] as const;

/**
 * State table of the marts, kept between runs: one row per user with the genres they rated as a bit mask. A rating
 * only ever adds a (user, movie) pair (an incremental load replaces values, never removes keys), so an incremental
 * refresh ORs the new pairs' masks in and distinct users per genre stay exact.
 */
export const USER_MASK = `${MARTS_SCHEMA}.user_genre_mask`;
/**
 * State table of the marts, kept between runs: the ratings and their sum per MovieLens id (mapped to a movie or not,
 * ~45k rows). movie_rating_stats is derived from it, and the checks count ratings and the mapped share from it plus
 * the run's delta (ratingCountsOf) instead of grouping 26M ratings.
 */
export const MOVIELENS_COUNTS = `${MARTS_SCHEMA}.movielens_rating_counts`;
/**
 * State table of the marts, kept between runs: the genre mask of each mapped MovieLens id (~45k rows), the masks
 * USER_MASK was ORed from. When movies, links or genres change, USER_MASK still stands unless the mask of a rated id
 * changed (refreshLinkMasks).
 */
export const LINK_MASK = `${MARTS_SCHEMA}.link_genre_mask`;
/**
 * The files as loaded (`movalytics.file_state`: name, sha256, loading run) when the last publish that kept the state
 * (USER_MASK, MOVIELENS_COUNTS, LINK_MASK) in step committed: a copy, written in the same transaction. The state is
 * trusted only while the files are still as the copy says. Every build records the files it loads, but a build older
 * than some of the state publishes without keeping it in step (its full rebuild leaves LINK_MASK as it was, an older
 * one's delta leaves MOVIELENS_COUNTS), whatever its run's status and id: the next refresh then rebuilds whole.
 */
export const STATE_FILES = `${MARTS_SCHEMA}.kept_state_files`;
const FILE_KEY = 'file_name, sha256, loaded_run_id';
/** Scratch tables of a delta refresh: the touched MovieLens ids' and users' next rows. Dropped at the end. */
const COUNTS_NEXT = `${MARTS_SCHEMA}.movielens_counts_next_scratch`;
const USER_NEXT = `${MARTS_SCHEMA}.user_mask_next_scratch`;
/** Scratch table of a model refresh: the next link masks. */
const LINK_NEXT = `${MARTS_SCHEMA}.link_genre_mask_next_scratch`;

/** Genres that fit the BIGINT bit mask (bits 0..62: bit 63 is the sign). The real data has 20. */
export const MAX_MASK_GENRES = 63;

/** Runs `statements` one after the other. */
async function execAll(wh: Warehouse, statements: readonly string[]): Promise<void> {
  for (const sql of statements) await wh.exec(sql);
}

/**
 * MOVIELENS_COUNTS from every rating. Aggregated per MovieLens id first (45k groups), then mapped: counts and sums add
 * up exactly, and joining 45k groups instead of 26M ratings to links and movies is several times faster. sum_rating
 * stays exact in DOUBLE: ratings are multiples of 0.5, so sums are exact far beyond 26M rows.
 */
const MOVIELENS_COUNTS_DDL = [
  `DROP TABLE IF EXISTS ${MOVIELENS_COUNTS}`,
  `CREATE TABLE ${MOVIELENS_COUNTS} AS
SELECT movielens_id, CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(rating) AS DOUBLE PRECISION) AS sum_rating
FROM movies.rating GROUP BY movielens_id`,
];

/**
 * Mart DDL of a full rebuild, in order, for a model with `genreCount` genres: every table replaced whole from the
 * model. DROP + CREATE … AS rather than CREATE OR REPLACE: PostgreSQL and Redshift lack the latter, and inside
 * refreshMarts' transaction the swap is atomic on engines with transactional DDL. `countsBuilt`: MOVIELENS_COUNTS
 * was built from the ratings as they are in this transaction already (ratingCountsOf), and is kept.
 */
export function martDdl(
  genreCount: number,
  dialect: Pick<SqlDialect, 'analyze'>,
  countsBuilt = false,
): string[] {
  const useMask = genreCount <= MAX_MASK_GENRES;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${MARTS_SCHEMA}`,
    ...MART_TABLES.map((t) => `DROP TABLE IF EXISTS ${MARTS_SCHEMA}.${t}`),
    `DROP TABLE IF EXISTS ${USER_MASK}`,
    `DROP TABLE IF EXISTS ${LINK_MASK}`,
    ...(countsBuilt ? [] : MOVIELENS_COUNTS_DDL),
    MOVIE_RATING_STATS,
    ...(useMask ? genreStatsByMask(dialect) : genreStatsDirect()),
    REVENUE_MOVIE,
  ];
}

/** Per movie: mapped ratings only (rating → movie_link → movie); answers derive means from the sums. */
const MOVIE_RATING_STATS = `CREATE TABLE ${MARTS_SCHEMA}.movie_rating_stats AS
SELECT m.movie_id,
       CAST(SUM(r.n) AS BIGINT) AS v,
       CAST(SUM(r.sum_rating) AS DOUBLE PRECISION) AS sum_rating,
       CAST(SUM(r.sum_rating) / SUM(r.n) AS DOUBLE PRECISION) AS mean_rating
FROM ${MOVIELENS_COUNTS} r
JOIN movies.movie_link l ON l.movielens_id = r.movielens_id
JOIN movies.movie m ON m.movie_id = l.tmdb_id
GROUP BY m.movie_id`;

/**
 * Revenue movies (revenue and release date known) with their release month's CPI of the primary series (NULL
 * outside it). --cpi-splice fills the NULLs before the series starts at answer time, from movies.cpi. Real dollars
 * are computed at answer time because the base month is a parameter. Small (movies only): rebuilt whole whenever
 * movies or CPI changed.
 */
const REVENUE_MOVIE = `CREATE TABLE ${MARTS_SCHEMA}.revenue_movie AS
SELECT m.movie_id,
       m.release_date,
       CAST(date_trunc('month', m.release_date) AS DATE) AS release_month,
       CAST(EXTRACT(MONTH FROM m.release_date) AS INTEGER) AS month,
       CAST(EXTRACT(QUARTER FROM m.release_date) AS INTEGER) AS quarter,
       CAST(m.revenue AS DOUBLE PRECISION) AS revenue,
       c.value AS cpi
FROM movies.movie m
LEFT JOIN movies.cpi c ON c.series_id = '${PRIMARY_CPI_SERIES}' AND c.month = CAST(date_trunc('month', m.release_date) AS DATE)
WHERE m.revenue IS NOT NULL AND m.release_date IS NOT NULL`;

/** Every genre with its ratings (CTE `gr`) and distinct users (CTE `gu`); genres without either get 0. */
const GENRE_STATS_SELECT = `SELECT g.genre_id,
       COALESCE(gr.ratings, 0) AS ratings,
       COALESCE(gu.users, 0) AS users,
       CAST(COALESCE(gr.sum_rating, 0) AS DOUBLE PRECISION) AS sum_rating
FROM movies.genre g
LEFT JOIN gr ON gr.genre_id = g.genre_id
LEFT JOIN gu ON gu.genre_id = g.genre_id`;

/** Ratings and rating sums per genre from movie_rating_stats: a movie in k genres counts once for each. */
const GENRE_RATINGS = `SELECT mg.genre_id, SUM(s.v) AS ratings, SUM(s.sum_rating) AS sum_rating
  FROM ${MARTS_SCHEMA}.movie_rating_stats s JOIN movies.movie_genre mg ON mg.movie_id = s.movie_id
  GROUP BY mg.genre_id`;

const GENRE_BITS = `SELECT genre_id, CAST(ROW_NUMBER() OVER (ORDER BY genre_id) - 1 AS INTEGER) AS bit FROM movies.genre`;

/** `table`: the genre mask of each mapped MovieLens id in the model as it is, analyzed. */
function linkMaskDdl(dialect: Pick<SqlDialect, 'analyze'>, table = LINK_MASK): string[] {
  return [
    // The genre mask is resolved per MovieLens id (45k rows) into a table of its own, so the 26M ratings probe one
    // small table. As a CTE, PostgreSQL inlined it into three hash joins per rating (24 s at full scale; 7 s so,
    // in a parallel plan — a real table, unlike a temporary one, can be read by parallel workers).
    `CREATE TABLE ${table} AS
WITH gb AS (${GENRE_BITS}),
movie_mask AS (
  SELECT mg.movie_id, CAST(SUM(CAST(1 AS BIGINT) << gb.bit) AS BIGINT) AS mask
  FROM movies.movie_genre mg JOIN gb ON gb.genre_id = mg.genre_id
  GROUP BY mg.movie_id)
SELECT l.movielens_id, COALESCE(mm.mask, 0) AS mask
FROM movies.movie_link l
JOIN movies.movie m ON m.movie_id = l.tmdb_id
LEFT JOIN movie_mask mm ON mm.movie_id = m.movie_id`,
    // Without statistics of the new table PostgreSQL sorted all 26M ratings for a merge join (13.6 s).
    ...dialect.analyze(table),
  ];
}

/**
 * genre_rating_stats and rating_totals from movie_rating_stats and USER_MASK (small: read whole each refresh). Users
 * are counted per distinct mask before the masks are tested bit by bit: far fewer masks than users (0.2 s against
 * 0.9-1.3 s on PostgreSQL at full scale).
 */
const SUMMARIES_FROM_STATE = [
  `CREATE TABLE ${MARTS_SCHEMA}.genre_rating_stats AS
WITH gb AS (${GENRE_BITS}),
gr AS (${GENRE_RATINGS}),
gu AS (
  SELECT gb.genre_id, CAST(SUM(m.users) AS BIGINT) AS users
  FROM (SELECT mask, COUNT(*) AS users FROM ${USER_MASK} GROUP BY mask) m JOIN gb ON ((m.mask >> gb.bit) & 1) = 1
  GROUP BY gb.genre_id)
${GENRE_STATS_SELECT}`,
  `CREATE TABLE ${MARTS_SCHEMA}.rating_totals AS
SELECT COALESCE((SELECT SUM(v) FROM ${MARTS_SCHEMA}.movie_rating_stats), 0) AS ratings,
       (SELECT COUNT(*) FROM ${USER_MASK}) AS users,
       CAST(COALESCE((SELECT SUM(sum_rating) FROM ${MARTS_SCHEMA}.movie_rating_stats), 0) AS DOUBLE PRECISION)
         AS sum_rating`,
];

/**
 * Distinct users per genre via one bit mask per user: the 26M mapped ratings are reduced to ~270k user rows in a
 * single pass (bit_or of the rated movies' genre masks), instead of a distinct count over ~65M (genre, user) pairs —
 * 8.6 s → about a second at full scale on 2 cores. The same pass counts distinct users overall. USER_MASK and
 * LINK_MASK are kept for the next incremental refresh.
 */
function genreStatsByMask(dialect: Pick<SqlDialect, 'analyze'>): string[] {
  return [...linkMaskDdl(dialect), USER_MASK_DDL, ...SUMMARIES_FROM_STATE];
}

/** USER_MASK from every mapped rating and LINK_MASK. */
const USER_MASK_DDL = `CREATE TABLE ${USER_MASK} AS
SELECT r.user_id, BIT_OR(lm.mask) AS mask
FROM movies.rating r JOIN ${LINK_MASK} lm ON lm.movielens_id = r.movielens_id
GROUP BY r.user_id`;

/** The plain form, for models with more genres than the mask holds: a distinct count per genre. */
function genreStatsDirect(): string[] {
  return [
    `CREATE TABLE ${MARTS_SCHEMA}.genre_rating_stats AS
WITH gr AS (${GENRE_RATINGS}),
gu AS (
  SELECT mg.genre_id, COUNT(DISTINCT r.user_id) AS users
  FROM movies.rating_mapped r JOIN movies.movie_genre mg ON mg.movie_id = r.movie_id
  GROUP BY mg.genre_id)
${GENRE_STATS_SELECT}`,
    `CREATE TABLE ${MARTS_SCHEMA}.rating_totals AS
SELECT COUNT(*) AS ratings,
       COUNT(DISTINCT user_id) AS users,
       CAST(COALESCE(SUM(rating), 0) AS DOUBLE PRECISION) AS sum_rating
FROM movies.rating_mapped`,
  ];
}

/**
 * Mart DDL of a delta refresh of the rating state: `delta` holds one row per rating written (n = 1, its value) and
 * per stored rating it replaced (n = -1, the old value), so the touched MovieLens ids' counts and sums are the stored
 * ones plus the delta's, and the touched users' masks gain the genres (LINK_MASK, of the model as it is now) of their
 * new pairs. Touched rows are deleted and re-inserted (the one upsert every engine has). The marts derived from the
 * state follow (DERIVED_FROM_STATE).
 */
function ratingDeltaDdl(delta: string, countsNextBuilt: boolean): string[] {
  return [
    `DROP TABLE IF EXISTS ${USER_NEXT}`,
    ...(countsNextBuilt ? [] : countsNextDdl(delta)),
    `DELETE FROM ${MOVIELENS_COUNTS} WHERE movielens_id IN (SELECT movielens_id FROM ${COUNTS_NEXT})`,
    `INSERT INTO ${MOVIELENS_COUNTS} (movielens_id, n, sum_rating) SELECT movielens_id, n, sum_rating FROM ${COUNTS_NEXT}`,
    `DROP TABLE ${COUNTS_NEXT}`,
    // A replaced rating keeps its (user, movie) pair: only written rows (n = 1) can add a genre to a user. Only the
    // users whose mask grows (or who are new) are rewritten: most touched users had those genres already (on
    // PostgreSQL at full scale, +1 %: the delete of the kept rows took 86 ms for every touched user).
    `CREATE TABLE ${USER_NEXT} AS
WITH d AS (
  SELECT d.user_id, BIT_OR(lm.mask) AS mask
  FROM ${delta} d JOIN ${LINK_MASK} lm ON lm.movielens_id = d.movielens_id
  WHERE d.n > 0
  GROUP BY d.user_id)
SELECT d.user_id, COALESCE(u.mask, 0) | d.mask AS mask
FROM d LEFT JOIN ${USER_MASK} u ON u.user_id = d.user_id
WHERE u.user_id IS NULL OR (u.mask | d.mask) <> u.mask`,
    `DELETE FROM ${USER_MASK} WHERE user_id IN (SELECT user_id FROM ${USER_NEXT})`,
    `INSERT INTO ${USER_MASK} (user_id, mask) SELECT user_id, mask FROM ${USER_NEXT}`,
    `DROP TABLE ${USER_NEXT}`,
  ];
}

/** The marts derived from the state tables and the model (45k and ~270k rows, never the 26M ratings), re-created. */
const DERIVED_FROM_STATE = [
  `DROP TABLE ${MARTS_SCHEMA}.movie_rating_stats`,
  MOVIE_RATING_STATS,
  `DROP TABLE ${MARTS_SCHEMA}.genre_rating_stats`,
  `DROP TABLE ${MARTS_SCHEMA}.rating_totals`,
  ...SUMMARIES_FROM_STATE,
];

/**
 * After movies, links or genres changed: LINK_MASK rebuilt from the model and compared with the kept one. When the mask
 * of a MovieLens id with kept ratings changed (other genres, a new or lost link, every id when a new genre moves the
 * bits), USER_MASK is rebuilt from the ratings — a mask is an OR, so a user cannot lose a genre by subtraction, and
 * finding only the users who rated a changed id costs a pass over the ratings too (measured on PostgreSQL at full
 * scale: 4.2 s to find the 100k raters of the most-rated movie and 5.0 s to recompute them, against 2.2-2.5 s for
 * every user). Otherwise (a new revenue; a new movie or link whose id nobody rated before this run: this run's ratings
 * of it are ORed in by the delta refresh after) no rating is read. Called before the delta is applied, so
 * MOVIELENS_COUNTS holds the ratings USER_MASK was built from. Returns how many rated ids' masks changed.
 */
async function refreshLinkMasks(wh: Warehouse): Promise<number> {
  await execAll(wh, [`DROP TABLE IF EXISTS ${LINK_NEXT}`, ...linkMaskDdl(wh.dialect, LINK_NEXT)]);
  const changed = await queryCount(
    wh,
    `SELECT count(*) AS n
FROM ${LINK_NEXT} n FULL OUTER JOIN ${LINK_MASK} o ON o.movielens_id = n.movielens_id
WHERE (n.movielens_id IS NULL OR o.movielens_id IS NULL OR n.mask <> o.mask)
  AND EXISTS (SELECT 1 FROM ${MOVIELENS_COUNTS} k WHERE k.movielens_id = COALESCE(n.movielens_id, o.movielens_id))`,
  );
  await execAll(wh, [
    `DROP TABLE ${LINK_MASK}`,
    `ALTER TABLE ${LINK_NEXT} RENAME TO ${LINK_MASK.slice(MARTS_SCHEMA.length + 1)}`,
    ...(changed > 0 ? [`DROP TABLE ${USER_MASK}`, USER_MASK_DDL] : []),
  ]);
  return changed;
}

/**
 * COUNTS_NEXT: the next counts and sums of the MovieLens ids the delta touched (the kept ones plus the delta's). Built
 * once per run: by ratingCountsOf for the checks, then reused by the delta refresh. No ANALYZE: with statistics
 * PostgreSQL deleted the touched ids from the kept counts in 85 ms instead of 24 ms.
 */
function countsNextDdl(delta: string): string[] {
  return [
    `DROP TABLE IF EXISTS ${COUNTS_NEXT}`,
    `CREATE TABLE ${COUNTS_NEXT} AS
WITH d AS (SELECT movielens_id, SUM(n) AS n, SUM(n * rating) AS sum_rating FROM ${delta} GROUP BY movielens_id)
SELECT d.movielens_id,
       CAST(COALESCE(s.n, 0) + d.n AS BIGINT) AS n,
       CAST(COALESCE(s.sum_rating, 0) + d.sum_rating AS DOUBLE PRECISION) AS sum_rating
FROM d LEFT JOIN ${MOVIELENS_COUNTS} s ON s.movielens_id = d.movielens_id`,
  ];
}

/** What changed under the marts in a run: decides between a full rebuild and a refresh of what changed. */
export interface MartChange {
  /**
   * Movies, links or genres were loaded: the rating counts stand (they are per MovieLens id), the genre masks follow
   * the model (refreshLinkMasks), and every mart is re-derived from the state.
   */
  model: boolean;
  /** CPI was loaded: revenue_movie (Q3/Q4) is rebuilt. */
  cpi: boolean;
  /**
   * Ratings: none written; 'all' = written without a delta (a cold load, an engine that loads by plan): rebuild;
   * `{ delta }` = the signed rating changes of an incremental load (see ratingDeltaDdl).
   */
  ratings: 'none' | 'all' | { delta: string };
}

/** A full rebuild from the model: a cold run, and on demand (`run --full-checks`). */
export const FULL_REFRESH: MartChange = { model: true, cpi: true, ratings: 'all' };

/** What a refresh does, or 'full' when only a rebuild can. Pure. */
export function planMartRefresh(
  change: MartChange,
  state: { genreCount: number; hasState: boolean },
): 'full' | { model: boolean; ratings: string | null; revenue: boolean } {
  if (change.ratings === 'all' || !state.hasState || state.genreCount > MAX_MASK_GENRES) return 'full';
  return {
    model: change.model,
    ratings: change.ratings === 'none' ? null : change.ratings.delta,
    // revenue_movie is the movies with their CPI: small, rebuilt whole when either changed.
    revenue: change.cpi || change.model,
  };
}

/**
 * Whether the kept state describes the marts as the last publish left them: every mart and state table exists, and
 * the files are as STATE_FILES recorded (a warehouse built before the state was kept has none).
 */
async function hasMartState(wh: Warehouse): Promise<boolean> {
  const names = [...MART_TABLES, USER_MASK, MOVIELENS_COUNTS, LINK_MASK, STATE_FILES].map((t) =>
    t.replace(`${MARTS_SCHEMA}.`, ''),
  );
  if (!(await tablesExist(wh, MARTS_SCHEMA, ...names))) return false;
  const differ = await queryCount(
    wh,
    `SELECT count(*) AS n FROM ((SELECT ${FILE_KEY} FROM movalytics.file_state EXCEPT SELECT ${FILE_KEY} FROM ${STATE_FILES})
UNION ALL (SELECT ${FILE_KEY} FROM ${STATE_FILES} EXCEPT SELECT ${FILE_KEY} FROM movalytics.file_state)) d`,
  );
  return differ === 0;
}

/**
 * Records the files as loaded now as those the kept state is in step with (STATE_FILES). Called by the publish, in
 * its transaction, after it refreshed the marts and recorded the files it loaded.
 */
export async function recordKeptState(wh: Warehouse): Promise<void> {
  // A copy by CREATE TABLE AS: the columns keep file_state's types (Redshift sizes its VARCHARs).
  await execAll(wh, [
    `DROP TABLE IF EXISTS ${STATE_FILES}`,
    `CREATE TABLE ${STATE_FILES} AS SELECT ${FILE_KEY} FROM movalytics.file_state`,
  ]);
}

/** The ratings per MovieLens id for the checks (ratingCountsOf). */
export interface RatingCounts {
  /** A query of (movielens_id, n). */
  query: string;
  /** Built in this run from every rating (and kept for the marts' rebuild), not kept from an earlier run. */
  fromEveryRow: boolean;
  /** The touched ids' next counts (COUNTS_NEXT) were built from the delta, for the marts' delta refresh to reuse. */
  countsNextBuilt: boolean;
}

/**
 * For the checks, which run before the marts are refreshed: the ratings per MovieLens id of movies.rating as this run
 * leaves it. After an incremental load, MOVIELENS_COUNTS with the touched ids' next counts (COUNTS_NEXT, built here
 * once from the delta for the checks and the marts' refresh): ~45k rows instead of a GROUP BY over 26M ratings (the
 * kept counts and the delta grouped again for each check took 0.12-0.18 s each on PostgreSQL at full scale, +1 %).
 * When every rating was written (a cold load, a load by plan, --full-checks), MOVIELENS_COUNTS is
 * built now from every row, once for the checks and the marts' rebuild (pass `countsBuilt` to refreshMarts): 6 s of
 * checks and 4.5 s of marts became one 4.5 s GROUP BY on PostgreSQL at full scale. null when the counts were never
 * kept (a warehouse built before them).
 */
export async function ratingCountsOf(wh: Warehouse, change: MartChange): Promise<RatingCounts | null> {
  const kept = `(SELECT movielens_id, n FROM ${MOVIELENS_COUNTS})`;
  if (change.ratings === 'all') {
    await execAll(wh, [`CREATE SCHEMA IF NOT EXISTS ${MARTS_SCHEMA}`, ...MOVIELENS_COUNTS_DDL]);
    return { query: kept, fromEveryRow: true, countsNextBuilt: false };
  }
  if (!(await hasMartState(wh))) return null;
  if (change.ratings === 'none') return { query: kept, fromEveryRow: false, countsNextBuilt: false };
  await execAll(wh, countsNextDdl(change.ratings.delta));
  return {
    query: `(SELECT movielens_id, n FROM ${MOVIELENS_COUNTS} k
  WHERE NOT EXISTS (SELECT 1 FROM ${COUNTS_NEXT} x WHERE x.movielens_id = k.movielens_id)
  UNION ALL SELECT movielens_id, n FROM ${COUNTS_NEXT})`,
    fromEveryRow: false,
    countsNextBuilt: true,
  };
}

/**
 * Brings the marts up to date with the model, in one transaction: rebuilt whole on a cold load, on demand or without
 * state; else the genre masks follow a changed model (refreshLinkMasks, first: it reads the ratings as they are now),
 * the rating state takes the rating delta, the marts are re-derived from the state, and revenue_movie is rebuilt when
 * movies or CPI changed. Called by the pipeline after each load, inside the publish transaction; without `change`, a
 * full rebuild. Returns what it did, in one line (the step's detail in the run history).
 */
export async function refreshMarts(
  wh: Warehouse,
  change: MartChange = FULL_REFRESH,
  opts: { countsBuilt?: boolean; countsNextBuilt?: boolean } = {},
): Promise<string> {
  const genreCount = await queryCount(wh, `SELECT COUNT(*) AS n FROM movies.genre`);
  const hasState = await hasMartState(wh);
  const plan = planMartRefresh(change, { genreCount, hasState });
  if (plan === 'full') {
    await wh.transaction(() =>
      execAll(wh, [
        // Built for the checks from a rating delta, but the marts are rebuilt from every rating: not needed.
        ...(opts.countsNextBuilt === true ? [`DROP TABLE ${COUNTS_NEXT}`] : []),
        ...martDdl(genreCount, wh.dialect, opts.countsBuilt === true),
      ]),
    );
    const why =
      change.ratings !== 'all' && !hasState && genreCount <= MAX_MASK_GENRES
        ? ': the kept state was not left by the last publish'
        : '';
    return `every mart rebuilt from the model${why}`;
  }
  const changedMasks = await wh.transaction(async () => {
    const changed = plan.model ? await refreshLinkMasks(wh) : null;
    await execAll(wh, [
      ...(plan.ratings === null ? [] : ratingDeltaDdl(plan.ratings, opts.countsNextBuilt === true)),
      ...(plan.model || plan.ratings !== null ? DERIVED_FROM_STATE : []),
      ...(plan.revenue ? [`DROP TABLE ${MARTS_SCHEMA}.revenue_movie`, REVENUE_MOVIE] : []),
    ]);
    return changed;
  });
  return [
    plan.ratings !== null
      ? 'rating marts updated from the rating delta'
      : plan.model
        ? 'rating marts re-derived from the kept counts'
        : 'rating marts unchanged',
    ...(changedMasks === null
      ? []
      : [
          changedMasks === 0
            ? "no rated MovieLens id's genre mask changed"
            : `genre masks of ${changedMasks} rated MovieLens ids changed: user masks rebuilt`,
        ]),
    plan.revenue ? 'revenue_movie rebuilt' : 'revenue_movie unchanged',
  ].join('; ');
}
