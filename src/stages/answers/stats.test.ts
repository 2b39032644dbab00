// Unit tests for the pure statistics: Kruskal–Wallis from rank sums, the chi-squared tail, the mean's CI.
import { describe, expect, it } from 'vitest';
import {
  chiSquareSf,
  integerMeanSd,
  kruskalWallis,
  meanCi95,
  positiveMeanCi95,
  orderedSum,
  ratioToNumber,
  type RankGroup,
} from './stats.js';

/** Average ranks of `values` pooled, then 2 × rank sum per group and Σ(t³ − t): the SQL's job, done naively. */
function rankGroups(samples: number[][]): { groups: RankGroup[]; tieSum: bigint; floatH: number } {
  const pooled = samples.flatMap((vs, g) => vs.map((v) => ({ v, g }))).sort((a, b) => a.v - b.v);
  const rank = new Map<number, number>();
  let tieSum = 0n;
  for (let i = 0; i < pooled.length;) {
    let j = i;
    while (j < pooled.length && pooled[j]!.v === pooled[i]!.v) j++;
    rank.set(pooled[i]!.v, (i + 1 + j) / 2);
    const t = BigInt(j - i);
    tieSum += t * t * t - t;
    i = j;
  }
  const groups = samples.map((vs) => ({
    n: vs.length,
    twiceRankSum: BigInt(vs.reduce((a, v) => a + 2 * rank.get(v)!, 0)),
  }));
  const n = pooled.length;
  const h0 =
    (12 / (n * (n + 1))) *
      samples.reduce((a, vs) => a + vs.reduce((b, v) => b + rank.get(v)!, 0) ** 2 / vs.length, 0) -
    3 * (n + 1);
  return { groups, tieSum, floatH: h0 / (1 - Number(tieSum) / (n ** 3 - n)) };
}

describe('chiSquareSf', () => {
  it('matches textbook critical values', () => {
    expect(chiSquareSf(7.815, 3)).toBeCloseTo(0.05, 4);
    expect(chiSquareSf(3.841, 1)).toBeCloseTo(0.05, 4);
    expect(chiSquareSf(19.675, 11)).toBeCloseTo(0.05, 4);
    expect(chiSquareSf(6.635, 1)).toBeCloseTo(0.01, 4);
  });
  it('equals exp(−x/2) for df = 2', () => {
    expect(chiSquareSf(4, 2)).toBeCloseTo(Math.exp(-2), 12);
  });
});

describe('kruskalWallis', () => {
  it('no ties: [1,2] [3,4] [5,6] gives H = 32/7, df 2, p = exp(−16/7)', () => {
    const r = kruskalWallis(
      [
        { n: 2, twiceRankSum: 6n },
        { n: 2, twiceRankSum: 14n },
        { n: 2, twiceRankSum: 22n },
      ],
      0n,
    );
    expect(r.h).toBe(32 / 7);
    expect(r.df).toBe(2);
    expect(r.pValue).toBeCloseTo(Math.exp(-16 / 7), 12);
    expect(r.tieCorrection).toBe(1);
  });

  it('ties: values [1,1,2] vs [2,3,3] with average ranks, corrected by 1 − Σ(t³−t)/(N³−N)', () => {
    // ranks: 1,1 → 1.5,1.5; 2,2 → 3.5,3.5; 3,3 → 5.5,5.5. Group A: 1.5+1.5+3.5 = 6.5; group B: 3.5+5.5+5.5 = 14.5.
    const n = 6;
    const h0 = (12 / (n * (n + 1))) * (6.5 ** 2 / 3 + 14.5 ** 2 / 3) - 3 * (n + 1);
    const c = 1 - (3 * (8 - 2)) / (n ** 3 - n);
    const r = kruskalWallis(
      [
        { n: 3, twiceRankSum: 13n },
        { n: 3, twiceRankSum: 29n },
      ],
      18n,
    );
    expect(r.h).toBeCloseTo(h0 / c, 12);
    // By hand, exactly: S = 2R = 13 and 29, L = 3, H = 3·5·(169 + 841 − 3·6·49) / (3·(210 − 18)) = 1920/576.
    expect(r.h).toBe(10 / 3);
    expect(r.tieCorrection).toBe(192 / 210);
    expect(r.df).toBe(1);
  });

  it('is undefined with fewer than two groups with data, or when every value ties', () => {
    expect(
      kruskalWallis(
        [
          { n: 5, twiceRankSum: 30n },
          { n: 0, twiceRankSum: 0n },
        ],
        0n,
      ),
    ).toMatchObject({ h: null, pValue: null, df: 0 });
    expect(
      kruskalWallis(
        [
          { n: 2, twiceRankSum: 10n },
          { n: 2, twiceRankSum: 10n },
        ],
        BigInt(4 ** 3 - 4),
      ),
    ).toMatchObject({ h: null, pValue: null, df: 1 });
  });
});

describe('kruskalWallis on larger samples', () => {
  // A fixed pseudo-random sample with many ties (values 0..49), 12 groups of different sizes.
  let seed = 12345;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 50;
  const samples = Array.from({ length: 12 }, (_, g) => Array.from({ length: 40 + g * 7 }, next));
  const { groups, tieSum, floatH } = rankGroups(samples);

  it('agrees with the floating-point textbook formula', () => {
    expect(kruskalWallis(groups, tieSum).h).toBeCloseTo(floatH, 9);
  });

  it('gives the same bits whatever the order of the groups', () => {
    const h = kruskalWallis(groups, tieSum).h;
    expect(kruskalWallis([...groups].reverse(), tieSum).h).toBe(h);
    expect(kruskalWallis([...groups.slice(5), ...groups.slice(0, 5)], tieSum).h).toBe(h);
  });
});

describe('exact helpers', () => {
  it('ratioToNumber rounds a ratio of big integers once', () => {
    expect(ratioToNumber(1n, 3n)).toBe(1 / 3);
    expect(ratioToNumber(-10n, 4n)).toBe(-2.5);
    expect(ratioToNumber(10n ** 30n, 10n ** 10n)).toBe(1e20);
    expect(ratioToNumber(1n, 10n ** 400n)).toBe(0);
    expect(ratioToNumber(0n, 7n)).toBe(0);
  });

  it('integerMeanSd is exact for revenues past 2^53 when squared', () => {
    const vs = [2_787_965_087n, 2_068_223_624n, 1n, 100n];
    const r = integerMeanSd(vs);
    const mean = 4_856_188_812 / 4;
    expect(r.mean).toBe(mean);
    const naive = Math.sqrt(vs.reduce((a, v) => a + (Number(v) - mean) ** 2, 0) / 3);
    expect(r.sd).toBeCloseTo(naive, 3);
    expect(integerMeanSd([...vs].reverse())).toEqual(r);
    expect(integerMeanSd([5n])).toEqual({ n: 1, mean: 5, sd: null });
    expect(integerMeanSd([])).toEqual({ n: 0, mean: null, sd: null });
  });

  it('orderedSum compensates cancellation', () => {
    expect(orderedSum([1e16, 1, -1e16])).toBe(1);
    expect(orderedSum([0.1, 0.2, 0.3])).toBe(0.6);
  });
});

describe('meanCi95', () => {
  it('is mean ± 1.96·s/√n, null below two observations', () => {
    expect(meanCi95(10, 2, 4)).toEqual({ low: 10 - 1.96, high: 10 + 1.96 });
    expect(meanCi95(10, null, 1)).toBeNull();
    expect(meanCi95(null, null, 0)).toBeNull();
  });
});

describe('positiveMeanCi95', () => {
  it("is Cox's log-normal interval: exp(ȳ + s²/2 ± 1.96·√(s²/n + s⁴/(2(n − 1))))", () => {
    const y = [0, Math.log(7)];
    const ybar = (y[0]! + y[1]!) / 2;
    const s2 = (y[0]! - ybar) ** 2 + (y[1]! - ybar) ** 2;
    const half = 1.96 * Math.sqrt(s2 / 2 + (s2 * s2) / 2);
    const ci = positiveMeanCi95([1n, 7n])!;
    expect(ci.low).toBeCloseTo(Math.exp(ybar + s2 / 2 - half), 10);
    expect(ci.high).toBeCloseTo(Math.exp(ybar + s2 / 2 + half), 10);
  });

  it('stays above zero on skewed revenue where the normal interval goes negative', () => {
    const revenue = [...Array.from({ length: 20 }, () => 1_000_000n), 2_000_000_000n];
    const { mean, sd } = integerMeanSd(revenue);
    expect(meanCi95(mean, sd, revenue.length)!.low).toBeLessThan(0);
    const ci = positiveMeanCi95(revenue)!;
    expect(ci.low).toBeGreaterThan(0);
    expect(ci.high).toBeGreaterThan(ci.low);
  });

  it('does not depend on the order of the values; null below two; normal when a value is not positive', () => {
    const vs = [5n, 1_000n, 70n, 3n, 123_456n];
    expect(positiveMeanCi95([...vs].reverse())).toEqual(positiveMeanCi95(vs));
    expect(positiveMeanCi95([5n])).toBeNull();
    const withZero = [0n, 10n, 20n];
    const { mean, sd } = integerMeanSd(withZero);
    expect(positiveMeanCi95(withZero)).toEqual(meanCi95(mean, sd, 3));
  });
});
