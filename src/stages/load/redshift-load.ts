// The load on an engine that loads through object storage (`bulkLoad: 's3-copy'`, Redshift), by the plan of
// redshift-plan.ts: each input (ratings, links, CPI, the cleaned movies) checked and written as CSV parts for its
// staging table, with the byte length of the longest value of every VARCHAR column (model and staging) for the DDL;
// the parts uploaded through the seam; the plan run in the caller's transaction; every file accounted for.
import path from 'node:path';
import { compareRatingsFiles } from './load-model.js';
import { inputFilesIn } from '../../sources/input-layout.js';
import {
  PartWriter,
  readCsvInto,
  readNdjsonInto,
  type LoadObject,
  type LoadParts,
  type S3CopyLoad,
  type VarcharBytes,
} from '../../warehouse/s3-copy.js';
import type { BulkReject, ColumnSpec, Warehouse } from '../../warehouse/warehouse.js';
import {
  CPI_NEW,
  CPI_VALID,
  LINK_NEW,
  LINK_VALID,
  RATING_NEW,
  RS_STAGING,
  loadStatements,
  mergeBody,
  modelDdlStatements,
  quarantineStatements,
  ratingInValidSql,
  type RedshiftLoadInput,
  type StagingName,
} from './redshift-plan.js';

/** Local files of one run (paths only). */
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

/**
 * The model's input files in an input folder, as a run would load them (ratings in load order): for `movalytics
 * sql`, which prints the plan of a folder without staging it. movies_metadata.csv is returned to be cleaned.
 */
export function modelInputsIn(dir: string): Omit<ModelLoadFiles, 'movies'> & { metadata?: string } {
  const files = inputFilesIn(dir);
  const links = files.find((f) => f.role === 'links');
  const metadata = files.find((f) => f.role === 'movies_metadata');
  return {
    ratings: files
      .filter((f) => f.role === 'ratings')
      .sort((a, b) => compareRatingsFiles(a.name, b.name))
      .map((f) => f.path),
    ...(links === undefined ? {} : { links: links.path }),
    cpi: files.filter((f) => f.role === 'cpi').map((f) => ({ file: f.path, series: f.series! })),
    ...(metadata === undefined ? {} : { metadata: metadata.path }),
  };
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

/** One run's model inputs for the plan. */
export interface PlanRequest {
  runId: number;
  /** The upper bound of a plausible rating time. */
  runStartedAt: Date;
  /** Ratings files in load order (a later file wins a tie on the timestamp). */
  ratings: readonly { name: string; file: string }[];
  links: { name: string; file: string } | null;
  cpi: readonly { name: string; file: string; series: string }[];
  /** The cleaned movies (newline-delimited JSON files). */
  movies: { movies: string; genres: string; movieGenres: string } | null;
  /** The model's views (recreated with the tables). */
  views: readonly string[];
}

/** What the plan did with one input file: every record is in exactly one of rows/rejects, every row in one count. */
export interface PlanFile {
  /** Records that parsed as the staging table's columns. */
  rows: number;
  /** Records that did not (the caller quarantines them). */
  rejects: BulkReject[];
  /** Rows that broke a value rule: quarantined by the plan. */
  invalid: number;
  /** Rows written to the model (one per key); the rest of the valid rows were duplicates. */
  loaded: number;
}

export interface PlanResult {
  /** By input file name (ratings, links, CPI; the movies are accounted for by the clean task). */
  files: Record<string, PlanFile>;
  /** A table with exactly the rating rows written (user_id, movielens_id, rating, rated_at …), or null when none. */
  ratingsWritten: string | null;
  /** Whether movies.rating was empty before: every rating is new. */
  ratingsCold: boolean;
}

/**
 * The model load of a run by the plan `movalytics sql` prints: the model DDL (VARCHARs sized from this run's files),
 * COPY of every input into staging, the rows that break a value rule into quarantine, then de-duplicate and MERGE —
 * all in the caller's transaction. Counts per file come from the staging tables. `scratch` is a folder for the parts.
 */
export async function runModelPlan(
  wh: Warehouse,
  s3: S3CopyLoad,
  req: PlanRequest,
  scratch: string,
): Promise<PlanResult> {
  const load = await prepareModelLoad(
    {
      ratings: req.ratings.map((r) => r.file),
      ...(req.links === null ? {} : { links: req.links.file }),
      cpi: req.cpi.map((c) => ({ file: c.file, series: c.series })),
      ...(req.movies === null ? {} : { movies: req.movies }),
    },
    scratch,
    s3.partBytes,
  );
  const objects: Partial<Record<StagingName, LoadObject>> = {};
  const local = new Map<string, readonly string[]>();
  for (const [name, parts] of Object.entries(load.parts) as [StagingName, LoadParts | undefined][]) {
    if (parts === undefined) continue;
    const obj = await s3.upload(parts);
    objects[name] = obj;
    local.set(obj.manifestUrl, parts.files);
  }
  const input: RedshiftLoadInput = {
    objects,
    bytes: load.bytes,
    auth: s3.auth,
    runStartedAt: req.runStartedAt,
  };
  await s3.run(modelDdlStatements(load.bytes, req.views));
  await s3.run(loadStatements(input), local);
  const series = Object.fromEntries(req.cpi.map((c) => [c.series, c.name]));
  await s3.run(
    quarantineStatements(input, req.runId, {
      ratings: req.ratings.map((r) => r.name),
      ...(req.links === null ? {} : { links: req.links.name }),
      cpi: series,
    }),
  );

  const files: Record<string, PlanFile> = {};
  const entry = (name: string, file: string): PlanFile => {
    const f = load.byFile.get(file);
    files[name] ??= { rows: f?.rows ?? 0, rejects: f?.rejects ?? [], invalid: 0, loaded: 0 };
    return files[name];
  };
  const counts = async (sql: string): Promise<Map<string, number>> =>
    new Map((await wh.query<{ k: string | number; n: number }>(sql)).map((r) => [String(r.k), Number(r.n)]));
  req.ratings.forEach((r) => entry(r.name, r.file));
  if (req.links !== null) entry(req.links.name, req.links.file);
  for (const c of req.cpi) entry(c.name, c.file);

  let ratingsCold = false;
  if (objects.rating_in !== undefined) {
    const invalid = await counts(
      `SELECT file_no AS k, COUNT(*) AS n FROM staging.rating_in WHERE NOT coalesce(${ratingInValidSql(req.runStartedAt)}, false) GROUP BY file_no`,
    );
    req.ratings.forEach((r, i) => (entry(r.name, r.file).invalid = invalid.get(String(i + 1)) ?? 0));
    const [any] = await wh.query(`SELECT 1 AS one FROM movies.rating LIMIT 1`);
    ratingsCold = any === undefined;
  }
  if (objects.link_in !== undefined && req.links !== null) {
    const invalid = await counts(
      `SELECT 0 AS k, COUNT(*) AS n FROM staging.link_in WHERE NOT coalesce(${LINK_VALID}, false)`,
    );
    entry(req.links.name, req.links.file).invalid = invalid.get('0') ?? 0;
  }
  if (objects.cpi_in !== undefined) {
    const invalid = await counts(
      `SELECT series_id AS k, COUNT(*) AS n FROM staging.cpi_in WHERE NOT coalesce(${CPI_VALID}, false) GROUP BY series_id`,
    );
    for (const c of req.cpi) entry(c.name, c.file).invalid = invalid.get(c.series) ?? 0;
  }

  await s3.run(mergeBody(input));

  if (objects.rating_in !== undefined) {
    const loaded = await counts(`SELECT file_no AS k, COUNT(*) AS n FROM ${RATING_NEW} GROUP BY file_no`);
    req.ratings.forEach((r, i) => (entry(r.name, r.file).loaded = loaded.get(String(i + 1)) ?? 0));
  }
  if (objects.link_in !== undefined && req.links !== null)
    entry(req.links.name, req.links.file).loaded =
      (await counts(`SELECT 0 AS k, COUNT(*) AS n FROM ${LINK_NEW}`)).get('0') ?? 0;
  if (objects.cpi_in !== undefined) {
    const loaded = await counts(`SELECT series_id AS k, COUNT(*) AS n FROM ${CPI_NEW} GROUP BY series_id`);
    for (const c of req.cpi) entry(c.name, c.file).loaded = loaded.get(c.series) ?? 0;
  }
  return {
    files,
    ratingsWritten: objects.rating_in === undefined ? null : RATING_NEW,
    ratingsCold,
  };
}
