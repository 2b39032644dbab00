// Two ratings files dropped in one incremental run: the checks scoped to "the rows written by this run" and the
// marts updated from the delta must see both files, not only the last one loaded (they once saw only the last).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { computeAnswers, MART_TABLES, MARTS_SCHEMA, refreshMarts } from '../src/stages/answers/index.js';
import { MOVIELENS_COUNTS, USER_MASK } from '../src/stages/answers/marts.js';
import { runChecks } from '../src/stages/check/checks.js';
import { loadModel } from '../src/stages/load/load-model.js';
import { buildRatingsPart, type RatingsPart } from '../src/stages/load/ratings-parts.js';
import type { StagedFile } from '../src/stages/stage/stage-files.js';
import type { Warehouse } from '../src/warehouse/warehouse.js';
import { engines, withWarehouse } from './support/engines.js';
import { tempDir } from './support/helpers.js';

/** Later than every generated rating, earlier than now. */
const T = 1_650_000_000;

/** The (user, movie) keys of the well-formed lines of the generated ratings.csv, in file order. */
function storedKeys(input: string): [number, number][] {
  return readFileSync(join(input, 'ratings.csv'), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(',').map(Number))
    .filter((f) => f.length === 4 && f.every((x) => Number.isInteger(x) && x > 0))
    .map(([u, m]) => [u!, m!]);
}

/**
 * Two drops: `a` rates 20 stored keys anew and adds 20 new keys (fresh users); `b`, loaded after it, replaces half of
 * `a`'s new keys, rates 10 other stored keys and adds 10 new keys of its own. Returns a key only `a` wrote.
 */
function writeDrops(input: string): { onlyA: [number, number] } {
  const keys = storedKeys(input);
  const movies = [...new Set(keys.map(([, m]) => m))];
  const user = Math.max(...keys.map(([u]) => u)) + 1;
  const a = ['userId,movieId,rating,timestamp'];
  const b = ['userId,movieId,rating,timestamp'];
  for (let i = 0; i < 20; i++) {
    const [u, m] = keys[i * 7]!;
    a.push(`${u},${m},${(i % 10) * 0.5 + 0.5},${T + i}`);
    a.push(`${user + i},${movies[i % movies.length]!},${((i + 3) % 10) * 0.5 + 0.5},${T + i}`);
  }
  for (let i = 0; i < 10; i++) {
    b.push(`${user + i * 2},${movies[(i * 2) % movies.length]!},5.0,${T + 1000 + i}`);
    const [u, m] = keys[500 + i * 11]!;
    b.push(`${u},${m},1.0,${T + 1000 + i}`);
    b.push(`${user + 100 + i},${movies[(i + 5) % movies.length]!},2.5,${T + 1000 + i}`);
  }
  writeFileSync(join(input, 'ratings_drop_a.csv'), a.join('\r\n') + '\r\n');
  writeFileSync(join(input, 'ratings_drop_b.csv'), b.join('\r\n') + '\r\n');
  return { onlyA: [user + 1, movies[1 % movies.length]!] };
}

/** Every mart, the user-mask state and the answers, as comparable values. */
async function snapshot(wh: Warehouse): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const t of [...MART_TABLES.map((x) => `${MARTS_SCHEMA}.${x}`), USER_MASK, MOVIELENS_COUNTS]) {
    const rows = await wh.query(`SELECT * FROM ${t}`);
    out[t] = rows.map((r) => JSON.stringify(Object.values(r).map((v) => String(v)))).sort();
  }
  // What the answers say, without which run and warehouse said it.
  const { generatedAt: _, run: _r, warehouse: _w, ...answers } = await computeAnswers(wh, {});
  out.answers = answers;
  return out;
}

/** A staged ratings file as stage.files would hand it to the load (the file itself as the staged copy). */
function stagedRatings(input: string, name: string): StagedFile {
  const path = join(input, name);
  const text = readFileSync(path, 'utf8');
  return {
    name,
    role: 'ratings',
    action: 'load',
    sourcePath: path,
    stagedPath: path,
    bytes: statSync(path).size,
    mtimeMs: statSync(path).mtimeMs,
    sha256: null,
    dataLines: text.split(/\r?\n/).filter((l) => l !== '').length - 1,
    note: null,
    keyOrder: null,
  };
}

describe.each(engines)('two ratings files in one incremental run on $name', (engine) => {
  const root = tempDir(`incr-two-${engine.name}`);
  const data = join(root, 'data');
  beforeAll(async () => {
    await generateDataset({ out: data, movies: 200, ratings: 4_000, seed: 5 });
  });

  /** A copy of the generated input, a warehouse built cold from it, and its config. */
  async function coldWarehouse(name: string) {
    const dir = join(root, name);
    const input = join(dir, 'in');
    mkdirSync(input, { recursive: true });
    for (const f of readdirSync(data)) if (f.endsWith('.csv')) copyFileSync(join(data, f), join(input, f));
    const warehouse = await engine.fresh(dir);
    const config = loadConfig({ cwd: dir, overrides: { input, warehouse, staging: engine.staging(dir) } });
    expect((await runPipeline(config)).status).toBe('success');
    return { dir, input, warehouse, config };
  }

  it('update the marts and answers as a full rebuild of the same files does', async () => {
    const { dir, input, warehouse, config } = await coldWarehouse('run');
    writeDrops(input);
    const marts: string[] = [];
    const run = await runPipeline(config, {
      listener: (e) => {
        if (e.type === 'step.end' && e.step === 'answers.marts') marts.push(e.detail ?? '');
      },
    });
    expect(run.status).toBe('success');
    expect(marts[0]).toMatch(/^rating marts updated from the rating delta/);
    const incremental = await withWarehouse(warehouse, snapshot);
    // The rating count the run recorded for diff (summed from the kept counts) is the table's.
    await withWarehouse(warehouse, async (wh) => {
      const [r] = await wh.query<{ t: string }>(
        `SELECT table_rows AS t FROM movalytics.run_answers WHERE run_id = ${run.runId}`,
      );
      const [c] = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM movies.rating`);
      expect((JSON.parse(r!.t) as Record<string, number>)['movies.rating']).toBe(Number(c!.n));
    });
    // The same warehouse rebuilt from its model, and a warehouse built cold from every file in one run.
    await withWarehouse(warehouse, async (wh) => {
      await refreshMarts(wh);
      expect(await snapshot(wh)).toEqual(incremental);
    });
    mkdirSync(join(dir, 'rebuilt'));
    const rebuilt = await engine.fresh(join(dir, 'rebuilt'));
    const cold = loadConfig({
      cwd: dir,
      overrides: { input, warehouse: rebuilt, staging: engine.staging(join(dir, 'rebuilt')) },
    });
    expect((await runPipeline(cold)).status).toBe('success');
    expect(await withWarehouse(rebuilt, snapshot)).toEqual(incremental);
  }, 120_000);

  it('scope the rating checks to the rows of both files: a broken row under a key of the first is caught', async () => {
    const { input, warehouse } = await coldWarehouse('checks');
    if (engine.name === 'postgres') {
      // The unique key index the merge looks keys up in and key_unique relies on, built with the table by the cold
      // load.
      const defs = await withWarehouse(warehouse, (wh) =>
        wh.query<{ d: string }>(
          `SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'movies' AND tablename = 'rating'`,
        ),
      );
      expect(defs.map((r) => r.d.replace(/ \S+ ON \S+ USING /, ' '))).toEqual([
        'CREATE UNIQUE INDEX btree (user_id, movielens_id)',
      ]);
    }
    const { onlyA } = writeDrops(input);
    const files = [stagedRatings(input, 'ratings_drop_a.csv'), stagedRatings(input, 'ratings_drop_b.csv')];
    await withWarehouse(warehouse, async (wh) => {
      // The real load and checks inside a transaction that the test rolls back; the test breaks one row in between
      // — a second row under a key only the first file wrote, as a merge that failed to replace it would leave.
      const rollback = new Error('rollback');
      await expect(
        wh.transaction(async () => {
          // What the load.ratings tasks hand the publish: one part per file (one shard each).
          const ratingParts: Record<string, RatingsPart[]> = {};
          for (const [fileIndex, file] of files.entries())
            ratingParts[file.name] = [
              await buildRatingsPart(wh, {
                file,
                fileIndex,
                shard: null,
                csv: file.stagedPath!,
                runStartedAt: new Date(),
              }),
            ];
          const loaded = await loadModel(wh, {
            runId: 999,
            files,
            ratingParts,
            shadow: null,
            movies: Promise.resolve(null),
            cleanDir: join(input, '..'),
          });
          expect(loaded.ratingScope).not.toBeNull();
          // DuckDB proves the keys unique by the merges' row accounting; PostgreSQL's unique key index enforces them.
          expect(loaded.ratingKeyScope?.accounting !== undefined).toBe(engine.name === 'duckdb');
          const opts = {
            mappedShareWarn: 0,
            reports: loaded.reports,
            ratingScope: loaded.ratingScope,
            ratingKeyScope: loaded.ratingKeyScope,
            moviesWritten: false,
          };
          const passed = await runChecks(wh, opts);
          expect(passed.filter((c) => !c.passed)).toEqual([]);
          const duplicate = `INSERT INTO movies.rating (user_id, movielens_id, rating, rated_at) VALUES (${onlyA[0]}, ${onlyA[1]}, 3.0, TIMESTAMP '2020-01-01 00:00:00')`;
          if (engine.name === 'postgres') {
            // The unique index refuses the broken row itself: that is what lets key_unique skip the lookup.
            expect(passed.find((c) => c.name === 'key_unique.rating')?.observed).toBe(
              '0 duplicated keys (enforced by a unique index on (user_id, movielens_id))',
            );
            await expect(wh.exec(duplicate)).rejects.toThrow(/duplicate key/);
            throw rollback;
          }
          await wh.exec(duplicate);
          const failed = (await runChecks(wh, opts)).filter((c) => !c.passed);
          expect(failed.map((c) => [c.name, c.observed])).toEqual([
            ['key_unique.rating', '1 duplicated keys (rows written by this run)'],
          ]);
          // The scope: 20 + 20 rows from a; b writes 30, 10 of them over a's new keys.
          const [n] = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${loaded.ratingScope}`);
          expect(Number(n?.n)).toBe(60);
          throw rollback;
        }),
      ).rejects.toBe(rollback);
    });
  }, 120_000);
});
