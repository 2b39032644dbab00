// The shard cut of a ratings file: contiguous byte ranges of its data, cut at line starts where the userId changes,
// with the right line numbers and counts, whatever the chunking.
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../core/line-length.js';
import { KeyOrderScanner } from './key-order.js';
import { keysOfShard, ShardCutter, type ShardCut } from './shards.js';

function cut(text: string, count: number, chunk = 7): ShardCut {
  const bytes = Buffer.from(text, 'latin1');
  const c = new ShardCutter(bytes.length, count);
  const lines = new LineSplitter([c]);
  for (let i = 0; i < bytes.length; i += chunk) lines.push(bytes.subarray(i, i + chunk));
  lines.end();
  return c.end();
}

/** A ratings file: `users` users with `per` ratings each (user u rates movies 1..per), some lines CRLF. */
function ratings(
  users: number,
  per: number,
  eol = (i: number): string => (i % 5 === 0 ? '\r\n' : '\n'),
): string {
  let s = 'userId,movieId,rating,timestamp\n';
  let i = 0;
  for (let u = 1; u <= users; u++) for (let m = 1; m <= per; m++) s += `${u},${m},4.0,${1000 + i}${eol(i++)}`;
  return s;
}

/** Checks the invariants of a cut of `text` and returns the users of each shard. */
function checkCut(text: string, c: ShardCut): number[][] {
  const buf = Buffer.from(text, 'latin1');
  expect(buf.subarray(0, c.headerBytes).toString('latin1')).toBe(text.slice(0, text.indexOf('\n') + 1));
  let at = c.headerBytes;
  const users: number[][] = [];
  for (const [i, s] of c.shards.entries()) {
    expect(s.index).toBe(i);
    expect(s.start).toBe(at);
    at = s.end;
    const body = buf.subarray(s.start, s.end).toString('latin1');
    // A shard starts at a line start: its first line number is one more than the line breaks before it.
    expect(s.firstLine).toBe(buf.subarray(0, s.start).toString('latin1').split('\n').length);
    const lines = body.split('\n').filter((l) => l.replace(/\r$/, '') !== '');
    expect(s.dataLines).toBe(lines.length);
    const us = lines.map((l) => Number(l.split(',')[0]));
    users.push(us);
    if (us.length > 0) {
      expect(s.firstUser).toBe(us[0]);
      expect(s.lastUser).toBe(us.at(-1));
    }
  }
  expect(at).toBe(buf.length);
  return users;
}

describe('ShardCutter', () => {
  it('cuts a sorted file into contiguous shards at user boundaries, whatever the chunk size', () => {
    const text = ratings(40, 9);
    for (const chunk of [1, 3, 64, 1 << 20]) {
      const c = cut(text, 4, chunk);
      expect(c.shards).toHaveLength(4);
      const users = checkCut(text, c);
      // No user in two shards.
      for (let i = 1; i < users.length; i++) expect(users[i]![0]).toBeGreaterThan(users[i - 1]!.at(-1)!);
      expect(c).toEqual(cut(text, 4, 7));
    }
  });

  it('makes fewer shards than asked when users are fewer, and one shard of a file with one user', () => {
    expect(cut(ratings(3, 50), 16).shards.length).toBeLessThanOrEqual(3);
    const one = cut(ratings(1, 200), 8);
    expect(one.shards).toHaveLength(1);
    expect(one.shards[0]!.dataLines).toBe(200);
    checkCut(ratings(1, 200), one);
  });

  it('gives one shard for 1, and for a file with a quote character (a quoted field may hold a line break)', () => {
    const text = ratings(30, 5);
    expect(cut(text, 1).shards).toHaveLength(1);
    const quoted = text.replace('5,3,4.0', '5,3,"4.0"');
    const c = cut(quoted, 4);
    expect(c.shards).toHaveLength(1);
    expect(c.shards[0]).toMatchObject({ start: c.headerBytes, firstLine: 2, dataLines: 150, firstUser: 1 });
    checkCut(quoted, c);
  });

  it('keeps blank lines and a last line without a line break in their shard, and never cuts at a blank line', () => {
    const text = `${ratings(20, 4).replace(/\n5,1,/, '\n\n\r\n5,1,')}21,1,3.5,99`;
    const c = cut(text, 5);
    const users = checkCut(text, c);
    expect(users.flat()).toHaveLength(81);
    expect(c.shards.at(-1)!.lastUser).toBe(21);
  });

  it('cuts where the first field changes when the userId is not a number (an unsorted or broken file)', () => {
    const text = `userId,movieId,rating,timestamp\n${Array.from({ length: 60 }, (_, i) => `u${i % 7},${i},4,1\n`).join('')}`;
    const c = cut(text, 3);
    expect(c.shards.length).toBeGreaterThan(1);
    checkCut(text.replace(/u(\d)/g, '$1'), cut(text.replace(/u(\d)/g, '$1'), 3));
    expect(c.shards.reduce((a, s) => a + s.dataLines, 0)).toBe(60);
    expect(c.shards[0]!.firstUser).toBeNull();
  });

  it('has one empty shard for a file with only a header', () => {
    const c = cut('userId,movieId,rating,timestamp\n', 4);
    expect(c).toEqual({
      headerBytes: 32,
      shards: [{ index: 0, start: 32, end: 32, firstLine: 2, dataLines: 0, firstUser: null, lastUser: null }],
    });
  });
});

describe('a ShardCutter that drives the key-order scanner', () => {
  /** The cut and the key order, with the scanner inside the cutter or beside it as its own sink. */
  function both(text: string, count: number, chunk: number, driven: boolean): [ShardCut, unknown] {
    const bytes = Buffer.from(text, 'latin1');
    const keys = new KeyOrderScanner();
    const c = new ShardCutter(bytes.length, count, driven ? keys : null);
    const lines = new LineSplitter(driven ? [c] : [c, keys]);
    for (let i = 0; i < bytes.length; i += chunk) lines.push(bytes.subarray(i, i + chunk));
    lines.end();
    return [c.end(), keys.end()];
  }

  it('cuts and verifies exactly as the two apart, also where the order breaks half-way or the key is no number', () => {
    const sorted = ratings(30, 6);
    const texts = [
      sorted,
      `${sorted}7,1,4.0,1\n31,1,4.0,2\n32,1,4.0,3\n`, // out of order near the end: later cuts parse the userId
      sorted.replace('\n12,1,', '\nx,1,'), // a first field that is not a number, in the middle
      sorted.replace('\n9,3,4.0', '\n9,2,4.0'), // an adjacent duplicate key
      `${sorted.replace(/\n5,1,/, '\n\n\r\n5,1,')}31,1,3.5,99`, // blank lines, no final line break
    ];
    for (const text of texts)
      for (const chunk of [1, 5, 64, 1 << 20]) {
        const driven = both(text, 4, chunk, true);
        expect(driven).toEqual(both(text, 4, chunk, false));
        if (!text.includes('x')) checkCut(text, driven[0]); // (a shard with a non-number userId has no user range)
      }
    expect(both(texts[3]!, 4, 64, true)[1]).toEqual({ sorted: true, duplicateKeys: [[9, 2]] });
    expect(both(texts[1]!, 4, 64, true)[1]).toBeNull();
  });
});

describe('keysOfShard', () => {
  it('keeps the duplicate keys whose user is in the shard', () => {
    const shard = { index: 1, start: 0, end: 0, firstLine: 2, dataLines: 3, firstUser: 5, lastUser: 9 };
    const keys: [number, number][] = [
      [4, 1],
      [5, 2],
      [9, 3],
      [10, 1],
    ];
    expect(keysOfShard(shard, keys)).toEqual([
      [5, 2],
      [9, 3],
    ]);
    expect(keysOfShard({ ...shard, firstUser: null }, keys)).toEqual([]);
  });
});
