// Answer marts: small aggregate tables in schema `marts`, rebuilt from the model after each load so the four answers
// read kilobytes instead of scanning 26M ratings. Set-based SQL the Postgres family shares.
import type { Warehouse } from '../../warehouse/warehouse.js';

export const MARTS_SCHEMA = 'marts';

/** The mart tables answers read; their presence is how answers tell a built warehouse from an empty one. */
export const MART_TABLES = [
  'movie_rating_stats',
  'genre_rating_stats',
  'rating_totals',
  'revenue_movie',
] as const;

/**
 * Mart DDL, in order. Each table is replaced whole, so a refresh after any load (full or incremental) is correct
 * without tracking what changed. DROP + CREATE … AS rather than CREATE OR REPLACE: PostgreSQL and Redshift lack the
 * latter, and inside refreshMarts' transaction the swap is atomic on engines with transactional DDL.
 */
export function martDdl(): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${MARTS_SCHEMA}`,
    ...MART_TABLES.map((t) => `DROP TABLE IF EXISTS ${MARTS_SCHEMA}.${t}`),
    // Per movie: mapped ratings only (rating → movie_link → movie). sum_rating stays exact in DOUBLE: ratings are
    // multiples of 0.5, so sums are exact far beyond 26M rows; answers derive means from it.
    `CREATE TABLE ${MARTS_SCHEMA}.movie_rating_stats AS
SELECT movie_id,
       COUNT(*) AS v,
       CAST(SUM(rating) AS DOUBLE PRECISION) AS sum_rating,
       CAST(AVG(rating) AS DOUBLE PRECISION) AS mean_rating
FROM movies.rating_mapped
GROUP BY movie_id`,
    // Per genre: a movie in k genres counts once for each. Distinct users is the expensive part: done here, once.
    `CREATE TABLE ${MARTS_SCHEMA}.genre_rating_stats AS
SELECT g.genre_id,
       COALESCE(s.ratings, 0) AS ratings,
       COALESCE(s.users, 0) AS users,
       COALESCE(s.sum_rating, 0) AS sum_rating
FROM movies.genre g
LEFT JOIN (
  SELECT mg.genre_id,
         COUNT(*) AS ratings,
         COUNT(DISTINCT r.user_id) AS users,
         CAST(SUM(r.rating) AS DOUBLE PRECISION) AS sum_rating
  FROM movies.rating_mapped r
  JOIN movies.movie_genre mg ON mg.movie_id = r.movie_id
  GROUP BY mg.genre_id
) s ON s.genre_id = g.genre_id`,
    // Totals over all counted ratings (C's denominator, Q2's share denominator, distinct users overall).
    `CREATE TABLE ${MARTS_SCHEMA}.rating_totals AS
SELECT COUNT(*) AS ratings,
       COUNT(DISTINCT user_id) AS users,
       CAST(COALESCE(SUM(rating), 0) AS DOUBLE PRECISION) AS sum_rating
FROM movies.rating_mapped`,
    // Revenue movies (revenue and release date known) with their release month's CPI, NULL outside the series.
    // Real dollars are computed at answer time because the base month is a parameter.
    `CREATE TABLE ${MARTS_SCHEMA}.revenue_movie AS
SELECT m.movie_id,
       m.release_date,
       CAST(date_trunc('month', m.release_date) AS DATE) AS release_month,
       CAST(EXTRACT(MONTH FROM m.release_date) AS INTEGER) AS month,
       CAST(EXTRACT(QUARTER FROM m.release_date) AS INTEGER) AS quarter,
       CAST(m.revenue AS DOUBLE PRECISION) AS revenue,
       c.value AS cpi
FROM movies.movie m
LEFT JOIN movies.cpi c ON c.month = CAST(date_trunc('month', m.release_date) AS DATE)
WHERE m.revenue IS NOT NULL AND m.release_date IS NOT NULL`,
  ];
}

/** (Re)builds every answer mart from the model. Called by the pipeline after each load. */
export async function refreshMarts(wh: Warehouse): Promise<void> {
  await wh.transaction(async () => {
    for (const sql of martDdl()) await wh.exec(sql);
  });
}
