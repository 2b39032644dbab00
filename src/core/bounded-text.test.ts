// Bounded raw text: short text is kept whole; long text keeps its start, its length and its sha256.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { boundText } from './bounded-text.js';

describe('boundText', () => {
  it('keeps text that fits, and cuts longer text on a character boundary with its length and sha256', () => {
    expect(boundText('abc', 3)).toBe('abc');
    const long = 'é'.repeat(10); // 20 bytes
    const sha = createHash('sha256').update(long).digest('hex');
    expect(boundText(long, 5)).toBe(`éé … [cut: the record is 20 bytes, sha256 ${sha}]`);
  });
});
