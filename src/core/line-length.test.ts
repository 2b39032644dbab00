// The line splitter hands every reader the same lines, with their offsets, however the bytes are chunked; the
// line-length bound counts bytes across chunk boundaries, names the file and the line, resets at each newline.
import { describe, expect, it } from 'vitest';
import { LineLengthLimit, LineSplitter, type LineSink } from './line-length.js';

/** Every line the splitter hands over, as [text, offset, terminated], for `text` pushed in pieces cut at `cuts`. */
function split(text: string, cuts: number[]): [string, number, boolean][] {
  const seen: [string, number, boolean][] = [];
  const sink: LineSink = {
    line: (b, from, to, at, terminated) => seen.push([b.toString('latin1', from, to), at, terminated]),
  };
  const bytes = Buffer.from(text, 'latin1');
  const s = new LineSplitter([sink]);
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    s.push(bytes.subarray(at, c));
    at = c;
  }
  s.end();
  return seen;
}

describe('LineSplitter', () => {
  it('gives the same lines and offsets for every chunking', () => {
    const text = 'h,1\r\n\n12,3\nlast';
    const whole: [string, number, boolean][] = [
      ['h,1\r', 0, true],
      ['', 5, true],
      ['12,3', 6, true],
      ['last', 11, false],
    ];
    expect(split(text, [])).toEqual(whole);
    for (let a = 0; a <= text.length; a++)
      for (let b = a; b <= text.length; b++) expect(split(text, [a, b])).toEqual(whole);
  });

  it('hands over no unterminated line when the text ends with a line break', () => {
    expect(split('a\nb\n', [3])).toEqual([
      ['a', 0, true],
      ['b', 2, true],
    ]);
  });
});

describe('LineLengthLimit', () => {
  it('bounds raw chunks the same way (push), keeping no bytes', () => {
    const g = new LineLengthLimit('a.zip!ratings.csv', 5);
    g.push(Buffer.from('ab'));
    g.push(Buffer.from('cde\n12'));
    expect(() => g.push(Buffer.from('3\n123456'))).toThrow(
      /^a\.zip!ratings\.csv line 3 is longer than 5 bytes/,
    );
  });

  it('allows lines up to the bound, split over chunks', () => {
    const g = new LineSplitter([new LineLengthLimit('f.csv', 5)]);
    g.push(Buffer.from('ab'));
    g.push(Buffer.from('cde\n12345\r'.slice(0, 9)));
    g.push(Buffer.from('\nxy'));
  });

  it('names the file and the line of the first line past the bound', () => {
    const g = new LineSplitter([new LineLengthLimit('a.zip!ratings.csv', 5)]);
    g.push(Buffer.from('12\n123'));
    expect(() => g.push(Buffer.from('456'))).toThrow(
      /^a\.zip!ratings\.csv line 2 is longer than 5 bytes — .*"maxLineBytes"/,
    );
  });
});
