// Lineage of one movie, for the drill-down from a Q1 row: its model row and genres, its links.csv rows, its rating
// counts per ratings file, and its movies_metadata.csv record (file, line, raw text) read back from the staged raw copy the last
// load of that file used (content-addressed by sha256, so it is exactly what was loaded).
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { messageOf } from '../core/errors.js';
import { RAW_CSV_OPTIONS } from '../stages/load/movies-metadata.js';
import { ratingsByFile, type RatingsFromFile } from '../stages/load/rating-source.js';
import { StagingArea } from '../stages/stage/staging-area.js';
import { num, str, tablesExist, type Warehouse } from '../warehouse/warehouse.js';

export interface SourceRecord {
  fileName: string;
  sha256: string;
  /** The run whose load used this copy of the file. */
  loadedRunId: number;
  /** 1-based physical line where the record starts (the header is line 1). */
  line: number | null;
  raw: string | null;
  /** Why the record could not be shown (no staging configured, the copy was cleaned up …); null when shown. */
  note: string | null;
}

export interface MovieLineage {
  movieId: number;
  movie: Record<string, string | number | boolean | null>;
  genres: { genreId: number; name: string }[];
  /** links.csv rows that map MovieLens ids to this TMDB id. */
  links: { movielensId: number; imdbId: string | null; ratings: number }[];
  /** Ratings that reach the movie (through its links), the count Q1 uses as v. */
  mappedRatings: number;
  /**
   * The mapped ratings per ratings file they came from (each file's version by sha256 and the run that loaded it);
   * null when the warehouse does not record it (built by an older version, or an engine that loads by plan).
   */
  ratingsByFile: RatingsFromFile[] | null;
  metadata: SourceRecord | null;
}

/** The lineage of TMDB movie `movieId`, or null when the model has no such movie. */
export async function readMovieLineage(
  wh: Warehouse,
  movieId: number,
  staging: string | null,
): Promise<MovieLineage | null> {
  const [movie] = await wh.query(`SELECT * FROM movies.movie WHERE movie_id = $1`, [movieId]);
  if (movie === undefined) return null;
  const genres = await wh.query(
    `SELECT g.genre_id, g.name FROM movies.movie_genre mg JOIN movies.genre g ON g.genre_id = mg.genre_id
     WHERE mg.movie_id = $1 ORDER BY g.name`,
    [movieId],
  );
  const links = await wh.query(
    `SELECT l.movielens_id, l.imdb_id,
            (SELECT count(*) FROM movies.rating r WHERE r.movielens_id = l.movielens_id) AS ratings
     FROM movies.movie_link l WHERE l.tmdb_id = $1 ORDER BY l.movielens_id`,
    [movieId],
  );
  const haveState = await tablesExist(wh, 'movalytics', 'file_state');
  const [meta] = haveState
    ? await wh.query(
        `SELECT file_name, sha256, loaded_run_id FROM movalytics.file_state WHERE role = 'movies_metadata'`,
      )
    : [];
  const mappedRatings = links.reduce((s, l) => s + (num(l.ratings) ?? 0), 0);
  return {
    movieId,
    movie,
    genres: genres.map((g) => ({ genreId: num(g.genre_id) ?? 0, name: str(g.name) ?? '' })),
    links: links.map((l) => ({
      movielensId: num(l.movielens_id) ?? 0,
      imdbId: str(l.imdb_id),
      ratings: num(l.ratings) ?? 0,
    })),
    mappedRatings,
    ratingsByFile: await ratingsByFile(
      wh,
      links.map((l) => num(l.movielens_id) ?? 0),
      mappedRatings,
    ),
    metadata:
      meta === undefined
        ? null
        : await findMetadataRecord(
            {
              fileName: str(meta.file_name) ?? '',
              sha256: str(meta.sha256) ?? '',
              loadedRunId: num(meta.loaded_run_id) ?? 0,
            },
            movieId,
            staging,
          ),
  };
}

/** Scans the staged copy of movies_metadata.csv for the record whose `id` is `movieId`. */
async function findMetadataRecord(
  file: { fileName: string; sha256: string; loadedRunId: number },
  movieId: number,
  staging: string | null,
): Promise<SourceRecord> {
  const base = { ...file, line: null, raw: null };
  if (staging === null)
    return { ...base, note: 'no staging location configured: the raw record is not available' };
  let path: string;
  try {
    const area = await StagingArea.open(staging);
    try {
      path = await area.localFile(`raw/${file.sha256}`);
    } finally {
      await area.close();
    }
  } catch (err) {
    return { ...base, note: `the staged copy raw/${file.sha256} cannot be read: ${messageOf(err)}` };
  }
  const fh = await open(path, 'r').catch(() => null);
  if (fh === null)
    return {
      ...base,
      note: `the staged copy raw/${file.sha256} of ${file.fileName} is not in the staging area (cleaned up, or staged elsewhere: start serve with that --staging)`,
    };
  const want = String(movieId);
  // The read stream's own errors must reach the loop below: one left unhandled on a stream would end the server.
  const source = fh.createReadStream();
  try {
    const parser = source.pipe(parse(RAW_CSV_OPTIONS));
    source.once('error', (err) => parser.destroy(err));
    let idIndex = -1;
    for await (const chunk of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
      raw: string;
    }>) {
      if (idIndex < 0) {
        idIndex = chunk.record.indexOf('id');
        if (idIndex < 0) return { ...base, note: `${file.fileName} has no id column` };
        continue;
      }
      if (chunk.record[idIndex]?.trim() !== want) continue;
      parser.destroy();
      const raw = chunk.raw.replace(/^(?:\r?\n)+/, '').replace(/\r?\n$/, '');
      return {
        ...base,
        line: chunk.info.lines - (raw.match(/\n/g)?.length ?? 0),
        raw,
        note: null,
      };
    }
  } catch (err) {
    return { ...base, note: `the staged copy of ${file.fileName} cannot be read: ${messageOf(err)}` };
  } finally {
    source.destroy();
  }
  return { ...base, note: `no record with id ${movieId} in ${file.fileName}` };
}
