// The SQL text of every dialect function on DuckDB: its overrides, and the base forms it inherits.
import { describe, expect, it } from 'vitest';
import { duckDbDialect as d } from './duckdb-dialect.js';

describe('DuckDB dialect', () => {
  it('quotes identifiers and literals', () => {
    expect(d.quoteIdent('a"b')).toBe('"a""b"');
    expect(d.quoteLiteral("it's \\ ok")).toBe("'it''s \\ ok'");
  });
  it('deletes by rowid', () => {
    expect(d.rowId('r')).toBe('r.rowid');
    expect(d.deleteByRowIds('m.t', 'SELECT rid FROM s')).toBe(
      'DELETE FROM m.t WHERE rowid IN (SELECT rid FROM s)',
    );
  });
  it('needs no ANALYZE after a bulk write (statistics are kept as it writes)', () => {
    expect(d.analyze('s.t')).toEqual([]);
    // No secondary index: an ART index of 26M keys would not fit the memory budget.
    expect(d.keyIndex('s.t', ['a', 'b'])).toEqual([]);
  });
  it('declares columns NOT NULL one ALTER at a time (one action per ALTER in DuckDB)', () => {
    expect(d.setNotNull('s.t', ['a', 'b'])).toEqual([
      'ALTER TABLE s.t ALTER COLUMN a SET NOT NULL',
      'ALTER TABLE s.t ALTER COLUMN b SET NOT NULL',
    ]);
  });
  it('upserts with ON CONFLICT, MERGE or DELETE + INSERT', () => {
    const spec = { target: 'm.t', source: 's.t', columns: ['k', 'v'], key: ['k'] };
    expect(d.upsert(spec, 'on-conflict')).toEqual([
      'INSERT INTO m.t (k, v) SELECT k, v FROM s.t s\nON CONFLICT (k) DO UPDATE SET v = excluded.v',
    ]);
    expect(d.upsert({ ...spec, columns: ['k'] }, 'on-conflict')[0]).toMatch(/DO NOTHING$/);
    expect(d.upsert(spec, 'merge')).toEqual([
      'MERGE INTO m.t t USING s.t s ON t.k = s.k\nWHEN MATCHED THEN UPDATE SET v = s.v\nWHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, s.v)',
    ]);
    expect(d.upsert(spec, 'delete-insert')).toEqual([
      'DELETE FROM m.t USING s.t s WHERE m.t.k = s.k',
      'INSERT INTO m.t (k, v) SELECT k, v FROM s.t s',
    ]);
  });
  it('uses native arg_min/arg_max, over a tuple for several keys', () => {
    expect(d.argMin('v', ['a'])).toBe('arg_min(v, a)');
    expect(d.argMin('v', ['a', 'b'])).toBe('arg_min(v, (a, b))');
    expect(d.argMax('v', ['a'])).toBe('arg_max(v, a)');
  });
  it('casts safely with TRY_CAST', () => {
    expect(d.safeCast('"x"', 'DOUBLE PRECISION')).toBe('try_cast("x" AS DOUBLE PRECISION)');
    expect(d.safeCast('"x"', 'DATE')).toBe('try_cast("x" AS DATE)');
  });
  it('converts epochs natively', () => {
    expect(d.epochSeconds('t')).toBe('CAST(epoch(t) AS BIGINT)');
    expect(d.epochMicros('t')).toBe('epoch_us(t)');
    expect(d.timestampFromEpochSeconds('s')).toBe('make_timestamp(s * 1000000)');
  });
  it('inherits the standard percentile, month difference, FILTER and text cast', () => {
    expect(d.percentileCont('v', 0.9)).toBe('percentile_cont(0.9) WITHIN GROUP (ORDER BY v)');
    expect(() => d.percentileCont('v', Number.NaN)).toThrow(/finite/);
    expect(d.monthsBetween('a', 'b')).toBe(
      'CAST((extract(year FROM b) - extract(year FROM a)) * 12 + extract(month FROM b) - extract(month FROM a) AS INTEGER)',
    );
    expect(d.filteredAgg('sum', 'n', 'x IS NOT NULL')).toBe('sum(n) FILTER (WHERE x IS NOT NULL)');
    expect(d.toText('x')).toBe('CAST(x AS VARCHAR)');
    expect(d.typeName('DOUBLE PRECISION')).toBe('DOUBLE PRECISION');
  });
  it('checksums a table as md5 of its rows in a collation-free order, whole DOUBLEs without ".0"', () => {
    expect(
      d.tableChecksum('m.t', [
        { name: 'a', type: 'INTEGER' },
        { name: 'b', type: 'DOUBLE PRECISION' },
      ]),
    ).toBe(
      `SELECT count(*) AS n, md5(coalesce(string_agg(r, chr(30) ORDER BY md5(r), r), '')) AS checksum FROM (SELECT coalesce(CAST("a" AS VARCHAR), '\\N') || chr(31) || coalesce(regexp_replace(CAST("b" AS VARCHAR), '\\.0$', ''), '\\N') AS r FROM m.t) t`,
    );
  });

  it('takes the metadata DDL as written (DuckDB has unbounded VARCHAR)', () => {
    const ddl = 'CREATE TABLE IF NOT EXISTS m.t (\n  a VARCHAR NOT NULL, -- why\n  b INTEGER\n)';
    expect(d.tableDdl(ddl)).toBe(ddl);
    expect(d.typeName('VARCHAR')).toBe('VARCHAR');
  });
});
