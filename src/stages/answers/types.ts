// The Answers JSON shape (schemaVersion 1), documented in docs/answers.md. Every number is a JS number; null, not NaN.
import type { WarehouseKind } from '../../warehouse/warehouse.js';
import type { AnswerParams } from './params.js';
import type { KruskalWallisResult } from './stats.js';

export interface Q1Movie {
  rank: number;
  movieId: number;
  title: string | null;
  year: number | null;
  /** v: mapped ratings of the movie. */
  votes: number;
  /** R: mean of those ratings. */
  meanRating: number;
  /** WR = v/(v+m)·R + m/(v+m)·C. */
  weightedRating: number;
}

export interface Q1Answer {
  /** C: mean of all counted ratings (null when there are none). */
  meanRating: number | null;
  /** m: minimum votes to be eligible. */
  minVotes: number | null;
  /** Where m came from: the quantile of per-movie votes, or the --min-votes override. */
  minVotesSource: 'quantile' | 'override';
  quantile: number;
  countedRatings: number;
  /** Movies with at least one counted rating. */
  ratedMovies: number;
  /** Movies with v ≥ m. */
  eligibleMovies: number;
  top: Q1Movie[];
}

export interface Q2Genre {
  rank: number;
  genreId: number;
  genre: string;
  ratings: number;
  users: number;
  meanRating: number | null;
  /** ratings / all counted ratings; shares sum to more than 1 because a movie counts once per genre. */
  share: number | null;
}

export interface Q2Answer {
  countedRatings: number;
  countedUsers: number;
  /** Σ share over genres (> 1 when movies have several genres). */
  shareSum: number;
  genres: Q2Genre[];
}

export interface Q3Group {
  /** Month 1..12 or quarter 1..4. */
  group: number;
  label: string;
  movies: number;
  meanRevenue: number | null;
  medianRevenue: number | null;
  /** 95% CI of the mean, normal approximation; null when movies < 2. */
  ciLow: number | null;
  ciHigh: number | null;
  /** Movies inside CPI coverage (the median below is over these). */
  moviesInCpiCoverage: number;
  /** Median revenue in CPI base-month dollars over movies inside CPI coverage. */
  medianRealRevenue: number | null;
}

export interface Q3Test extends KruskalWallisResult {
  /** p < alpha; null when the test is undefined. */
  significant: boolean | null;
  verdict: string;
}

/**
 * `--cpi-splice`: release months before the primary CPI series starts are priced with another series, ratio-linked at
 * the first month present in both: CPI(month) = series(month) × primary(link) / series(link).
 */
export interface CpiSplice {
  /** The linked series, e.g. 'CPIAUCNS'. */
  series: string;
  /** The series it extends (CUSR0000SS62031). */
  primarySeries: string;
  /** First month 'YYYY-MM' of the primary series: months before it are spliced. */
  primaryFrom: string;
  /** First month 'YYYY-MM' present in both series. */
  linkMonth: string;
  /** primary(link) / series(link). */
  ratio: number;
  /** First and last month 'YYYY-MM' priced with the spliced series: its months before the primary starts (null: none). */
  splicedFrom: string | null;
  splicedTo: string | null;
  /** Revenue movies released in a spliced month (inside coverage only because of the splice). */
  splicedMovies: number;
}

export interface Q3Answer {
  revenueMovies: number;
  alpha: number;
  /** CPI base month 'YYYY-MM' of medianRealRevenue; null when movies.cpi is empty. */
  cpiBase: string | null;
  /** The splice behind medianRealRevenue and moviesInCpiCoverage; null without --cpi-splice. */
  cpiSplice: CpiSplice | null;
  /** Months 'YYYY-MM' inside the CPI series that the source marks missing (FRED "."): no real dollars for them. */
  cpiMissingMonths: string[];
  /** Revenue movies released in such a month (counted in `movies`, left out of the real-dollar medians). */
  moviesInMissingCpiMonths: number;
  byMonth: Q3Group[];
  byQuarter: Q3Group[];
  monthTest: Q3Test;
  quarterTest: Q3Test;
  /** One plain-language line over both tests. */
  verdict: string;
}

export interface Q4Genre {
  rank: number;
  genreId: number;
  genre: string;
  /** Revenue movies of the genre inside CPI coverage. */
  movies: number;
  realRevenue: number;
  meanRealRevenue: number | null;
  /** Nominal revenue of the same movies. */
  nominalRevenue: number;
}

export interface Q4Answer {
  /** Base month 'YYYY-MM'; null when movies.cpi is empty. */
  cpiBase: string | null;
  cpiBaseValue: number | null;
  /** First and last month of the CPI series, 'YYYY-MM' (the primary series; a splice is in cpiSplice). */
  cpiCoverage: { from: string; to: string } | null;
  /** Months before cpiCoverage priced with a ratio-linked series; null without --cpi-splice. */
  cpiSplice: CpiSplice | null;
  /** Months 'YYYY-MM' inside the CPI series that the source marks missing (FRED "."), e.g. 2025-10. */
  cpiMissingMonths: string[];
  /** Revenue movies released in such a month: part of excludedMovies. */
  moviesInMissingCpiMonths: number;
  revenueMovies: number;
  includedMovies: number;
  /** Revenue movies released in a month with no CPI (nor spliced CPI): left out of every genre. */
  excludedMovies: number;
  excludedNominalRevenue: number;
  /** excludedNominalRevenue / nominal revenue of all revenue movies; null when that total is 0. */
  excludedRevenueShare: number | null;
  totalNominalRevenue: number;
  genres: Q4Genre[];
}

export interface Answers {
  schemaVersion: 1;
  generatedAt: string;
  warehouse: { kind: WarehouseKind; displayName: string };
  /** Latest successful run in movalytics.run; null when there is none. */
  run: { runId: number; finishedAt: string | null } | null;
  params: AnswerParams;
  q1: Q1Answer;
  q2: Q2Answer;
  q3: Q3Answer;
  q4: Q4Answer;
}
