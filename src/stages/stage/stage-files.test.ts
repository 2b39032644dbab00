// digestFile: the line count and whether the line endings mix, read in one pass; a many-chunk file's sha256 and copy.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestFile } from './stage-files.js';

const dir = mkdtempSync(join(tmpdir(), 'movalytics-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function digestOf(text: string): Promise<{ dataLines: number; mixed: boolean }> {
  const f = join(dir, 'f.csv');
  writeFileSync(f, text);
  const d = await digestFile(f);
  return { dataLines: d.dataLines, mixed: d.mixedLineEndings === true };
}

describe('digestFile line endings', () => {
  it.each([
    ['CRLF only', 'a,b\r\n1,2\r\n3,4\r\n', { dataLines: 2, mixed: false }],
    ['LF only', 'a,b\n1,2\n3,4', { dataLines: 2, mixed: false }],
    ['one LF line in a CRLF file', 'a,b\r\n1,2\n3,4\r\n', { dataLines: 2, mixed: true }],
    ['one CRLF line in an LF file', 'a,b\n1,2\r\n3,4\n', { dataLines: 2, mixed: true }],
    ['a lone CR is not a line end', 'a,b\n1,\r2\n', { dataLines: 1, mixed: false }],
  ])('%s', async (_name, text, expected) => {
    expect(await digestOf(text)).toEqual(expected);
  });
});

describe('digestFile of a file of several chunks, each read while the one before is split', () => {
  // 20 MiB: hashed on this thread, its reads taking two buffers in turn; 70 MiB: past the 64 MiB from which the hash
  // runs on its own thread.
  it.each([20, 70])(
    '%i MiB: the sha256, the line count and a staged copy exactly as the bytes are',
    async (mib) => {
      // Ratings-like lines with a varying tail, so that a chunk written, split or hashed from a reused buffer would show.
      const line = (i: number): string => `${1 + (i >> 6)},${i % 997},4.0,${1_000_000_000 + i}\r\n`;
      const f = join(dir, 'large.csv');
      const parts: string[] = ['userId,movieId,rating,timestamp\r\n'];
      let bytes = parts[0]!.length;
      let lines = 0;
      while (bytes < mib * 1024 * 1024) {
        const l = line(lines++);
        parts.push(l);
        bytes += l.length;
      }
      writeFileSync(f, parts.join(''));
      const copy = join(dir, 'large.copy');
      const out = await open(copy, 'w');
      const d = await digestFile(f, { copyTo: (c) => out.write(c) });
      await out.close();
      const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
      expect(d.sha256).toBe(sha(f));
      expect(sha(copy)).toBe(d.sha256);
      expect(d.dataLines).toBe(lines);
    },
  );
});
