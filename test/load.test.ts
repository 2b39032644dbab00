// Integration tests of `movalytics run` on generated data: exact counts against the generator's truth.json,
// repaired and quarantined records, reconciliation, idempotence, incremental loads, atomicity, and bad input.
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { EXIT, InputError, TaskError } from '../src/core/errors.js';
import { generateDataset, type Truth } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { withFailpoint } from '../src/core/test-hooks.js';
import { stageInputs } from '../src/stages/stage/stage-files.js';
import { newPackageId, StagingArea } from '../src/stages/stage/staging-area.js';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/index.js';
import { repoRoot, runCli, tempDir } from './support/helpers.js';

const MODEL = ['movie', 'genre', 'movie_genre', 'movie_link', 'rating', 'date', 'cpi'] as const;

/** A fingerprint per model table: row count and an order-independent hash of every column. */
async function checksums(warehouse: string): Promise<Record<string, string>> {
  const wh = await DuckDbWarehouse.open({ path: warehouse });
  try {
    const out: Record<string, string> = {};
    for (const t of MODEL) {
      const [r] = await wh.query<{ n: number; h: string }>(
        `SELECT count(*) AS n, CAST(coalesce(sum(hash(t)), 0) AS VARCHAR) AS h FROM movies.${t} t`,
      );
      out[t] = `${r!.n}:${r!.h}`;
    }
    return out;
  } finally {
    await wh.close();
  }
}

async function q<T extends Record<string, string | number | boolean | null>>(
  warehouse: string,
  sql: string,
): Promise<T[]> {
  const wh = await DuckDbWarehouse.open({ path: warehouse });
  try {
    return await wh.query<T>(sql);
  } finally {
    await wh.close();
  }
}

function copyDir(from: string, to: string): void {
  for (const f of readdirSync(from)) {
    if (f.endsWith('.csv')) copyFileSync(join(from, f), join(to, f));
  }
}

/** `movalytics run` arguments for a test folder. */
function runArgs(dir: string, input: string): string[] {
  return ['run', '--input', input, '--warehouse', join(dir, 'w.duckdb'), '--staging', join(dir, 'staging')];
}

function configFor(dir: string, input: string) {
  return loadConfig({
    cwd: dir,
    overrides: { input, warehouse: join(dir, 'w.duckdb'), staging: join(dir, 'staging') },
  });
}

describe('run on generated data', () => {
  const root = tempDir('load');
  const data = join(root, 'data');
  let truth: Truth;
  beforeAll(async () => {
    truth = (await generateDataset({ out: data, movies: 1500, ratings: 60_000, seed: 7 })).truth;
  });

  describe('a cold load', () => {
    const dir = tempDir('cold');
    let summary: Awaited<ReturnType<typeof runPipeline>>;
    beforeAll(async () => {
      summary = await runPipeline(configFor(dir, data));
    });
    const wh = (): string => join(dir, 'w.duckdb');

    it('loads exactly the counts the generator planted', async () => {
      expect(summary.status).toBe('success');
      const [c] = await q<{
        movie: number;
        link: number;
        rating: number;
        users: number;
        cpi: number;
        cpi_all: number;
        mapped: number;
      }>(
        wh(),
        `SELECT (SELECT count(*) FROM movies.movie) AS movie, (SELECT count(*) FROM movies.movie_link) AS link,
          (SELECT count(*) FROM movies.rating) AS rating, (SELECT count(DISTINCT user_id) FROM movies.rating) AS users,
          (SELECT count(*) FROM movies.cpi WHERE series_id = 'CUSR0000SS62031') AS cpi,
          (SELECT count(*) FROM movies.cpi WHERE series_id = 'CPIAUCNS') AS cpi_all,
          (SELECT count(*) FROM movies.rating_mapped) AS mapped`,
      );
      expect(c).toEqual({
        movie: truth.movies.distinctIds,
        link: truth.links.count,
        rating: truth.ratings.count,
        users: truth.ratings.users,
        cpi: truth.cpi.months,
        cpi_all: truth.cpiAllItems.months,
        mapped: truth.ratings.mappedToMetadata,
      });
    });

    it('stitches the three broken records back together', async () => {
      const rows = await q<{ movie_id: number; release_date: string; imdb_id: string }>(
        wh(),
        `SELECT movie_id, CAST(release_date AS VARCHAR) AS release_date, imdb_id FROM movies.movie WHERE movie_id IN (${truth.movies.broken.map((b) => b.tmdbId).join(',')}) ORDER BY release_date`,
      );
      expect(rows).toEqual(
        truth.movies.broken
          .map((b) => ({ movie_id: b.tmdbId, release_date: b.releaseDate, imdb_id: b.imdbId }))
          .sort((a, b) => a.release_date.localeCompare(b.release_date)),
      );
      const movies = summary.reports.find((r) => r.fileName === 'movies_metadata.csv')!;
      expect(movies).toMatchObject({
        recordsRead: truth.movies.records,
        rowsLoaded: truth.movies.distinctIds,
        recordsMerged: 3,
        duplicatesCollapsed: truth.movies.duplicates.length,
        rowsQuarantined: 0,
      });
    });

    it('collapses duplicates to the first occurrence', async () => {
      const dupIds = truth.movies.duplicates.map((d) => d.tmdbId);
      const [r] = await q<{ n: number }>(
        wh(),
        `SELECT count(*) AS n FROM movies.movie WHERE movie_id IN (${dupIds.join(',')})`,
      );
      expect(r!.n).toBe(new Set(dupIds).size);
    });

    it('stores empty votes and zero money as NULL', async () => {
      const ids = truth.movies.emptyVoteIds;
      const rows = await q<{ n: number }>(
        wh(),
        `SELECT count(*) AS n FROM movies.movie WHERE movie_id IN (${ids.join(',')}) AND vote_count IS NULL AND vote_average IS NULL`,
      );
      expect(rows[0]!.n).toBe(ids.length);
      const [m] = await q<{ zero: number; revenue: number }>(
        wh(),
        `SELECT count(*) FILTER (WHERE revenue = 0 OR budget = 0) AS zero, count(revenue) AS revenue FROM movies.movie`,
      );
      expect(m).toEqual({ zero: 0, revenue: truth.movies.withRevenue });
    });

    it('maps ratings through links, end to end, and keeps unmapped ones', async () => {
      for (const s of truth.ratings.spotChecks) {
        const rows = await q<{ rating: number; epoch: number; movie_id: number | null }>(
          wh(),
          `SELECT r.rating, epoch(r.rated_at) AS epoch, rm.movie_id FROM movies.rating r
           LEFT JOIN movies.rating_mapped rm ON rm.user_id = r.user_id AND rm.movielens_id = r.movielens_id
           WHERE r.user_id = ${s.userId} AND r.movielens_id = ${s.movieId}`,
        );
        expect(rows).toEqual([
          { rating: Number(s.rating), epoch: s.timestamp, movie_id: s.mapped ? s.tmdbId : null },
        ]);
      }
      expect(truth.ratings.spotChecks.some((s) => !s.mapped)).toBe(true);
      const mapped = summary.checks.find((c) => c.name === 'ratings.mapped_share')!;
      expect(mapped.observed).toContain(`${truth.ratings.unmapped.toLocaleString('en-US')} unmapped`);
    });

    it('keeps empty tmdbIds as NULL links and never merges ratings_small.csv', async () => {
      const [l] = await q<{ n: number }>(
        wh(),
        `SELECT count(*) AS n FROM movies.movie_link WHERE tmdb_id IS NULL`,
      );
      expect(l!.n).toBe(truth.links.emptyTmdbMovieIds.length);
      const small = summary.files.filter((f) => f.name.endsWith('_small.csv'));
      expect(small.map((f) => f.action)).toEqual(['ignored', 'ignored']);
    });

    it('accounts for every record of every file, and every check passes', async () => {
      for (const r of summary.reports) {
        expect(r.rowsLoaded + r.rowsQuarantined + r.duplicatesCollapsed + r.recordsMerged, r.fileName).toBe(
          r.recordsRead,
        );
        expect(r.recordsRead, r.fileName).toBe(truth.files[r.fileName]!.records);
      }
      expect(summary.checks.filter((c) => c.severity === 'error' && !c.passed)).toEqual([]);
      const stored = await q<{ n: number }>(
        wh(),
        `SELECT count(*) AS n FROM movalytics.check_result WHERE run_id = ${summary.runId}`,
      );
      expect(stored[0]!.n).toBe(summary.checks.length);
      const manifest = await q<{ file_name: string; sha256: string | null; data_lines: number | null }>(
        wh(),
        `SELECT file_name, sha256, data_lines FROM movalytics.manifest WHERE run_id = ${summary.runId} AND action = 'loaded' ORDER BY file_name`,
      );
      expect(manifest.map((m) => m.file_name)).toEqual([
        'CPIAUCNS.csv',
        'CUSR0000SS62031.csv',
        'links.csv',
        'movies_metadata.csv',
        'ratings.csv',
      ]);
      for (const m of manifest) expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
      // The load package: its manifest names each staged file by the sha256 of the bytes the load read.
      const pkg = JSON.parse(
        readFileSync(join(dir, 'staging', 'runs', summary.packageId, 'manifest.json'), 'utf8'),
      ) as { files: { name: string; sha256: string | null; staged: string | null }[] };
      const ratings = pkg.files.find((f) => f.name === 'ratings.csv')!;
      expect(ratings.staged).toBe(`raw/${ratings.sha256}`);
      expect(readFileSync(join(dir, 'staging', ratings.staged!))).toEqual(
        readFileSync(join(data, 'ratings.csv')),
      );
      const [stored2] = await q<{ package_id: string }>(
        wh(),
        `SELECT package_id FROM movalytics.run WHERE run_id = ${summary.runId}`,
      );
      expect(stored2!.package_id).toBe(summary.packageId);
    });

    it('a re-run changes nothing', async () => {
      const before = await checksums(wh());
      const again = await runPipeline(configFor(dir, data));
      expect(again.status).toBe('unchanged');
      expect(again.files.filter((f) => f.action === 'load')).toEqual([]);
      expect(await checksums(wh())).toEqual(before);
      // Touching a file without changing it costs a hash, not a load.
      const now = new Date();
      utimesSync(join(data, 'links.csv'), now, now);
      const touched = await runPipeline(configFor(dir, data));
      expect(touched.status).toBe('unchanged');
      expect(touched.files.find((f) => f.name === 'links.csv')!.note).toBe('same sha256 as last loaded');
      expect(await checksums(wh())).toEqual(before);
    });
  });

  it('loads a new ratings file incrementally: the later timestamp wins', async () => {
    const dir = tempDir('incr');
    const input = join(dir, 'in');
    mkdirSync(input);
    copyDir(data, input);
    await runPipeline(configFor(dir, input));
    const s = truth.ratings.spotChecks.find((x) => x.mapped)!;
    // One update (later), one stale (earlier: ignored), one brand-new pair, and a duplicate inside the file.
    writeFileSync(
      join(input, 'ratings_2026-11.csv'),
      [
        'userId,movieId,rating,timestamp',
        `${s.userId},${s.movieId},0.5,${s.timestamp + 10}`,
        `${s.userId},${s.movieId},1.0,${s.timestamp + 5}`,
        `999999,${s.movieId},4.5,1600000000`,
        `999999,${s.movieId},3.0,1500000000`,
        `1,${s.movieId === 1 ? 2 : 1},2.0,1400000000`,
      ].join('\r\n') + '\r\n',
    );
    const before = await q<{ n: number }>(join(dir, 'w.duckdb'), `SELECT count(*) AS n FROM movies.rating`);
    const run = await runPipeline(configFor(dir, input));
    expect(run.status).toBe('success');
    expect(run.files.filter((f) => f.action === 'load').map((f) => f.name)).toEqual(['ratings_2026-11.csv']);
    const rep = run.reports.find((r) => r.fileName === 'ratings_2026-11.csv')!;
    expect(rep).toMatchObject({ recordsRead: 5, duplicatesCollapsed: 2, rowsQuarantined: 0 });
    const rows = await q<{ rating: number }>(
      join(dir, 'w.duckdb'),
      `SELECT rating FROM movies.rating WHERE user_id = ${s.userId} AND movielens_id = ${s.movieId}`,
    );
    expect(rows).toEqual([{ rating: 0.5 }]);
    const newUser = await q<{ rating: number }>(
      join(dir, 'w.duckdb'),
      `SELECT rating FROM movies.rating WHERE user_id = 999999`,
    );
    expect(newUser).toEqual([{ rating: 4.5 }]);
    const after = await q<{ n: number }>(join(dir, 'w.duckdb'), `SELECT count(*) AS n FROM movies.rating`);
    expect(after[0]!.n - before[0]!.n).toBe(rep.rowsLoaded - 1);
    // An incremental drop with nothing in it is fine: read 0, loaded 0.
    writeFileSync(join(input, 'ratings_zz_empty.csv'), 'userId,movieId,rating,timestamp\r\n');
    const empty = await runPipeline(configFor(dir, input));
    expect(empty.status).toBe('success');
    expect(empty.reports).toEqual([
      {
        fileName: 'ratings_zz_empty.csv',
        recordsRead: 0,
        rowsLoaded: 0,
        rowsQuarantined: 0,
        duplicatesCollapsed: 0,
        recordsMerged: 0,
      },
    ]);
  });

  it('updates a movie row when movies_metadata.csv changes', async () => {
    const dir = tempDir('meta');
    const input = join(dir, 'in');
    mkdirSync(input);
    copyDir(data, input);
    await runPipeline(configFor(dir, input));
    const text = readFileSync(join(input, 'movies_metadata.csv'), 'utf8');
    const s = truth.ratings.spotChecks.find((x) => x.mapped)!;
    // Retitle the spot-check movie: its row is the one whose id field is the tmdbId, followed by the imdb id.
    const re = new RegExp(`(,${s.tmdbId},tt\\d{7},[a-z]{2},)`);
    expect(re.test(text)).toBe(true);
    const [oldRow] = await q<{ title: string }>(
      join(dir, 'w.duckdb'),
      `SELECT title FROM movies.movie WHERE movie_id = ${s.tmdbId}`,
    );
    writeFileSync(
      join(input, 'movies_metadata.csv'),
      text.split(`,${oldRow!.title},False,`).join(`,Retitled Movie,False,`),
    );
    const run = await runPipeline(configFor(dir, input));
    expect(run.files.filter((f) => f.action === 'load').map((f) => f.name)).toEqual(['movies_metadata.csv']);
    const [row] = await q<{ title: string }>(
      join(dir, 'w.duckdb'),
      `SELECT title FROM movies.movie WHERE movie_id = ${s.tmdbId}`,
    );
    expect(row!.title).toBe('Retitled Movie');
  });

  it('quarantines bad rows with a reason naming the field and value', async () => {
    const dir = tempDir('bad');
    const input = join(dir, 'in');
    mkdirSync(input);
    copyDir(data, input);
    const good =
      "False,,0,\"[{'id': 18, 'name': 'Drama'}]\",,ID,tt0000001,en,T,Overview,1.5,/p.jpg,[],[],DATE,0,90.0,[],Released,,T,False,5.0,10";
    appendFileSync(
      join(input, 'movies_metadata.csv'),
      [
        good.replace('ID', 'abc').replace('DATE', '2001-01-01'),
        good.replace('ID', '9000001').replace('DATE', '2001-02-30'),
        good.replace('ID', '9000002').replace('DATE', '2001-01-01').replace("'Drama'}]", "'Drama'} GATORADE"),
        good.replace('ID', '9000003').replace('DATE', '2001-01-01'),
      ].join('\n') + '\n',
    );
    // Three bad rows, and a duplicate of a spot-check pair with a later timestamp: it must win, the old one collapse.
    const spot = truth.ratings.spotChecks.find((x) => x.mapped)!;
    appendFileSync(
      join(input, 'ratings.csv'),
      `1,1,7.0,100\r\n1,x,3.0,100\r\n5,5\r\n${spot.userId},${spot.movieId},0.5,${spot.timestamp + 1}\r\n`,
    );
    appendFileSync(join(input, 'links.csv'), 'zz,0000001,1\r\n');
    const run = await runPipeline(configFor(dir, input));
    expect(run.status).toBe('success');
    const rows = await q<{ source_file: string; reason: string; raw: string; line_number: number | null }>(
      join(dir, 'w.duckdb'),
      `SELECT source_file, reason, raw, line_number FROM movalytics.quarantine ORDER BY source_file, reason`,
    );
    const reasons = rows.map((r) => `${r.source_file}: ${r.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^movies_metadata\.csv: id "abc" is not a number/),
        expect.stringMatching(/^movies_metadata\.csv: release_date "2001-02-30" is not a YYYY-MM-DD date/),
        expect.stringMatching(/^movies_metadata\.csv: genres is not a Python list/),
        expect.stringMatching(/^ratings\.csv: rating 7\.0 is not one of 0\.5/),
        expect.stringMatching(/^ratings\.csv: .*"x".*INTEGER/),
        expect.stringMatching(/^ratings\.csv: Expected Number of Columns: 4 Found: 2/),
        expect.stringMatching(/^links\.csv: .*"zz".*INTEGER/),
      ]),
    );
    expect(rows).toHaveLength(7);
    const abc = rows.find((r) => r.reason.includes('"abc"'))!;
    expect(abc.raw).toContain(',abc,tt0000001,');
    expect(abc.line_number).toBe(truth.files['movies_metadata.csv']!.lines + 1);
    const [m] = await q<{ n: number }>(
      join(dir, 'w.duckdb'),
      `SELECT count(*) AS n FROM movies.movie WHERE movie_id = 9000003`,
    );
    expect(m!.n).toBe(1);
    for (const r of run.reports)
      expect(r.rowsLoaded + r.rowsQuarantined + r.duplicatesCollapsed + r.recordsMerged).toBe(r.recordsRead);
    expect(run.reports.find((r) => r.fileName === 'ratings.csv')).toMatchObject({
      rowsQuarantined: 3,
      duplicatesCollapsed: 1,
      rowsLoaded: truth.ratings.count,
    });
    const [kept] = await q<{ rating: number; n: number }>(
      join(dir, 'w.duckdb'),
      `SELECT max(rating) AS rating, count(*) AS n FROM movies.rating WHERE user_id = ${spot.userId} AND movielens_id = ${spot.movieId}`,
    );
    expect(kept).toEqual({ rating: 0.5, n: 1 });
  });

  it('round-trips adversarial text through the loader exactly', async () => {
    const dir = tempDir('adversarial');
    const input = join(dir, 'in');
    mkdirSync(input);
    copyDir(data, input);
    const titles = [
      `';DROP TABLE movies.movie;--`,
      "Quote \" and 'apostrophe'",
      'Line\nbreak, comma',
      '🎬 Émoji ✓ ß 中文',
      'x'.repeat(10_000),
    ];
    const csvField = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const rows = titles.map(
      (t, i) =>
        `False,,0,"[{'id': 18, 'name': 'Drama'}]",,${9100000 + i},tt0000001,en,${csvField(t)},Overview,1.5,/p.jpg,[],[],2001-01-01,0,90.0,[],Released,,${csvField(t)},False,5.0,10`,
    );
    appendFileSync(join(input, 'movies_metadata.csv'), rows.join('\n') + '\n');
    const run = await runPipeline(configFor(dir, input));
    expect(run.status).toBe('success');
    const stored = await q<{ movie_id: number; title: string; original_title: string }>(
      join(dir, 'w.duckdb'),
      `SELECT movie_id, title, original_title FROM movies.movie WHERE movie_id >= 9100000 ORDER BY movie_id`,
    );
    expect(stored).toEqual(titles.map((t, i) => ({ movie_id: 9100000 + i, title: t, original_title: t })));
    const [tables] = await q<{ n: number }>(join(dir, 'w.duckdb'), `SELECT count(*) AS n FROM movies.movie`);
    expect(tables!.n).toBe(truth.movies.distinctIds + titles.length);
  });

  it('leaves the model as it was when a run fails between stages', async () => {
    const dir = tempDir('fail');
    const input = join(dir, 'in');
    mkdirSync(input);
    copyDir(data, input);
    await runPipeline(configFor(dir, input));
    const before = await checksums(join(dir, 'w.duckdb'));
    writeFileSync(
      join(input, 'ratings_extra.csv'),
      'userId,movieId,rating,timestamp\r\n424242,1,4.0,1600000000\r\n',
    );
    await expect(
      withFailpoint('fail-after:load.model', () => runPipeline(configFor(dir, input))),
    ).rejects.toBeInstanceOf(TaskError);
    expect(await checksums(join(dir, 'w.duckdb'))).toEqual(before);
    const [run] = await q<{ status: string }>(
      join(dir, 'w.duckdb'),
      `SELECT status FROM movalytics.run ORDER BY run_id DESC LIMIT 1`,
    );
    expect(run!.status).toBe('failed');
    // The file was not marked loaded, so the next run picks it up.
    const next = await runPipeline(configFor(dir, input));
    expect(next.files.filter((f) => f.action === 'load').map((f) => f.name)).toEqual(['ratings_extra.csv']);
  });

  it.each(['load.ratings', 'load.reduce'])(
    'publishes nothing when a cold run fails after %s (parts or shadow built), and the next run recovers',
    async (step) => {
      const dir = tempDir(`fail-${step}`);
      await expect(
        withFailpoint(`fail-after:${step}`, () => runPipeline({ ...configFor(dir, data), shards: 2 })),
      ).rejects.toBeInstanceOf(TaskError);
      const sums = await checksums(join(dir, 'w.duckdb'));
      expect(Object.values(sums).every((s) => s.startsWith('0:'))).toBe(true);
      const again = await runPipeline(configFor(dir, data));
      expect(again.status).toBe('success');
      const [c] = await q<{ n: number; shadow: number }>(
        join(dir, 'w.duckdb'),
        `SELECT (SELECT count(*) FROM movies.rating) AS n,
        (SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '%shadow%' OR table_name LIKE '%part%') AS shadow`,
      );
      expect(c).toEqual({ n: truth.ratings.count, shadow: 0 });
    },
  );

  it('publishes nothing when an error check fails, and exits 3', async () => {
    const dir = tempDir('check');
    const input = join(dir, 'in');
    mkdirSync(input);
    copyDir(data, input);
    const cpi = readFileSync(join(input, 'CUSR0000SS62031.csv'), 'utf8').split('\n');
    cpi.splice(5, 1); // a gap in the CPI months
    writeFileSync(join(input, 'CUSR0000SS62031.csv'), cpi.join('\n'));
    const run = await runPipeline(configFor(dir, input));
    expect(run.status).toBe('check_failed');
    const sums = await checksums(join(dir, 'w.duckdb'));
    expect(Object.values(sums).every((s) => s.startsWith('0:'))).toBe(true);
    const failed = await q<{ check_name: string }>(
      join(dir, 'w.duckdb'),
      `SELECT check_name FROM movalytics.check_result WHERE NOT passed AND severity = 'error'`,
    );
    expect(failed.map((f) => f.check_name)).toEqual(['cpi.months_contiguous']);
    const cli = await runCli(runArgs(dir, input));
    expect(cli.code).toBe(EXIT.checkFailed);
    expect(cli.stdout).toMatch(/cpi\.months_contiguous\s+error\s+FAIL/);
    expect(cli.stderr).toMatch(
      /1 data-quality check\(s\) failed \(cpi\.months_contiguous\); nothing was published/,
    );
  });

  it('loads the Kaggle zip with the CPI file beside it', async () => {
    const dir = tempDir('zip');
    const g = await generateDataset({ out: join(dir, 'dl'), movies: 200, ratings: 3000, seed: 3, zip: true });
    const zip = join(g.dir, 'the-movies-dataset.zip');
    const run = await runPipeline(configFor(dir, zip));
    expect(run.status).toBe('success');
    const [c] = await q<{ n: number }>(join(dir, 'w.duckdb'), `SELECT count(*) AS n FROM movies.rating`);
    expect(c!.n).toBe(3000);
  });
});

describe('bad input', () => {
  const root = tempDir('badinput');
  let data: string;
  beforeAll(async () => {
    data = (await generateDataset({ out: join(root, 'data'), movies: 150, ratings: 2000, seed: 1 })).dir;
  });

  async function expectInputError(mutate: (input: string) => void, message: RegExp): Promise<void> {
    const dir = tempDir('bi');
    const input = join(dir, 'in');
    mkdirSync(input);
    copyDir(data, input);
    mutate(input);
    const err = await runPipeline(configFor(dir, input)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
    expect(existsSync(join(dir, 'w.duckdb')), 'warehouse untouched').toBe(false);
    const cli = await runCli(runArgs(dir, input));
    expect(cli.code).toBe(EXIT.usage);
    expect(cli.stderr).toMatch(message);
    expect(cli.stderr).not.toMatch(/at .*\.js:\d+/);
  }

  it('names a missing required file', () =>
    expectInputError((i) => rmSync(join(i, 'links.csv')), /links\.csv is missing/));
  it('names an empty file', () =>
    expectInputError((i) => writeFileSync(join(i, 'ratings.csv'), ''), /ratings\.csv: the file is empty/));
  it('names a file with a header and no records', () =>
    expectInputError(
      (i) => writeFileSync(join(i, 'ratings.csv'), 'userId,movieId,rating,timestamp\r\n\r\n'),
      /ratings\.csv: has a header but no records/,
    ));
  it('names a wrong header', () =>
    expectInputError(
      (i) => writeFileSync(join(i, 'links.csv'), 'movie,imdb,tmdb\r\n1,2,3\r\n'),
      /links\.csv: wrong header "movie,imdb,tmdb" — expected "movieId,imdbId,tmdbId"/,
    ));
  it('names the movie-admission CPI when only the all-items series is there', () =>
    expectInputError((i) => rmSync(join(i, 'CUSR0000SS62031.csv')), /CUSR0000SS62031\.csv is missing/));
  it('refuses two files of one CPI series', () =>
    expectInputError(
      (i) => copyFileSync(join(i, 'CUSR0000SS62031.csv'), join(i, 'fredgraph.csv')),
      /more than one CPI file for series CUSR0000SS62031 \(CUSR0000SS62031\.csv, fredgraph\.csv\) — keep one/,
    ));
  it('ignores a FRED series the model does not use, with the reason in the manifest', async () => {
    const dir = tempDir('otherseries');
    const input = join(dir, 'in');
    mkdirSync(input);
    copyDir(data, input);
    writeFileSync(join(input, 'fredgraph.csv'), 'observation_date,UNRATE\n2020-01-01,3.6\n');
    const staged = await stageInputs({
      input,
      staging: new StagingArea(join(dir, 'staging')),
      packageId: newPackageId(),
      previous: new Map(),
    });
    const byName = new Map(staged.files.map((f) => [f.name, f]));
    expect(byName.get('fredgraph.csv')).toMatchObject({
      role: 'ignored',
      action: 'ignored',
      note: 'FRED series UNRATE is not used (Movalytics reads CUSR0000SS62031 and optionally CPIAUCNS)',
    });
    expect(byName.get('CPIAUCNS.csv')).toMatchObject({ role: 'cpi', action: 'load', seriesId: 'CPIAUCNS' });
    expect(byName.get('CUSR0000SS62031.csv')).toMatchObject({ role: 'cpi', seriesId: 'CUSR0000SS62031' });
  });
  it('names a CPI file that is not a FRED CSV', () =>
    expectInputError(
      (i) => writeFileSync(join(i, 'CUSR0000SS62031.csv'), 'when,what\n'),
      /CUSR0000SS62031\.csv: header "when,what" is not a FRED series CSV/,
    ));
  it('rejects a corrupt zip given as the input', async () => {
    const dir = tempDir('badzip');
    const zip = join(dir, 'the-movies-dataset.zip');
    writeFileSync(zip, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 7)]));
    const cli = await runCli(runArgs(dir, zip));
    expect(cli.code).toBe(EXIT.usage);
    expect(cli.stderr).toMatch(/the-movies-dataset\.zip is (not a readable|a corrupt) zip archive/);
    expect(existsSync(join(dir, 'w.duckdb'))).toBe(false);
  });

  it('says clearly when another process holds the warehouse', async () => {
    const dir = tempDir('lock');
    const wh = join(dir, 'w.duckdb');
    const holder = spawn(
      process.execPath,
      [
        '-e',
        // The instance is kept in a global: an unreferenced instance is garbage-collected and its lock released.
        `import('@duckdb/node-api').then(async ({ DuckDBInstance }) => { globalThis.held = await DuckDBInstance.create(${JSON.stringify(wh)}); globalThis.conn = await globalThis.held.connect(); console.log('ready'); setInterval(() => {}, 1000); })`,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => (d.toString().includes('ready') ? resolve() : undefined));
        holder.on('exit', () => reject(new Error('holder exited')));
      });
      const cli = await runCli(runArgs(dir, data));
      expect(cli.code).not.toBe(0);
      expect(cli.stderr).toMatch(
        new RegExp(
          `warehouse ${wh.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is locked by another process \\(PID ${holder.pid}\\)`,
        ),
      );
      expect(cli.stderr.trim().split('\n').pop()).toMatch(/^movalytics: /);
    } finally {
      holder.kill();
    }
  });

  it('rejects an input path that does not exist', async () => {
    const cli = await runCli([
      'run',
      '--input',
      '/nonexistent/movalytics',
      '--warehouse',
      join(root, 'x.duckdb'),
    ]);
    expect(cli.code).toBe(EXIT.usage);
    expect(cli.stderr).toMatch(/input \/nonexistent\/movalytics does not exist/);
  });
});

describe('a run killed mid-load', () => {
  it('leaves the model as the last good run left it (SIGKILL inside the publish transaction)', async () => {
    const dir = tempDir('kill');
    const input = join(dir, 'in');
    const g = await generateDataset({ out: input, movies: 300, ratings: 20_000, seed: 5 });
    const wh = join(dir, 'w.duckdb');
    const args = [
      'dist/cli/bin.js',
      'run',
      '--input',
      input,
      '--warehouse',
      wh,
      '--staging',
      join(dir, 'staging'),
    ];
    await runPipeline(
      loadConfig({ cwd: dir, overrides: { input, warehouse: wh, staging: join(dir, 'staging') } }),
    );
    const before = await checksums(wh);
    const s = g.truth.ratings.spotChecks[0]!;
    writeFileSync(
      join(input, 'ratings_more.csv'),
      `userId,movieId,rating,timestamp\r\n${s.userId},${s.movieId},0.5,${s.timestamp + 1}\r\n77777,1,4.0,1600000000\r\n`,
    );
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { ...process.env, MOVALYTICS_FAILPOINT: 'hang-after:load.model' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/load\.model\s+success/.test(stderr)) resolve();
      });
      child.on('exit', (code) =>
        reject(new Error(`run exited (${code}) before reaching the failpoint: ${stderr}`)),
      );
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await checksums(wh)).toEqual(before);
    const [last] = await q<{ status: string; finished: boolean }>(
      wh,
      `SELECT status, finished_at IS NOT NULL AS finished FROM movalytics.run ORDER BY run_id DESC LIMIT 1`,
    );
    expect(last).toEqual({ status: 'running', finished: false });
    const next = await runPipeline(
      loadConfig({ cwd: dir, overrides: { input, warehouse: wh, staging: join(dir, 'staging') } }),
    );
    expect(next.files.filter((f) => f.action === 'load').map((f) => f.name)).toEqual(['ratings_more.csv']);
    const [r] = await q<{ rating: number }>(
      wh,
      `SELECT rating FROM movies.rating WHERE user_id = ${s.userId} AND movielens_id = ${s.movieId}`,
    );
    expect(r!.rating).toBe(0.5);
  });
});
