// Tests of the byte-level UTF-8 check of movies_metadata.csv: a Latin-1 byte quarantines its record with the offset,
// a genuine U+FFFD in valid UTF-8 loads, and sequences cut by a chunk boundary are judged whole.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { cleanMovies } from './clean-movies.js';
import { MOVIES_METADATA_HEADER, Utf8Scanner, parseMoviesMetadata } from './movies-metadata.js';

const dir = mkdtempSync(join(tmpdir(), 'movalytics-meta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One movies_metadata record (24 fields) as bytes; `title` may hold raw non-UTF-8 bytes. */
function record(id: number, title: Buffer): Buffer {
  const f: Record<string, string> = {
    adult: 'False',
    budget: '0',
    genres: "\"[{'id': 18, 'name': 'Drama'}]\"",
    id: String(id),
    imdb_id: `tt${String(id).padStart(7, '0')}`,
    original_language: 'en',
    overview: 'A story.',
    popularity: '1.5',
    release_date: '1995-10-30',
    revenue: '0',
    runtime: '90.0',
    status: 'Released',
    video: 'False',
    vote_average: '7.0',
    vote_count: '10',
  };
  const parts = MOVIES_METADATA_HEADER.map((h) =>
    h === 'title' || h === 'original_title' ? title : Buffer.from(f[h] ?? ''),
  );
  const out: Buffer[] = [];
  parts.forEach((p, i) => out.push(i === 0 ? p : Buffer.concat([Buffer.from(','), p])));
  return Buffer.concat([...out, Buffer.from('\r\n')]);
}

function writeMeta(name: string, records: Buffer[]): string {
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat([Buffer.from(`${MOVIES_METADATA_HEADER.join(',')}\r\n`), ...records]));
  return file;
}

describe('parseMoviesMetadata, invalid UTF-8', () => {
  it('quarantines a record with a Latin-1 byte, naming its file offset, and keeps the count', async () => {
    const good = record(1, Buffer.from('Amélie', 'utf8'));
    const bad = record(2, Buffer.from('Am\xe9lie', 'latin1'));
    const file = writeMeta('latin1.csv', [good, bad, record(3, Buffer.from('Toy Story'))]);
    const header = `${MOVIES_METADATA_HEADER.join(',')}\r\n`.length;
    // The first 0xE9 byte of the bad record: the 'original_title' comes before 'title' in the header.
    const offset = header + good.length + bad.indexOf(0xe9);
    const r = await parseMoviesMetadata(file);
    expect(r.movies.map((m) => [m.movie_id, m.title])).toEqual([
      [1, 'Amélie'],
      [3, 'Toy Story'],
    ]);
    expect(r.quarantine).toEqual([
      expect.objectContaining({
        record_number: 2,
        line_number: 3,
        reason: `invalid UTF-8 at byte offset ${offset} — the file must be UTF-8 (was it saved as Latin-1?); row quarantined`,
      }),
    ]);
    expect(r.recordsRead).toBe(r.rowsLoaded + r.quarantine.length + r.duplicatesCollapsed + r.recordsMerged);
    expect(r.movies.some((m) => m.title?.includes('\uFFFD'))).toBe(false);
  });

  it('loads a genuine U+FFFD written in valid UTF-8', async () => {
    const file = writeMeta('fffd.csv', [record(7, Buffer.from('Odd \uFFFD title', 'utf8'))]);
    const r = await parseMoviesMetadata(file);
    expect(r.quarantine).toEqual([]);
    expect(r.movies[0]?.title).toBe('Odd \uFFFD title');
  });

  it('finds invalid bytes across many read chunks of a large file', async () => {
    const records = Array.from({ length: 2000 }, (_, i) =>
      record(
        i + 1,
        Buffer.from(i % 500 === 499 ? `T\xe9 ${i}` : `Té ${i}`, i % 500 === 499 ? 'latin1' : 'utf8'),
      ),
    );
    const r = await parseMoviesMetadata(writeMeta('many.csv', records));
    expect(r.quarantine.map((q) => q.record_number)).toEqual([500, 1000, 1500, 2000]);
    expect(r.rowsLoaded).toBe(1996);
  });
});

describe('cleanMovies, file-system errors', () => {
  it('says in one line that the clean folder sits under a file', async () => {
    const file = writeMeta('ok.csv', [record(1, Buffer.from('Heat'))]);
    const err = await cleanMovies(file, join(file, 'clean')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      /^cannot write the cleaned movies to .*ok\.csv\/clean: a part of the path is a file where a folder is expected \(ENOTDIR\) — point --staging at a folder$/,
    );
  });
});

describe('Utf8Scanner', () => {
  async function scan(chunks: number[][]): Promise<number[]> {
    const s = new Utf8Scanner();
    const out: Buffer[] = [];
    for await (const c of Readable.from(chunks.map((c) => Buffer.from(c))).pipe(s)) out.push(c as Buffer);
    expect(Buffer.concat(out)).toEqual(Buffer.from(chunks.flat()));
    return s.invalid;
  }

  it.each([
    [
      'é split between chunks',
      [
        [0x61, 0xc3],
        [0xa9, 0x0a],
      ],
      [],
    ],
    ['a 4-byte emoji split three ways', [[0xf0], [0x9f, 0x98], [0x80]], []],
    ['a Latin-1 é before a line break', [[0x61, 0xe9], [0x0a]], [1]],
    ['a lead byte at the end of the file', [[0x61], [0xe2, 0x82]], [1]],
    ['an overlong form', [[0xc0, 0xaf]], [0, 1]],
    ['a UTF-16 surrogate', [[0xed, 0xa0, 0x80]], [0, 1, 2]],
  ])('%s', async (_name, chunks, invalid) => {
    expect(await scan(chunks)).toEqual(invalid);
  });
});

describe('parseMoviesMetadata, a file cut short', () => {
  it('says the file ends inside a quoted field, at which line, and quarantines that record', async () => {
    const cut = record(2, Buffer.from('"Half a title'));
    const last = cut.subarray(0, cut.indexOf('"Half') + 6);
    const file = writeMeta('cut.csv', [record(1, Buffer.from('Toy Story')), last]);
    const r = await parseMoviesMetadata(file);
    expect(r.movies.map((m) => m.movie_id)).toEqual([1]);
    expect(r.truncatedAtLine).toBe(3);
    expect(r.quarantine).toHaveLength(1);
    expect(r.quarantine[0]!.reason).toBe(
      "the file ends inside this record's quoted field: it looks cut short (download it again) — row quarantined",
    );
    const whole = await parseMoviesMetadata(writeMeta('whole.csv', [record(1, Buffer.from('Toy Story'))]));
    expect(whole.truncatedAtLine).toBeNull();
  });
});
