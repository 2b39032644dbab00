// Tests of the zip unpacker on hostile archives built here with yazl (and patched bytes where yazl refuses to
// write the defect): unsafe paths, lying sizes, archives larger than the staging disk, ignored entries.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, EnvironmentError, InputError } from '../core/errors.js';
import { declareSize, renameEntry, zipOf } from '../../test/support/zip-craft.js';
import { readUnpackListing, unpackZip } from './unzip.js';
import { formatBytes } from '../core/format.js';

const dir = mkdtempSync(join(tmpdir(), 'movalytics-unzip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(zip: Buffer): { zipPath: string; dest: string } {
  const d = join(dir, `case${++n}`);
  mkdirSync(d);
  const zipPath = join(d, 'the-movies-dataset.zip');
  writeFileSync(zipPath, zip);
  return { zipPath, dest: join(d, 'staging', 'unpacked') };
}

const RATINGS = 'userId,movieId,rating,timestamp\n1,2,3.5,1260759144\n';

describe('unpackZip', () => {
  it('extracts only the entries the layout uses and lists the others with the reason', async () => {
    const { zipPath, dest } = write(
      await zipOf({
        'ratings.csv': RATINGS,
        'links.csv': 'movieId,imdbId,tmdbId\n1,0114709,862\n',
        'ratings_small.csv': RATINGS,
        'keywords.csv': 'id,keywords\n',
        'notes.txt': 'hello',
      }),
    );
    await unpackZip(zipPath, dest);
    const r = await readUnpackListing(dest);
    expect(r.extracted).toEqual(['ratings.csv', 'links.csv']);
    expect(readdirSync(dest).sort()).toEqual(['.listing.json', 'links.csv', 'ratings.csv']);
    expect(r.ignored.map((i) => [i.name, i.reason])).toEqual([
      ['ratings_small.csv', 'separate MovieLens sample with its own user numbering (not more ratings)'],
      ['keywords.csv', 'not used by the model'],
      ['notes.txt', 'not a .csv file'],
    ]);
  });

  it.each([
    ['../../evil.csv', 'xx/xx/evil.csv', '../../evil.csv'],
    ['/tmp/evil.csv', 'xtmp/evil.csv', '/tmp/evil.csv'],
    // yauzl reads a backslash as a Windows separator, then refuses the climb.
    ['..\\evil.csv', 'xxxevil.csv', '../evil.csv'],
  ])(
    'refuses the unsafe entry %s by name, leaving nothing in staging',
    async (hostile, placeholder, shown) => {
      const zip = renameEntry(
        await zipOf({ 'ratings.csv': RATINGS, [placeholder]: 'a,b\n' }),
        placeholder,
        hostile,
      );
      const { zipPath, dest } = write(zip);
      const err = await unpackZip(zipPath, dest).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).message).toContain(
        `unsafe entry path ${shown} — the archive is not a Kaggle download; refusing it`,
      );
      expect((err as InputError).message).not.toMatch(/download it again/);
      expect(existsSync(dest)).toBe(false);
      expect(existsSync(join(dir, `case${n}`, 'evil.csv'))).toBe(false);
    },
  );

  it('stops and cleans up when an entry inflates past the size its header declares', async () => {
    const big = Buffer.alloc(256 * 1024, 'x');
    const zip = declareSize(
      await zipOf({ 'ratings.csv': Buffer.concat([Buffer.from(RATINGS), big]) }),
      'ratings.csv',
      1000,
    );
    const { zipPath, dest } = write(zip);
    const err = await unpackZip(zipPath, dest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      /does not inflate to the size its header declares \(too many bytes in the stream\. expected 1000/,
    );
    expect(existsSync(dest)).toBe(false);
  });

  it('refuses before extracting when the declared sizes exceed the free space (injected figure)', async () => {
    const { zipPath, dest } = write(await zipOf({ 'ratings.csv': Buffer.alloc(3 * 1024 * 1024, '1') }));
    const err = await unpackZip(zipPath, dest, { freeBytes: () => Promise.resolve(1024 * 1024) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).exitCode).toBe(EXIT.taskFailed);
    expect((err as Error).message).toMatch(
      /unpacks to 3\.0 MiB but the staging disk at .* has 1\.0 MiB free — free space or point --staging at a larger disk/,
    );
    expect(existsSync(dest)).toBe(false);
  });

  it('refuses an archive larger than a real 1 MiB tmpfs staging disk (skipped where mount is not allowed)', async () => {
    const mnt = join(dir, 'tiny');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      console.warn(
        'NOTICE: unzip.test: cannot mount a tmpfs here (not root?) — real free-space test SKIPPED',
      );
      return;
    }
    try {
      // 4 MiB of one byte compresses to a few KiB: the zip itself is tiny, its declared size is not.
      const { zipPath } = write(await zipOf({ 'ratings.csv': Buffer.alloc(4 * 1024 * 1024, '1') }));
      const dest = join(mnt, 'unpacked');
      const err = await unpackZip(zipPath, dest).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EnvironmentError);
      expect((err as Error).message).toMatch(
        /unpacks to 4\.0 MiB but the staging disk at .* has 1\.0 MiB free/,
      );
      expect(readdirSync(mnt)).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('calls a truncated archive corrupt', async () => {
    const zip = await zipOf({ 'ratings.csv': RATINGS });
    const { zipPath, dest } = write(zip.subarray(0, zip.length - 30));
    await expect(unpackZip(zipPath, dest)).rejects.toThrow(
      /is not a readable zip archive .* download it again/,
    );
    expect(existsSync(dest)).toBe(false);
  });
});

describe('formatBytes', () => {
  it.each([
    [512, '512 bytes'],
    [1536, '1.5 KiB'],
    [2.1 * 1024 ** 3, '2.1 GiB'],
  ])('%d → %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});
