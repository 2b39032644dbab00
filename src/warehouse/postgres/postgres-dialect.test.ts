// The SQL text of every dialect function on PostgreSQL (the Postgres-family base as written).
import { describe, expect, it } from 'vitest';
import { postgresDialect as d } from './postgres-dialect.js';

describe('PostgreSQL dialect', () => {
  it('quotes identifiers and literals (standard strings: a backslash is literal)', () => {
    expect(d.quoteIdent('a"b')).toBe('"a""b"');
    expect(d.quoteLiteral("it's \\ ok")).toBe("'it''s \\ ok'");
  });
  it('deletes by ctid, without scanning the table', () => {
    expect(d.rowId('r')).toBe('r.ctid');
    expect(d.deleteByRowIds('m.t', 'SELECT rid FROM s')).toBe(
      'DELETE FROM m.t WHERE ctid = ANY(ARRAY(SELECT rid FROM s))',
    );
  });
  it('indexes a table by its key (an unnamed unique btree)', () => {
    expect(d.keyIndex('m.t', ['a', 'b'])).toEqual(['CREATE UNIQUE INDEX ON m.t (a, b)']);
  });
  it('updates matched rows in place, keeping their old values, and leaves room on each page for it when asked', () => {
    expect(
      d.updateMatchedReturningOld({
        table: 'm.t',
        incoming: 's.n',
        stored: 's.o',
        key: ['k'],
        columns: ['v'],
        keepStored: 'o.v > n.v',
      }),
    ).toBe(
      'WITH u AS (UPDATE m.t t SET v = CASE WHEN o.v > n.v THEN o.v ELSE n.v END FROM s.n n, m.t o WHERE o.k = n.k AND t.ctid = o.ctid RETURNING o.k, o.v)\nINSERT INTO s.o (k, v) SELECT k, v FROM u',
    );
    expect(d.storageClause(90)).toBe(' WITH (fillfactor = 90)');
    expect(d.storageClause(undefined)).toBe('');
  });
  it('refreshes statistics with ANALYZE', () => {
    expect(d.analyze('s.t')).toEqual(['ANALYZE s.t']);
  });
  it('declares columns NOT NULL in one ALTER (one scan of the table)', () => {
    expect(d.setNotNull('s.t', ['a', 'b'])).toEqual([
      'ALTER TABLE s.t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b SET NOT NULL',
    ]);
  });
  it('upserts with ON CONFLICT, MERGE or DELETE + INSERT', () => {
    const spec = { target: 'm.t', source: '(SELECT 1 AS k, 2 AS v)', columns: ['k', 'v'], key: ['k'] };
    expect(d.upsert(spec, 'on-conflict')).toEqual([
      'INSERT INTO m.t (k, v) SELECT k, v FROM (SELECT 1 AS k, 2 AS v) s\nON CONFLICT (k) DO UPDATE SET v = excluded.v',
    ]);
    expect(d.upsert(spec, 'merge')[0]).toMatch(
      /^MERGE INTO m\.t t USING \(SELECT 1 AS k, 2 AS v\) s ON t\.k = s\.k/,
    );
    expect(d.upsert(spec, 'delete-insert')).toHaveLength(2);
  });
  it('takes arg_min/arg_max as the first of an ordered array', () => {
    expect(d.argMin('v', ['a', 'b'])).toBe('(array_agg(v ORDER BY a, b))[1]');
    expect(d.argMax('v', ['a'])).toBe('(array_agg(v ORDER BY a DESC))[1]');
  });
  it('casts safely by checking the text first', () => {
    expect(d.safeCast('x', 'VARCHAR')).toBe('CAST(x AS VARCHAR)');
    expect(d.safeCast('x', 'INTEGER')).toBe(
      "CASE WHEN x ~ '^\\s*[+-]?[0-9]{1,18}\\s*$' THEN CASE WHEN CAST(x AS BIGINT) BETWEEN -2147483648 AND 2147483647 THEN CAST(x AS INTEGER) END END",
    );
    expect(d.safeCast('x', 'BIGINT')).toMatch(
      /CAST\(x AS NUMERIC\) BETWEEN -9223372036854775808 AND 9223372036854775807/,
    );
    expect(d.safeCast('x', 'DOUBLE PRECISION')).toMatch(
      /^CASE WHEN x ~ .* THEN CAST\(x AS DOUBLE PRECISION\) END$/,
    );
    expect(d.safeCast('x', 'BOOLEAN')).toMatch(/THEN CAST\(trim\(x\) AS BOOLEAN\) END$/);
    expect(d.safeCast('x', 'DATE')).toMatch(/% 400 = 0.* THEN CAST\(trim\(x\) AS DATE\) END$/);
    expect(d.safeCast('x', 'TIMESTAMP')).toMatch(/THEN CAST\(trim\(x\) AS TIMESTAMP\) END$/);
  });
  it('converts epochs with date_part, extract and to_timestamp in UTC', () => {
    // date_part: a DOUBLE, faster over 26M rows than extract's NUMERIC.
    expect(d.epochSeconds('t')).toBe("CAST(floor(date_part('epoch', t)) AS BIGINT)");
    expect(d.epochMicros('t')).toBe('CAST(floor(extract(epoch FROM t) * 1000000) AS BIGINT)');
    expect(d.timestampFromEpochSeconds('s')).toBe("(to_timestamp(s) AT TIME ZONE 'UTC')");
  });
  it('writes percentile, month difference, FILTER and text casts in standard SQL', () => {
    expect(d.percentileCont('v', 0.5)).toBe('percentile_cont(0.5) WITHIN GROUP (ORDER BY v)');
    expect(d.monthsBetween('a', 'b')).toMatch(/^CAST\(\(extract\(year FROM b\)/);
    expect(d.filteredAgg('count', '*', 'ok')).toBe('count(*) FILTER (WHERE ok)');
    expect(d.toText('x')).toBe('CAST(x AS VARCHAR)');
  });
  it('checksums a table as md5 of its rows in their text form', () => {
    expect(d.tableChecksum('m.t', [{ name: 'b', type: 'DOUBLE PRECISION' }])).toBe(
      `SELECT count(*) AS n, md5(coalesce(string_agg(r, chr(30) ORDER BY md5(r), r), '')) AS checksum FROM (SELECT coalesce(CAST("b" AS VARCHAR), '\\N') AS r FROM m.t) t`,
    );
  });

  it('takes the metadata DDL as written (PostgreSQL has unbounded VARCHAR)', () => {
    const ddl = 'CREATE TABLE IF NOT EXISTS m.t (\n  a VARCHAR NOT NULL, -- why\n  b INTEGER\n)';
    expect(d.tableDdl(ddl)).toBe(ddl);
    expect(d.typeName('VARCHAR')).toBe('VARCHAR');
  });
});
