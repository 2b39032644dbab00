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

COPY staging.rating_in (user_id, movielens_id, rating, rated_epoch, file_no)
FROM 's3://movalytics-example/staging/redshift/rating_in.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/movalytics-load'
FORMAT AS CSV IGNOREHEADER AS 1 EMPTYASNULL MANIFEST;

DROP TABLE IF EXISTS staging.link_in;

CREATE TABLE staging.link_in (
  movielens_id INTEGER,
  imdb_id VARCHAR(32),
  tmdb_id INTEGER
)
DISTSTYLE EVEN;

COPY staging.link_in (movielens_id, imdb_id, tmdb_id)
FROM 's3://movalytics-example/staging/redshift/link_in.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/movalytics-load'
FORMAT AS CSV IGNOREHEADER AS 1 EMPTYASNULL MANIFEST;

DROP TABLE IF EXISTS staging.cpi_in;

CREATE TABLE staging.cpi_in (
  series_id VARCHAR(32),
  date VARCHAR(32),
  value VARCHAR(32)
)
DISTSTYLE EVEN;

COPY staging.cpi_in (series_id, date, value)
FROM 's3://movalytics-example/staging/redshift/cpi_in.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/movalytics-load'
FORMAT AS CSV IGNOREHEADER AS 1 EMPTYASNULL MANIFEST;

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
