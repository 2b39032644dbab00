CREATE SCHEMA IF NOT EXISTS movies;

CREATE SCHEMA IF NOT EXISTS movalytics;

CREATE SCHEMA IF NOT EXISTS staging;

CREATE TABLE IF NOT EXISTS movies.movie (
  movie_id INTEGER NOT NULL,
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
  vote_count INTEGER,
  PRIMARY KEY (movie_id)
)
DISTSTYLE ALL
SORTKEY(release_date);

CREATE TABLE IF NOT EXISTS movies.genre (
  genre_id INTEGER NOT NULL,
  name VARCHAR(32) NOT NULL,
  PRIMARY KEY (genre_id)
)
DISTSTYLE ALL
SORTKEY(genre_id);

CREATE TABLE IF NOT EXISTS movies.movie_genre (
  movie_id INTEGER NOT NULL,
  genre_id INTEGER NOT NULL,
  PRIMARY KEY (movie_id, genre_id)
)
DISTSTYLE ALL
COMPOUND SORTKEY(genre_id, movie_id);

CREATE TABLE IF NOT EXISTS movies.movie_link (
  movielens_id INTEGER NOT NULL,
  imdb_id VARCHAR(32),
  tmdb_id INTEGER,
  PRIMARY KEY (movielens_id)
)
DISTSTYLE ALL
SORTKEY(movielens_id);

CREATE TABLE IF NOT EXISTS movies.rating (
  user_id INTEGER NOT NULL,
  movielens_id INTEGER NOT NULL,
  rating DOUBLE PRECISION NOT NULL,
  rated_at TIMESTAMP NOT NULL
)
DISTSTYLE KEY
DISTKEY(movielens_id)
COMPOUND SORTKEY(movielens_id, rated_at);

CREATE TABLE IF NOT EXISTS movies."date" (
  "date" DATE NOT NULL,
  day INTEGER NOT NULL,
  week INTEGER NOT NULL,
  month INTEGER NOT NULL,
  quarter INTEGER NOT NULL,
  year INTEGER NOT NULL,
  PRIMARY KEY ("date")
)
DISTSTYLE ALL
SORTKEY("date");

CREATE TABLE IF NOT EXISTS movies.cpi (
  month DATE NOT NULL,
  series_id VARCHAR(32) NOT NULL,
  value DOUBLE PRECISION,
  PRIMARY KEY (series_id, month)
)
DISTSTYLE ALL
COMPOUND SORTKEY(series_id, month);

CREATE OR REPLACE VIEW movies.rating_mapped AS
SELECT r.user_id, r.movielens_id, m.movie_id, r.rating, r.rated_at
FROM movies.rating r
JOIN movies.movie_link l ON l.movielens_id = r.movielens_id
JOIN movies.movie m ON m.movie_id = l.tmdb_id;

CREATE TABLE IF NOT EXISTS movalytics.run (
  run_id INTEGER NOT NULL PRIMARY KEY,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  status VARCHAR(65535) NOT NULL,
  input VARCHAR(65535) NOT NULL,
  message VARCHAR(65535),
  package_id VARCHAR(65535),
  triggered_by VARCHAR(65535),
  external_id VARCHAR(65535),
  parameters VARCHAR(65535)
);

CREATE TABLE IF NOT EXISTS movalytics.task_run (
  run_id INTEGER NOT NULL,
  task VARCHAR(65535) NOT NULL,
  attempt INTEGER NOT NULL,
  state VARCHAR(65535) NOT NULL,
  started_at TIMESTAMP,
  finished_at TIMESTAMP,
  ms DOUBLE PRECISION,
  detail VARCHAR(65535),
  rows_in BIGINT,
  rows_out BIGINT,
  bytes BIGINT,
  error_class VARCHAR(65535),
  error_message VARCHAR(65535),
  retryable BOOLEAN,
  worker VARCHAR(65535),
  PRIMARY KEY (run_id, task, attempt)
);

CREATE TABLE IF NOT EXISTS movalytics.task_log (
  run_id INTEGER NOT NULL,
  task VARCHAR(65535) NOT NULL,
  attempt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  logged_at TIMESTAMP NOT NULL,
  line VARCHAR(65535) NOT NULL,
  PRIMARY KEY (run_id, task, attempt, seq)
);

CREATE TABLE IF NOT EXISTS movalytics.file_state (
  file_name VARCHAR(65535) NOT NULL PRIMARY KEY,
  role VARCHAR(65535) NOT NULL,
  bytes BIGINT NOT NULL,
  mtime_ms DOUBLE PRECISION NOT NULL,
  sha256 VARCHAR(65535) NOT NULL,
  data_lines BIGINT NOT NULL,
  loaded_run_id INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS movalytics.manifest (
  run_id INTEGER NOT NULL,
  file_name VARCHAR(65535) NOT NULL,
  role VARCHAR(65535) NOT NULL,
  bytes BIGINT NOT NULL,
  sha256 VARCHAR(65535),
  data_lines BIGINT,
  action VARCHAR(65535) NOT NULL,
  note VARCHAR(65535),
  PRIMARY KEY (run_id, file_name)
);

CREATE TABLE IF NOT EXISTS movalytics.reconciliation (
  run_id INTEGER NOT NULL,
  file_name VARCHAR(65535) NOT NULL,
  records_read BIGINT NOT NULL,
  rows_loaded BIGINT NOT NULL,
  rows_quarantined BIGINT NOT NULL,
  duplicates_collapsed BIGINT NOT NULL,
  records_merged BIGINT NOT NULL,
  PRIMARY KEY (run_id, file_name)
);

CREATE TABLE IF NOT EXISTS movalytics.quarantine (
  run_id INTEGER NOT NULL,
  source_file VARCHAR(65535) NOT NULL,
  record_number BIGINT,
  line_number BIGINT,
  reason VARCHAR(65535) NOT NULL,
  raw VARCHAR(65535)
);

CREATE TABLE IF NOT EXISTS movalytics.check_result (
  run_id INTEGER NOT NULL,
  check_name VARCHAR(65535) NOT NULL,
  severity VARCHAR(65535) NOT NULL,
  passed BOOLEAN NOT NULL,
  observed VARCHAR(65535),
  expected VARCHAR(65535),
  carried_from_run INTEGER,
  PRIMARY KEY (run_id, check_name)
);
