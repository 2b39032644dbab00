DROP TABLE IF EXISTS staging.rating_in;

CREATE TABLE staging.rating_in (
  user_id INTEGER,
  movielens_id INTEGER,
  rating DOUBLE PRECISION,
  rated_epoch BIGINT,
  file_no INTEGER
)
DISTSTYLE KEY
DISTKEY(movielens_id)
COMPOUND SORTKEY(movielens_id, user_id);

DROP TABLE IF EXISTS staging.rating_raw_1;

CREATE TABLE staging.rating_raw_1 (
  line VARCHAR(65535)
)
DISTSTYLE EVEN;

COPY staging.rating_raw_1 (line)
FROM 's3://movalytics-example/staging/redshift/ratings.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/movalytics-load'
DELIMITER '\037' IGNOREHEADER 1 MANIFEST;

DROP TABLE IF EXISTS staging.rating_fields_1;

CREATE TABLE staging.rating_fields_1
DISTSTYLE EVEN
AS
SELECT l, length(l) - length(replace(l, ',', '')) + 1 AS nf, nullif(trim(split_part(l, ',', 1)), '') AS f1, nullif(trim(split_part(l, ',', 2)), '') AS f2, nullif(trim(split_part(l, ',', 3)), '') AS f3, nullif(trim(split_part(l, ',', 4)), '') AS f4
FROM (SELECT coalesce(rtrim(line, chr(13)), '') AS l FROM staging.rating_raw_1) r
WHERE l <> '';

INSERT INTO staging.rating_in (user_id, movielens_id, rating, rated_epoch, file_no)
SELECT CASE WHEN CASE WHEN f1 ~ '^[+-]?[0-9]{1,18}$' THEN CAST(f1 AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END THEN CAST(f1 AS INTEGER) END, CASE WHEN CASE WHEN f2 ~ '^[+-]?[0-9]{1,18}$' THEN CAST(f2 AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END THEN CAST(f2 AS INTEGER) END, CASE WHEN f3 ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$' THEN CAST(f3 AS DOUBLE PRECISION) END, CASE WHEN CASE WHEN f4 ~ '^[+-]?[0-9]{1,18}$' THEN true WHEN f4 ~ '^[+-]?[0-9]{19}$' THEN CAST(f4 AS DECIMAL(19, 0)) BETWEEN -9223372036854775808 AND 9223372036854775807 ELSE false END THEN CAST(f4 AS BIGINT) END, 1
FROM staging.rating_fields_1
WHERE CASE WHEN nf <> 4 THEN 'Expected Number of Columns: 4 Found: ' || CAST(nf AS VARCHAR(12)) || ' — row quarantined'
    WHEN f1 IS NOT NULL AND NOT (CASE WHEN f1 ~ '^[+-]?[0-9]{1,18}$' THEN CAST(f1 AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END) THEN 'Error when converting column "userId". Could not convert string "' || f1 || '" to ''INTEGER'' — row quarantined'
    WHEN f2 IS NOT NULL AND NOT (CASE WHEN f2 ~ '^[+-]?[0-9]{1,18}$' THEN CAST(f2 AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END) THEN 'Error when converting column "movieId". Could not convert string "' || f2 || '" to ''INTEGER'' — row quarantined'
    WHEN f3 IS NOT NULL AND NOT (f3 ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$') THEN 'Error when converting column "rating". Could not convert string "' || f3 || '" to ''DOUBLE PRECISION'' — row quarantined'
    WHEN f4 IS NOT NULL AND NOT (CASE WHEN f4 ~ '^[+-]?[0-9]{1,18}$' THEN true WHEN f4 ~ '^[+-]?[0-9]{19}$' THEN CAST(f4 AS DECIMAL(19, 0)) BETWEEN -9223372036854775808 AND 9223372036854775807 ELSE false END) THEN 'Error when converting column "timestamp". Could not convert string "' || f4 || '" to ''BIGINT'' — row quarantined' END IS NULL;

DROP TABLE IF EXISTS staging.rating_raw_2;

CREATE TABLE staging.rating_raw_2 (
  line VARCHAR(65535)
)
DISTSTYLE EVEN;

COPY staging.rating_raw_2 (line)
FROM 's3://movalytics-example/staging/redshift/ratings_2026-11.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/movalytics-load'
DELIMITER '\037' IGNOREHEADER 1 MANIFEST;

DROP TABLE IF EXISTS staging.rating_fields_2;

CREATE TABLE staging.rating_fields_2
DISTSTYLE EVEN
AS
SELECT l, length(l) - length(replace(l, ',', '')) + 1 AS nf, nullif(trim(split_part(l, ',', 1)), '') AS f1, nullif(trim(split_part(l, ',', 2)), '') AS f2, nullif(trim(split_part(l, ',', 3)), '') AS f3, nullif(trim(split_part(l, ',', 4)), '') AS f4
FROM (SELECT coalesce(rtrim(line, chr(13)), '') AS l FROM staging.rating_raw_2) r
WHERE l <> '';

INSERT INTO staging.rating_in (user_id, movielens_id, rating, rated_epoch, file_no)
SELECT CASE WHEN CASE WHEN f1 ~ '^[+-]?[0-9]{1,18}$' THEN CAST(f1 AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END THEN CAST(f1 AS INTEGER) END, CASE WHEN CASE WHEN f2 ~ '^[+-]?[0-9]{1,18}$' THEN CAST(f2 AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END THEN CAST(f2 AS INTEGER) END, CASE WHEN f3 ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$' THEN CAST(f3 AS DOUBLE PRECISION) END, CASE WHEN CASE WHEN f4 ~ '^[+-]?[0-9]{1,18}$' THEN true WHEN f4 ~ '^[+-]?[0-9]{19}$' THEN CAST(f4 AS DECIMAL(19, 0)) BETWEEN -9223372036854775808 AND 9223372036854775807 ELSE false END THEN CAST(f4 AS BIGINT) END, 2
FROM staging.rating_fields_2
WHERE CASE WHEN nf <> 4 THEN 'Expected Number of Columns: 4 Found: ' || CAST(nf AS VARCHAR(12)) || ' — row quarantined'
    WHEN f1 IS NOT NULL AND NOT (CASE WHEN f1 ~ '^[+-]?[0-9]{1,18}$' THEN CAST(f1 AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END) THEN 'Error when converting column "userId". Could not convert string "' || f1 || '" to ''INTEGER'' — row quarantined'
    WHEN f2 IS NOT NULL AND NOT (CASE WHEN f2 ~ '^[+-]?[0-9]{1,18}$' THEN CAST(f2 AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END) THEN 'Error when converting column "movieId". Could not convert string "' || f2 || '" to ''INTEGER'' — row quarantined'
    WHEN f3 IS NOT NULL AND NOT (f3 ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$') THEN 'Error when converting column "rating". Could not convert string "' || f3 || '" to ''DOUBLE PRECISION'' — row quarantined'
    WHEN f4 IS NOT NULL AND NOT (CASE WHEN f4 ~ '^[+-]?[0-9]{1,18}$' THEN true WHEN f4 ~ '^[+-]?[0-9]{19}$' THEN CAST(f4 AS DECIMAL(19, 0)) BETWEEN -9223372036854775808 AND 9223372036854775807 ELSE false END) THEN 'Error when converting column "timestamp". Could not convert string "' || f4 || '" to ''BIGINT'' — row quarantined' END IS NULL;

DROP TABLE IF EXISTS staging.link_in;

CREATE TABLE staging.link_in (
  movielens_id INTEGER,
  imdb_id VARCHAR(65535),
  tmdb_id INTEGER
)
DISTSTYLE EVEN;

DROP TABLE IF EXISTS staging.link_raw_1;

CREATE TABLE staging.link_raw_1 (
  line VARCHAR(65535)
)
DISTSTYLE EVEN;

COPY staging.link_raw_1 (line)
FROM 's3://movalytics-example/staging/redshift/links.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/movalytics-load'
DELIMITER '\037' IGNOREHEADER 1 MANIFEST;

DROP TABLE IF EXISTS staging.link_fields_1;

CREATE TABLE staging.link_fields_1
DISTSTYLE EVEN
AS
SELECT l, length(l) - length(replace(l, ',', '')) + 1 AS nf, nullif(trim(split_part(l, ',', 1)), '') AS f1, nullif(split_part(l, ',', 2), '') AS f2, nullif(trim(split_part(l, ',', 3)), '') AS f3
FROM (SELECT coalesce(rtrim(line, chr(13)), '') AS l FROM staging.link_raw_1) r
WHERE l <> '';

INSERT INTO staging.link_in (movielens_id, imdb_id, tmdb_id)
SELECT CASE WHEN CASE WHEN f1 ~ '^[+-]?[0-9]{1,18}$' THEN CAST(f1 AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END THEN CAST(f1 AS INTEGER) END, f2, CASE WHEN CASE WHEN f3 ~ '^[+-]?[0-9]{1,18}$' THEN CAST(f3 AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END THEN CAST(f3 AS INTEGER) END
FROM staging.link_fields_1
WHERE CASE WHEN nf <> 3 THEN 'Expected Number of Columns: 3 Found: ' || CAST(nf AS VARCHAR(12)) || ' — row quarantined'
    WHEN f1 IS NOT NULL AND NOT (CASE WHEN f1 ~ '^[+-]?[0-9]{1,18}$' THEN CAST(f1 AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END) THEN 'Error when converting column "movieId". Could not convert string "' || f1 || '" to ''INTEGER'' — row quarantined'
    WHEN f3 IS NOT NULL AND NOT (CASE WHEN f3 ~ '^[+-]?[0-9]{1,18}$' THEN CAST(f3 AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE false END) THEN 'Error when converting column "tmdbId". Could not convert string "' || f3 || '" to ''INTEGER'' — row quarantined' END IS NULL;

DROP TABLE IF EXISTS staging.cpi_in;

CREATE TABLE staging.cpi_in (
  series_id VARCHAR(65535),
  date VARCHAR(65535),
  value VARCHAR(65535)
)
DISTSTYLE EVEN;

DROP TABLE IF EXISTS staging.cpi_raw_1;

CREATE TABLE staging.cpi_raw_1 (
  line VARCHAR(65535)
)
DISTSTYLE EVEN;

COPY staging.cpi_raw_1 (line)
FROM 's3://movalytics-example/staging/redshift/CUSR0000SS62031.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/movalytics-load'
DELIMITER '\037' IGNOREHEADER 1 MANIFEST;

DROP TABLE IF EXISTS staging.cpi_fields_1;

CREATE TABLE staging.cpi_fields_1
DISTSTYLE EVEN
AS
SELECT l, length(l) - length(replace(l, ',', '')) + 1 AS nf, nullif(split_part(l, ',', 1), '') AS f1, nullif(split_part(l, ',', 2), '') AS f2
FROM (SELECT coalesce(rtrim(line, chr(13)), '') AS l FROM staging.cpi_raw_1) r
WHERE l <> '';

INSERT INTO staging.cpi_in (series_id, date, value)
SELECT 'CUSR0000SS62031', f1, f2
FROM staging.cpi_fields_1
WHERE CASE WHEN nf <> 2 THEN 'Expected Number of Columns: 2 Found: ' || CAST(nf AS VARCHAR(12)) || ' — row quarantined' END IS NULL;

DROP TABLE IF EXISTS staging.movie_in;

CREATE TABLE staging.movie_in (
  movie_id INTEGER,
  imdb_id VARCHAR(32),
  title VARCHAR(256),
  original_title VARCHAR(512),
  original_language VARCHAR(32),
  is_adult BOOLEAN,
  status VARCHAR(32),
  release_date DATE,
  budget BIGINT,
  revenue BIGINT,
  runtime DOUBLE PRECISION,
  popularity DOUBLE PRECISION,
  vote_average DOUBLE PRECISION,
  vote_count INTEGER
)
DISTSTYLE EVEN;

COPY staging.movie_in (movie_id, imdb_id, title, original_title, original_language, is_adult, status, release_date, budget, revenue, runtime, popularity, vote_average, vote_count)
FROM 's3://movalytics-example/staging/redshift/movie_in.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/movalytics-load'
FORMAT AS CSV IGNOREHEADER AS 1 EMPTYASNULL MANIFEST;

DROP TABLE IF EXISTS staging.genre_in;

CREATE TABLE staging.genre_in (
  genre_id INTEGER,
  name VARCHAR(32)
)
DISTSTYLE EVEN;

COPY staging.genre_in (genre_id, name)
FROM 's3://movalytics-example/staging/redshift/genre_in.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/movalytics-load'
FORMAT AS CSV IGNOREHEADER AS 1 EMPTYASNULL MANIFEST;

DROP TABLE IF EXISTS staging.movie_genre_in;

CREATE TABLE staging.movie_genre_in (
  movie_id INTEGER,
  genre_id INTEGER
)
DISTSTYLE EVEN;

COPY staging.movie_genre_in (movie_id, genre_id)
FROM 's3://movalytics-example/staging/redshift/movie_genre_in.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/movalytics-load'
FORMAT AS CSV IGNOREHEADER AS 1 EMPTYASNULL MANIFEST;
