// Pure statistics for the answers: confidence intervals of a mean (normal, and Cox's for skewed positive values) and
// the Kruskal–Wallis H test from rank sums.
// Exact integer arithmetic (BigInt) where the inputs are integers, so the same data always gives the same bits.
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

/**
 * 95% CI of the mean of positive, right-skewed values (box-office revenue), by Cox's method for a log-normal mean:
 * with y = ln x, exp(ȳ + s²/2 ± 1.96·√(s²/n + s⁴/(2(n − 1)))). Unlike mean ± 1.96·s/√n it never goes below zero
 * and is wider above the mean than below, as the data are. Falls back to the normal interval when a value is not
 * positive (no logarithm); null when n < 2. The logs are summed in ascending order of the values, so the bits do
 * not depend on the order an engine returned the rows in.
 */
export function positiveMeanCi95(values: readonly bigint[]): { low: number; high: number } | null {
  const n = values.length;
  if (n < 2) return null;
  if (values.some((v) => v <= 0n)) {
    const { mean, sd } = integerMeanSd(values);
    return meanCi95(mean, sd, n);
  }
  const logs = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((v) => Math.log(Number(v)));
  const ybar = orderedSum(logs) / n;
  const s2 = orderedSum(logs.map((y) => (y - ybar) ** 2)) / (n - 1);
  const centre = ybar + s2 / 2;
  const half = Z95 * Math.sqrt(s2 / n + (s2 * s2) / (2 * (n - 1)));
  return { low: Math.exp(centre - half), high: Math.exp(centre + half) };
}

export interface RankGroup {
  /** Observations in the group. */
  readonly n: number;
  /**
   * Twice the sum of the (average, for ties) ranks of its observations within the pooled sample: average ranks are
   * whole or half, so this is an integer and H can be computed exactly.
   */
  readonly twiceRankSum: bigint;
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
 * Kruskal–Wallis H from per-group rank sums: H = 12/(N(N+1))·Σ Rᵢ²/nᵢ − 3(N+1), divided by the tie correction
 * C = 1 − T/(N³ − N), where `tieSum` T is Σ(t³ − t) over groups of tied values. With Sᵢ = 2Rᵢ and L = lcm(nᵢ) this is
 * the exact ratio H = 3(N−1)·(Σ Sᵢ²·L/nᵢ − L·N(N+1)²) / (L·(N³ − N − T)), computed in BigInt and rounded once, so it
 * does not depend on the order of the groups. p from the chi-squared CDF with groups − 1 degrees of freedom.
 */
export function kruskalWallis(groups: readonly RankGroup[], tieSum: bigint): KruskalWallisResult {
  const withData = groups.filter((g) => g.n > 0);
  const n = withData.reduce((a, g) => a + g.n, 0);
  const k = withData.length;
  const df = Math.max(k - 1, 0);
  if (k < 2 || n < 2) return { h: null, df, pValue: null, n, groups: k, tieCorrection: null };
  const bn = BigInt(n);
  const n3n = bn * bn * bn - bn;
  const corrected = n3n - tieSum;
  const tieCorrection = ratioToNumber(corrected, n3n);
  if (corrected <= 0n) return { h: null, df, pValue: null, n, groups: k, tieCorrection };
  const l = withData.reduce((a, g) => lcm(a, BigInt(g.n)), 1n);
  const sumSq = withData.reduce((a, g) => a + g.twiceRankSum * g.twiceRankSum * (l / BigInt(g.n)), 0n);
  const num = 3n * (bn - 1n) * (sumSq - l * bn * (bn + 1n) * (bn + 1n));
  // H ≥ 0 by Cauchy–Schwarz; exact arithmetic cannot go below, so a negative numerator means bad input.
  if (num < 0n) throw new Error(`kruskalWallis: rank sums are inconsistent with ${n} observations`);
  const h = ratioToNumber(num, l * corrected);
  return { h, df, pValue: chiSquareSf(h, df), n, groups: k, tieCorrection };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

function lcm(a: bigint, b: bigint): bigint {
  return (a / gcd(a, b)) * b;
}

const bitLength = (x: bigint): number => (x === 0n ? 0 : x.toString(2).length);

/** num/den (den > 0) as the nearest double, or within one unit in the last place: one rounding, order-free. */
export function ratioToNumber(num: bigint, den: bigint): number {
  if (den <= 0n) throw new Error('ratioToNumber: the denominator must be positive');
  if (num === 0n) return 0;
  const neg = num < 0n;
  const a = neg ? -num : num;
  // Scale so the integer quotient has 64 significant bits (more than a double's 53), then one rounding.
  const shift = Math.max(0, bitLength(den) - bitLength(a) + 64);
  const q = Number((a << BigInt(shift)) / den);
  // Two steps keep 2^-shift representable for very small ratios.
  const half = Math.floor(shift / 2);
  const v = q * 2 ** -half * 2 ** -(shift - half);
  return neg ? -v : v;
}

/** n, mean and sample standard deviation of integers, exact until the final rounding; nulls when n is too small. */
export function integerMeanSd(values: readonly bigint[]): {
  n: number;
  mean: number | null;
  sd: number | null;
} {
  const n = values.length;
  if (n === 0) return { n, mean: null, sd: null };
  let sum = 0n;
  let sumSq = 0n;
  for (const v of values) {
    sum += v;
    sumSq += v * v;
  }
  const bn = BigInt(n);
  const mean = ratioToNumber(sum, bn);
  if (n < 2) return { n, mean, sd: null };
  // Var = (nΣx² − (Σx)²) / (n(n − 1)), exact as a ratio of integers.
  const variance = ratioToNumber(bn * sumSq - sum * sum, bn * (bn - 1n));
  return { n, mean, sd: Math.sqrt(variance) };
}

/**
 * Σ values in the order given, with Neumaier's compensation: callers pass a fixed order (e.g. by id) so the
 * result does not depend on how an engine happened to scan the rows.
 */
export function orderedSum(values: Iterable<number>): number {
  let sum = 0;
  let comp = 0;
  for (const v of values) {
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + comp;
}

/** Upper tail P(χ²_df ≥ x). */
export function chiSquareSf(x: number, df: number): number {
  return 1 - chisquareCdf(x, df);
}
