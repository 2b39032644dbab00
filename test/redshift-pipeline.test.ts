// `movalytics run` against Redshift, checked offline: whole pipeline runs (a first load, an unchanged re-run, an
// incremental file, a --resume, a check_failed run) against the Redshift warehouse on the PostgreSQL stand-in
// (MOVALYTICS_REDSHIFT_EMULATE=postgres), capturing every statement the warehouse and its history session send. Each
// passes the parse gate (@polyglot-sql/sdk's Redshift dialect + test/redshift-lint.ts); the model equals DuckDB's on
// the same input and the four answers agree; the load and merge statements are what `movalytics sql` prints.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { computeAnswers, type Answers } from '../src/stages/answers/index.js';
import { observeRedshiftStatements, withFailpoint } from '../src/core/test-hooks.js';
import { expectSameAnswers } from './support/answers.js';
import {
  checksums,
  engines,
  query,
  redshiftStaging,
  redshiftUrlOf,
  setUpRedshiftEnv,
  withWarehouse,
  type Engine,
} from './support/engines.js';
import { runCli, tempDir } from './support/helpers.js';
import { redshiftProblems } from './support/redshift-lint.js';

const pg: Engine | undefined = engines.find((e) => e.name === 'postgres');
const duck = engines.find((e) => e.name === 'duckdb')!;

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
    // Staging in S3 (fauxqs), as a Redshift deployment has it: the staged files are COPYed from there as they are.
    await setUpRedshiftEnv();
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
    loadConfig({
      cwd: root,
      overrides: {
        input,
        warehouse,
        staging: warehouse.startsWith('redshift:') ? redshiftStaging(root) : join(root, 'staging'),
      },
    });
  /** Everything sent since `from` that fails the gate, with why. */
  const gate = (from: number): string[] =>
    sent
      .slice(from)
      .map((sql) => [sql, redshiftProblems(sql)] as const)
      .filter(([, p]) => p.length > 0)
      .map(([sql, p]) => `${p.join('; ')}\n  ${sql.slice(0, 400)}`);
  /** Runs the pipeline on Redshift and on DuckDB with the same input; returns the Redshift run and its statements. */
  async function both(
    input: string,
    opts: Parameters<typeof runPipeline>[1] = {},
  ): Promise<{ status: string; statements: string[] }> {
    const from = sent.length;
    const r = await runPipeline(configFor(input, redshiftUrlOf(pgUrl)), opts);
    const statements = sent.slice(from);
    if (opts.resume === undefined) await runPipeline(configFor(input, duckWh));
    return { status: r.status, statements };
  }

  let first: string[] = [];

  it('a first run sends only Redshift-legal SQL, through the warehouse and its history session', async () => {
    const r = await both(data);
    expect(r.status).toBe('success');
    first = r.statements;
    expect(gate(0)).toEqual([]);
    // The run's own statements are all there: run store, history, the plan, checks, marts.
    const has = (re: RegExp): boolean => first.some((s) => re.test(s));
    expect(has(/^INSERT INTO movalytics\.run \(/)).toBe(true);
    expect(has(/^INSERT INTO movalytics\.task_run /)).toBe(true);
    // The staged ratings file is COPYed as it is (its lines), then typed in SQL into staging.rating_in.
    expect(has(/^COPY staging\.rating_raw_1 \(line\)\n/)).toBe(true);
    expect(has(/^INSERT INTO staging\.rating_in /)).toBe(true);
    expect(has(/^COPY staging\.rating_in /)).toBe(false);
    expect(has(/^MERGE INTO movies\.rating\n/)).toBe(true);
    expect(has(/^CREATE TABLE marts\./)).toBe(true);
    expect(has(/^INSERT INTO movalytics\.check_result /)).toBe(true);
    expect(has(/^CREATE TABLE IF NOT EXISTS movalytics\.run_answers \(\n {2}run_id INTEGER/)).toBe(true);
    expect(has(/^INSERT INTO movalytics\.run_answers /)).toBe(true);
    expect(first.length).toBeGreaterThan(100);
  }, 120_000);

  it('builds the same model as DuckDB and gives the same four answers', async () => {
    expect(await checksums(pgUrl)).toEqual(await checksums(duckWh));
    const from = sent.length;
    const rs: Answers = await withWarehouse(redshiftUrlOf(pgUrl), (w) => computeAnswers(w));
    const dk: Answers = await withWarehouse(duckWh, (w) => computeAnswers(w));
    expectSameAnswers(dk, rs, { ignoreRun: true });
    expect(sent.length).toBeGreaterThan(from + 10);
    expect(gate(from)).toEqual([]);
  }, 60_000);

  it('sends exactly the load and merge statements `movalytics sql` prints for the same input', async () => {
    const out = await runCli([
      'sql',
      '--warehouse',
      redshiftUrlOf(pgUrl),
      '--input',
      data,
      '--staging',
      redshiftStaging(root),
    ]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const printed = splitPrinted(out.stdout);
    const expected = [...printed.load!, ...printed.merge!.slice(1, -1)].map(normalise);
    // The run sends them in this order; between them only its quarantine INSERTs, counting (and measuring) SELECTs
    // and the model's DDL (sized from the staged files once they are loaded, see below).
    const i = first.findIndex((s) => s === printed.load![0]);
    expect(i).toBeGreaterThan(0);
    const ddl =
      /^(CREATE SCHEMA IF NOT EXISTS |CREATE TABLE IF NOT EXISTS movies\.|CREATE OR REPLACE VIEW movies\.)/;
    const run = first
      .slice(i)
      .filter((s) => !/^(INSERT INTO movalytics\.quarantine|SELECT )/.test(s) && !ddl.test(s))
      .slice(0, expected.length)
      .map(normalise);
    expect(run).toEqual(expected);
    // The model tables the run created are the DDL `movalytics sql` prints.
    const created = first.filter((s) => s.startsWith('CREATE TABLE IF NOT EXISTS movies.'));
    expect(created).toHaveLength(7);
    for (const c of created) expect(printed.ddl).toContain(c);
  }, 60_000);

  it('an unchanged re-run touches no model table and stays legal', async () => {
    const from = sent.length;
    const r = await both(data);
    expect(r.status).toBe('unchanged');
    expect(r.statements.some((s) => /^(MERGE|COPY)/.test(s))).toBe(false);
    expect(gate(from)).toEqual([]);
  }, 60_000);

  it('an incremental file that fails after load.model, then --resume: same model as DuckDB', async () => {
    const inc = join(root, 'inc');
    copyDir(data, inc);
    writeFileSync(
      join(inc, 'ratings_more.csv'),
      [
        'userId,movieId,rating,timestamp',
        '77777,1,4.0,1600000000',
        '77777,1,3.0,1600000005',
        '1,1,9.0,1600000000',
      ]
        .join('\r\n')
        .concat('\r\n'),
    );
    const from = sent.length;
    await expect(
      withFailpoint('fail-after:load.model', () => runPipeline(configFor(inc, redshiftUrlOf(pgUrl)))),
    ).rejects.toThrow();
    const resumed = await both(inc, { resume: true });
    expect(resumed.status).toBe('success');
    await runPipeline(configFor(inc, duckWh));
    expect(gate(from)).toEqual([]);
    expect(await checksums(pgUrl)).toEqual(await checksums(duckWh));
    // The invalid rating was quarantined with a reason, and the file is accounted for.
    const [q] = await query<{ n: number }>(
      pgUrl,
      `SELECT count(*) AS n FROM movalytics.quarantine WHERE source_file = 'ratings_more.csv' AND reason LIKE 'rating 9 %'`,
    );
    expect(Number(q!.n)).toBe(1);
    const rec = await query<Record<string, number>>(
      pgUrl,
      `SELECT records_read, rows_loaded, rows_quarantined, duplicates_collapsed FROM movalytics.reconciliation WHERE file_name = 'ratings_more.csv' ORDER BY run_id DESC LIMIT 1`,
    );
    expect(rec[0]).toEqual({ records_read: 3, rows_loaded: 1, rows_quarantined: 1, duplicates_collapsed: 1 });
  }, 120_000);

  it('types a staged file in SQL: a stray CR, a field that is not a number or does not fit, a short line', async () => {
    const odd = join(root, 'odd');
    copyDir(data, odd);
    writeFileSync(
      join(odd, 'ratings.csv'),
      readFileSync(join(data, 'ratings.csv'), 'utf8') +
        ['77777,1,4.0,1600000000\r', '1,99999999999,3.0,1600000000', '1,x,3.0,1600000000', '5,5', ''].join(
          '\n',
        ),
    );
    const wh = redshiftUrlOf(await pg!.fresh(join(root, 'odd-wh')));
    const from = sent.length;
    const r = await runPipeline(configFor(odd, wh));
    expect(r.status).toBe('success');
    expect(gate(from)).toEqual([]);
    const q = await query<{ reason: string; raw: string; line_number: number | null }>(
      wh,
      `SELECT reason, raw, line_number FROM movalytics.quarantine WHERE source_file = 'ratings.csv' ORDER BY raw`,
    );
    expect(q).toEqual([
      {
        reason: `Error when converting column "movieId". Could not convert string "99999999999" to 'INTEGER' — row quarantined`,
        raw: '1,99999999999,3.0,1600000000',
        line_number: null,
      },
      {
        reason: `Error when converting column "movieId". Could not convert string "x" to 'INTEGER' — row quarantined`,
        raw: '1,x,3.0,1600000000',
        line_number: null,
      },
      { reason: 'Expected Number of Columns: 4 Found: 2 — row quarantined', raw: '5,5', line_number: null },
    ]);
    const [k] = await query<{ rating: number }>(
      wh,
      `SELECT rating FROM movies.rating WHERE user_id = 77777 AND movielens_id = 1`,
    );
    expect(k).toEqual({ rating: 4 });
  }, 120_000);

  it('a run whose checks fail publishes nothing and stays legal', async () => {
    const bad = join(root, 'bad');
    copyDir(data, bad);
    // A CPI month years after the series ends: the months between are missing, cpi.months_contiguous fails.
    writeFileSync(join(bad, 'CPIAUCNS.csv'), 'observation_date,CPIAUCNS\n2040-01-01,500.5\n');
    const before = await checksums(pgUrl);
    const from = sent.length;
    const r = await runPipeline(configFor(bad, redshiftUrlOf(pgUrl)));
    expect(r.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual(['cpi.months_contiguous']);
    expect(r.status).toBe('check_failed');
    expect(gate(from)).toEqual([]);
    // Only CPI changed: nothing reads the ratings' staging table an earlier run left (26M rows at full scale).
    expect(sent.slice(from).filter((s) => /\bstaging\.rating_in\b/.test(s))).toEqual([]);
    expect(await checksums(pgUrl)).toEqual(before);
  }, 60_000);
});

function copyDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) if (f.endsWith('.csv')) copyFileSync(join(from, f), join(to, f));
}

/** `movalytics sql` output → statements by kind. */
function splitPrinted(out: string): Record<string, string[]> {
  const by: Record<string, string[]> = {};
  let kind = '';
  for (const chunk of out.split(/;\n\n|;\n$/)) {
    let s = chunk;
    const m = /^-- (\w+)\n/.exec(s);
    if (m) {
      kind = m[1]!;
      s = s.slice(m[0].length);
    }
    if (s.trim() !== '') (by[kind] ??= []).push(s);
  }
  return by;
}

/** The rating time bound is the run's start: `movalytics sql` uses its own now. */
function normalise(sql: string): string {
  return sql.replace(/rated_epoch BETWEEN (\d+) AND \d+/g, 'rated_epoch BETWEEN $1 AND <run start>');
}
