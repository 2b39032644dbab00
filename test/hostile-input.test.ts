// Hostile input through the real CLI, one row per case: a non-DuckDB warehouse file, file-system errors (real
// read-only and full disks where this machine lets us mount them, a file-size limit, a path under a file), hostile
// zips, and silent value damage (Latin-1 bytes, implausible rating times). Each row: input, exit code, message.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/core/errors.js';
import { KAGGLE_FILES, generateDataset } from '../src/generate/index.js';
import { MOVIES_METADATA_HEADER } from '../src/stages/load/movies-metadata.js';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/index.js';
import { repoRoot, runCli, tempDir } from './support/helpers.js';
import { declareSize, renameEntry, zipOf } from './support/zip-craft.js';

const root = tempDir('hostile');
const base = join(root, 'base');
const CPI = 'CUSR0000SS62031.csv';

beforeAll(async () => {
  await generateDataset({ out: base, movies: 200, ratings: 3000, seed: 11 });
});

const mounted: string[] = [];
afterAll(() => {
  for (const m of mounted) execFileSync('umount', [m]);
});

/** Mounts a tmpfs at `dir` (real read-only or tiny disks); false where this machine does not allow it. */
function tryMount(dir: string, options: string): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return false;
  }
  mounted.push(dir);
  return true;
}

/** A case's folder: a copy of the generated input in `in`, and where its warehouse and staging go. */
interface CaseDir {
  dir: string;
  input: string;
  warehouse: string;
  staging: string;
  args: (over?: { input?: string; warehouse?: string; staging?: string }) => string[];
}

let caseCount = 0;
/**
 * Writes a file as a user's stray file is: modified an hour ago. A file written this instant is given a few seconds
 * to become a database (another run may be creating it), which would only make the case wait.
 */
function writeStrayFile(file: string, text: string): void {
  writeFileSync(file, text);
  const anHourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(file, anHourAgo, anHourAgo);
}

function caseDir(): CaseDir {
  const dir = join(root, `case${++caseCount}`);
  const input = join(dir, 'in');
  cpSync(base, input, { recursive: true });
  const c: CaseDir = {
    dir,
    input,
    warehouse: join(dir, 'w.duckdb'),
    staging: join(dir, 'stg'),
    args: (over = {}) => [
      'run',
      '--input',
      over.input ?? c.input,
      '--warehouse',
      over.warehouse ?? c.warehouse,
      '--staging',
      over.staging ?? c.staging,
    ],
  };
  return c;
}

/** The generated Kaggle files as zip entries, plus `extra`; the FRED file goes beside the zip. */
async function kaggleZip(c: CaseDir, extra: Record<string, string | Buffer> = {}): Promise<Buffer> {
  const entries: Record<string, Buffer> = {};
  for (const name of KAGGLE_FILES) entries[name] = readFileSync(join(c.input, name));
  return zipOf({ ...entries, ...extra });
}

function writeZip(c: CaseDir, zip: Buffer): string {
  const folder = join(c.dir, 'zipped');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, CPI), readFileSync(join(c.input, CPI)));
  const file = join(folder, 'the-movies-dataset.zip');
  writeFileSync(file, zip);
  return file;
}

/** Every file name under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

async function quarantineReasons(warehouse: string, file: string): Promise<string[]> {
  const wh = await DuckDbWarehouse.open({ path: warehouse });
  try {
    const rows = await wh.query<{ reason: string }>(
      `SELECT reason FROM movalytics.quarantine WHERE source_file = $1 ORDER BY reason`,
      [file],
    );
    return rows.map((r) => r.reason);
  } finally {
    await wh.close();
  }
}

/** recordsRead = loaded + quarantined + duplicates + merged, for every file of the last run. */
async function reconciliationHolds(warehouse: string): Promise<void> {
  const wh = await DuckDbWarehouse.open({ path: warehouse });
  try {
    const rows = await wh.query<{ file_name: string; off: number }>(
      `SELECT file_name, records_read - rows_loaded - rows_quarantined - duplicates_collapsed - records_merged AS off
       FROM movalytics.reconciliation WHERE run_id = (SELECT max(run_id) FROM movalytics.reconciliation)`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect({ file: r.file_name, off: r.off }).toEqual({ file: r.file_name, off: 0 });
  } finally {
    await wh.close();
  }
}

/** One movies_metadata record with a new id and a title of raw bytes. */
function metadataRecord(id: number, title: Buffer): Buffer {
  const values: Record<string, string> = {
    adult: 'False',
    budget: '0',
    genres: "\"[{'id': 18, 'name': 'Drama'}]\"",
    id: String(id),
    imdb_id: 'tt9999991',
    original_language: 'fr',
    overview: 'A story.',
    popularity: '1.5',
    release_date: '2001-04-25',
    revenue: '0',
    runtime: '122.0',
    status: 'Released',
    video: 'False',
    vote_average: '7.9',
    vote_count: '100',
  };
  const fields = MOVIES_METADATA_HEADER.map((h) =>
    h === 'title' || h === 'original_title' ? title : Buffer.from(values[h] ?? ''),
  );
  const parts: Buffer[] = [];
  fields.forEach((f, i) => parts.push(i === 0 ? f : Buffer.concat([Buffer.from(','), f])));
  return Buffer.concat([...parts, Buffer.from('\r\n')]);
}

/** A config file setting maxLineBytes to 1 MiB (the default, 64 MiB, would make the cases slow to build). */
function lineLimitConfig(c: CaseDir): string {
  const file = join(c.dir, 'movalytics.config.json');
  writeFileSync(file, JSON.stringify({ maxLineBytes: 1024 * 1024 }));
  return file;
}

interface Case {
  item: string;
  name: string;
  /** Builds the input; returns the CLI arguments, or a string: why the case is skipped on this machine. */
  setup: (c: CaseDir) => Promise<string[] | string>;
  code: number;
  /** Expected in what the CLI wrote (stderr for a failure). */
  message: RegExp;
  /** Run in a child process under `ulimit -f <blocks>` (1 KiB blocks). */
  fileSizeLimit?: number;
  then?: (c: CaseDir) => Promise<void>;
}

const CASES: Case[] = [
  // Item 4: an existing non-DuckDB warehouse file is refused before anything runs.
  {
    item: '4',
    name: '--warehouse an existing .csv (DuckDB would ATTACH it as an in-memory view)',
    setup: (c) => {
      writeStrayFile(join(c.dir, 'existing.csv'), 'a,b\n1,2\n');
      return Promise.resolve(c.args({ warehouse: join(c.dir, 'existing.csv') }));
    },
    code: EXIT.usage,
    message: /warehouse .*existing\.csv exists but is not a DuckDB database file \(no "DUCK" header\)/,
    then: (c) => {
      expect(readFileSync(join(c.dir, 'existing.csv'), 'utf8')).toBe('a,b\n1,2\n');
      expect(existsSync(c.staging)).toBe(false); // refused before staging
      return Promise.resolve();
    },
  },
  {
    item: '4',
    name: '--warehouse an empty 0-byte file',
    setup: (c) => {
      writeStrayFile(c.warehouse, '');
      return Promise.resolve(c.args());
    },
    code: EXIT.usage,
    message:
      /warehouse .*w\.duckdb is an empty file \(0 bytes\), not a DuckDB database — delete it or point --warehouse at a new path/,
    then: (c) => {
      expect(existsSync(c.staging)).toBe(false);
      return Promise.resolve();
    },
  },
  {
    item: '4',
    name: '--warehouse a folder',
    setup: (c) => {
      mkdirSync(c.warehouse);
      return Promise.resolve(c.args());
    },
    code: EXIT.usage,
    message: /warehouse .*w\.duckdb is a folder, not a DuckDB database file/,
  },
  // Item 5: file-system errors are one line with the path and the fix, never "internal error".
  {
    item: '5',
    name: '--staging under a regular file (ENOTDIR)',
    setup: (c) => Promise.resolve(c.args({ staging: join(c.input, 'links.csv', 'stg') })),
    code: EXIT.usage,
    message:
      /cannot copy the input into the staging area .*links\.csv.*: a part of the path is a file where a folder is expected \(ENOTDIR\) — point --staging at a folder/,
  },
  {
    item: '5',
    name: '--config is a folder',
    setup: (c) => Promise.resolve([...c.args(), '--config', c.input]),
    code: EXIT.usage,
    message: /config file .*in/,
  },
  {
    item: '5',
    name: 'read-only staging disk (a read-only tmpfs: chmod does not stop root)',
    setup: (c) =>
      Promise.resolve(
        tryMount(join(c.dir, 'ro'), 'ro,size=1m')
          ? c.args({ staging: join(c.dir, 'ro', 'stg') })
          : 'cannot mount a tmpfs here',
      ),
    code: EXIT.taskFailed,
    message: /cannot .*ro\/stg.*: the file system is read-only \(EROFS\)/,
  },
  {
    item: '5',
    name: 'full staging disk (a 64 KiB tmpfs)',
    setup: (c) =>
      Promise.resolve(
        tryMount(join(c.dir, 'tiny'), 'size=64k')
          ? c.args({ staging: join(c.dir, 'tiny') })
          : 'cannot mount a tmpfs here',
      ),
    code: EXIT.taskFailed,
    message:
      /cannot copy the input into the staging area .*tiny\/.*: the disk is full \(or the quota is used up\) \(ENOSPC\) — free space on it, or point --staging at another folder/,
  },
  {
    item: '5',
    name: 'a file-size limit (ulimit -f 16, EFBIG) in a child process',
    setup: (c) => Promise.resolve(c.args()),
    fileSizeLimit: 16,
    code: EXIT.taskFailed,
    message:
      /cannot .*stg.*: the file is larger than this file system or the process file-size limit \(ulimit -f\) allows \(EFBIG\)/,
  },
  // Item 6: hostile archives.
  {
    item: '6',
    name: 'zip with a ../../evil.csv entry',
    setup: async (c) =>
      c.args({
        input: writeZip(
          c,
          renameEntry(await kaggleZip(c, { 'xx/xx/evil.csv': 'a\n' }), 'xx/xx/evil.csv', '../../evil.csv'),
        ),
      }),
    code: EXIT.usage,
    message: /unsafe entry path \.\.\/\.\.\/evil\.csv — the archive is not a Kaggle download; refusing it/,
    then: (c) => {
      expect(filesUnder(c.staging).filter((f) => f.endsWith('.csv'))).toEqual([]);
      expect(filesUnder(c.dir).includes('evil.csv')).toBe(false);
      return Promise.resolve();
    },
  },
  {
    item: '6',
    name: 'zip with an absolute /tmp/evil.csv entry',
    setup: async (c) =>
      c.args({
        input: writeZip(
          c,
          renameEntry(await kaggleZip(c, { 'xtmp/evil.csv': 'a\n' }), 'xtmp/evil.csv', '/tmp/evil.csv'),
        ),
      }),
    code: EXIT.usage,
    message: /unsafe entry path \/tmp\/evil\.csv — the archive is not a Kaggle download/,
  },
  {
    // Issue 22, bug 4: a zip whose ratings.csv is one huge line stops while unpacking, naming file, line and limit.
    item: '22.4',
    name: 'zip whose ratings.csv is one line longer than maxLineBytes',
    setup: async (c) => {
      const line = `userId,movieId,rating,timestamp\r\n${'9'.repeat(3 * 1024 * 1024)}\r\n`;
      return [
        ...c.args({ input: writeZip(c, await kaggleZip(c, { 'ratings.csv': line })) }),
        '--config',
        lineLimitConfig(c),
      ];
    },
    code: EXIT.usage,
    message: /the-movies-dataset\.zip!ratings\.csv line 2 is longer than 1,048,576 bytes — .*"maxLineBytes"/,
    then: (c) => {
      // Nothing of the failed unpack is left behind in staging.
      expect(filesUnder(c.staging).filter((f) => f.endsWith('.csv'))).toEqual([]);
      return Promise.resolve();
    },
  },
  {
    item: '22.4',
    name: 'a loose links.csv with a line longer than maxLineBytes',
    setup: (c) => {
      appendFileSync(join(c.input, 'links.csv'), `1,${'0'.repeat(2 * 1024 * 1024)},5\r\n`);
      return Promise.resolve([...c.args(), '--config', lineLimitConfig(c)]);
    },
    code: EXIT.usage,
    message: /links\.csv line \d+ is longer than 1,048,576 bytes/,
  },
  {
    // The staged copy is written while the line bound reads it: both fail on one chunk here. Once the write's
    // EFBIG went unhandled and killed the process with a stack trace, leaving the temp file.
    item: '22.4',
    name: 'a line past maxLineBytes under a file-size limit (the write and the bound fail together)',
    setup: (c) => {
      // In every file, so the first one staged has it, whichever that is.
      for (const f of readdirSync(c.input).filter((n) => n.endsWith('.csv')))
        appendFileSync(join(c.input, f), `1,${'0'.repeat(2 * 1024 * 1024)},5\r\n`);
      return Promise.resolve([...c.args(), '--config', lineLimitConfig(c)]);
    },
    fileSizeLimit: 16,
    code: EXIT.usage,
    message: /\.csv line \d+ is longer than 1,048,576 bytes/,
    then: (c) => {
      expect(filesUnder(c.staging).filter((f) => f.includes('.tmp'))).toEqual([]);
      return Promise.resolve();
    },
  },
  {
    // Issue 22, bug 3: one huge movies_metadata record is quarantined, and the publish reads the quarantine back.
    item: '22.3',
    name: 'a 20 MiB movies_metadata.csv record is quarantined with its raw text cut',
    setup: (c) => {
      appendFileSync(join(c.input, 'movies_metadata.csv'), `False,"${'x'.repeat(20 * 1024 * 1024)}",3\n`);
      return Promise.resolve(c.args());
    },
    code: EXIT.ok,
    message: /movies_metadata\.csv/,
    then: async (c) => {
      const wh = await DuckDbWarehouse.open({ path: c.warehouse });
      try {
        const rows = await wh.query<{ reason: string; n: number; raw: string }>(
          `SELECT reason, length(raw) AS n, raw FROM movalytics.quarantine
           WHERE source_file = 'movies_metadata.csv' AND length(raw) > 60000`,
        );
        expect(rows).toHaveLength(1);
        expect(rows[0]!.reason).toMatch(/has 3 fields, expected 24/);
        expect(rows[0]!.n).toBeLessThan(70_000);
        expect(rows[0]!.raw).toMatch(/ … \[cut: the record is 20,971,5\d\d bytes, sha256 [0-9a-f]{64}\]$/);
      } finally {
        await wh.close();
      }
      await reconciliationHolds(c.warehouse);
    },
  },
  {
    item: '6',
    name: 'zip whose ratings.csv inflates past its declared size',
    setup: async (c) => c.args({ input: writeZip(c, declareSize(await kaggleZip(c), 'ratings.csv', 4096)) }),
    code: EXIT.usage,
    message: /an entry does not inflate to the size its header declares .* refusing it, nothing was kept/,
    then: (c) => {
      expect(filesUnder(c.staging).filter((f) => f.endsWith('.csv'))).toEqual([]);
      return Promise.resolve();
    },
  },
  {
    item: '6',
    name: 'zip that unpacks to more than the staging disk holds (1 MiB tmpfs)',
    setup: async (c) => {
      if (!tryMount(join(c.dir, 'small'), 'size=1m')) return 'cannot mount a tmpfs here';
      // An incremental ratings drop of 3 MB that deflates to a few KiB: a small zip, a large unpack.
      const drop = 'userId,movieId,rating,timestamp\r\n' + '1,1,4.0,1600000000\r\n'.repeat(150_000);
      return c.args({
        input: writeZip(c, await kaggleZip(c, { 'ratings_2026-11.csv': drop })),
        staging: join(c.dir, 'small'),
      });
    },
    code: EXIT.taskFailed,
    message:
      /the-movies-dataset\.zip unpacks to \d+\.\d MiB but the staging disk at .*small.* has \d+\.\d (KiB|MiB) free — free space or point --staging at a larger disk/,
    then: (c) => {
      expect(filesUnder(join(c.dir, 'small')).filter((f) => f.endsWith('.csv'))).toEqual([]);
      return Promise.resolve();
    },
  },
  {
    item: '6',
    name: 'zip entries the layout ignores are not extracted',
    setup: async (c) => c.args({ input: writeZip(c, await kaggleZip(c, { 'notes.txt': 'hello' })) }),
    code: EXIT.ok,
    message: /Answers/,
    then: (c) => {
      const staged = filesUnder(c.staging);
      expect(staged).toContain('ratings.csv');
      for (const ignored of [
        'keywords.csv',
        'credits.csv',
        'ratings_small.csv',
        'links_small.csv',
        'notes.txt',
      ])
        expect(staged).not.toContain(ignored);
      return Promise.resolve();
    },
  },
  // Item 8: silent value damage becomes a quarantine row with a reason, and every record is still accounted for.
  {
    item: '8',
    name: 'Latin-1 bytes in a movies_metadata.csv title',
    setup: (c) => {
      appendFileSync(
        join(c.input, 'movies_metadata.csv'),
        metadataRecord(9_999_991, Buffer.from('Am\xe9lie', 'latin1')),
      );
      return Promise.resolve(c.args());
    },
    code: EXIT.ok,
    message: /Answers/,
    then: async (c) => {
      const file = join(c.input, 'movies_metadata.csv');
      const record = metadataRecord(9_999_991, Buffer.from('Am\xe9lie', 'latin1'));
      const offset = statSync(file).size - record.length + record.indexOf(0xe9);
      expect(await quarantineReasons(c.warehouse, 'movies_metadata.csv')).toContain(
        `invalid UTF-8 at byte offset ${offset} — the file must be UTF-8 (was it saved as Latin-1?); row quarantined`,
      );
      const wh = await DuckDbWarehouse.open({ path: c.warehouse });
      try {
        const [r] = await wh.query<{ n: number }>(
          `SELECT count(*) AS n FROM movies.movie WHERE movie_id = 9999991 OR title LIKE '%' || chr(65533) || '%'`,
        );
        expect(r?.n).toBe(0);
      } finally {
        await wh.close();
      }
      await reconciliationHolds(c.warehouse);
    },
  },
  {
    item: '8',
    name: 'a ratings line cut inside its timestamp, and one dated after the run',
    setup: (c) => {
      appendFileSync(join(c.input, 'ratings.csv'), '1,2,4.0,12\r\n1,3,4.0,4102444800\r\n');
      return Promise.resolve(c.args());
    },
    code: EXIT.ok,
    message: /Answers/,
    then: async (c) => {
      const reasons = await quarantineReasons(c.warehouse, 'ratings.csv');
      expect(reasons).toContain(
        'timestamp 12 (1970-01-01) is before 1995-01-01, the first MovieLens rating — row quarantined',
      );
      expect(
        reasons.some((r) =>
          /^timestamp 4102444800 \(2100-01-01\) is after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, when this run started — row quarantined$/.test(
            r,
          ),
        ),
      ).toBe(true);
      await reconciliationHolds(c.warehouse);
    },
  },
];

describe('hostile input through the CLI', () => {
  it.each(CASES.map((c) => [`#${c.item} ${c.name}`, c] as const))('%s', async (_label, tc) => {
    const c = caseDir();
    const args = await tc.setup(c);
    if (typeof args === 'string') {
      console.warn(`NOTICE: hostile-input "${tc.name}": ${args} — SKIPPED`);
      return;
    }
    let r: { code: number; stdout: string; stderr: string };
    if (tc.fileSizeLimit !== undefined) {
      const bin = join(repoRoot, 'dist', 'cli', 'bin.js');
      const quoted = [bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      const child = spawnSync(
        'bash',
        ['-c', `ulimit -f ${tc.fileSizeLimit}; exec '${process.execPath}' ${quoted}`],
        {
          encoding: 'utf8',
        },
      );
      r = { code: child.status ?? -1, stdout: child.stdout, stderr: child.stderr };
    } else {
      r = await runCli(args);
    }
    const output = tc.code === EXIT.ok ? r.stdout : r.stderr;
    // Code and output in one assertion, so a failure shows what the CLI said.
    expect({ code: r.code, output }).toMatchObject({ code: tc.code });
    expect(output).toMatch(tc.message);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    // The error itself is one line (progress lines of the tasks may come before it).
    if (tc.code !== EXIT.ok) {
      expect(r.stderr.split('\n').filter((l) => l.startsWith('movalytics:'))).toHaveLength(1);
      expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/^movalytics: /);
    }
    await tc.then?.(c);
  });
});
