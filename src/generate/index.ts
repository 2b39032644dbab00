// `generateDataset`: writes The Movies Dataset layout (Kaggle, rounakbanik) at any scale with its real defects,
// plus the FRED CPI file and truth.json listing every planted fact. Same seed → byte-identical files.
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { ByteWriter } from './byte-writer.js';
import {
  buildCatalog,
  creditsRow,
  keywordsRow,
  METADATA_HEADER,
  metadataRecord,
  type Catalog,
} from './catalog.js';
import {
  CPI_ALL_ITEMS_FILE,
  CPI_ALL_ITEMS_SERIES,
  CPI_FILE,
  CPI_SERIES,
  renderCpi,
  renderCpiAllItems,
} from './cpi.js';
import {
  FULL_SCALE,
  resolveOptions,
  usersFor,
  type GenerateOptions,
  type ResolvedOptions,
} from './options.js';
import { Rng } from './prng.js';
import { writeRatings, type RatingSample } from './ratings-writer.js';
import type { FileTruth, RatingSpotCheck, Truth } from './truth.js';
import { writeZip } from './zip.js';

export type { GenerateOptions } from './options.js';
export type { Truth, FileTruth } from './truth.js';
export {
  DEFAULT_MOVIES,
  DEFAULT_RATINGS,
  DEFAULT_SEED,
  MIN_MOVIES,
  FRED_HEADERS,
  parseIntFlag,
} from './options.js';

/** The seven CSVs of the Kaggle download, in the order they go into the zip. */
export const KAGGLE_FILES = [
  'movies_metadata.csv',
  'ratings.csv',
  'links.csv',
  'keywords.csv',
  'credits.csv',
  'ratings_small.csv',
  'links_small.csv',
] as const;
export const ZIP_FILE = 'the-movies-dataset.zip';
export const TRUTH_FILE = 'truth.json';

/** One file written, for the CLI summary. */
export interface WrittenFile {
  file: string;
  bytes: number;
  /** Data records (header excluded); undefined for the zip and truth.json. */
  records?: number;
}

export interface GenerateResult {
  /** Absolute output folder. */
  dir: string;
  files: WrittenFile[];
  truth: Truth;
}

/**
 * Generates the dataset into `options.out`. The loose CSVs are always written; with `zip` the seven Kaggle CSVs
 * are additionally packed into the-movies-dataset.zip (the FRED file stays outside, as it comes from FRED).
 */
export async function generateDataset(options: GenerateOptions): Promise<GenerateResult> {
  const o = resolveOptions(options);
  const dir = prepareOutDir(o.out);
  const progress = options.onProgress ?? (() => undefined);
  const users = usersFor(o.ratings);

  const catalog = buildCatalog(o.seed, o.movies);
  const linkCount = catalog.links.length;
  if (o.ratings > users * (linkCount - 1)) {
    throw new UsageError(
      `generate: --ratings ${o.ratings} is too many for --movies ${o.movies} (${users} users can rate at most ` +
        `${users * (linkCount - 1)} distinct movies); raise --movies or lower --ratings`,
    );
  }
  const files: Record<string, FileTruth> = {};
  progress(`movies_metadata.csv: ${o.movies.toLocaleString('en-US')} movies`);
  const meta = writeMetadata(dir, catalog);
  files['movies_metadata.csv'] = meta.file;

  const textRng = new Rng(o.seed, 2);
  for (const [file, header, row] of [
    ['keywords.csv', 'id,keywords', keywordsRow],
    ['credits.csv', 'cast,crew,id', creditsRow],
  ] as const)
    files[file] = writeLines(
      dir,
      file,
      header,
      'LF',
      mapLazy(catalog.movies, (m) => row(textRng, m)),
    );

  const linkRow = (l: Catalog['links'][number]): string => `${l.movieId},${l.imdbId},${l.tmdbId ?? ''}\r\n`;
  files['links.csv'] = writeLines(dir, 'links.csv', LINKS_HEADER, 'CRLF', catalog.links.map(linkRow));

  // Ratings reach movies only through links; a link is mapped when its tmdbId has a metadata row.
  const mapped = Uint8Array.from(catalog.links, (l) => (l.kind === 'movie' || l.kind === 'repeat' ? 1 : 0));
  const boosted = [
    catalog.links.findIndex((l) => l.kind === 'empty'),
    catalog.links.findIndex((l) => l.kind === 'unknown'),
  ].filter((i) => i >= 0);
  const r = o.ratings;
  const ratings = writeRatings({
    path: join(dir, 'ratings.csv'),
    rows: r,
    users,
    movieIds: catalog.links.map((l) => l.movieId),
    mapped,
    boosted,
    rng: new Rng(o.seed, 3),
    sampleRows: [0, Math.floor(r / 3), Math.floor((2 * r) / 3), r - 1],
    onProgress: progress,
  });
  files['ratings.csv'] = ratingsTruth('ratings.csv', ratings);

  // The *_small pair: a separate sample with its own user numbering, never to be merged with ratings.csv.
  const smallRng = new Rng(o.seed, 5);
  const smallShare = Math.min(1, 9_125 / FULL_SCALE.links);
  const firstEmpty = catalog.links.findIndex((l) => l.kind === 'empty');
  const smallIdx = catalog.links
    .map((_, i) => i)
    .filter((i) => i === 0 || i === firstEmpty || smallRng.chance(smallShare));
  const smallLinks = smallIdx.map((i) => catalog.links[i]!);
  files['links_small.csv'] = writeLines(
    dir,
    'links_small.csv',
    LINKS_HEADER,
    'CRLF',
    smallLinks.map(linkRow),
  );
  const smallRows = Math.min(
    FULL_SCALE.smallRatings,
    Math.max(100, Math.round((r * FULL_SCALE.smallRatings) / FULL_SCALE.ratings)),
  );
  const smallCap = Math.max(1, smallLinks.length - 1);
  const smallUsers = Math.max(
    1,
    Math.round((smallRows * FULL_SCALE.smallUsers) / FULL_SCALE.smallRatings),
    Math.ceil(smallRows / smallCap),
  );
  const small = writeRatings({
    path: join(dir, 'ratings_small.csv'),
    rows: smallRows,
    users: smallUsers,
    movieIds: smallLinks.map((l) => l.movieId),
    mapped: Uint8Array.from(smallIdx, (i) => mapped[i]!),
    boosted: [],
    rng: smallRng,
    sampleRows: [],
  });
  files['ratings_small.csv'] = ratingsTruth('ratings_small.csv', small);

  const span = { until: o.fredUntil, missing: o.fredMissing };
  const cpi = renderCpi(o.seed, o.fredHeader, span);
  // The all-items CPI (optional input for --cpi-splice), from its own PRNG stream.
  const allItems = renderCpiAllItems(o.seed, o.fredHeader, span);
  for (const [file, series, r] of [
    [CPI_FILE, CPI_SERIES, cpi],
    [CPI_ALL_ITEMS_FILE, CPI_ALL_ITEMS_SERIES, allItems],
  ] as const) {
    writeFileSync(join(dir, file), r.text);
    const header = `${o.fredHeader},${series}`;
    const bytes = Buffer.byteLength(r.text);
    files[file] = { file, header, lineEnding: 'LF', records: r.rows, lines: r.rows + 1, bytes };
  }

  let zip: Truth['zip'] = null;
  if (o.zip) {
    progress(`${ZIP_FILE}: packing ${KAGGLE_FILES.length} files`);
    await writeZip(dir, KAGGLE_FILES, join(dir, ZIP_FILE));
    zip = { file: ZIP_FILE, entries: [...KAGGLE_FILES] };
  }

  const truth = buildTruth(o, catalog, files, meta, ratings, small, smallLinks, cpi, allItems, zip);
  const truthText = JSON.stringify(truth, null, 2) + '\n';
  writeFileSync(join(dir, TRUTH_FILE), truthText);

  const written: WrittenFile[] = [...KAGGLE_FILES, CPI_FILE, CPI_ALL_ITEMS_FILE].map((f) => ({
    file: f,
    bytes: files[f]!.bytes,
    records: files[f]!.records,
  }));
  if (zip) written.push({ file: ZIP_FILE, bytes: statSync(join(dir, ZIP_FILE)).size });
  written.push({ file: TRUTH_FILE, bytes: Buffer.byteLength(truthText) });
  return { dir, files: written, truth };
}

/** Creates the folder if needed and checks it is a writable directory; UsageError otherwise. */
function prepareOutDir(out: string): string {
  const dir = resolve(out);
  try {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) {
      throw new UsageError(`generate: --out "${out}" is a file, not a folder; pass a folder path`);
    }
    if (!st) mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(
      `generate: --out "${out}" is not writable (${code}); pass a folder you can write to`,
    );
  }
  return dir;
}

const LINKS_HEADER = 'movieId,imdbId,tmdbId';

/** A ratings file as writeRatings wrote it: one record per CRLF line after the header. */
function ratingsTruth(file: string, r: { rows: number; bytes: number }): FileTruth {
  const header = 'userId,movieId,rating,timestamp';
  return { file, header, lineEnding: 'CRLF', records: r.rows, lines: r.rows + 1, bytes: r.bytes };
}

/** Writes a small file from pre-rendered rows (each ending in its own line ending). */
function writeLines(
  dir: string,
  file: string,
  header: string,
  eol: 'LF' | 'CRLF',
  rows: Iterable<string>,
): FileTruth {
  const out = new ByteWriter(join(dir, file));
  out.str(header + (eol === 'LF' ? '\n' : '\r\n'));
  let lines = 1;
  let records = 0;
  for (const row of rows) {
    out.str(row);
    lines += countNewlines(row);
    records++;
  }
  out.close();
  return { file, header, lineEnding: eol, records, lines, bytes: out.bytes };
}

/** Maps lazily, so rows are rendered while writing and never all held at once. */
function* mapLazy<T>(items: readonly T[], f: (item: T) => string): Generator<string> {
  for (const item of items) yield f(item);
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

interface MetadataWritten {
  file: FileTruth;
  /** Physical line numbers (1-based) of each broken movie's two halves, keyed by movie index. */
  brokenLines: Map<number, [number, number]>;
}

/** Writes movies_metadata.csv: each movie in link order, duplicates interleaved after their `after` movie. */
function writeMetadata(dir: string, catalog: Catalog): MetadataWritten {
  const out = new ByteWriter(join(dir, 'movies_metadata.csv'));
  out.str(METADATA_HEADER + '\n');
  let line = 1;
  let records = 0;
  const brokenLines = new Map<number, [number, number]>();
  let d = 0;
  const dups = catalog.duplicates;
  catalog.movies.forEach((m, i) => {
    const rec = metadataRecord(m);
    if (m.brokenParts) {
      brokenLines.set(i, [line + 1, line + 2]);
      records += 2;
    } else records += 1;
    out.str(rec);
    line += countNewlines(rec);
    while (d < dups.length && dups[d]!.after === i) {
      const dupRec = dups[d]!.fields.join(',') + '\n';
      out.str(dupRec);
      line += countNewlines(dupRec);
      records += 1;
      d++;
    }
  });
  out.close();
  return {
    file: {
      file: 'movies_metadata.csv',
      header: METADATA_HEADER,
      lineEnding: 'LF',
      records,
      lines: line,
      bytes: out.bytes,
    },
    brokenLines,
  };
}

function buildTruth(
  o: ResolvedOptions,
  catalog: Catalog,
  files: Record<string, FileTruth>,
  meta: MetadataWritten,
  ratings: ReturnType<typeof writeRatings>,
  small: ReturnType<typeof writeRatings>,
  smallLinks: Catalog['links'],
  cpi: ReturnType<typeof renderCpi>,
  allItems: ReturnType<typeof renderCpiAllItems>,
  zip: Truth['zip'],
): Truth {
  const { movies, links } = catalog;
  const tmdbToMovie = new Map(movies.map((m, i) => [m.tmdbId, i]));
  const spot = (s: RatingSample): RatingSpotCheck => {
    const l = links[s.movie]!;
    return {
      userId: s.userId,
      movieId: s.movieId,
      rating: s.rating,
      timestamp: s.timestamp,
      tmdbId: l.tmdbId,
      mapped: l.tmdbId !== null && tmdbToMovie.has(l.tmdbId),
    };
  };
  const spotChecks = ratings.samples.map(spot);
  if (ratings.firstUnmapped && !spotChecks.some((c) => !c.mapped))
    spotChecks.push(spot(ratings.firstUnmapped));

  const byTmdb = new Map<number, number[]>();
  for (const l of links)
    if (l.tmdbId !== null) byTmdb.set(l.tmdbId, [...(byTmdb.get(l.tmdbId) ?? []), l.movieId]);
  const field = (i: number, col: number): string => movies[i]!.fields[col]!;
  const { out: _out, ...options } = o;
  const seriesTruth = (file: string, r: ReturnType<typeof renderCpi>): Truth['cpi'] => {
    const { first, last, missing } = r;
    return { file, header: files[file]!.header, months: r.rows, first, last, missing };
  };
  return {
    generator: 'movalytics generate',
    truthVersion: 1,
    seed: o.seed,
    options,
    prng: 'xoshiro128** seeded by splitmix32(seed, stream); streams 1 catalogue, 2 keywords/credits, 3 ratings, 4 cpi, 5 small, 6 cpi all items',
    files,
    movies: {
      distinctIds: movies.length,
      records: files['movies_metadata.csv']!.records,
      wellFormedRecords: movies.length + catalog.duplicates.length - catalog.brokenMovies.length,
      broken: catalog.brokenMovies.map((i) => ({
        tmdbId: movies[i]!.tmdbId,
        imdbId: `tt${movies[i]!.imdbId}`,
        releaseDate: field(i, 14),
        overview: movies[i]!.brokenParts!.join('\n'),
        lines: meta.brokenLines.get(i)!,
      })),
      duplicates: catalog.duplicates.map((d) => ({ tmdbId: movies[d.movie]!.tmdbId, kind: d.kind })),
      emptyVoteIds: catalog.emptyVoteMovies.map((i) => movies[i]!.tmdbId),
      embeddedNewlineIds: catalog.embeddedNewlineMovies.map((i) => movies[i]!.tmdbId),
      emptyGenres: movies.filter((m) => m.genres.length === 0).length,
      emptyReleaseDate: movies.filter((_, i) => field(i, 14) === '').length,
      withRevenue: movies.filter((_, i) => field(i, 15) !== '0').length,
      withBudget: movies.filter((_, i) => field(i, 2) !== '0').length,
    },
    links: {
      count: links.length,
      emptyTmdbMovieIds: links.filter((l) => l.tmdbId === null).map((l) => l.movieId),
      repeatedTmdbIds: [...byTmdb]
        .filter(([, ids]) => ids.length > 1)
        .map(([tmdbId, movieIds]) => ({ tmdbId, movieIds }))
        .sort((a, b) => a.movieIds[0]! - b.movieIds[0]!),
      unknownTmdb: links
        .filter((l) => l.kind === 'unknown')
        .map((l) => ({ movieId: l.movieId, tmdbId: l.tmdbId! })),
      mapped: links.filter((l) => l.kind === 'movie' || l.kind === 'repeat').length,
    },
    ratings: {
      count: ratings.rows,
      users: ratings.users,
      distinctMovies: ratings.distinctMovies,
      mappedToMetadata: ratings.mappedRows,
      unmapped: ratings.rows - ratings.mappedRows,
      minTimestamp: ratings.minTimestamp,
      maxTimestamp: ratings.maxTimestamp,
      spotChecks,
    },
    ratingsSmall: {
      count: small.rows,
      users: small.users,
      note: 'separate sample with its own userIds (user 1 here is not user 1 in ratings.csv); never merge with ratings.csv',
    },
    linksSmall: {
      count: smallLinks.length,
      emptyTmdbMovieIds: smallLinks.filter((l) => l.tmdbId === null).map((l) => l.movieId),
    },
    keywords: { records: files['keywords.csv']!.records },
    credits: { records: files['credits.csv']!.records },
    cpi: seriesTruth(CPI_FILE, cpi),
    cpiAllItems: seriesTruth(CPI_ALL_ITEMS_FILE, allItems),
    zip,
  };
}
