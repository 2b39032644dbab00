// The clean task for movies_metadata.csv: parse it and write the hand-off files the load task reads
// (movies, genres, movie-genre pairs and quarantined records as newline-delimited JSON in the staging area).
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fromFsError } from '../../core/errors.js';
import { parseMoviesMetadata, type MoviesParseResult } from './movies-metadata.js';

export interface CleanMovies {
  moviesFile: string;
  genresFile: string;
  movieGenresFile: string;
  quarantineFile: string;
  stats: Omit<MoviesParseResult, 'movies' | 'genres' | 'quarantine'> & { quarantined: number };
}

async function writeNdjson(file: string, rows: Iterable<unknown>): Promise<void> {
  const out = createWriteStream(file);
  for (const row of rows) {
    if (!out.write(JSON.stringify(row) + '\n'))
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

/** Parses the staged movies_metadata.csv and writes the cleaned hand-off files into `cleanDir`. */
export async function cleanMovies(stagedFile: string, cleanDir: string): Promise<CleanMovies> {
  try {
    return await cleanInto(stagedFile, cleanDir);
  } catch (err) {
    // A full or read-only staging disk is the machine's problem, said in one line (errors.ts).
    throw fromFsError(err, {
      action: 'write the cleaned movies to',
      path: cleanDir,
      role: 'staging',
      flag: '--staging',
    });
  }
}

async function cleanInto(stagedFile: string, cleanDir: string): Promise<CleanMovies> {
  await mkdir(cleanDir, { recursive: true });
  const parsed = await parseMoviesMetadata(stagedFile);
  const files = {
    moviesFile: path.join(cleanDir, 'movies.ndjson'),
    genresFile: path.join(cleanDir, 'genres.ndjson'),
    movieGenresFile: path.join(cleanDir, 'movie_genres.ndjson'),
    quarantineFile: path.join(cleanDir, 'movies_quarantine.ndjson'),
  };
  await writeNdjson(
    files.moviesFile,
    parsed.movies.map(({ genre_ids: _g, ...m }) => m),
  );
  await writeNdjson(
    files.genresFile,
    [...parsed.genres].map(([genre_id, name]) => ({ genre_id, name })),
  );
  await writeNdjson(
    files.movieGenresFile,
    parsed.movies.flatMap((m) => m.genre_ids.map((genre_id) => ({ movie_id: m.movie_id, genre_id }))),
  );
  await writeNdjson(files.quarantineFile, parsed.quarantine);
  const { movies: _m, genres: _g, quarantine, ...stats } = parsed;
  return { ...files, stats: { ...stats, quarantined: quarantine.length } };
}
