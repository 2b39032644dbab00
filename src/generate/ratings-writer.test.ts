// Unit tests for the per-user rating counts: exact totals, bounds, and a heavy tail.
import { describe, expect, it } from 'vitest';
import { Rng } from './prng.js';
import { userCounts } from './ratings-writer.js';

describe('userCounts', () => {
  it('sums to exactly the requested rows with every user in [1, cap]', () => {
    for (const [rows, users, cap] of [
      [100_000, 1_041, 2_016],
      [5, 5, 3],
      [1, 1, 1],
      [9_000, 10, 900],
    ] as const) {
      const c = userCounts(new Rng(1), rows, users, cap);
      expect(c.reduce((a, b) => a + b, 0)).toBe(rows);
      expect(Math.min(...c)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...c)).toBeLessThanOrEqual(cap);
    }
  });

  it('is heavy-tailed: the median user rates far fewer than the mean', () => {
    const c = Array.from(userCounts(new Rng(2), 100_000, 1_000, 5_000)).sort((a, b) => a - b);
    expect(c[500]!).toBeLessThan(100 * 0.7);
    expect(c[999]!).toBeGreaterThan(500);
  });

  it('refuses impossible requests', () => {
    expect(() => userCounts(new Rng(1), 10, 2, 3)).toThrow(RangeError);
    expect(() => userCounts(new Rng(1), 1, 2, 3)).toThrow(RangeError);
  });
});
