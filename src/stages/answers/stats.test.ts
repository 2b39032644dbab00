// Unit tests for the pure statistics: Kruskal–Wallis from rank sums, the chi-squared tail, the mean's CI.
import { describe, expect, it } from 'vitest';
import { chiSquareSf, kruskalWallis, meanCi95 } from './stats.js';

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
        { n: 2, rankSum: 3 },
        { n: 2, rankSum: 7 },
        { n: 2, rankSum: 11 },
      ],
      0,
    );
    expect(r.h).toBeCloseTo(32 / 7, 12);
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
        { n: 3, rankSum: 6.5 },
        { n: 3, rankSum: 14.5 },
      ],
      18,
    );
    expect(r.h).toBeCloseTo(h0 / c, 12);
    expect(r.df).toBe(1);
  });

  it('is undefined with fewer than two groups with data, or when every value ties', () => {
    expect(
      kruskalWallis(
        [
          { n: 5, rankSum: 15 },
          { n: 0, rankSum: 0 },
        ],
        0,
      ),
    ).toMatchObject({ h: null, pValue: null, df: 0 });
    expect(
      kruskalWallis(
        [
          { n: 2, rankSum: 5 },
          { n: 2, rankSum: 5 },
        ],
        4 ** 3 - 4,
      ),
    ).toMatchObject({ h: null, pValue: null, df: 1 });
  });
});

describe('meanCi95', () => {
  it('is mean ± 1.96·s/√n, null below two observations', () => {
    expect(meanCi95(10, 2, 4)).toEqual({ low: 10 - 1.96, high: 10 + 1.96 });
    expect(meanCi95(10, null, 1)).toBeNull();
    expect(meanCi95(null, null, 0)).toBeNull();
  });
});
