// The movie catalogue and MovieLens links: every TMDB movie with its 24 rendered metadata fields, the links that
// map MovieLens movieIds to TMDB ids, and the defects planted in both. Built in memory (≈45k rows at full scale).
import { csvField, pyFloat } from './csv-format.js';
import { FULL_SCALE, scaleByMovies } from './options.js';
import { Rng } from './prng.js';
import { pyDict, pyList, type PyValue } from './python-literal.js';
import * as text from './text.js';

/** Real TMDB genres (id, name) as used in the dataset. */
export const GENRES: readonly (readonly [number, string])[] = [
  [28, 'Action'],
  [12, 'Adventure'],
  [16, 'Animation'],
  [35, 'Comedy'],
  [80, 'Crime'],
  [99, 'Documentary'],
  [18, 'Drama'],
  [10751, 'Family'],
  [14, 'Fantasy'],
  [36, 'History'],
  [27, 'Horror'],
  [10402, 'Music'],
  [9648, 'Mystery'],
  [10749, 'Romance'],
  [878, 'Science Fiction'],
  [10770, 'TV Movie'],
  [53, 'Thriller'],
  [10752, 'War'],
  [37, 'Western'],
  [10769, 'Foreign'],
];
// Rough real frequencies (Drama and Comedy dominate), so "most popular genre" has a clear answer.
const GENRE_WEIGHTS = [7, 4, 2, 13, 4, 4, 20, 3, 2, 1.5, 5, 1.5, 2, 7, 3, 1, 8, 1.3, 1, 0.2];

const COUNTRIES = [
  ['US', 'United States of America'],
  ['GB', 'United Kingdom'],
  ['FR', 'France'],
  ['DE', 'Germany'],
  ['IT', 'Italy'],
  ['JP', 'Japan'],
  ['CA', 'Canada'],
  ['IN', 'India'],
  ['ES', 'Spain'],
  ['SE', 'Sweden'],
] as const;
const LANGUAGES = [
  ['en', 'English'],
  ['fr', 'Français'],
  ['de', 'Deutsch'],
  ['it', 'Italiano'],
  ['ja', '日本語'],
  ['es', 'Español'],
  ['hi', 'हिन्दी'],
  ['sv', 'svenska'],
  ['ru', 'Pусский'],
] as const;
const STATUSES = ['Rumored', 'Post Production', 'In Production', 'Planned', 'Canceled'] as const;

/** The release dates of the three real records broken by an unquoted line break. */
export const BROKEN_RELEASE_DATES = ['1997-08-20', '2012-09-29', '2014-01-01'] as const;
/** Where the broken records sit in the real 45,466-record file; scaled to the generated size. */
const BROKEN_POSITIONS = [19_730, 29_503, 35_587];
export const DUPLICATE_COUNT = 29;
export const EMPTY_VOTE_COUNT = 3;

/** Column indexes in movies_metadata.csv. */
const COL = { id: 5, overview: 9, popularity: 10, releaseDate: 14, voteAverage: 22, voteCount: 23 } as const;

export const METADATA_HEADER =
  'adult,belongs_to_collection,budget,genres,homepage,id,imdb_id,original_language,original_title,overview,popularity,poster_path,production_companies,production_countries,release_date,revenue,runtime,spoken_languages,status,tagline,title,video,vote_average,vote_count';

export interface Movie {
  tmdbId: number;
  imdbId: string;
  /** The 24 fields, already CSV-encoded. */
  fields: string[];
  /** For the 3 broken records: the two unquoted halves of the overview. */
  brokenParts?: readonly [string, string];
  genres: readonly number[];
}

export type LinkKind = 'movie' | 'repeat' | 'empty' | 'unknown';
export interface Link {
  movieId: number;
  imdbId: string;
  tmdbId: number | null;
  kind: LinkKind;
}

/** A duplicate metadata row: printed after the movie at `after`. */
export interface DuplicateRow {
  movie: number;
  after: number;
  kind: 'exact' | 'popularity';
  fields: string[];
}

export interface Catalog {
  movies: Movie[];
  links: Link[];
  duplicates: DuplicateRow[];
  brokenMovies: number[];
  emptyVoteMovies: number[];
  embeddedNewlineMovies: number[];
}

/** Builds the whole catalogue from the seed; independent of --ratings. */
export function buildCatalog(seed: number, movieCount: number): Catalog {
  const rng = new Rng(seed, 1);
  const repeats = scaleByMovies(movieCount, FULL_SCALE.repeatedTmdbIds);
  const empties = scaleByMovies(movieCount, FULL_SCALE.emptyTmdbLinks);
  // At full scale the four kinds add up to exactly 45,843 links.
  const unknowns = scaleByMovies(
    movieCount,
    FULL_SCALE.links - FULL_SCALE.movies - FULL_SCALE.repeatedTmdbIds - FULL_SCALE.emptyTmdbLinks,
  );
  const linkCount = movieCount + repeats + empties + unknowns;

  // Real TMDB ids reach ≈470k; widen the range for larger catalogues so distinct draws stay cheap.
  const tmdbIds = distinctInts(rng, movieCount + unknowns, 2, Math.max(470_000, 4 * (movieCount + unknowns)));
  const imdbNums = distinctInts(rng, linkCount, 1, 7_300_000);
  const kinds: LinkKind[] = [
    ...Array<LinkKind>(movieCount).fill('movie'),
    ...Array<LinkKind>(repeats).fill('repeat'),
    ...Array<LinkKind>(empties).fill('empty'),
    ...Array<LinkKind>(unknowns).fill('unknown'),
  ];
  // Keep the very first link a real movie (like Toy Story), shuffle the rest.
  const rest = rng.shuffle(kinds.slice(1));
  const ordered: LinkKind[] = ['movie', ...rest];

  const companies = Array.from({ length: 600 }, (_, i) => ({
    id: 1 + i * 7 + rng.int(7),
    name: text.companyName(rng, i),
  }));

  const movies: Movie[] = [];
  const links: Link[] = [];
  const brokenAt = new Set(BROKEN_POSITIONS.map((p) => Math.floor((p * movieCount) / FULL_SCALE.movies)));
  let movieId = 0;
  let nextTmdb = 0;
  const pendingRepeats: number[] = [];
  for (let i = 0; i < linkCount; i++) {
    // MovieLens ids ascend with gaps (mean ≈3.8 at full scale: 176,275 ids for 45,843 links).
    movieId += i === 0 ? 1 : 1 + Math.floor(-Math.log(1 - rng.next()) * 2.85);
    const imdbId = String(imdbNums[i]!).padStart(7, '0');
    const kind = ordered[i]!;
    if (kind === 'movie') {
      const index = movies.length;
      const tmdbId = tmdbIds[nextTmdb++]!;
      const broken = brokenAt.has(index) ? BROKEN_RELEASE_DATES[[...brokenAt].indexOf(index)]! : undefined;
      movies.push(makeMovie(rng, tmdbId, imdbId, companies, broken));
      links.push({ movieId, imdbId, tmdbId, kind });
    } else if (kind === 'unknown') {
      links.push({ movieId, imdbId, tmdbId: tmdbIds[nextTmdb++]!, kind });
    } else if (kind === 'empty') {
      links.push({ movieId, imdbId, tmdbId: null, kind });
    } else {
      links.push({ movieId, imdbId, tmdbId: null, kind });
      pendingRepeats.push(links.length - 1);
    }
  }
  // Repeated tmdbIds: a second MovieLens id pointing at a movie that is not broken (distinct targets).
  const brokenMovies = [...brokenAt].sort((a, b) => a - b);
  const used = new Set<number>(brokenMovies);
  for (const li of pendingRepeats) {
    const m = pickUnused(rng, movies.length, used);
    links[li]!.tmdbId = movies[m]!.tmdbId;
  }

  // 29 duplicated ids, about half exact copies and half differing only in popularity (like the real file).
  const duplicates: DuplicateRow[] = [];
  for (let d = 0; d < DUPLICATE_COUNT; d++) {
    const m = pickUnused(rng, movies.length, used);
    const kind = d % 2 === 0 ? 'exact' : 'popularity';
    const fields = [...movies[m]!.fields];
    if (kind === 'popularity') {
      fields[COL.popularity] = pyFloat(Number(fields[COL.popularity]) + 0.000001 + rng.next() * 2, 6);
    }
    duplicates.push({ movie: m, after: Math.min(movies.length - 1, m + rng.int(40)), kind, fields });
  }
  duplicates.sort((a, b) => a.after - b.after || a.movie - b.movie);

  const emptyVoteMovies: number[] = [];
  for (let e = 0; e < EMPTY_VOTE_COUNT; e++) {
    const m = pickUnused(rng, movies.length, used);
    movies[m]!.fields[COL.voteAverage] = '';
    movies[m]!.fields[COL.voteCount] = '';
    emptyVoteMovies.push(m);
  }
  emptyVoteMovies.sort((a, b) => a - b);

  const embeddedNewlineMovies: number[] = [];
  movies.forEach((m, i) => {
    if (m.fields[COL.overview]!.includes('\n')) embeddedNewlineMovies.push(i);
  });
  return { movies, links, duplicates, brokenMovies, emptyVoteMovies, embeddedNewlineMovies };
}

function pickUnused(rng: Rng, n: number, used: Set<number>): number {
  for (;;) {
    const m = rng.int(n);
    if (!used.has(m)) {
      used.add(m);
      return m;
    }
  }
}

function distinctInts(rng: Rng, count: number, lo: number, hi: number): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < count) {
    const v = rng.range(lo, hi);
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

function weightedPick(rng: Rng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let r = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r < 0) return i;
  }
  return weights.length - 1;
}

function releaseDate(rng: Rng): string {
  // Most films are recent: years fall off exponentially going back from 2017, floor at 1900.
  let year = 2017 - Math.floor(-Math.log(1 - rng.next()) * 17);
  if (year < 1900) year = 1900 + rng.int(30);
  const month = rng.range(1, 12);
  const day = rng.range(1, 28);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function makeMovie(
  rng: Rng,
  tmdbId: number,
  imdbId: string,
  companies: readonly { id: number; name: string }[],
  brokenDate: string | undefined,
): Movie {
  const title = text.title(rng);
  const genres: number[] = [];
  if (!rng.chance(0.02)) {
    const n = rng.range(1, 3);
    for (let i = 0; i < n; i++) {
      const g = GENRES[weightedPick(rng, GENRE_WEIGHTS)]![0];
      if (!genres.includes(g)) genres.push(g);
    }
  }
  const genreText = pairList(
    ['id', 'name'],
    genres.map((g) => [g, GENRES.find((x) => x[0] === g)![1]]),
  );
  const collection = rng.chance(0.1)
    ? pyDict([
        ['id', rng.range(10, 480_000)],
        ['name', `${title.replace(/ \d$/, '')} Collection`],
        ['poster_path', rng.chance(0.9) ? text.imagePath(rng) : null],
        ['backdrop_path', rng.chance(0.8) ? text.imagePath(rng) : null],
      ])
    : '';
  const hasBudget = rng.chance(0.2);
  const budget = hasBudget ? Math.round(Math.exp(rng.normal() * 1.2 + 16) / 1000) * 1000 : 0;
  const hasRevenue = hasBudget ? rng.chance(0.7) : rng.chance(0.025);
  const revenue = hasRevenue ? Math.max(1, Math.round((budget || 8e6) * Math.exp(rng.normal() + 0.6))) : 0;
  const date = brokenDate ?? (rng.chance(0.002) ? '' : releaseDate(rng));
  const runtimeRoll = rng.next();
  const runtime =
    runtimeRoll < 0.006
      ? ''
      : runtimeRoll < 0.03
        ? '0.0'
        : `${Math.max(3, Math.round(100 + rng.normal() * 22))}.0`;
  const voteCount = rng.chance(0.06) ? 0 : Math.floor(Math.exp(rng.normal() * 1.9 + 3));
  const voteAverage = voteCount === 0 ? 0 : Math.min(10, Math.max(0, 6 + rng.normal() * 1.2));
  const statusRoll = rng.next();
  const status = statusRoll < 0.0018 ? '' : statusRoll < 0.01 ? rng.pick(STATUSES) : 'Released';
  const lang = rng.chance(0.7) ? LANGUAGES[0] : rng.pick(LANGUAGES);
  const spoken = [lang, ...(rng.chance(0.2) ? [rng.pick(LANGUAGES)] : [])].filter(
    (l, i, a) => a.indexOf(l) === i,
  );
  const countries = rng.chance(0.05) ? [] : [rng.chance(0.6) ? COUNTRIES[0] : rng.pick(COUNTRIES)];
  const companyList = Array.from({ length: rng.chance(0.25) ? 0 : rng.range(1, 3) }, () =>
    rng.pick(companies),
  );

  let overview: string;
  let brokenParts: readonly [string, string] | undefined;
  if (brokenDate !== undefined) {
    brokenParts = [text.plainWords(rng, 9), text.plainWords(rng, 6)];
    overview = `${brokenParts[0]}\n${brokenParts[1]}`;
  } else if (rng.chance(0.002)) {
    // A properly quoted overview with an embedded line break, as ≈100 real records have.
    overview = `${text.overview(rng)}\n\n${text.overview(rng)}`;
  } else {
    overview = rng.chance(0.02) ? '' : text.overview(rng);
  }
  const originalTitle = lang[0] === 'en' || rng.chance(0.5) ? title : `${title} (${lang[1]})`;
  const raw: string[] = [
    rng.chance(0.0002) ? 'True' : 'False',
    collection,
    String(budget),
    genreText,
    rng.chance(0.17) ? `http://www.${title.toLowerCase().replace(/[^a-z]+/g, '')}movie.com/` : '',
    String(tmdbId),
    `tt${imdbId}`,
    lang[0],
    originalTitle,
    overview,
    pyFloat(Math.exp(rng.normal() * 1.3 + 0.4), 6),
    rng.chance(0.99) ? text.imagePath(rng) : '',
    pairList(
      ['name', 'id'],
      companyList.map((c) => [c.name, c.id]),
    ),
    pairList(['iso_3166_1', 'name'], countries),
    date,
    String(revenue),
    runtime,
    pairList(['iso_639_1', 'name'], spoken),
    status,
    rng.chance(0.45) ? text.tagline(rng) : '',
    title,
    rng.chance(0.002) ? 'True' : 'False',
    voteAverage.toFixed(1),
    String(voteCount),
  ];
  return { tmdbId, imdbId, fields: raw.map(csvField), genres, ...(brokenParts ? { brokenParts } : {}) };
}

/** Renders one metadata record (or, for a broken movie, the two physical lines of its split record). */
export function metadataRecord(m: Movie): string {
  if (!m.brokenParts) return m.fields.join(',') + '\n';
  // The real defect: overview written unquoted with a bare line break, so a reader sees 10 + 15 fields.
  const before = m.fields.slice(0, COL.overview).join(',');
  const after = m.fields.slice(COL.overview + 1).join(',');
  return `${before},${m.brokenParts[0]}\n${m.brokenParts[1]},${after}\n`;
}

/** A Python list of two-key dicts, as the genres, companies, countries and languages columns hold them. */
function pairList(keys: readonly [string, string], items: readonly (readonly [PyValue, PyValue])[]): string {
  return pyList(items.map((item) => pyDict(keys.map((k, i) => [k, item[i]!] as const))));
}

/** keywords.csv `id,keywords` row: Python-literal list of {'id', 'name'}. */
export function keywordsRow(rng: Rng, m: Movie): string {
  const n = rng.chance(0.3) ? 0 : rng.range(1, 6);
  const items: (readonly [number, string])[] = [];
  for (let i = 0; i < n; i++) {
    const k = rng.int(800);
    items.push([100 + k * 13, text.keyword(rng, k)] as const);
  }
  return `${m.tmdbId},${csvField(pairList(['id', 'name'], items))}\n`;
}

/** credits.csv `cast,crew,id` row: short cast and crew lists in the real key order. */
export function creditsRow(rng: Rng, m: Movie): string {
  const cast = Array.from({ length: rng.range(0, 4) }, (_, order) =>
    pyDict([
      ['cast_id', rng.range(1, 40)],
      ['character', text.characterName(rng)],
      ['credit_id', text.creditId(rng)],
      ['gender', rng.int(3)],
      ['id', rng.range(1, 1_900_000)],
      ['name', text.personName(rng)],
      ['order', order],
      ['profile_path', rng.chance(0.7) ? text.imagePath(rng) : null],
    ] satisfies [string, PyValue][]),
  );
  const jobs = [
    ['Directing', 'Director'],
    ['Writing', 'Screenplay'],
    ['Production', 'Producer'],
    ['Sound', 'Original Music Composer'],
  ] as const;
  const crew = Array.from({ length: rng.range(0, 3) }, () => {
    const [department, job] = rng.pick(jobs);
    return pyDict([
      ['credit_id', text.creditId(rng)],
      ['department', department],
      ['gender', rng.int(3)],
      ['id', rng.range(1, 1_900_000)],
      ['job', job],
      ['name', text.personName(rng)],
      ['profile_path', rng.chance(0.5) ? text.imagePath(rng) : null],
    ]);
  });
  return `${csvField(pyList(cast))},${csvField(pyList(crew))},${m.tmdbId}\n`;
}
