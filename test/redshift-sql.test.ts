// Layers 1 and 2 of the Redshift checks, no database needed: the exact text of the full model's plan (DDL, COPY,
// MERGE, answer marts) against golden files, and a parse gate — every statement parses with @polyglot-sql/sdk's
// Redshift dialect and passes lint rules for what that parser lets through; each rule is shown to reject a broken
// statement. Plus the dialect's overrides and the redshift:// location.
import { describe, expect, it } from 'vitest';
import { META_TABLES, MODEL_VIEWS } from '../src/model/schema.js';
import { modelDdl } from '../src/pipeline/migrate.js';
import { martDdl } from '../src/stages/answers/marts.js';
import { parseWarehouseLocation } from '../src/warehouse/location.js';
import { describeLocation } from '../src/warehouse/open.js';
import {
  STAGING_NAMES,
  STATEMENT_KINDS,
  planStatements,
  type RedshiftLoadInput,
  type StagingName,
} from '../src/stages/load/redshift-plan.js';
import {
  redshiftDialect,
  redshiftToPostgresUrl,
  resolveIamRole,
  varcharSize,
} from '../src/warehouse/redshift/index.js';
import type { LoadObject } from '../src/warehouse/s3-copy.js';
import { redshiftProblems } from './support/redshift-lint.js';
import { REDSHIFT_CAPABILITIES } from '../src/warehouse/redshift/index.js';

/** What modelDdl reads of a Redshift warehouse. */
const rsWarehouseShape = { dialect: redshiftDialect, capabilities: REDSHIFT_CAPABILITIES };
import { TEST_ROLE } from './support/redshift-run.js';

const S3 = 's3://movalytics-example/staging';
/** A fixed run: every staging table present, the rating file in three parts, byte maxima as a real run measures. */
/** A staged file COPYed as it is: a manifest of one raw object. */
const rawObject = (name: string): LoadObject => ({
  manifestUrl: `${S3}/redshift/${name}.manifest`,
  partUrls: [`${S3}/raw/${name}`],
});
/** The cleaned movies load from parts; the ratings (two files), links and CPI from their staged objects. */
const PART_LOADED = STAGING_NAMES.filter((n) => !['rating_in', 'link_in', 'cpi_in'].includes(n));
const FULL: RedshiftLoadInput = {
  objects: Object.fromEntries(
    PART_LOADED.map((n): [StagingName, LoadObject] => [
      n,
      { manifestUrl: `${S3}/redshift/${n}.manifest`, partUrls: [`${S3}/redshift/${n}-0.csv`] },
    ]),
  ),
  raw: {
    ratings: [rawObject('ratings'), rawObject('ratings_2026-11')],
    links: rawObject('links'),
    cpi: [{ series: 'CUSR0000SS62031', object: rawObject('CUSR0000SS62031') }],
  },
  bytes: {
    'movies.movie.imdb_id': 9,
    'movies.movie.title': 104,
    'movies.movie.original_title': 183,
    'movies.movie.original_language': 2,
    'movies.movie.status': 15,
    'movies.genre.name': 15,
    'movies.movie_link.imdb_id': 7,
    'movies.cpi.series_id': 15,
    'staging.link_in.imdb_id': 7,
    'staging.cpi_in.series_id': 15,
    'staging.cpi_in.date': 10,
    'staging.cpi_in.value': 7,
    'staging.movie_in.imdb_id': 9,
    'staging.movie_in.title': 104,
    'staging.movie_in.original_title': 183,
    'staging.movie_in.original_language': 2,
    'staging.movie_in.status': 15,
    'staging.genre_in.name': 15,
  },
  auth: { iamRole: TEST_ROLE },
  runStartedAt: new Date('2026-01-01T00:00:00Z'),
};
const MODEL = { views: MODEL_VIEWS, metaDdl: META_TABLES, answers: martDdl(20, redshiftDialect) };

describe('the Redshift plan for the full model', () => {
  it.each(STATEMENT_KINDS)('%s: the exact text (golden)', async (kind) => {
    const text = planStatements(kind, FULL, MODEL).join(';\n\n') + ';\n';
    await expect(text).toMatchFileSnapshot(`./redshift-golden/${kind}.sql`);
  });

  it.each(STATEMENT_KINDS)('%s: every statement parses as Redshift and passes the lint rules', (kind) => {
    const stmts = planStatements(kind, FULL, MODEL);
    expect(stmts.length).toBeGreaterThan(0);
    for (const sql of stmts) expect(redshiftProblems(sql), sql).toEqual([]);
  });

  it('publishes in one transaction and merges plainly', () => {
    const merge = planStatements('merge', FULL, MODEL);
    expect(merge[0]).toBe('BEGIN');
    expect(merge[merge.length - 1]).toBe('COMMIT');
    expect(merge.filter((s) => /^(BEGIN|COMMIT)/.test(s))).toHaveLength(2);
    expect(merge.filter((s) => s.startsWith('MERGE INTO'))).toHaveLength(6);
    expect(merge.join('\n')).not.toMatch(/ON CONFLICT|FILTER \(|array_agg|string_agg/i);
  });

  it('loads every staging table from a manifest with the IAM role', () => {
    const copies = planStatements('load', FULL, MODEL).filter((s) => s.startsWith('COPY'));
    // Three parts of the cleaned movies; two ratings files, links and CPI from their staged objects.
    expect(copies).toHaveLength(PART_LOADED.length + 4);
    for (const c of copies) {
      expect(c).toMatch(/\nFROM 's3:\/\/movalytics-example\/staging\/redshift\/[\w-]+\.manifest'\n/);
      expect(c).toContain(`IAM_ROLE '${TEST_ROLE}'`);
    }
    const raw = copies.filter((c) => /^COPY staging\.\w+_raw_\d+ \(line\)/.test(c));
    expect(raw).toHaveLength(4);
    for (const c of raw) expect(c).toMatch(/DELIMITER '\\037' IGNOREHEADER 1 MANIFEST$/);
    for (const c of copies.filter((c) => !raw.includes(c)))
      expect(c).toMatch(/FORMAT AS CSV IGNOREHEADER AS 1 EMPTYASNULL MANIFEST$/);
  });

  it('sizes VARCHAR in bytes with room to grow, never past 65535', () => {
    expect(varcharSize(0)).toBe(32);
    expect(varcharSize(104)).toBe(256);
    expect(varcharSize(12_000)).toBe(32768);
    expect(varcharSize(40_000)).toBe(65535);
    expect(() => varcharSize(65_536)).toThrow(/65536 bytes does not fit/);
  });
});

describe('the lint rules reject what Redshift would', () => {
  const broken: [string, string, RegExp][] = [
    [
      'MERGE without ON',
      'MERGE INTO a.t USING s.x WHEN MATCHED THEN UPDATE SET v = s.x.v WHEN NOT MATCHED THEN INSERT (k) VALUES (s.x.k)',
      /no ON clause/,
    ],
    [
      'INSERT under MATCHED',
      'MERGE INTO a.t USING s.x ON a.t.k = s.x.k WHEN MATCHED THEN INSERT (k) VALUES (1) WHEN NOT MATCHED THEN INSERT (k) VALUES (s.x.k)',
      /WHEN MATCHED THEN INSERT/,
    ],
    [
      'a target alias',
      'MERGE INTO a.t tt USING s.x ON tt.k = s.x.k WHEN MATCHED THEN UPDATE SET v = s.x.v WHEN NOT MATCHED THEN INSERT (k) VALUES (s.x.k)',
      /target has an alias/,
    ],
    [
      'a subquery source',
      'MERGE INTO a.t USING (SELECT 1 AS k) s ON a.t.k = s.k WHEN MATCHED THEN UPDATE SET v = 1 WHEN NOT MATCHED THEN INSERT (k) VALUES (s.k)',
      /not a plain table/,
    ],
    [
      'a CTE source',
      'WITH q AS (SELECT 1 AS k) MERGE INTO a.t USING q ON a.t.k = q.k WHEN MATCHED THEN UPDATE SET v = 1 WHEN NOT MATCHED THEN INSERT (k) VALUES (q.k)',
      /WITH is not allowed/,
    ],
    [
      'a condition on MATCHED',
      'MERGE INTO a.t USING s.x ON a.t.k = s.x.k WHEN MATCHED AND s.x.v > 1 THEN UPDATE SET v = s.x.v WHEN NOT MATCHED THEN INSERT (k) VALUES (s.x.k)',
      /has a condition/,
    ],
    [
      'two MATCHED clauses',
      'MERGE INTO a.t USING s.x ON a.t.k = s.x.k WHEN MATCHED THEN UPDATE SET v = 1 WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT (k) VALUES (s.x.k)',
      /needs one WHEN MATCHED/,
    ],
    [
      'COPY from a local file',
      "COPY t FROM '/tmp/x.csv' IAM_ROLE 'arn:aws:iam::123456789012:role/R' FORMAT AS CSV",
      /not an s3:\/\/ URL/,
    ],
    ['COPY without a role', "COPY t FROM 's3://b/x' FORMAT AS CSV", /no IAM_ROLE/],
    [
      'COPY with a role that is no ARN',
      "COPY t FROM 's3://b/x' IAM_ROLE 'admin' FORMAT AS CSV",
      /not a role ARN/,
    ],
    ['DISTSTYLE KEYS', 'CREATE TABLE t (a INTEGER) DISTSTYLE KEYS', /parse|DISTSTYLE/],
    ['SORTKEY()', 'CREATE TABLE t (a INTEGER) SORTKEY()', /SORTKEY\(\) names no column/],
    ['a sort key that is no column', 'CREATE TABLE t (a INTEGER) SORTKEY(b)', /SORTKEY column b/],
    ['a dist key that is no column', 'CREATE TABLE t (a INTEGER) DISTSTYLE KEY DISTKEY(b)', /DISTKEY\(b\)/],
    ['VARCHAR over 65535', 'CREATE TABLE t (a VARCHAR(70000))', /exceeds 65535/],
    ['a bare VARCHAR', 'CREATE TABLE t (a VARCHAR)', /no size/],
    ['FILTER on an aggregate', 'SELECT count(*) FILTER (WHERE x > 1) FROM t', /FILTER/],
    [
      'two ORDER BYs',
      'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a), percentile_cont(0.5) WITHIN GROUP (ORDER BY b) FROM t',
      /different ORDER BYs/,
    ],
    ['array_agg', 'SELECT (array_agg(x ORDER BY y))[1] FROM t GROUP BY z', /array_agg/],
    ['string_agg', 'SELECT string_agg(r, chr(30) ORDER BY r) FROM t', /string_agg/],
    ['concat_ws', "SELECT concat_ws(',', a, b) FROM t", /concat_ws/],
    ['ON CONFLICT', 'INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO NOTHING', /ON CONFLICT/],
    [
      'ADD COLUMN IF NOT EXISTS',
      'ALTER TABLE m.run ADD COLUMN IF NOT EXISTS x VARCHAR(9)',
      /ADD COLUMN IF NOT EXISTS/,
    ],
    ['DROP NOT NULL', 'ALTER TABLE m.cpi ALTER COLUMN value DROP NOT NULL', /DROP\/SET NOT NULL/],
    ['to_timestamp(number)', 'SELECT to_timestamp(floor(x)) FROM t', /to_timestamp/],
    ['DELETE … USING with an alias', 'DELETE FROM m.rating r USING s n WHERE r.a = n.a', /target alias/],
    ['a DuckDB function', 'SELECT arg_min(a, b) FROM t', /DuckDB/],
    [
      'MEDIAN beside another ORDER BY',
      'SELECT median(a), percentile_cont(0.5) WITHIN GROUP (ORDER BY b) FROM t',
      /different ORDER BYs/,
    ],
  ];
  it.each(broken)('%s', (_what, sql, why) => {
    const problems = redshiftProblems(sql);
    expect(problems.join('\n')).toMatch(why);
  });
  it('accepts the same ORDER BY in several sort-based aggregates', () => {
    expect(
      redshiftProblems('SELECT median(a), percentile_cont(0.9) WITHIN GROUP (ORDER BY a) FROM t'),
    ).toEqual([]);
  });
});

describe('the Redshift dialect', () => {
  it('has no row id to delete by (its loads merge by key)', () => {
    expect(() => redshiftDialect.rowId('r')).toThrow(/no row id/);
    expect(() => redshiftDialect.deleteByRowIds('m.t', 'SELECT 1')).toThrow(/no row id/);
  });
  it('refuses SET NOT NULL, which Redshift lacks (its tables come from their DDL)', () => {
    expect(() => redshiftDialect.setNotNull('s.t', ['a'])).toThrow(
      /cannot ALTER COLUMN … SET NOT NULL \(s\.t: a\)/,
    );
  });
  it('materialises a subquery source, then merges plainly', () => {
    const stmts = redshiftDialect.upsert(
      {
        target: 'movies.genre',
        source: '(SELECT 1 AS genre_id, 2 AS name)',
        columns: ['genre_id', 'name'],
        key: ['genre_id'],
      },
      'merge',
    );
    expect(stmts[1]).toBe(
      'CREATE TABLE staging.movies_genre__src AS SELECT genre_id, name FROM (SELECT 1 AS genre_id, 2 AS name) s',
    );
    expect(stmts[2]).toMatch(
      /^MERGE INTO movies\.genre\nUSING staging\.movies_genre__src\nON movies\.genre\.genre_id = /,
    );
    for (const s of stmts) expect(redshiftProblems(s), s).toEqual([]);
  });
  it('sizes the metadata DDL and its migrations (a bare VARCHAR is 256 bytes there)', () => {
    const ddl =
      'CREATE TABLE IF NOT EXISTS m.t (\n  a VARCHAR NOT NULL,  -- why\n  b VARCHAR(12),\n  c INTEGER\n)';
    const out = redshiftDialect.tableDdl(ddl);
    expect(out).toBe(
      'CREATE TABLE IF NOT EXISTS m.t (\n  a VARCHAR(65535) NOT NULL,\n  b VARCHAR(12),\n  c INTEGER\n)',
    );
    expect(redshiftProblems(out)).toEqual([]);
    expect(redshiftProblems(ddl).join()).toMatch(/no size/);
    for (const sql of modelDdl(rsWarehouseShape)) expect(redshiftProblems(sql), sql).toEqual([]);
    expect(modelDdl(rsWarehouseShape).some((s) => s.includes('movies.movie'))).toBe(false);
  });

  it('writes FILTER as CASE, epochs as intervals, VARCHAR sized', () => {
    expect(redshiftDialect.filteredAgg('count', '*', 'ok')).toBe('count(CASE WHEN ok THEN 1 END)');
    expect(redshiftDialect.filteredAgg('sum', 'r.n', 'ok')).toBe('sum(CASE WHEN ok THEN r.n END)');
    expect(redshiftDialect.timestampFromEpochSeconds('s')).toBe(
      `(TIMESTAMP 'epoch' + s * INTERVAL '1 second')`,
    );
    expect(redshiftDialect.typeName('VARCHAR')).toBe('VARCHAR(65535)');
  });
});

describe('redshift:// locations', () => {
  it('takes the IAM role from the URL and prints no password', () => {
    const p = parseWarehouseLocation(
      'redshift://etl:s3cret@c1.abc.eu-west-1.redshift.amazonaws.com:5439/dev?iam_role=arn:aws:iam::123456789012:role/Load',
    );
    expect(p.ok && p.location).toMatchObject({
      kind: 'redshift',
      iamRole: 'arn:aws:iam::123456789012:role/Load',
    });
    if (!p.ok || p.location.kind !== 'redshift') return;
    expect(describeLocation(p.location)).toBe(
      'redshift://etl@c1.abc.eu-west-1.redshift.amazonaws.com:5439/dev',
    );
    expect(redshiftToPostgresUrl(p.location.url)).toBe(
      'postgres://etl:s3cret@c1.abc.eu-west-1.redshift.amazonaws.com:5439/dev',
    );
  });
  it('refuses an iam_role that is not a role ARN, in one line without the password', () => {
    const p = parseWarehouseLocation('redshift://etl:s3cret@h/dev?iam_role=admin');
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.message).toMatch(/iam_role "admin" is not an IAM role ARN/);
    expect(p.message).not.toContain('s3cret');
  });
  it('falls back to MOVALYTICS_REDSHIFT_IAM_ROLE, and says where to put one when there is none', () => {
    expect(resolveIamRole(undefined, { MOVALYTICS_REDSHIFT_IAM_ROLE: 'DEFAULT' })).toBe('DEFAULT');
    expect(() => resolveIamRole(undefined, {})).toThrow(/MOVALYTICS_REDSHIFT_IAM_ROLE/);
  });
});
