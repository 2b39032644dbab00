import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { epochSecondsToTimestamps, EpochFieldRefused } from './epoch-timestamps.js';

/** Feeds `input` in pieces of random sizes (so lines and fields cross chunk edges) through the transform. */
async function convert(input: string, index: number, header: boolean, seed = 1): Promise<string> {
  const bytes = Buffer.from(input);
  const pieces: Buffer[] = [];
  let x = seed;
  for (let at = 0; at < bytes.length;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (x % 37);
    pieces.push(bytes.subarray(at, at + n));
    at += n;
  }
  return text(Readable.from(pieces).pipe(epochSecondsToTimestamps(index, header)));
}

const utc = (seconds: number): string =>
  new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

describe('epochSecondsToTimestamps', () => {
  it('writes each epoch as its UTC time, whatever the chunking and line ending', async () => {
    const edges = [
      0, 59, 86_399, 86_400, 788_918_400, 951_868_799, 951_868_800, 1_483_228_799, 253_402_300_799,
    ];
    const seconds = [
      ...edges,
      ...Array.from({ length: 3000 }, (_, i) => (i * 2_654_435_761) % 2_000_000_000),
    ];
    const lines = seconds.map((s, i) => `${i + 1},${(i % 97) + 1},${(i % 10) / 2 + 0.5},${s}`);
    const input = `userId,movieId,rating,timestamp\r\n${lines.map((l, i) => l + (i % 3 === 0 ? '\n' : '\r\n')).join('')}`;
    const want = `userId,movieId,rating,timestamp\n${seconds.map((s, i) => `${lines[i]!.replace(/[^,]+$/, utc(s))}\n`).join('')}`;
    for (const seed of [1, 2, 3]) expect(await convert(input, 3, true, seed)).toBe(want);
    // The last line may lack its line end; a field in the middle converts as well.
    expect(await convert('7,1200000000,x\n8,0,y', 1, false)).toBe(
      `7,${utc(1_200_000_000)},x\n8,1970-01-01 00:00:00,y\n`,
    );
  });

  it('refuses what only the general path can judge: quotes, empty lines and fields, non-digits, years past 9999', async () => {
    for (const bad of [
      '1,2,"3",4\n',
      '1,2,3,4\n\n5,6,7,8\n',
      '1,2,3,\n',
      '1,2,3\n',
      '1,2,3,1.5\n',
      '1,2,3,-5\n',
      '1,2,3,253402300800\n',
      '1,2,3,1234567890123\n',
    ])
      await expect(convert(bad, 3, false), bad).rejects.toBeInstanceOf(EpochFieldRefused);
  });
});
