// The key-order scanner against a plain reference (split into lines, compare keys), on every way of cutting the
// bytes into chunks: the load trusts its answer to skip grouping 26M keys, so a wrong "sorted" would let duplicate
// ratings through.
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../core/line-length.js';
import { KeyOrderScanner, MAX_DUPLICATE_KEYS, type KeyOrder } from './key-order.js';

/** The reference: what the scanner must say about `text`. */
function reference(text: string): KeyOrder | null {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const records = lines.filter((l) => l !== '').slice(1);
  const dups: [number, number][] = [];
  let prev: [number, number] | null = null;
  let inRun = false;
  for (const r of records) {
    const m = /^(\d{1,9}),(\d{1,9})(,|$)/.exec(r);
    if (m === null) return null;
    const k: [number, number] = [Number(m[1]), Number(m[2])];
    if (prev === null || k[0] > prev[0] || (k[0] === prev[0] && k[1] > prev[1])) {
      prev = k;
      inRun = false;
      continue;
    }
    if (k[0] !== prev[0] || k[1] !== prev[1]) return null;
    if (!inRun) dups.push(k);
    inRun = true;
  }
  return { sorted: true, duplicateKeys: dups };
}

function scan(bytes: Buffer, cuts: number[]): KeyOrder | null {
  const s = new KeyOrderScanner();
  const lines = new LineSplitter([s]);
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    lines.push(bytes.subarray(at, c));
    at = c;
  }
  lines.end();
  return s.end();
}

const HEADER = 'userId,movieId,rating,timestamp\r\n';

const CASES: Record<string, string> = {
  sorted: `${HEADER}1,31,2.5,1260759144\r\n1,1029,3.0,1260759179\r\n2,10,4.0,835355493\r\n`,
  'adjacent duplicates, a run of three listed once': `${HEADER}1,31,2.5,1\r\n1,31,3.0,2\r\n1,31,3.0,3\r\n1,40,1,1\r\n7,2,1,1\r\n7,2,1,1\r\n`,
  'movie out of order within a user': `${HEADER}1,31,2.5,1\r\n1,30,3.0,2\r\n`,
  'user out of order': `${HEADER}2,1,2.5,1\r\n1,30,3.0,2\r\n`,
  'a duplicate that is not adjacent': `${HEADER}1,31,2.5,1\r\n1,40,3.0,2\r\n1,31,3.0,3\r\n`,
  'LF only, no final newline': 'userId,movieId,rating,timestamp\n1,2,3,4\n1,3,3,4\n1,3,1,1',
  'blank lines and a lone CR are not records': `\r\n${HEADER}\r\n1,2,3,4\r\n\r\n\n1,2,5,5\r\n`,
  'a quoted key': `${HEADER}"1",2,3,4\r\n`,
  'a negative key': `${HEADER}1,2,3,4\r\n-1,2,3,4\r\n`,
  'a key too long to be exact': `${HEADER}1234567890,2,3,4\r\n`,
  'a key with a decimal point': `${HEADER}1,2.0,3,4\r\n`,
  'a record with two fields only': `${HEADER}1,2\r\n1,3\r\n`,
  'an empty first field': `${HEADER},2,3,4\r\n`,
  'header only': HEADER,
  empty: '',
};

describe('key order of a ratings file', () => {
  for (const [name, text] of Object.entries(CASES)) {
    it(`${name}: the same answer as the reference at every chunk boundary`, () => {
      const bytes = Buffer.from(text);
      const want = reference(text);
      expect(scan(bytes, [])).toEqual(want);
      for (let a = 0; a <= bytes.length; a++) {
        expect(scan(bytes, [a]), `cut at ${a}`).toEqual(want);
        for (let b = a; b <= Math.min(bytes.length, a + 7); b++)
          expect(scan(bytes, [a, b]), `cuts at ${a}, ${b}`).toEqual(want);
      }
    });
  }

  it('names the documented cases as the reference does', () => {
    expect(scan(Buffer.from(CASES['adjacent duplicates, a run of three listed once']!), [])).toEqual({
      sorted: true,
      duplicateKeys: [
        [1, 31],
        [7, 2],
      ],
    });
    expect(scan(Buffer.from(CASES['a duplicate that is not adjacent']!), [])).toBeNull();
    expect(scan(Buffer.from(CASES['a quoted key']!), [])).toBeNull();
    expect(scan(Buffer.from(CASES.sorted!), [])).toEqual({ sorted: true, duplicateKeys: [] });
  });

  it('random files, sorted and not, split into random chunks', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let trial = 0; trial < 300; trial++) {
      const keys: [number, number][] = [];
      for (let i = 0; i < 1 + rnd(40); i++) keys.push([1 + rnd(4), 1 + rnd(6)]);
      if (trial % 3 !== 0) keys.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      const text = HEADER + keys.map(([u, m]) => `${u},${m},${1 + rnd(5)}.0,${rnd(1e9)}\r\n`).join('');
      const bytes = Buffer.from(text);
      const cuts = Array.from({ length: rnd(6) }, () => rnd(bytes.length + 1)).sort((x, y) => x - y);
      expect(scan(bytes, cuts), `trial ${trial}`).toEqual(reference(text));
    }
  });

  it('gives up (null) when the duplicate list would be too long to carry', () => {
    const rows: string[] = [];
    for (let i = 1; i <= MAX_DUPLICATE_KEYS + 1; i++) rows.push(`${i},1,1,1\r\n${i},1,2,2\r\n`);
    expect(scan(Buffer.from(HEADER + rows.join('')), [])).toBeNull();
    rows.pop();
    expect(scan(Buffer.from(HEADER + rows.join('')), [])?.duplicateKeys).toHaveLength(MAX_DUPLICATE_KEYS);
  });
});
