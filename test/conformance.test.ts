// One pipeline suite, run against every reachable warehouse (DuckDB always; PostgreSQL, and Redshift on the PostgreSQL
// stand-in with staging in S3, on dev/CI machines): counts
// against the generator's truth.json, quarantine with reasons, reconciliation, re-run no-op, incremental ratings,
// the Kaggle decoys ignored, atomic publish under SIGKILL, failing checks roll back, adversarial text round-trips,
// the same run metadata; and, across engines, the same tables and the same four answers from the same input.
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { EXIT } from '../src/core/errors.js';
import { generateDataset, type Truth } from '../src/generate/index.js';
import type { RatingSpotCheck as RatingSpot } from '../src/generate/truth.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { computeAnswers, type Answers } from '../src/stages/answers/index.js';
import { expectSameAnswers } from './support/answers.js';
import { checksums, query, withRedshift as engines, withWarehouse, type Engine } from './support/engines.js';
import { repoRoot, runCli, tempDir } from './support/helpers.js';

function copyDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) if (f.endsWith('.csv')) copyFileSync(join(from, f), join(to, f));
}

function configFor(engine: Engine, dir: string, input: string, warehouse: string) {
  return loadConfig({ cwd: dir, overrides: { input, warehouse, staging: engine.staging(dir) } });
}

const root = tempDir('conformance');
const data = join(root, 'data');
let truth: Truth;
beforeAll(async () => {
  truth = (await generateDataset({ out: data, movies: 400, ratings: 20_000, seed: 11 })).truth;
});

/** What each engine's cold run of `data` produced, for the cross-engine comparison. */
const coldByEngine = new Map<string, { sums: Record<string, string>; answers: Answers }>();

describe.each(engines)('pipeline on $name', (engine: Engine) => {
  describe('a cold load', () => {
    const dir = tempDir(`cold-${engine.name}`);
    let wh: string;
    let summary: Awaited<ReturnType<typeof runPipeline>>;
    beforeAll(async () => {
      wh = await engine.fresh(dir);
      summary = await runPipeline(configFor(engine, dir, data, wh));
      coldByEngine.set(engine.name, {
        sums: await checksums(wh),
        answers: await withWarehouse(wh, (w) => computeAnswers(w)),
      });
    });

    it('loads exactly the counts the generator planted', async () => {
      expect(summary.status).toBe('success');
      const [c] = await query(
        wh,
        `SELECT (SELECT count(*) FROM movies.movie) AS movie, (SELECT count(*) FROM movies.movie_link) AS link,
          (SELECT count(*) FROM movies.rating) AS rating, (SELECT count(DISTINCT user_id) FROM movies.rating) AS users,
          (SELECT count(*) FROM movies.cpi WHERE series_id = 'CUSR0000SS62031') AS cpi,
          (SELECT count(*) FROM movies.rating_mapped) AS mapped`,
      );
      expect(c).toEqual({
        movie: truth.movies.distinctIds,
        link: truth.links.count,
        rating: truth.ratings.count,
        users: truth.ratings.users,
        cpi: truth.cpi.months,
        mapped: truth.ratings.mappedToMetadata,
      });
    });

    it('gives movies.rating the columns of the model, every one NOT NULL (the bulk build creates it AS SELECT)', async () => {
      const cols = await query<{ column_name: string; data_type: string; is_nullable: string }>(
        wh,
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'movies' AND table_name = 'rating' ORDER BY ordinal_position`,
      );
      expect(
        cols.map((c) => [c.column_name, c.data_type.toLowerCase().split(' ')[0], c.is_nullable]),
      ).toEqual([
        ['user_id', 'integer', 'NO'],
        ['movielens_id', 'integer', 'NO'],
        ['rating', 'double', 'NO'],
        ['rated_at', 'timestamp', 'NO'],
      ]);
    });

    it('ignores the Kaggle decoys (ratings_small, links_small) and records why', async () => {
      const decoys = summary.files.filter((f) => /_small\.csv$/.test(f.name));
      expect(decoys.map((f) => [f.name, f.action])).toEqual(
        expect.arrayContaining([
          ['ratings_small.csv', 'ignored'],
          ['links_small.csv', 'ignored'],
        ]),
      );
      const rows = await query<{ file_name: string; action: string }>(
        wh,
        `SELECT file_name, action FROM movalytics.manifest WHERE file_name LIKE '%small%' ORDER BY file_name`,
      );
      expect(rows).toEqual([
        { file_name: 'links_small.csv', action: 'ignored' },
        { file_name: 'ratings_small.csv', action: 'ignored' },
      ]);
    });

    it('records the run, its checks and the reconciliation of every file', async () => {
      const [run] = await query<{ status: string; finished: boolean }>(
        wh,
        `SELECT status, finished_at IS NOT NULL AS finished FROM movalytics.run WHERE run_id = ${summary.runId}`,
      );
      expect(run).toEqual({ status: 'success', finished: true });
      const [checks] = await query<{ n: number; failed: number }>(
        wh,
        `SELECT count(*) AS n, count(*) - count(CASE WHEN passed THEN 1 END) AS failed FROM movalytics.check_result WHERE run_id = ${summary.runId}`,
      );
      expect(checks).toEqual({ n: summary.checks.length, failed: 0 });
      const rec = await query<{
        file_name: string;
        records_read: number;
        rows_loaded: number;
        rows_quarantined: number;
        duplicates_collapsed: number;
        records_merged: number;
      }>(wh, `SELECT * FROM movalytics.reconciliation WHERE run_id = ${summary.runId} ORDER BY file_name`);
      expect(rec.map((r) => r.file_name)).toEqual([
        'CPIAUCNS.csv',
        'CUSR0000SS62031.csv',
        'links.csv',
        'movies_metadata.csv',
        'ratings.csv',
      ]);
      for (const r of rec)
        expect(r.rows_loaded + r.rows_quarantined + r.duplicates_collapsed + r.records_merged).toBe(
          r.records_read,
        );
      expect(rec.find((r) => r.file_name === 'ratings.csv')!.records_read).toBe(truth.ratings.count);
    });

    it('a re-run changes nothing', async () => {
      const before = await checksums(wh);
      const again = await runPipeline(configFor(engine, dir, data, wh));
      expect(again.status).toBe('unchanged');
      expect(await checksums(wh)).toEqual(before);
    });
  });

  it('quarantines bad rows with a reason naming the field and value, and the line', async () => {
    const dir = tempDir(`bad-${engine.name}`);
    const input = join(dir, 'in');
    copyDir(data, input);
    const spot = truth.ratings.spotChecks.find((x) => x.mapped)!;
    appendFileSync(
      join(input, 'ratings.csv'),
      // Epochs past the year 9999: one each engine could date (12 digits) and two that fit a BIGINT but no TIMESTAMP
      // (14 and 19 digits): quarantined like any other late time, without a day, in the same words on every engine.
      `1,1,7.0,100\r\n1,x,3.0,100\r\n5,5\r\n${spot.userId},${spot.movieId},0.5,${spot.timestamp + 1}\r\n` +
        `2,2,3.0,12345678901234\r\n2,3,3.0,9223372036854775807\r\n2,4,3.0,300000000000\r\n`,
    );
    appendFileSync(join(input, 'links.csv'), 'zz,0000001,1\r\n');
    const wh = await engine.fresh(dir);
    const run = await runPipeline(configFor(engine, dir, input, wh));
    expect(run.status).toBe('success');
    // The appended lines break the MovieLens order: the duplicate below is found by grouping every key.
    expect(run.files.find((f) => f.name === 'ratings.csv')!.keyOrder).toBeNull();
    const rows = await query<{ source_file: string; reason: string; line_number: number | null }>(
      wh,
      `SELECT source_file, reason, line_number FROM movalytics.quarantine ORDER BY source_file, reason`,
    );
    const reasons = rows.map((r) => `${r.source_file}: ${r.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ratings\.csv: rating 7(\.0)? is not one of 0\.5/),
        expect.stringMatching(/^ratings\.csv: .*"x".*INTEGER/),
        expect.stringMatching(/^ratings\.csv: Expected Number of Columns: 4 Found: 2/),
        expect.stringMatching(/^links\.csv: .*"zz".*INTEGER/),
        expect.stringMatching(
          /^ratings\.csv: timestamp 12345678901234 is after \d{4}-.* UTC, when this run started/,
        ),
        expect.stringMatching(
          /^ratings\.csv: timestamp 9223372036854775807 is after \d{4}-.* UTC, when this run started/,
        ),
        expect.stringMatching(
          /^ratings\.csv: timestamp 300000000000 is after \d{4}-.* UTC, when this run started/,
        ),
      ]),
    );
    expect(rows).toHaveLength(7);
    const lines = truth.ratings.count + 1;
    // Redshift types the staged file's lines in SQL, where a line has no number (docs/redshift.md).
    const line = (n: number): number | null => (engine.name === 'redshift' ? null : n);
    expect(rows.find((r) => r.reason.includes('"x"'))!.line_number).toBe(line(lines + 2));
    expect(rows.find((r) => r.reason.startsWith('Expected'))!.line_number).toBe(line(lines + 3));
    for (const r of run.reports)
      expect(r.rowsLoaded + r.rowsQuarantined + r.duplicatesCollapsed + r.recordsMerged).toBe(r.recordsRead);
    expect(run.reports.find((r) => r.fileName === 'ratings.csv')).toMatchObject({
      rowsQuarantined: 6,
      duplicatesCollapsed: 1,
      rowsLoaded: truth.ratings.count,
    });
    const [kept] = await query(
      wh,
      `SELECT max(rating) AS rating, count(*) AS n FROM movies.rating WHERE user_id = ${spot.userId} AND movielens_id = ${spot.movieId}`,
    );
    expect(kept).toEqual({ rating: 0.5, n: 1 });
  });

  it('a cold ratings file in MovieLens order: its adjacent duplicates are found from the order, later time wins', async () => {
    const dir = tempDir(`ordered-${engine.name}`);
    const input = join(dir, 'in');
    copyDir(data, input);
    const [a, b] = truth.ratings.spotChecks.filter((x) => x.mapped);
    const lines = readFileSync(join(input, 'ratings.csv'), 'utf8').split('\r\n');
    const at = (x: typeof a): number => lines.findIndex((l) => l.startsWith(`${x!.userId},${x!.movieId},`));
    // A later duplicate of a (wins), and an invalid repeat of b (quarantined: b stays a single row).
    lines.splice(at(a) + 1, 0, `${a!.userId},${a!.movieId},0.5,${a!.timestamp + 1}`);
    lines.splice(at(b) + 1, 0, `${b!.userId},${b!.movieId},7.0,${b!.timestamp + 1}`);
    writeFileSync(join(input, 'ratings.csv'), lines.join('\r\n'));
    const wh = await engine.fresh(dir);
    const run = await runPipeline(configFor(engine, dir, input, wh));
    expect(run.status).toBe('success');
    const key = (x: typeof a): [number, number] => [x!.userId, x!.movieId];
    expect(run.files.find((f) => f.name === 'ratings.csv')!.keyOrder).toEqual({
      sorted: true,
      duplicateKeys: [key(a), key(b)].sort((x, y) => x[0] - y[0] || x[1] - y[1]),
    });
    expect(run.reports.find((r) => r.fileName === 'ratings.csv')).toMatchObject({
      rowsQuarantined: 1,
      duplicatesCollapsed: 1,
      rowsLoaded: truth.ratings.count,
    });
    const kept = await query(
      wh,
      `SELECT user_id, rating, count(*) AS n FROM movies.rating WHERE (user_id = ${a!.userId} AND movielens_id = ${a!.movieId}) OR (user_id = ${b!.userId} AND movielens_id = ${b!.movieId}) GROUP BY user_id, rating ORDER BY user_id`,
    );
    expect(kept).toEqual(
      [
        { user_id: a!.userId, rating: 0.5, n: 1 },
        { user_id: b!.userId, rating: Number(b!.rating), n: 1 },
      ].sort((x, y) => x.user_id - y.user_id),
    );
    const checks = await query<{ check_name: string; passed: boolean }>(
      wh,
      `SELECT check_name, passed FROM movalytics.check_result WHERE check_name LIKE 'key_unique%'`,
    );
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((c) => c.passed)).toBe(true);
  });

  it('loads a new ratings file incrementally: the later timestamp wins', async () => {
    const dir = tempDir(`incr-${engine.name}`);
    const input = join(dir, 'in');
    copyDir(data, input);
    const wh = await engine.fresh(dir);
    await runPipeline(configFor(engine, dir, input, wh));
    const [s, old] = truth.ratings.spotChecks.filter((x) => x.mapped) as [RatingSpot, RatingSpot];
    writeFileSync(
      join(input, 'ratings_2026-11.csv'),
      [
        'userId,movieId,rating,timestamp',
        `${s.userId},${s.movieId},0.5,${s.timestamp + 10}`,
        `${s.userId},${s.movieId},1.0,${s.timestamp + 5}`,
        `999999,${s.movieId},4.5,1600000000`,
        `999999,${s.movieId},3.0,1500000000`,
        // Older than the stored rating of this pair: the stored one stays.
        `${old.userId},${old.movieId},0.5,${old.timestamp - 10}`,
      ].join('\r\n') + '\r\n',
    );
    const run = await runPipeline(configFor(engine, dir, input, wh));
    expect(run.status).toBe('success');
    expect(run.files.filter((f) => f.action === 'load').map((f) => f.name)).toEqual(['ratings_2026-11.csv']);
    expect(run.reports.find((r) => r.fileName === 'ratings_2026-11.csv')).toMatchObject({
      recordsRead: 5,
      duplicatesCollapsed: 3,
      rowsQuarantined: 0,
    });
    expect(
      await query(
        wh,
        `SELECT rating, rated_at, count(*) AS n FROM movies.rating WHERE user_id = ${old.userId} AND movielens_id = ${old.movieId} GROUP BY rating, rated_at`,
      ),
    ).toEqual([
      {
        rating: Number(old.rating),
        rated_at: new Date(old.timestamp * 1000).toISOString().replace('T', ' ').slice(0, 19),
        n: 1,
      },
    ]);
    const rows = await query(
      wh,
      `SELECT user_id, rating, rated_at FROM movies.rating WHERE (user_id = ${s.userId} AND movielens_id = ${s.movieId}) OR user_id = 999999 ORDER BY user_id`,
    );
    expect(rows).toEqual([
      {
        user_id: s.userId,
        rating: 0.5,
        rated_at: new Date((s.timestamp + 10) * 1000).toISOString().replace('T', ' ').slice(0, 19),
      },
      { user_id: 999999, rating: 4.5, rated_at: '2020-09-13 12:26:40' },
    ]);
  });

  it('publishes nothing when an error check fails, and exits 3', async () => {
    const dir = tempDir(`check-${engine.name}`);
    const input = join(dir, 'in');
    copyDir(data, input);
    const cpi = readFileSync(join(input, 'CUSR0000SS62031.csv'), 'utf8').split('\n');
    cpi.splice(5, 1); // a gap in the CPI months
    writeFileSync(join(input, 'CUSR0000SS62031.csv'), cpi.join('\n'));
    const wh = await engine.fresh(dir);
    const cli = await runCli(['run', '--input', input, '--warehouse', wh, '--staging', engine.staging(dir)]);
    expect(cli.code).toBe(EXIT.checkFailed);
    if (engine.name === 'redshift') {
      // Redshift's model tables are created by the load inside the publish transaction (their VARCHARs sized in bytes
      // from the run's files: docs/redshift.md), so a first run that publishes nothing leaves no model table at all.
      const tables = await query(
        wh,
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'movies'`,
      );
      expect(tables).toEqual([]);
    } else {
      const sums = await checksums(wh);
      expect(Object.values(sums).every((s) => s.startsWith('0:'))).toBe(true);
    }
    const failed = await query(
      wh,
      `SELECT check_name FROM movalytics.check_result WHERE NOT passed AND severity = 'error'`,
    );
    expect(failed).toEqual([{ check_name: 'cpi.months_contiguous' }]);
    const [run] = await query(wh, `SELECT status FROM movalytics.run ORDER BY run_id DESC LIMIT 1`);
    expect(run).toEqual({ status: 'check_failed' });
  });

  it('round-trips adversarial text exactly', async () => {
    const dir = tempDir(`adv-${engine.name}`);
    const input = join(dir, 'in');
    copyDir(data, input);
    const titles = [
      `';DROP TABLE movies.movie;--`,
      "Quote \" and 'apostrophe' \\ back\\slash \\N",
      'Line\nbreak, comma\r\nand CRLF',
      '🎬 Émoji ✓ ß',
      'שלום עולם مرحبا',
      '千と千尋の神隠し 중국어',
      'x'.repeat(10_000),
    ];
    const csvField = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const rows = titles.map(
      (t, i) =>
        `False,,0,"[{'id': 18, 'name': 'Drama'}]",,${9100000 + i},tt0000001,en,${csvField(t)},Overview,1.5,/p.jpg,[],[],2001-01-01,0,90.0,[],Released,,${csvField(t)},False,5.0,10`,
    );
    appendFileSync(join(input, 'movies_metadata.csv'), rows.join('\n') + '\n');
    const wh = await engine.fresh(dir);
    const run = await runPipeline(configFor(engine, dir, input, wh));
    expect(run.status).toBe('success');
    const stored = await query(
      wh,
      `SELECT movie_id, title, original_title FROM movies.movie WHERE movie_id >= 9100000 ORDER BY movie_id`,
    );
    expect(stored).toEqual(titles.map((t, i) => ({ movie_id: 9100000 + i, title: t, original_title: t })));
  });

  it('leaves the model as the last good run left it after a SIGKILL inside the publish transaction', async () => {
    const dir = tempDir(`kill-${engine.name}`);
    const input = join(dir, 'in');
    copyDir(data, input);
    const wh = await engine.fresh(dir);
    await runPipeline(configFor(engine, dir, input, wh));
    const before = await checksums(wh);
    const s = truth.ratings.spotChecks[0]!;
    writeFileSync(
      join(input, 'ratings_more.csv'),
      `userId,movieId,rating,timestamp\r\n${s.userId},${s.movieId},0.5,${s.timestamp + 1}\r\n77777,1,4.0,1600000000\r\n`,
    );
    const child = spawn(
      process.execPath,
      ['dist/cli/bin.js', 'run', '--input', input, '--warehouse', wh, '--staging', engine.staging(dir)],
      {
        cwd: repoRoot,
        env: { ...process.env, MOVALYTICS_FAILPOINT: 'hang-after:load.model' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/load\.model\s+success/.test(stderr)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`run exited (${code}) before the failpoint: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await checksums(wh)).toEqual(before);
    if (engine.name === 'redshift') {
      // Redshift has no advisory locks: the run lock is a row, and a killed run leaves it (docs/redshift.md). The
      // operator's documented step clears it; the other engines' session locks die with the connection.
      const lock = await query<{ holder: string }>(wh, `SELECT holder FROM movalytics.run_lock`);
      expect(lock).toHaveLength(1);
      await withWarehouse(wh, (w) => w.exec(`DELETE FROM movalytics.run_lock`));
    }
    const next = await runPipeline(configFor(engine, dir, input, wh));
    expect(next.files.filter((f) => f.action === 'load').map((f) => f.name)).toEqual(['ratings_more.csv']);
    const [r] = await query(
      wh,
      `SELECT rating FROM movies.rating WHERE user_id = ${s.userId} AND movielens_id = ${s.movieId}`,
    );
    expect(r).toEqual({ rating: 0.5 });
  });
});

describe.runIf(engines.length > 1)('across engines, from the same input', () => {
  it('the model tables are equal, row for row', () => {
    const [first, ...rest] = engines.map((e) => coldByEngine.get(e.name)!);
    for (const other of rest) expect(other.sums).toEqual(first!.sums);
  });

  it('the four answers are equal (integers exactly, floats to 1e-9 relative)', () => {
    const [first, ...rest] = engines.map((e) => coldByEngine.get(e.name)!);
    for (const other of rest) expectSameAnswers(first!.answers, other.answers);
  });
});
