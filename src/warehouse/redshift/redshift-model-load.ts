// The load files of one run for the Redshift plan: each staged input (ratings, links, CPI, the cleaned movies)
// checked and written as CSV parts for its staging table, with the byte length of the longest value of every
// VARCHAR column (model and staging) for the DDL.
import path from 'node:path';
import type { BulkReject, ColumnSpec } from '../warehouse.js';
import { PartWriter, readCsvInto, readNdjsonInto, type LoadParts } from './redshift-load-files.js';
import { RS_STAGING, type StagingName, type VarcharBytes } from './redshift-plan.js';

/** Local files of one run (paths only: the warehouse does not know the stages). */
export interface ModelLoadFiles {
  /** ratings files in load order (userId,movieId,rating,timestamp). */
  ratings?: readonly string[];
  /** links.csv (movieId,imdbId,tmdbId). */
  links?: string;
  /** FRED CSV files with their series id (date,value). */
  cpi?: readonly { file: string; series: string }[];
  /** The cleaned movies (newline-delimited JSON from the clean task). */
  movies?: { movies: string; genres: string; movieGenres: string };
}

export interface ModelLoad {
  parts: Partial<Record<StagingName, LoadParts>>;
  bytes: VarcharBytes;
  /** Per input file (its path): records written to the parts and records refused (with their line). */
  byFile: Map<string, { rows: number; rejects: BulkReject[] }>;
}

/** Staging VARCHAR columns → the model column they fill (its size follows the same data). */
const MODEL_COLUMN: Readonly<Record<string, string>> = {
  'staging.link_in.imdb_id': 'movies.movie_link.imdb_id',
  'staging.cpi_in.series_id': 'movies.cpi.series_id',
  'staging.genre_in.name': 'movies.genre.name',
  'staging.movie_in.imdb_id': 'movies.movie.imdb_id',
  'staging.movie_in.title': 'movies.movie.title',
  'staging.movie_in.original_title': 'movies.movie.original_title',
  'staging.movie_in.original_language': 'movies.movie.original_language',
  'staging.movie_in.status': 'movies.movie.status',
};

function columnsOf(name: StagingName): ColumnSpec[] {
  return RS_STAGING[name].columns.map((c) => ({ name: c.name, type: c.type }));
}

/** Writes the parts of every input present into `dir` and measures the VARCHAR columns. */
export async function prepareModelLoad(
  files: ModelLoadFiles,
  dir: string,
  partBytes?: number,
): Promise<ModelLoad> {
  const writer = (name: StagingName): PartWriter =>
    new PartWriter(columnsOf(name), path.join(dir, name), name, partBytes);
  const parts: Partial<Record<StagingName, LoadParts>> = {};
  const byFile = new Map<string, { rows: number; rejects: BulkReject[] }>();
  const read = async (
    file: string,
    w: PartWriter,
    extra?: Parameters<typeof readCsvInto>[2],
  ): Promise<void> => {
    const [rows, rejects] = [w.rowCount, w.rejects.length];
    await readCsvInto(file, w, extra);
    byFile.set(file, { rows: w.rowCount - rows, rejects: w.rejects.slice(rejects) });
  };
  if (files.ratings && files.ratings.length > 0) {
    const w = writer('rating_in');
    // file_no: the file's place in the load order, so a later file wins a tie on the timestamp.
    for (const [i, f] of files.ratings.entries()) await read(f, w, { after: [String(i + 1)] });
    parts.rating_in = w.finish();
  }
  if (files.links !== undefined) {
    const w = writer('link_in');
    await read(files.links, w);
    parts.link_in = w.finish();
  }
  if (files.cpi && files.cpi.length > 0) {
    const w = writer('cpi_in');
    for (const c of files.cpi) await read(c.file, w, { before: [c.series] });
    parts.cpi_in = w.finish();
  }
  if (files.movies !== undefined) {
    for (const [name, file] of [
      ['movie_in', files.movies.movies],
      ['genre_in', files.movies.genres],
      ['movie_genre_in', files.movies.movieGenres],
    ] as const) {
      const w = writer(name);
      await readNdjsonInto(file, w, columnsOf(name));
      parts[name] = w.finish();
    }
  }
  const bytes: Record<string, number> = {};
  for (const [name, p] of Object.entries(parts) as [StagingName, LoadParts][]) {
    for (const [col, n] of Object.entries(p.maxBytes)) {
      const key = `${RS_STAGING[name].name}.${col}`;
      bytes[key] = Math.max(bytes[key] ?? 0, n);
      const model = MODEL_COLUMN[key];
      if (model !== undefined) bytes[model] = Math.max(bytes[model] ?? 0, n);
    }
  }
  return { parts, bytes, byFile };
}
