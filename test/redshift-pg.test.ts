// Layer 3 and 4 of the Redshift checks: the generated DDL, MERGE/INSERT/DELETE and answer SQL run unchanged on the
// real PostgreSQL 15 (physical attributes stripped, COPY from S3 replaced by COPY FROM STDIN of the same parts), and
// give the same model and the same four answers as the DuckDB warehouse on the same input — a cold load and an
// incremental ratings file where the later timestamp wins. Then every stored text fits its VARCHAR in bytes.
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { generateDataset, type Truth } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { computeAnswers, type Answers } from '../src/stages/answers/index.js';
import { RS_MODEL } from '../src/stages/load/redshift-plan.js';
import { RedshiftWarehouse } from '../src/warehouse/redshift/index.js';
import { expectSameAnswers } from './support/answers.js';
import { checksums, engines, query, withWarehouse, type Engine } from './support/engines.js';
import type { SqlValue } from '../src/warehouse/warehouse.js';
import { tempDir } from './support/helpers.js';
import { redshiftProblems } from './support/redshift-lint.js';
import { TEST_ROLE, inputFiles, runPlan } from './support/redshift-run.js';

const pg: Engine | undefined = engines.find((e) => e.name === 'postgres');
const duck = engines.find((e) => e.name === 'duckdb')!;

function copyDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) if (f.endsWith('.csv')) copyFileSync(join(from, f), join(to, f));
}

const csvField = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
/** Titles that are long in bytes but not in characters, and hostile to SQL and CSV. */
const ADVERSARIAL = [
  `';DROP TABLE movies.movie;--`,
  "Quote \" and 'apostrophe' \\ back\\slash \\N",
  'Line\nbreak, comma\r\nand CRLF',
  '🎬 Émoji ✓ ß',
  'שלום עולם مرحبا',
  '千と千尋の神隠し 중국어'.repeat(40),
  '🎬'.repeat(3000),
  'x'.repeat(10_000),
];

describe.skipIf(pg === undefined)('Redshift SQL on the PostgreSQL stand-in', () => {
  const root = tempDir('redshift-pg');
  const data = join(root, 'data');
  let truth: Truth;
  let duckWh: string;
  let rsUrl: string;
  let duckAnswers: Answers;
  let sent: Record<string, string[]>;
  const runStartedAt = new Date();

  beforeAll(async () => {
    truth = (await generateDataset({ out: data, movies: 300, ratings: 12_000, seed: 23 })).truth;
    const rows = ADVERSARIAL.map(
      (t, i) =>
        `False,,0,"[{'id': 18, 'name': 'Drama'}]",,${9100000 + i},tt0000001,en,${csvField(t)},${csvField(t)},1.5,/p.jpg,[],[],2001-01-01,0,90.0,[],Released,,${csvField(t)},False,5.0,10`,
    );
    appendFileSync(join(data, 'movies_metadata.csv'), rows.join('\n') + '\n');
    duckWh = await duck.fresh(root);
    const cfg = loadConfig({
      cwd: root,
      overrides: { input: data, warehouse: duckWh, staging: join(root, 'staging') },
    });
    expect((await runPipeline(cfg)).status).toBe('success');
    duckAnswers = await withWarehouse(duckWh, (w) => computeAnswers(w));

    rsUrl = await pg!.fresh(root);
    const wh = await RedshiftWarehouse.openRedshift({ url: rsUrl, emulate: 'postgres', iamRole: TEST_ROLE });
    try {
      sent = await runPlan(
        wh,
        await inputFiles(data, join(root, 'rs')),
        join(root, 'rs'),
        ['ddl', 'load', 'merge', 'answers'],
        runStartedAt,
      );
    } finally {
      await wh.close();
    }
  }, 120_000);

  it('builds the same model as DuckDB, table by table', async () => {
    const [a, b] = [await checksums(duckWh), await checksums(rsUrl)];
    expect(b).toEqual(a);
    const [n] = await query(rsUrl, 'SELECT count(*) AS n FROM movies.rating');
    expect(n).toEqual({ n: truth.ratings.count });
  });

  it('gives the same four answers as DuckDB, with the Redshift dialect computing them', async () => {
    const wh = await RedshiftWarehouse.openRedshift({ url: rsUrl, emulate: 'postgres', iamRole: TEST_ROLE });
    try {
      expect(wh.dialect.sortAggregatesShareOrder).toBe(true);
      const seen: string[] = [];
      const query = wh.query.bind(wh);
      wh.query = (sql: string, params?: readonly SqlValue[]) => {
        seen.push(sql);
        return query(sql, params);
      };
      expectSameAnswers(duckAnswers, await computeAnswers(wh), { ignoreRun: true });
      // Every query the answers sent passes the parse gate: no FILTER, one ORDER BY per statement's medians.
      expect(seen.length).toBeGreaterThan(10);
      for (const sql of seen) expect(redshiftProblems(sql), sql).toEqual([]);
    } finally {
      await wh.close();
    }
  });

  it('stores every text within its declared VARCHAR, counted in bytes', async () => {
    const ddl = sent.ddl!.join('\n');
    let checked = 0;
    for (const t of RS_MODEL)
      for (const c of t.columns.filter((col) => col.type === 'VARCHAR')) {
        const m = new RegExp(
          `CREATE TABLE IF NOT EXISTS ${t.name.replace('.', '\\.')} \\([^]*?\\n  ${c.name} VARCHAR\\((\\d+)\\)`,
        ).exec(ddl);
        expect(m, `${t.name}.${c.name}`).not.toBeNull();
        const declared = Number(m![1]);
        expect(declared).toBeLessThanOrEqual(65535);
        const [r] = await query<{ n: number | null }>(
          rsUrl,
          `SELECT max(octet_length(${c.name})) AS n FROM ${t.name}`,
        );
        expect(r!.n ?? 0, `${t.name}.${c.name}`).toBeLessThanOrEqual(declared);
        checked++;
      }
    expect(checked).toBe(8);
    // The 3000-emoji title is 3000 characters, 12000 bytes: PostgreSQL counts one, Redshift the other.
    const [big] = await query<{ chars: number; bytes: number }>(
      rsUrl,
      `SELECT length(title) AS chars, octet_length(title) AS bytes FROM movies.movie WHERE movie_id = 9100006`,
    );
    expect(big).toEqual({ chars: 3000, bytes: 12000 });
    expect(ddl).toMatch(/\n {2}title VARCHAR\(32768\)/);
    // The generated statements of the run pass the gate too (sizes from this data, the adversarial titles included).
    for (const sql of [...sent.ddl!, ...sent.load!, ...sent.merge!])
      expect(redshiftProblems(sql), sql).toEqual([]);
  });

  it('an incremental ratings file: later timestamps win, earlier ones are dropped before the MERGE', async () => {
    const s = truth.ratings.spotChecks[0]!;
    const t = truth.ratings.spotChecks[1]!;
    const more = [
      'userId,movieId,rating,timestamp',
      `${s.userId},${s.movieId},0.5,${s.timestamp + 1}`, // newer: replaces
      `${t.userId},${t.movieId},5.0,${t.timestamp - 1}`, // older: stored one stays
      `77777,1,4.0,1600000000`, // new key: inserted
      `77777,1,3.0,1600000005`, // same key, later in the file: wins within the file
    ].join('\r\n');
    const dir = join(root, 'inc');
    copyDir(data, dir);
    writeFileSync(join(dir, 'ratings_more.csv'), more + '\r\n');
    const cfg = loadConfig({
      cwd: root,
      overrides: { input: dir, warehouse: duckWh, staging: join(root, 'staging') },
    });
    expect((await runPipeline(cfg)).status).toBe('success');
    const wh = await RedshiftWarehouse.openRedshift({ url: rsUrl, emulate: 'postgres', iamRole: TEST_ROLE });
    try {
      const files = await inputFiles(dir, join(root, 'rs-inc'), ['ratings_more.csv']);
      const only = { ratings: files.ratings! };
      const stmts = await runPlan(wh, only, join(root, 'rs-inc'), ['load', 'merge', 'answers'], runStartedAt);
      expect(stmts.merge!.filter((q) => q.startsWith('MERGE'))).toHaveLength(1);
    } finally {
      await wh.close();
    }
    const [a, b] = [await checksums(duckWh), await checksums(rsUrl)];
    expect(b.rating).toEqual(a.rating);
    const [r] = await query(
      rsUrl,
      `SELECT rating FROM movies.rating WHERE user_id = 77777 AND movielens_id = 1`,
    );
    expect(r).toEqual({ rating: 3 });
    const wh2 = await RedshiftWarehouse.openRedshift({ url: rsUrl, emulate: 'postgres', iamRole: TEST_ROLE });
    try {
      const again = await withWarehouse(duckWh, (w) => computeAnswers(w));
      expectSameAnswers(again, await computeAnswers(wh2), { ignoreRun: true });
    } finally {
      await wh2.close();
    }
  });
});
