BEGIN;

DROP TABLE IF EXISTS staging.rating_new;

CREATE TABLE staging.rating_new
DISTSTYLE KEY
DISTKEY(movielens_id)
COMPOUND SORTKEY(movielens_id, user_id)
AS
SELECT user_id, movielens_id, rating, rated_at, file_no FROM (
  SELECT user_id, movielens_id, rating, TIMESTAMP 'epoch' + rated_epoch * INTERVAL '1 second' AS rated_at, file_no,
         ROW_NUMBER() OVER (PARTITION BY user_id, movielens_id ORDER BY rated_epoch DESC, file_no DESC, rating DESC) AS rn
  FROM staging.rating_in
  WHERE user_id > 0 AND movielens_id > 0 AND rating BETWEEN 0.5 AND 5.0 AND rating * 2 = floor(rating * 2) AND rated_epoch BETWEEN 788918400 AND 1767225600
) d
WHERE rn = 1;

DELETE FROM staging.rating_new
WHERE EXISTS (SELECT 1 FROM movies.rating WHERE movies.rating.user_id = staging.rating_new.user_id AND movies.rating.movielens_id = staging.rating_new.movielens_id AND movies.rating.rated_at > staging.rating_new.rated_at);

MERGE INTO movies.rating
USING staging.rating_new
ON movies.rating.user_id = staging.rating_new.user_id AND movies.rating.movielens_id = staging.rating_new.movielens_id
WHEN MATCHED THEN UPDATE SET rating = staging.rating_new.rating, rated_at = staging.rating_new.rated_at
WHEN NOT MATCHED THEN INSERT (user_id, movielens_id, rating, rated_at) VALUES (staging.rating_new.user_id, staging.rating_new.movielens_id, staging.rating_new.rating, staging.rating_new.rated_at);

DROP TABLE IF EXISTS staging.link_new;

CREATE TABLE staging.link_new
DISTSTYLE ALL
AS
SELECT movielens_id, imdb_id, tmdb_id FROM (
  SELECT movielens_id, imdb_id, tmdb_id,
         ROW_NUMBER() OVER (PARTITION BY movielens_id ORDER BY tmdb_id ASC NULLS LAST, imdb_id ASC NULLS LAST) AS rn
  FROM staging.link_in
  WHERE movielens_id > 0
) d
WHERE rn = 1;

MERGE INTO movies.movie_link
USING staging.link_new
ON movies.movie_link.movielens_id = staging.link_new.movielens_id
WHEN MATCHED THEN UPDATE SET imdb_id = staging.link_new.imdb_id, tmdb_id = staging.link_new.tmdb_id
WHEN NOT MATCHED THEN INSERT (movielens_id, imdb_id, tmdb_id) VALUES (staging.link_new.movielens_id, staging.link_new.imdb_id, staging.link_new.tmdb_id);

DROP TABLE IF EXISTS staging.cpi_new;

CREATE TABLE staging.cpi_new
DISTSTYLE ALL
AS
SELECT CAST(date AS DATE) AS month, series_id, min(CASE WHEN trim(coalesce(value, '')) IN ('', '.') THEN NULL ELSE CAST(value AS DOUBLE PRECISION) END) AS value
FROM staging.cpi_in
WHERE date ~ '^[0-9]{4}-(0[1-9]|1[0-2])-01$' AND (trim(coalesce(value, '')) IN ('', '.') OR CASE WHEN value ~ '^[0-9]+([.][0-9]+)?$' THEN CAST(value AS DOUBLE PRECISION) > 0 ELSE false END)
GROUP BY CAST(date AS DATE), series_id;

MERGE INTO movies.cpi
USING staging.cpi_new
ON movies.cpi.series_id = staging.cpi_new.series_id AND movies.cpi.month = staging.cpi_new.month
WHEN MATCHED THEN UPDATE SET value = staging.cpi_new.value
WHEN NOT MATCHED THEN INSERT (month, series_id, value) VALUES (staging.cpi_new.month, staging.cpi_new.series_id, staging.cpi_new.value);

MERGE INTO movies.movie
USING staging.movie_in
ON movies.movie.movie_id = staging.movie_in.movie_id
WHEN MATCHED THEN UPDATE SET imdb_id = staging.movie_in.imdb_id, title = staging.movie_in.title, original_title = staging.movie_in.original_title, original_language = staging.movie_in.original_language, is_adult = staging.movie_in.is_adult, status = staging.movie_in.status, release_date = staging.movie_in.release_date, budget = staging.movie_in.budget, revenue = staging.movie_in.revenue, runtime = staging.movie_in.runtime, popularity = staging.movie_in.popularity, vote_average = staging.movie_in.vote_average, vote_count = staging.movie_in.vote_count
WHEN NOT MATCHED THEN INSERT (movie_id, imdb_id, title, original_title, original_language, is_adult, status, release_date, budget, revenue, runtime, popularity, vote_average, vote_count) VALUES (staging.movie_in.movie_id, staging.movie_in.imdb_id, staging.movie_in.title, staging.movie_in.original_title, staging.movie_in.original_language, staging.movie_in.is_adult, staging.movie_in.status, staging.movie_in.release_date, staging.movie_in.budget, staging.movie_in.revenue, staging.movie_in.runtime, staging.movie_in.popularity, staging.movie_in.vote_average, staging.movie_in.vote_count);

MERGE INTO movies.genre
USING staging.genre_in
ON movies.genre.genre_id = staging.genre_in.genre_id
WHEN MATCHED THEN UPDATE SET name = staging.genre_in.name
WHEN NOT MATCHED THEN INSERT (genre_id, name) VALUES (staging.genre_in.genre_id, staging.genre_in.name);

DELETE FROM movies.movie_genre WHERE movie_id IN (SELECT movie_id FROM staging.movie_in);

INSERT INTO movies.movie_genre (movie_id, genre_id) SELECT DISTINCT movie_id, genre_id FROM staging.movie_genre_in;

DROP TABLE IF EXISTS staging.date_new;

CREATE TABLE staging.date_new
DISTSTYLE ALL
AS
SELECT DISTINCT release_date AS "date", CAST(extract(day FROM release_date) AS INTEGER) AS day,
  CAST(extract(week FROM release_date) AS INTEGER) AS week, CAST(extract(month FROM release_date) AS INTEGER) AS month,
  CAST(extract(quarter FROM release_date) AS INTEGER) AS quarter, CAST(extract(year FROM release_date) AS INTEGER) AS year
FROM movies.movie WHERE release_date IS NOT NULL;

MERGE INTO movies."date"
USING staging.date_new
ON movies."date"."date" = staging.date_new."date"
WHEN MATCHED THEN UPDATE SET day = staging.date_new.day, week = staging.date_new.week, month = staging.date_new.month, quarter = staging.date_new.quarter, year = staging.date_new.year
WHEN NOT MATCHED THEN INSERT ("date", day, week, month, quarter, year) VALUES (staging.date_new."date", staging.date_new.day, staging.date_new.week, staging.date_new.month, staging.date_new.quarter, staging.date_new.year);

COMMIT;
