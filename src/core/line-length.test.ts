// The line-length bound: counts bytes across chunk boundaries, names the file and the line, resets at each newline.
import { describe, expect, it } from 'vitest';
import { LineLengthLimit } from './line-length.js';

describe('LineLengthLimit', () => {
  it('allows lines up to the bound, split over chunks', () => {
    const g = new LineLengthLimit('f.csv', 5);
    g.push(Buffer.from('ab'));
    g.push(Buffer.from('cde\n12345\r'.slice(0, 9)));
    g.push(Buffer.from('\nxy'));
  });

  it('names the file and the line of the first line past the bound', () => {
    const g = new LineLengthLimit('a.zip!ratings.csv', 5);
    g.push(Buffer.from('12\n123'));
    expect(() => g.push(Buffer.from('456'))).toThrow(
      /^a\.zip!ratings\.csv line 2 is longer than 5 bytes — .*"maxLineBytes"/,
    );
  });
});
