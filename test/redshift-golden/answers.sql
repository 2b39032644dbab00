CREATE SCHEMA IF NOT EXISTS marts;

DROP TABLE IF EXISTS marts.movie_rating_stats;

DROP TABLE IF EXISTS marts.genre_rating_stats;

DROP TABLE IF EXISTS marts.rating_totals;

DROP TABLE IF EXISTS marts.revenue_movie;

DROP TABLE IF EXISTS marts.user_genre_mask;

DROP TABLE IF EXISTS marts.link_genre_mask;

DROP TABLE IF EXISTS marts.movielens_rating_counts;

CREATE TABLE marts.movielens_rating_counts AS
SELECT movielens_id, CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(rating) AS DOUBLE PRECISION) AS sum_rating
FROM movies.rating GROUP BY movielens_id;

CREATE TABLE marts.movie_rating_stats AS
SELECT m.movie_id,
       CAST(SUM(r.n) AS BIGINT) AS v,
       CAST(SUM(r.sum_rating) AS DOUBLE PRECISION) AS sum_rating,
       CAST(SUM(r.sum_rating) / SUM(r.n) AS DOUBLE PRECISION) AS mean_rating
FROM marts.movielens_rating_counts r
JOIN movies.movie_link l ON l.movielens_id = r.movielens_id
JOIN movies.movie m ON m.movie_id = l.tmdb_id
GROUP BY m.movie_id;

CREATE TABLE marts.link_genre_mask AS
WITH gb AS (SELECT genre_id, CAST(ROW_NUMBER() OVER (ORDER BY genre_id) - 1 AS INTEGER) AS bit FROM movies.genre),
movie_mask AS (
  SELECT mg.movie_id, CAST(SUM(CAST(1 AS BIGINT) << gb.bit) AS BIGINT) AS mask
  FROM movies.movie_genre mg JOIN gb ON gb.genre_id = mg.genre_id
  GROUP BY mg.movie_id)
SELECT l.movielens_id, COALESCE(mm.mask, 0) AS mask
FROM movies.movie_link l
JOIN movies.movie m ON m.movie_id = l.tmdb_id
LEFT JOIN movie_mask mm ON mm.movie_id = m.movie_id;

CREATE TABLE marts.user_genre_mask AS
SELECT r.user_id, BIT_OR(lm.mask) AS mask
FROM movies.rating r JOIN marts.link_genre_mask lm ON lm.movielens_id = r.movielens_id
GROUP BY r.user_id;

CREATE TABLE marts.genre_rating_stats AS
WITH gb AS (SELECT genre_id, CAST(ROW_NUMBER() OVER (ORDER BY genre_id) - 1 AS INTEGER) AS bit FROM movies.genre),
gr AS (SELECT mg.genre_id, SUM(s.v) AS ratings, SUM(s.sum_rating) AS sum_rating
  FROM marts.movie_rating_stats s JOIN movies.movie_genre mg ON mg.movie_id = s.movie_id
  GROUP BY mg.genre_id),
gu AS (
  SELECT gb.genre_id, CAST(SUM(m.users) AS BIGINT) AS users
  FROM (SELECT mask, COUNT(*) AS users FROM marts.user_genre_mask GROUP BY mask) m JOIN gb ON ((m.mask >> gb.bit) & 1) = 1
  GROUP BY gb.genre_id)
SELECT g.genre_id,
       COALESCE(gr.ratings, 0) AS ratings,
       COALESCE(gu.users, 0) AS users,
       CAST(COALESCE(gr.sum_rating, 0) AS DOUBLE PRECISION) AS sum_rating
FROM movies.genre g
LEFT JOIN gr ON gr.genre_id = g.genre_id
LEFT JOIN gu ON gu.genre_id = g.genre_id;

CREATE TABLE marts.rating_totals AS
SELECT COALESCE((SELECT SUM(v) FROM marts.movie_rating_stats), 0) AS ratings,
       (SELECT COUNT(*) FROM marts.user_genre_mask) AS users,
       CAST(COALESCE((SELECT SUM(sum_rating) FROM marts.movie_rating_stats), 0) AS DOUBLE PRECISION)
         AS sum_rating;

CREATE TABLE marts.revenue_movie AS
SELECT m.movie_id,
       m.release_date,
       CAST(date_trunc('month', m.release_date) AS DATE) AS release_month,
       CAST(EXTRACT(MONTH FROM m.release_date) AS INTEGER) AS month,
       CAST(EXTRACT(QUARTER FROM m.release_date) AS INTEGER) AS quarter,
       CAST(m.revenue AS DOUBLE PRECISION) AS revenue,
       c.value AS cpi
FROM movies.movie m
LEFT JOIN movies.cpi c ON c.series_id = 'CUSR0000SS62031' AND c.month = CAST(date_trunc('month', m.release_date) AS DATE)
WHERE m.revenue IS NOT NULL AND m.release_date IS NOT NULL;
