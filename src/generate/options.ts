// Options of `generateDataset` and their validation; every problem is a one-line UsageError naming the flag.
import { UsageError } from '../core/errors.js';
import { DEFAULT_FRED_UNTIL } from './cpi.js';

/** Full scale of The Movies Dataset, and the ratios the generator scales by. */
export const FULL_SCALE = {
  movies: 45_466,
  ratings: 26_024_289,
  users: 270_896,
  links: 45_843,
  emptyTmdbLinks: 219,
  repeatedTmdbIds: 30,
  smallRatings: 100_004,
  smallUsers: 671,
} as const;

export const DEFAULT_MOVIES = 2_000;
export const DEFAULT_RATINGS = 100_000;
export const DEFAULT_SEED = 42;
/** Below this the fixed defects (3 broken rows, 29 duplicates, 3 empty votes) would crowd the catalogue. */
export const MIN_MOVIES = 100;
/** imdb ids are 7 digits, so the id space (and memory for the in-memory catalogue) caps the movie count. */
export const MAX_MOVIES = 1_000_000;

export const FRED_HEADERS = ['observation_date', 'DATE'] as const;
export type FredHeader = (typeof FRED_HEADERS)[number];

/** What to generate and where. */
export interface GenerateOptions {
  /** Output directory; created if missing. */
  out: string;
  /** Distinct TMDB movies in movies_metadata.csv (default 2,000; full scale 45,466). */
  movies?: number;
  /** Rows in ratings.csv, exactly (default 100,000; full scale 26,024,289). */
  ratings?: number;
  /** PRNG seed, a non-negative safe integer (default 42). */
  seed?: number;
  /** Also pack the 7 Kaggle CSVs into the-movies-dataset.zip. */
  zip?: boolean;
  /** First header cell of the FRED CPI file: the current `observation_date` or the older `DATE`. */
  fredHeader?: FredHeader;
  /** Last month 'YYYY-MM' of the FRED series (default 2026-10; pass the current month to mirror a download today). */
  fredUntil?: string;
  /**
   * Months 'YYYY-MM' the FRED files mark missing with "." — as FRED does for 2025-10 (BLS never collected October
   * 2025 CPI during the federal shutdown). Default none.
   */
  fredMissing?: readonly string[];
  /** Progress lines (for stderr); not called when omitted. */
  onProgress?: (message: string) => void;
}

/** Options with defaults applied and checked. */
export type ResolvedOptions = Required<Omit<GenerateOptions, 'onProgress'>>;

/** Users for a number of ratings, keeping the real 26,024,289 : 270,896 ratio (at least 1). */
export function usersFor(ratings: number): number {
  return Math.max(1, Math.round((ratings * FULL_SCALE.users) / FULL_SCALE.ratings));
}

/** Scales a full-scale count to `movies`, at least `min`. */
export function scaleByMovies(movies: number, fullCount: number, min = 1): number {
  return Math.max(min, Math.round((fullCount * movies) / FULL_SCALE.movies));
}

/** Applies defaults and checks ranges; throws UsageError naming the flag. */
export function resolveOptions(o: GenerateOptions): ResolvedOptions {
  if (typeof o.out !== 'string' || o.out.trim() === '') {
    throw new UsageError('generate: --out DIR is required (the folder to write the dataset into)');
  }
  const movies = o.movies ?? DEFAULT_MOVIES;
  const ratings = o.ratings ?? DEFAULT_RATINGS;
  const seed = o.seed ?? DEFAULT_SEED;
  checkInt('--movies', movies, MIN_MOVIES, MAX_MOVIES);
  checkInt('--ratings', ratings, 1, 1_000_000_000);
  checkInt('--seed', seed, 0, Number.MAX_SAFE_INTEGER);
  const fredHeader = o.fredHeader ?? 'observation_date';
  if (!FRED_HEADERS.includes(fredHeader)) {
    throw new UsageError(`generate: --fred-header "${String(fredHeader)}" must be observation_date or DATE`);
  }
  const fredUntil = o.fredUntil ?? DEFAULT_FRED_UNTIL;
  if (!MONTH_RE.test(fredUntil) || fredUntil < '1999-01')
    throw new UsageError(
      `generate: --fred-until "${fredUntil}" must be a month YYYY-MM from 1999-01 on, e.g. 2026-11`,
    );
  const fredMissing = [...new Set(o.fredMissing ?? [])].sort();
  for (const m of fredMissing) {
    if (!MONTH_RE.test(m) || m < '1999-01' || m > fredUntil)
      throw new UsageError(
        `generate: --fred-missing "${m}" must be a month YYYY-MM between 1999-01 and ${fredUntil}, e.g. 2025-10`,
      );
  }
  return { out: o.out, movies, ratings, seed, zip: o.zip ?? false, fredHeader, fredUntil, fredMissing };
}

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

function checkInt(flag: string, v: number, min: number, max: number): void {
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new UsageError(`generate: ${flag} ${v} is out of range; pass a whole number from ${min} to ${max}`);
  }
}

/** Parses a CLI integer strictly (digits only): "1e3", "-5", "2.5" and "" are usage errors. */
export function parseIntFlag(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,16}$/.test(raw)) {
    throw new UsageError(
      `generate: ${flag} "${raw}" is not a whole number; pass digits only, e.g. ${flag} 1000`,
    );
  }
  return Number(raw);
}
