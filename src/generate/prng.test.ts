// Unit tests for the seeded PRNG and the alias sampler: determinism, range, and rough distribution.
import { describe, expect, it } from 'vitest';
import { AliasTable, Rng } from './prng.js';

describe('Rng', () => {
  it('repeats the same sequence for the same seed and stream', () => {
    const a = new Rng(42, 1);
    const b = new Rng(42, 1);
    const xs = Array.from({ length: 100 }, () => a.nextU32());
    expect(Array.from({ length: 100 }, () => b.nextU32())).toEqual(xs);
  });

  it('differs across seeds and streams, including seeds above 2^32', () => {
    const first = (r: Rng): number[] => Array.from({ length: 8 }, () => r.nextU32());
    expect(first(new Rng(1))).not.toEqual(first(new Rng(2)));
    expect(first(new Rng(1, 0))).not.toEqual(first(new Rng(1, 1)));
    expect(first(new Rng(5))).not.toEqual(first(new Rng(5 + 2 ** 32)));
  });

  it('keeps next() in [0, 1) and int(n) in [0, n)', () => {
    const r = new Rng(7);
    for (let i = 0; i < 10_000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      const k = r.int(10);
      expect(Number.isInteger(k) && k >= 0 && k < 10).toBe(true);
    }
  });

  it('is roughly uniform', () => {
    const r = new Rng(3);
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) bins[r.int(10)]!++;
    for (const b of bins) expect(Math.abs(b - 10_000)).toBeLessThan(600);
  });
});

describe('AliasTable', () => {
  it('samples in proportion to the weights and never a zero-weight item', () => {
    const table = new AliasTable([1, 2, 0, 7]);
    const r = new Rng(11);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[table.sample(r)]!++;
    expect(counts[2]).toBe(0);
    expect(counts[0]! / 100_000).toBeCloseTo(0.1, 1);
    expect(counts[1]! / 100_000).toBeCloseTo(0.2, 1);
    expect(counts[3]! / 100_000).toBeCloseTo(0.7, 1);
  });
});
