// The shape of truth.json: every fact the generator planted, computed while generating (never by re-reading
// the files), so loader tests can assert they found exactly these.
import type { ResolvedOptions } from './options.js';

/** Counts for one written file. */
export interface FileTruth {
  /** File name inside the output folder. */
  file: string;
  /** The header line without its line ending. */
  header: string;
  lineEnding: 'LF' | 'CRLF';
  /** CSV records after the header, as a quote-aware parser (RFC 4180) sees them. */
  records: number;
  /** Number of line-feed characters in the file (the header's included). */
  lines: number;
  bytes: number;
}

export interface BrokenMovieTruth {
  tmdbId: number;
  imdbId: string;
  releaseDate: string;
  /** The two unquoted halves of the overview, joined by "\n" when stitched. */
  overview: string;
  /** 1-based physical line numbers of the two halves (line 1 is the header). */
  lines: [number, number];
}

export interface RatingSpotCheck {
  userId: number;
  movieId: number;
  rating: string;
  timestamp: number;
  /** The TMDB id the movieId's link points at; null when the link's tmdbId is empty. */
  tmdbId: number | null;
  /** True when that TMDB id has a movies_metadata row. */
  mapped: boolean;
}

export interface Truth {
  generator: 'movalytics generate';
  truthVersion: 1;
  seed: number;
  /** The generator's options as applied (the output folder left out). */
  options: Omit<ResolvedOptions, 'out'>;
  /** PRNG used (documented so the numbers can be reproduced). */
  prng: string;
  files: Record<string, FileTruth>;
  movies: {
    /** Distinct TMDB ids with a metadata row (== --movies; the 3 broken movies included). */
    distinctIds: number;
    /** Records a quote-aware parser sees: distinctIds + duplicates (29) + broken (3, each split in two). */
    records: number;
    /** Records that are whole rows: distinctIds + 29 - 3. */
    wellFormedRecords: number;
    broken: BrokenMovieTruth[];
    /** The 29 extra rows repeating an existing id: exact copies, or equal except popularity. */
    duplicates: { tmdbId: number; kind: 'exact' | 'popularity' }[];
    /** Ids whose vote_average and vote_count are empty. */
    emptyVoteIds: number[];
    /** Ids whose overview is a quoted field holding line breaks. */
    embeddedNewlineIds: number[];
    emptyGenres: number;
    emptyReleaseDate: number;
    /** Distinct movies with revenue > 0. */
    withRevenue: number;
    /** Distinct movies with budget > 0. */
    withBudget: number;
  };
  links: {
    count: number;
    /** movieIds whose tmdbId is empty. */
    emptyTmdbMovieIds: number[];
    /** tmdbIds that appear in two links. */
    repeatedTmdbIds: { tmdbId: number; movieIds: number[] }[];
    /** Links whose tmdbId has no metadata row. */
    unknownTmdb: { movieId: number; tmdbId: number }[];
    /** Links that reach a metadata row. */
    mapped: number;
  };
  ratings: {
    count: number;
    users: number;
    /** Distinct movieIds rated. */
    distinctMovies: number;
    /** Ratings whose movieId's link reaches a metadata row. */
    mappedToMetadata: number;
    /** count − mappedToMetadata: empty tmdbId or tmdbId without metadata. */
    unmapped: number;
    minTimestamp: number;
    maxTimestamp: number;
    /** A few ratings to look up after loading; at least one has mapped = false. */
    spotChecks: RatingSpotCheck[];
  };
  ratingsSmall: { count: number; users: number; note: string };
  linksSmall: { count: number; emptyTmdbMovieIds: number[] };
  keywords: { records: number };
  credits: { records: number };
  /** `months` counts every month line, `missing` those written as "." (months 'YYYY-MM'). */
  cpi: { file: string; header: string; months: number; first: string; last: string; missing: string[] };
  /** CPIAUCNS.csv, the all-items CPI (1913-01 …): optional input for --cpi-splice; not in the zip. */
  cpiAllItems: Truth['cpi'];
  /** The archive, when --zip was given. */
  zip: { file: string; entries: string[] } | null;
}
