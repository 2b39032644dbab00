// Integration tests for `movalytics generate`: real headers, line endings, DuckDB parsing, the planted defects
// listed in truth.json, determinism, the zip, and CLI usage errors.
import { DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'csv-parse/sync';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { generateDataset, KAGGLE_FILES, type Truth } from '../src/generate/index.js';
import { parsePyLiteral } from '../src/stages/load/python-literal.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const realDir = resolve(repoRoot, '../shared/data/real');
const haveReal = existsSync(realDir);
if (!haveReal) {
  if (process.env.MOVALYTICS_REQUIRE_REAL_DATA === '1')
    throw new Error(`real data folder missing: ${realDir}`);
  console.warn(`NOTICE: ${realDir} is missing; header comparisons with the real files are skipped`);
}

/** DuckDB read_csv options that parse movies_metadata.csv record-for-record, broken rows included. */
const META_CSV_OPTS = `header=true, quote='"', escape='"', all_varchar=true, strict_mode=false, null_padding=true`;

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'movalytics-generate-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const read = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8');
const firstLine = (text: string): string => text.slice(0, text.indexOf('\n')).replace(/\r$/, '');
const rows = (text: string): string[][] => parse(text, { relax_column_count: true, skip_empty_lines: false });
const sha = (dir: string, f: string): string =>
  createHash('sha256')
    .update(readFileSync(join(dir, f)))
    .digest('hex');

async function duckCount(sql: string): Promise<bigint[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(sql);
    return r.getRows()[0]!.map((v) => BigInt(v as number | bigint));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('generated dataset', () => {
  let dir: string;
  let truth: Truth;
  beforeAll(async () => {
    dir = freshDir();
    const result = await generateDataset({ out: dir, movies: 400, ratings: 40_000, seed: 7 });
    truth = JSON.parse(read(dir, 'truth.json')) as Truth;
    expect(result.truth).toEqual(truth);
  });

  it('writes headers byte-equal to the real files', () => {
    const meta = firstLine(read(dir, 'movies_metadata.csv'));
    expect(meta.split(',')).toHaveLength(24);
    expect(firstLine(read(dir, 'links.csv'))).toBe('movieId,imdbId,tmdbId');
    expect(firstLine(read(dir, 'ratings.csv'))).toBe('userId,movieId,rating,timestamp');
    expect(firstLine(read(dir, 'CUSR0000SS62031.csv'))).toBe('observation_date,CUSR0000SS62031');
    if (!haveReal) {
      console.warn('NOTICE: real headers not compared (real data folder missing)');
      return;
    }
    const real = (f: string): string => firstLine(readFileSync(join(realDir, f), 'utf8'));
    expect(meta).toBe(real('movies_metadata_small.csv'));
    expect(firstLine(read(dir, 'links.csv'))).toBe(real('links.csv'));
    expect(firstLine(read(dir, 'links_small.csv'))).toBe(real('links_small.csv'));
    expect(firstLine(read(dir, 'ratings.csv'))).toBe(real('ratings_small.csv'));
    expect(firstLine(read(dir, 'ratings_small.csv'))).toBe(real('ratings_small.csv'));
  });

  it('uses CRLF in links and ratings, LF in movies_metadata and the CPI file', () => {
    for (const f of ['links.csv', 'ratings.csv', 'links_small.csv', 'ratings_small.csv']) {
      const t = read(dir, f);
      expect(t.split('\n').length - 1).toBe(t.split('\r\n').length - 1);
      expect(t.endsWith('\r\n')).toBe(true);
    }
    for (const f of ['movies_metadata.csv', 'CUSR0000SS62031.csv']) expect(read(dir, f)).not.toContain('\r');
  });

  it('reports counts in truth.json that match the files', () => {
    for (const [f, ft] of Object.entries(truth.files)) {
      const buf = readFileSync(join(dir, f));
      expect(buf.length, f).toBe(ft.bytes);
      expect(buf.toString('utf8').split('\n').length - 1, f).toBe(ft.lines);
      expect(rows(buf.toString('utf8')).length - 1, f).toBe(ft.records);
    }
    expect(truth.movies.records).toBe(400 + 29 + 3);
    expect(truth.movies.wellFormedRecords).toBe(400 + 29 - 3);
    expect(truth.ratings.count).toBe(40_000);
    expect(truth.ratings.users).toBe(Math.round((40_000 * 270_896) / 26_024_289));
  });

  it('parses with DuckDB to the advertised record counts, broken rows showing a date in id', async () => {
    const [n, dated] = await duckCount(
      `select count(*), count(*) filter (where id similar to '\\d{4}-\\d{2}-\\d{2}') from read_csv('${join(dir, 'movies_metadata.csv')}', ${META_CSV_OPTS})`,
    );
    expect(n).toBe(BigInt(truth.movies.records));
    expect(dated).toBe(3n);
    const [r] = await duckCount(`select count(*) from read_csv('${join(dir, 'ratings.csv')}', header=true)`);
    expect(r).toBe(BigInt(truth.ratings.count));
    const [l, empty] = await duckCount(
      `select count(*), count(*) filter (where tmdbId is null) from read_csv('${join(dir, 'links.csv')}', header=true, all_varchar=true)`,
    );
    expect(l).toBe(BigInt(truth.links.count));
    expect(empty).toBe(BigInt(truth.links.emptyTmdbMovieIds.length));
  });

  it('plants the 3 broken records as 10 + 15 fields with the real release dates', () => {
    const recs = rows(read(dir, 'movies_metadata.csv')).slice(1);
    const short = recs.map((r, i) => [r, i] as const).filter(([r]) => r.length !== 24);
    expect(short.map(([r]) => r.length)).toEqual([10, 15, 10, 15, 10, 15]);
    expect(truth.movies.broken.map((b) => b.releaseDate)).toEqual(['1997-08-20', '2012-09-29', '2014-01-01']);
    truth.movies.broken.forEach((b, k) => {
      const [first, i] = short[2 * k]!;
      const second = recs[i + 1]!;
      expect(first[5]).toBe(String(b.tmdbId));
      expect(first[6]).toBe(b.imdbId);
      expect(second[5]).toBe(b.releaseDate);
      expect(`${first[9]}\n${second[0]}`).toBe(b.overview);
      // Stitched, the halves make one whole 24-field row.
      expect([...first.slice(0, 9), b.overview, ...second.slice(1)]).toHaveLength(24);
    });
  });

  it('plants 29 duplicated ids, exact or differing only in popularity, and 3 empty votes', () => {
    const recs = rows(read(dir, 'movies_metadata.csv'))
      .slice(1)
      .filter((r) => r.length === 24);
    const byId = new Map<string, string[][]>();
    for (const r of recs) byId.set(r[5]!, [...(byId.get(r[5]!) ?? []), r]);
    const dup = [...byId].filter(([, rs]) => rs.length > 1);
    expect(dup).toHaveLength(29);
    expect(truth.movies.duplicates).toHaveLength(29);
    expect(new Set(dup.map(([id]) => Number(id)))).toEqual(
      new Set(truth.movies.duplicates.map((d) => d.tmdbId)),
    );
    for (const d of truth.movies.duplicates) {
      const [a, b] = byId.get(String(d.tmdbId))!;
      if (d.kind === 'exact') expect(b).toEqual(a);
      else {
        expect(b![10]).not.toBe(a![10]);
        expect([...b!.slice(0, 10), ...b!.slice(11)]).toEqual([...a!.slice(0, 10), ...a!.slice(11)]);
      }
    }
    expect(truth.movies.duplicates.some((d) => d.kind === 'exact')).toBe(true);
    expect(truth.movies.duplicates.some((d) => d.kind === 'popularity')).toBe(true);
    const emptyVotes = recs.filter((r) => r[22] === '' && r[23] === '').map((r) => Number(r[5]));
    expect(emptyVotes.sort()).toEqual([...truth.movies.emptyVoteIds].sort());
    expect(emptyVotes).toHaveLength(3);
  });

  it('writes values in the real formats', () => {
    const recs = rows(read(dir, 'movies_metadata.csv'))
      .slice(1)
      .filter((r) => r.length === 24);
    const genre = /^\[(\{'id': \d+, 'name': '[A-Za-z ]+'\}(, \{'id': \d+, 'name': '[A-Za-z ]+'\})*)?\]$/;
    for (const r of recs) {
      expect(r[0]).toMatch(/^(True|False)$/);
      expect(r[3]).toMatch(genre);
      expect(r[5]).toMatch(/^\d+$/);
      expect(r[6]).toMatch(/^tt\d{7}$/);
      expect(r[10]).toMatch(/^\d+\.\d+$/);
      expect(r[14]).toMatch(/^(\d{4}-\d{2}-\d{2})?$/);
      expect(r[16]).toMatch(/^(\d+\.0)?$/);
      expect(r[22]).toMatch(/^(\d+\.\d)?$/);
      for (const col of [1, 3, 12, 13, 17])
        if (r[col] !== '') expect(() => parsePyLiteral(r[col]!)).not.toThrow();
    }
    expect(recs.some((r) => r[3] === '[]')).toBe(true);
    expect(recs.some((r) => r[20]!.includes("'") || r[20]!.includes('"'))).toBe(true);
    expect(recs.some((r) => r[12]!.includes('"'))).toBe(true); // a company name in Python double quotes
    for (const f of ['keywords.csv', 'credits.csv']) {
      for (const r of rows(read(dir, f)).slice(1)) {
        for (const cell of f === 'keywords.csv' ? [r[1]!] : [r[0]!, r[1]!]) {
          expect(Array.isArray(parsePyLiteral(cell))).toBe(true);
        }
      }
    }
  });

  it('plants the link defects: empty, repeated and unknown tmdbIds', () => {
    const links = rows(read(dir, 'links.csv')).slice(1);
    expect(links).toHaveLength(truth.links.count);
    const ids = links.map((l) => Number(l[0]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    for (const l of links) expect(l[1]).toMatch(/^\d{7}$/);
    expect(links.filter((l) => l[2] === '').map((l) => Number(l[0]))).toEqual(truth.links.emptyTmdbMovieIds);
    expect(truth.links.emptyTmdbMovieIds.length).toBeGreaterThan(0);
    const byTmdb = new Map<string, number[]>();
    for (const l of links) if (l[2] !== '') byTmdb.set(l[2]!, [...(byTmdb.get(l[2]!) ?? []), Number(l[0])]);
    const repeated = [...byTmdb]
      .filter(([, m]) => m.length > 1)
      .map(([t, m]) => ({ tmdbId: Number(t), movieIds: m }));
    expect(repeated).toEqual(expect.arrayContaining(truth.links.repeatedTmdbIds));
    expect(repeated).toHaveLength(truth.links.repeatedTmdbIds.length);
    const metaIds = new Set(
      rows(read(dir, 'movies_metadata.csv'))
        .slice(1)
        .filter((r) => r.length !== 15)
        .map((r) => r[5]),
    );
    const unknown = links.filter((l) => l[2] !== '' && !metaIds.has(l[2]));
    expect(unknown.map((l) => ({ movieId: Number(l[0]), tmdbId: Number(l[2]) }))).toEqual(
      truth.links.unknownTmdb,
    );
    expect(unknown.length).toBeGreaterThan(0);
  });

  it('writes sorted ratings in half-star steps, one per (user, movie), with the truth mapped count', () => {
    const text = read(dir, 'ratings.csv');
    const lines = text.split('\r\n').slice(1, -1);
    expect(lines).toHaveLength(truth.ratings.count);
    const links = new Map(
      rows(read(dir, 'links.csv'))
        .slice(1)
        .map((l) => [l[0]!, l[2]!]),
    );
    const metaIds = new Set(
      rows(read(dir, 'movies_metadata.csv'))
        .slice(1)
        .filter((r) => r.length !== 15)
        .map((r) => r[5]),
    );
    let prevUser = 0;
    let prevMovie = 0;
    let mapped = 0;
    const users = new Set<string>();
    const lookup = new Map<string, string>();
    for (const line of lines) {
      const [u, m, r, ts] = line.split(',') as [string, string, string, string];
      expect(r).toMatch(/^(0\.5|[1-4]\.[05]|5\.0)$/);
      const un = Number(u);
      const mn = Number(m);
      expect(un > prevUser || (un === prevUser && mn > prevMovie)).toBe(true);
      prevUser = un;
      prevMovie = mn;
      users.add(u);
      const t = links.get(m);
      expect(t).toBeDefined();
      if (t !== '' && metaIds.has(t)) mapped++;
      const tsn = Number(ts);
      expect(tsn >= 788_918_400 && tsn < 1_514_764_800).toBe(true); // 1995 .. 2017
      lookup.set(`${u},${m}`, `${r},${ts}`);
    }
    expect(users.size).toBe(truth.ratings.users);
    expect(prevUser).toBe(truth.ratings.users);
    expect(mapped).toBe(truth.ratings.mappedToMetadata);
    expect(truth.ratings.unmapped).toBe(truth.ratings.count - mapped);
    expect(truth.ratings.unmapped).toBeGreaterThan(0);
    expect(truth.ratings.spotChecks.some((c) => !c.mapped)).toBe(true);
    for (const c of truth.ratings.spotChecks) {
      expect(lookup.get(`${c.userId},${c.movieId}`)).toBe(`${c.rating},${c.timestamp}`);
      const t = links.get(String(c.movieId));
      expect(t === '' ? null : Number(t)).toBe(c.tmdbId);
    }
  });

  it('writes a separate small pair and a monthly CPI series', () => {
    const small = read(dir, 'ratings_small.csv').split('\r\n').slice(1, -1);
    expect(small).toHaveLength(truth.ratingsSmall.count);
    const smallLinks = new Set(
      rows(read(dir, 'links_small.csv'))
        .slice(1)
        .map((l) => l[0]),
    );
    expect(smallLinks.size).toBe(truth.linksSmall.count);
    for (const line of small) expect(smallLinks.has(line.split(',')[1])).toBe(true);
    expect(Number(small.at(-1)!.split(',')[0])).toBe(truth.ratingsSmall.users);

    const cpi = read(dir, 'CUSR0000SS62031.csv').split('\n').slice(1, -1);
    expect(cpi).toHaveLength(truth.cpi.months);
    expect(cpi[0]).toBe('1999-01-01,102.700');
    expect(cpi.at(-1)!.startsWith('2026-10-01,')).toBe(true);
    for (const l of cpi) expect(l).toMatch(/^\d{4}-\d{2}-01,\d+\.\d{3}$/);
  });

  it('writes an all-items CPI (CPIAUCNS) from 1913 to the movie CPI’s last month, rising like the real one', () => {
    const text = read(dir, 'CPIAUCNS.csv');
    expect(text).not.toContain('\r');
    expect(firstLine(text)).toBe('observation_date,CPIAUCNS');
    const lines = text.split('\n').slice(1, -1);
    expect(truth.cpiAllItems).toEqual({
      file: 'CPIAUCNS.csv',
      header: 'observation_date,CPIAUCNS',
      months: lines.length,
      first: '1913-01-01',
      last: truth.cpi.last,
      missing: [],
    });
    expect(lines).toHaveLength((2026 - 1913) * 12 + 10);
    expect(lines[0]).toBe('1913-01-01,9.800');
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d{2}-01,\d+\.\d{3}$/);
    const value = (month: string): number => Number(lines.find((l) => l.startsWith(month))!.split(',')[1]);
    expect(value('1999-01')).toBeGreaterThan(120);
    expect(value('1999-01')).toBeLessThan(220);
    expect(value('2024-01')).toBeGreaterThan(250);
    expect(value('2024-01')).toBeLessThan(400);
    expect(truth.files['CPIAUCNS.csv']).toMatchObject({ lineEnding: 'LF', records: lines.length });
  });
});

describe('determinism', () => {
  it('gives byte-identical files (zip included) for the same seed and different files for another seed', async () => {
    const [a, b, c] = [freshDir(), freshDir(), freshDir()];
    await generateDataset({ out: a, movies: 150, ratings: 5_000, seed: 5, zip: true });
    await generateDataset({ out: b, movies: 150, ratings: 5_000, seed: 5, zip: true });
    await generateDataset({ out: c, movies: 150, ratings: 5_000, seed: 6 });
    const files = readdirSync(a).sort();
    expect(readdirSync(b).sort()).toEqual(files);
    for (const f of files) expect(sha(b, f), f).toBe(sha(a, f));
    for (const f of KAGGLE_FILES) expect(sha(c, f), f).not.toBe(sha(a, f));
    expect(files).toContain('CPIAUCNS.csv');
    expect(sha(c, 'CPIAUCNS.csv')).not.toBe(sha(a, 'CPIAUCNS.csv'));
  });

  it('adding CPIAUCNS.csv (its own PRNG stream) left every other file byte-identical to before', async () => {
    // sha256 of the files for these options, recorded before CPIAUCNS.csv was added to the generator.
    const before: Record<string, string> = {
      'CUSR0000SS62031.csv': 'd1fe2930c05edaafb78e96f08276c803be1a247a1cbe9badc0a3e1616c06f669',
      'credits.csv': 'd92281573a96e2db5059fa6bad4c7ed0d4cc79ae7ae6d447d68ac24c40d22e7a',
      'keywords.csv': '4c6bc761fafe036f8e496f4410255d82bf213c9106c14fb06ee814030451d6f4',
      'links.csv': '2a98d7fc0f6d9455356bf18a1fe63c8e6773eb1e64afd88e52d5ad65467d9e0f',
      'links_small.csv': '7f2be75eaf198363216d19e59b16321e62523e0afb2ee6bea4df24096d3216fa',
      'movies_metadata.csv': '1b67502ff18946b0140d0c5693ce7b9a47f8853f531965564adca89655ad5481',
      'ratings.csv': '628d36d2652dc34dcba1cec94254a4c738c6b3592f5cda7368af020c37643f75',
      'ratings_small.csv': '808a61a6114eac244616bf60db9e6c0e8b0d71ed949c8e7ac08c7b276586df2b',
    };
    const d = freshDir();
    await generateDataset({ out: d, movies: 150, ratings: 5_000, seed: 5 });
    for (const [f, h] of Object.entries(before)) expect(sha(d, f), f).toBe(h);
  });
});

describe('--zip', () => {
  it('packs the 7 Kaggle CSVs at the top level with the loose files as content', async () => {
    const dir = freshDir();
    const result = await generateDataset({ out: dir, movies: 150, ratings: 5_000, seed: 9, zip: true });
    expect(result.truth.zip?.entries).toEqual([...KAGGLE_FILES]);
    const entries = await readZip(join(dir, 'the-movies-dataset.zip'));
    expect([...entries.keys()].sort()).toEqual([...KAGGLE_FILES].sort());
    for (const [name, content] of entries)
      expect(content.equals(readFileSync(join(dir, name))), name).toBe(true);
    expect(entries.has('CUSR0000SS62031.csv')).toBe(false);
    expect(entries.has('CPIAUCNS.csv')).toBe(false);
  });
});

function readZip(path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolveZip, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolveZip(out));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

describe('movalytics generate (CLI)', () => {
  async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const ow = process.stdout.write.bind(process.stdout);
    const ew = process.stderr.write.bind(process.stderr);
    process.stdout.write = (s: string | Uint8Array) => ((stdout += String(s)), true);
    process.stderr.write = (s: string | Uint8Array) => ((stderr += String(s)), true);
    try {
      const code = await main(args);
      return { code, stdout, stderr };
    } finally {
      process.stdout.write = ow;
      process.stderr.write = ew;
      process.exitCode = undefined;
    }
  }

  it('writes the default sample and prints a summary to stdout, progress to stderr', async () => {
    const dir = freshDir();
    const r = await run(['generate', '--out', dir, '--fred-header', 'DATE']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ratings.csv');
    expect(r.stdout).toContain('100,000');
    const truth = JSON.parse(read(dir, 'truth.json')) as Truth;
    expect(truth.options).toMatchObject({ movies: 2_000, ratings: 100_000, seed: 42, fredHeader: 'DATE' });
    const cpiHeader = firstLine(read(dir, 'CUSR0000SS62031.csv'));
    expect(cpiHeader).toBe('DATE,CUSR0000SS62031');
    expect(firstLine(read(dir, 'CPIAUCNS.csv'))).toBe('DATE,CPIAUCNS');
    expect(r.stdout).toContain('CPIAUCNS.csv');
    if (haveReal)
      expect(cpiHeader).toBe(firstLine(readFileSync(join(realDir, 'CUSR0000SS62031.csv'), 'utf8')));
    else console.warn('NOTICE: real CPI header not compared (real data folder missing)');
  });

  const fileDir = freshDir();
  const aFile = join(fileDir, 'not-a-dir');
  writeFileSync(aFile, 'x');
  it.each([
    [['generate', '--out', fileDir, '--bogus'], /unknown option/],
    [['generate'], /--out/],
    [['generate', '--out', fileDir, '--ratings', '-5'], /--ratings/],
    [['generate', '--out', fileDir, '--ratings', '2.5'], /--ratings "2\.5"/],
    [
      ['generate', '--out', fileDir, '--movies', '10'],
      /--movies 10 is out of range; pass a whole number from 100/,
    ],
    [['generate', '--out', fileDir, '--ratings', '0'], /--ratings 0 is out of range/],
    [['generate', '--out', fileDir, '--movies', 'many'], /--movies "many"/],
    [['generate', '--out', fileDir, '--seed', 'abc'], /--seed "abc"/],
    [['generate', '--out', fileDir, '--fred-header', 'date'], /--fred-header "date"/],
    [['generate', '--out', aFile], /is a file, not a folder/],
    [['generate', '--out', join(aFile, 'sub')], /is not writable/],
  ])('exits 2 with one line for %j', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
