// Pure statistics for the answers: the normal-approximation CI of a mean and the Kruskal–Wallis H test from rank sums.
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';

/** z for a two-sided 95% normal interval. */
export const Z95 = 1.96;

/** mean ± 1.96·s/√n; null when n < 2 (no sample standard deviation) or an input is missing. */
export function meanCi95(
  mean: number | null,
  sd: number | null,
  n: number,
): { low: number; high: number } | null {
  if (n < 2 || mean === null || sd === null || !Number.isFinite(mean) || !Number.isFinite(sd)) return null;
  const half = (Z95 * sd) / Math.sqrt(n);
  return { low: mean - half, high: mean + half };
}

export interface RankGroup {
  /** Observations in the group. */
  readonly n: number;
  /** Sum of the (average, for ties) ranks of its observations within the pooled sample. */
  readonly rankSum: number;
}

export interface KruskalWallisResult {
  /** H with the tie correction; null when undefined (fewer than 2 groups with data, or every value tied). */
  readonly h: number | null;
  /** Groups with data − 1. */
  readonly df: number;
  /** P(χ²_df ≥ H); null when H is null. */
  readonly pValue: number | null;
  /** Observations pooled. */
  readonly n: number;
  /** Groups with at least one observation. */
  readonly groups: number;
  /** 1 − Σ(t³ − t)/(N³ − N) over tie groups of size t; H is the uncorrected H divided by this. */
  readonly tieCorrection: number | null;
}

/**
 * Kruskal–Wallis H from per-group rank sums: H = 12/(N(N+1))·Σ Rᵢ²/nᵢ − 3(N+1), divided by the tie correction.
 * `tieSum` is Σ(t³ − t) over groups of tied values. p from the chi-squared CDF with groups − 1 degrees of freedom.
 */
export function kruskalWallis(groups: readonly RankGroup[], tieSum: number): KruskalWallisResult {
  const withData = groups.filter((g) => g.n > 0);
  const n = withData.reduce((a, g) => a + g.n, 0);
  const k = withData.length;
  const df = Math.max(k - 1, 0);
  if (k < 2 || n < 2) return { h: null, df, pValue: null, n, groups: k, tieCorrection: null };
  const tieCorrection = 1 - tieSum / (n * n * n - n);
  if (!(tieCorrection > 0)) return { h: null, df, pValue: null, n, groups: k, tieCorrection };
  const sumSq = withData.reduce((a, g) => a + (g.rankSum * g.rankSum) / g.n, 0);
  const hRaw = (12 / (n * (n + 1))) * sumSq - 3 * (n + 1);
  // Floating cancellation can leave a tiny negative H when the groups are identical; H is ≥ 0 by definition.
  const h = Math.max(hRaw / tieCorrection, 0);
  return { h, df, pValue: chiSquareSf(h, df), n, groups: k, tieCorrection };
}

/** Upper tail P(χ²_df ≥ x). */
export function chiSquareSf(x: number, df: number): number {
  return 1 - chisquareCdf(x, df);
}
