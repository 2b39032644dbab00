// The ratings in shards, on every reachable engine: the same tables, quarantine (with each record's line in the file),
// reconciliation and answers with 1, 4 and 16 shards — with adjacent duplicates at every shard edge, quarantined rows
// in many shards, an incremental file, and a file out of MovieLens order (the global de-duplication in the reduce).
// Redshift loads the ratings by its own plan (one shard) and must give the same result whatever --shards says.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline, type RunSummary } from '../src/pipeline/run-pipeline.js';
import { computeAnswers, type Answers } from '../src/stages/answers/index.js';
import { expectSameAnswers } from './support/answers.js';
import { checksums, query, withRedshift, withWarehouse, type Engine } from './support/engines.js';
import { tempDir } from './support/helpers.js';

const root = tempDir('shards');
const data = join(root, 'data');
const EOL = '\r\n';

/**
 * ratings.csv made harder, still in MovieLens order: each user's first and last rating repeated on the next line with a
 * later time (a duplicate on both sides of every user boundary, so at every shard edge), every 37th record followed by
 * a repeat with an out-of-range rating (quarantined by the value rules) and every 53rd by one that does not parse.
 */
function harden(lines: readonly string[]): string[] {
  const out: string[] = [];
  const user = (l: string): string => l.split(',')[0]!;
  lines.forEach((l, i) => {
    out.push(l);
    const [u, m, , ts] = l.split(',');
    const edge = i === 0 || user(lines[i - 1]!) !== u || i === lines.length - 1 || user(lines[i + 1]!) !== u;
    if (edge) out.push(`${u},${m},0.5,${Number(ts) + 7}`);
    if (i % 37 === 5) out.push(`${u},${m},9.5,${ts}`);
    if (i % 53 === 7) out.push(`${u},${m},abc,${ts}`);
  });
  return out;
}

/** A deterministic shuffle (the order broken: duplicates no longer adjacent). */
function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs];
  let seed = 7;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

let header: string;
let records: string[];
beforeAll(async () => {
  await generateDataset({ out: data, movies: 300, ratings: 6_000, seed: 5 });
  const lines = readFileSync(join(data, 'ratings.csv'), 'utf8').split(EOL);
  header = lines[0]!;
  records = harden(lines.slice(1).filter((l) => l !== ''));
});

/** The distinct (user, movie) keys of the records whose rating is valid (0.5 to 5 in steps of 0.5). */
function validKeys(lines: readonly string[]): number {
  const keys = new Set<string>();
  for (const l of lines) {
    const [u, m, r] = l.split(',');
    const x = Number(r);
    if (x >= 0.5 && x <= 5 && Number.isInteger(x * 2)) keys.add(`${u},${m}`);
  }
  return keys.size;
}

function input(dir: string, ratings: readonly string[]): string {
  const to = join(dir, 'in');
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(data)) if (f.endsWith('.csv')) copyFileSync(join(data, f), join(to, f));
  writeFileSync(join(to, 'ratings.csv'), [header, ...ratings].join(EOL) + EOL);
  return to;
}

/** An incremental drop: a few stored keys re-rated (one twice, adjacent), a new user, a bad value. */
function increment(dir: string): void {
  const pick = (i: number): string[] => records[i]!.split(',');
  const [u1, m1, , t1] = pick(100);
  const [u2, m2, , t2] = pick(2000);
  writeFileSync(
    join(dir, 'in', 'ratings_2026-12.csv'),
    [
      header,
      `${u1},${m1},1.0,${Number(t1) + 100}`,
      `${u1},${m1},1.5,${Number(t1) + 200}`,
      `${u2},${m2},2.0,${Number(t2) - 100}`,
      `${u2},${Number(m2) + 100000},11,${t2}`,
      `999999,${m1},4.5,1600000000`,
    ].join(EOL) + EOL,
  );
}

interface Result {
  sums: Record<string, string>;
  answers: Answers;
  quarantine: unknown[];
  reports: RunSummary['reports'];
  shards: number;
}

async function runWith(engine: Engine, name: string, ratings: readonly string[], shards: number) {
  const dir = tempDir(`shards-${engine.name}-${name}-${shards}`);
  const wh = await engine.fresh(dir);
  const config = (): ReturnType<typeof loadConfig> =>
    loadConfig({
      cwd: dir,
      overrides: { input: input(dir, ratings), warehouse: wh, staging: engine.staging(dir), shards },
    });
  const first = await runPipeline(config());
  expect(first.status).toBe('success');
  const cut = first.files.find((f) => f.name === 'ratings.csv')!.shards!;
  const capture = async (run: RunSummary): Promise<Result> => ({
    sums: await checksums(wh),
    answers: await withWarehouse(wh, (w) => computeAnswers(w)),
    quarantine: await query(
      wh,
      `SELECT run_id, source_file, line_number, reason, raw FROM movalytics.quarantine ORDER BY run_id, source_file, line_number, reason, raw`,
    ),
    reports: [...run.reports].sort((a, b) => a.fileName.localeCompare(b.fileName)),
    shards: cut.shards.length,
  });
  const cold = await capture(first);
  // Checked against the input itself, not only against another shard count: one row per valid key.
  const [keys] = await query<{ n: number; dup: number }>(
    wh,
    `SELECT (SELECT count(*) FROM movies.rating) AS n, (SELECT count(*) FROM (SELECT user_id, movielens_id FROM movies.rating GROUP BY user_id, movielens_id HAVING count(*) > 1) d) AS dup`,
  );
  expect({ n: Number(keys!.n), dup: Number(keys!.dup) }).toEqual({ n: validKeys(ratings), dup: 0 });
  for (const r of first.reports)
    expect(r.rowsLoaded + r.rowsQuarantined + r.duplicatesCollapsed + r.recordsMerged).toBe(r.recordsRead);
  increment(dir);
  const next = await runPipeline(config());
  expect(next.status).toBe('success');
  expect(next.files.find((f) => f.name === 'ratings_2026-12.csv')!.shards!.shards.length).toBeGreaterThan(0);
  return { cold, incremental: await capture(next), tasks: first.tasks.map((t) => t.task) };
}

describe.each(withRedshift)('ratings in shards on $name', (engine: Engine) => {
  it('gives the same tables, quarantine, reconciliation and answers with 1, 4 and 16 shards', async () => {
    const one = await runWith(engine, 'sorted', records, 1);
    expect(one.cold.shards).toBe(1);
    const ratings = one.cold.reports.find((r) => r.fileName === 'ratings.csv')!;
    // The hardened rows are there to be handled: duplicates collapsed, rows quarantined.
    expect(ratings.duplicatesCollapsed).toBeGreaterThan(100);
    expect(ratings.rowsQuarantined).toBeGreaterThan(100);
    for (const n of engine.name === 'redshift' ? [4] : [4, 16]) {
      const many = await runWith(engine, 'sorted', records, n);
      expect(many.cold.shards).toBeGreaterThan(n / 2);
      expect(many.tasks).toContain(`load.ratings[${n - 1}]`);
      for (const phase of ['cold', 'incremental'] as const) {
        expect(many[phase].sums, `${phase} with ${n} shards`).toEqual(one[phase].sums);
        expect(many[phase].quarantine, `${phase} with ${n} shards`).toEqual(one[phase].quarantine);
        expect(many[phase].reports, `${phase} with ${n} shards`).toEqual(one[phase].reports);
        expectSameAnswers(many[phase].answers, one[phase].answers);
      }
    }
  });

  it('de-duplicates a file out of MovieLens order in the reduce: the same tables as in order', async () => {
    const sorted = await runWith(engine, 'sorted-ref', records, 1);
    const mixed = shuffled(records);
    for (const n of engine.name === 'redshift' ? [4] : [1, 4]) {
      const out = await runWith(engine, 'unsorted', mixed, n);
      expect(out.cold.sums, `unsorted with ${n} shards`).toEqual(sorted.cold.sums);
      expect(out.incremental.sums).toEqual(sorted.incremental.sums);
      const counts = (r: Result): unknown =>
        r.reports.map(({ fileName, recordsRead, rowsLoaded, rowsQuarantined, duplicatesCollapsed }) => ({
          fileName,
          recordsRead,
          rowsLoaded,
          rowsQuarantined,
          duplicatesCollapsed,
        }));
      expect(counts(out.cold)).toEqual(counts(sorted.cold));
      expectSameAnswers(out.cold.answers, sorted.cold.answers);
    }
  });
});
