// The load on an engine that loads through object storage (`bulkLoad: 's3-copy'`, Redshift), by the plan of
// redshift-plan.ts. With staging in S3 the ratings, links and CPI files are COPYed from their staged objects as they
// are (a manifest of one object each; Node reads none of them) and typed in SQL; the cleaned movies — and, with a
// local staging folder, every input — are checked and written as CSV parts for their staging table, with the byte
// length of the longest value of every VARCHAR column for the DDL, and uploaded through the seam. The plan runs in
// the caller's transaction; every file is accounted for.
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
import { queryCount, type BulkReject, type ColumnSpec, type Warehouse } from '../../warehouse/warehouse.js';
import {
  CPI_NEW,
  CPI_VALID,
  LINK_NEW,
  LINK_VALID,
  RATING_NEW,
  RS_STAGING,
  dropRawStatements,
  hasStaging,
  loadStatements,
  rawRefusedCountSql,
  rawSources,
  mergeBody,
  modelDdlStatements,
  quarantineStatements,
  ratingInValidSql,
  type RawInputs,
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
      grow(bytes, key, n);
      const model = MODEL_COLUMN[key];
      if (model !== undefined) grow(bytes, model, n);
    }
  }
  return { parts, bytes, byFile };
}

function grow(bytes: Record<string, number>, key: string, n: number): void {
  bytes[key] = Math.max(bytes[key] ?? 0, n);
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
  /**
   * The s3:// URLs of the staged objects of the ratings, links and CPI files (by file name), when staging is in
   * S3: those files are then COPYed as they are, and their `file` is never read.
   */
  stagedObjects?: ReadonlyMap<string, string>;
}

/** What the plan did with one input file: every record is in exactly one of rows/rejects, every row in one count. */
export interface PlanFile {
  /** Records that parsed as the staging table's columns. */
  rows: number;
  /** Records that did not (the caller quarantines them). */
  rejects: BulkReject[];
  /** Rows that broke a value rule: quarantined by the plan. */
  invalid: number;
  /** Lines of a staged file COPYed as it is that had the wrong field count or a field not of its type: quarantined by the plan. */
  refused: number;
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
  const staged = req.stagedObjects;
  const object = (name: string): string => {
    const url = staged?.get(name);
    if (url === undefined) throw new Error(`no staged object for ${name}`);
    return url;
  };
  const load = await prepareModelLoad(
    staged === undefined
      ? {
          ratings: req.ratings.map((r) => r.file),
          ...(req.links === null ? {} : { links: req.links.file }),
          cpi: req.cpi.map((c) => ({ file: c.file, series: c.series })),
          ...(req.movies === null ? {} : { movies: req.movies }),
        }
      : { ...(req.movies === null ? {} : { movies: req.movies }) },
    scratch,
    s3.partBytes,
  );
  let raw: RawInputs | undefined;
  if (staged !== undefined) {
    // One manifest per staged file, listing its raw object: nothing else is read or uploaded.
    const manifest = async (name: string): Promise<LoadObject> => {
      const url = object(name);
      return { manifestUrl: await s3.putManifest([url]), partUrls: [url] };
    };
    raw = {
      ratings: await Promise.all(req.ratings.map((r) => manifest(r.name))),
      ...(req.links === null ? {} : { links: await manifest(req.links.name) }),
      cpi: await Promise.all(
        req.cpi.map(async (c) => ({ series: c.series, object: await manifest(c.name) })),
      ),
    };
  }
  const objects: Partial<Record<StagingName, LoadObject>> = {};
  const local = new Map<string, readonly string[]>();
  for (const [name, parts] of Object.entries(load.parts) as [StagingName, LoadParts | undefined][]) {
    if (parts === undefined) continue;
    const obj = await s3.upload(parts);
    objects[name] = obj;
    local.set(obj.manifestUrl, parts.files);
  }
  const bytes: Record<string, number> = { ...load.bytes };
  const input: RedshiftLoadInput = {
    objects,
    ...(raw === undefined ? {} : { raw }),
    bytes,
    auth: s3.auth,
    runStartedAt: req.runStartedAt,
  };
  if (raw === undefined) {
    await s3.run(modelDdlStatements(bytes, req.views));
    await s3.run(loadStatements(input), local);
  } else {
    // The model's VARCHARs are sized from the data: the staged files' text is measured where it now is, in SQL.
    await s3.run(['CREATE SCHEMA IF NOT EXISTS staging']);
    await s3.run(loadStatements(input), local);
    for (const c of req.cpi) grow(bytes, 'movies.cpi.series_id', Buffer.byteLength(c.series, 'utf8'));
    if (raw.links !== undefined) {
      const longest = await queryCount(wh, `SELECT max(octet_length(imdb_id)) AS n FROM staging.link_in`);
      grow(bytes, 'movies.movie_link.imdb_id', longest);
    }
    await s3.run(modelDdlStatements(bytes, req.views));
  }
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
    files[name] ??= { rows: f?.rows ?? 0, rejects: f?.rejects ?? [], invalid: 0, refused: 0, loaded: 0 };
    return files[name];
  };
  // Each input's files by the key its counts are grouped by: ratings by file_no, CPI by series id, links as one.
  const keyed = {
    rating: req.ratings.map((r, i) => [String(i + 1), r] as const),
    link: req.links === null ? [] : [['0', req.links] as const],
    cpi: req.cpi.map((c) => [c.series, c] as const),
  };
  const groupBy = { rating: 'file_no', link: null, cpi: 'series_id' } as const;
  for (const [, f] of [...keyed.rating, ...keyed.link, ...keyed.cpi]) entry(f.name, f.file);
  /** Sets `field` of each file of input `of` from a count of the rows of `table` (that match `where`). */
  const setCounts = async (
    field: 'rows' | 'invalid' | 'loaded',
    of: keyof typeof keyed,
    table: string,
    where?: string,
  ): Promise<void> => {
    const key = groupBy[of];
    const filter = where === undefined ? '' : ` WHERE ${where}`;
    const group = key === null ? '' : ` GROUP BY ${key}`;
    const rows = await wh.query<{ k: string | number; n: number }>(
      `SELECT ${key ?? 0} AS k, COUNT(*) AS n FROM ${table}${filter}${group}`,
    );
    const n = new Map(rows.map((r) => [String(r.k), Number(r.n)]));
    for (const [k, f] of keyed[of]) entry(f.name, f.file)[field] = n.get(k) ?? 0;
  };

  // Lines of a staged file refused before the value rules (the other inputs' refusals are the parts' rejects).
  for (const src of rawSources(input)) {
    const refused = await queryCount(wh, rawRefusedCountSql(src));
    const file =
      src.staging === 'rating_in'
        ? req.ratings[src.index]
        : src.staging === 'link_in'
          ? req.links
          : req.cpi[src.index];
    if (file) entry(file.name, file.file).refused = refused;
  }
  const hasLinks = hasStaging(input, 'link_in') && req.links !== null;
  // Only the staging tables this run loaded: an earlier run's (a 26M-row staging.rating_in) may still be there.
  if (staged !== undefined) {
    if (hasStaging(input, 'rating_in')) await setCounts('rows', 'rating', 'staging.rating_in');
    if (hasLinks) await setCounts('rows', 'link', 'staging.link_in');
    if (hasStaging(input, 'cpi_in')) await setCounts('rows', 'cpi', 'staging.cpi_in');
  }

  let ratingsCold = false;
  if (hasStaging(input, 'rating_in')) {
    await setCounts(
      'invalid',
      'rating',
      'staging.rating_in',
      `NOT coalesce(${ratingInValidSql(req.runStartedAt)}, false)`,
    );
    const [any] = await wh.query(`SELECT 1 AS one FROM movies.rating LIMIT 1`);
    ratingsCold = any === undefined;
  }
  if (hasLinks) await setCounts('invalid', 'link', 'staging.link_in', `NOT coalesce(${LINK_VALID}, false)`);
  if (hasStaging(input, 'cpi_in'))
    await setCounts('invalid', 'cpi', 'staging.cpi_in', `NOT coalesce(${CPI_VALID}, false)`);

  await s3.run(mergeBody(input));
  await s3.run(dropRawStatements(input));

  if (hasStaging(input, 'rating_in')) await setCounts('loaded', 'rating', RATING_NEW);
  if (hasLinks) await setCounts('loaded', 'link', LINK_NEW);
  if (hasStaging(input, 'cpi_in')) await setCounts('loaded', 'cpi', CPI_NEW);
  return {
    files,
    ratingsWritten: hasStaging(input, 'rating_in') ? RATING_NEW : null,
    ratingsCold,
  };
}
