// Parsing `--warehouse`: paths and duckdb: are DuckDB, postgres(ql):// is PostgreSQL, redshift:// is reserved.
import { describe, expect, it } from 'vitest';
import { parseWarehouseLocation } from './location.js';

describe('parseWarehouseLocation', () => {
  it('reads a plain path, a Windows path and duckdb:PATH as DuckDB', () => {
    expect(parseWarehouseLocation('./w.duckdb')).toEqual({
      ok: true,
      location: { kind: 'duckdb', path: './w.duckdb' },
    });
    expect(parseWarehouseLocation('C:\\data\\w.duckdb')).toEqual({
      ok: true,
      location: { kind: 'duckdb', path: 'C:\\data\\w.duckdb' },
    });
    expect(parseWarehouseLocation('duckdb:/tmp/w.duckdb')).toEqual({
      ok: true,
      location: { kind: 'duckdb', path: '/tmp/w.duckdb' },
    });
    expect(parseWarehouseLocation('duckdb:')).toMatchObject({ ok: false });
  });
  it('reads postgres:// and postgresql:// as PostgreSQL with the default streams', () => {
    for (const url of ['postgres://u@h/db', 'postgresql://u:p@h:5433/db?sslmode=disable'])
      expect(parseWarehouseLocation(url)).toEqual({
        ok: true,
        location: { kind: 'postgres', url, loadStreams: 3 },
      });
  });
  it('keeps redshift:// for later and refuses other schemes', () => {
    expect(parseWarehouseLocation('redshift://u@h:5439/dev')).toMatchObject({
      ok: true,
      location: { kind: 'redshift' },
    });
    const bad = parseWarehouseLocation('mysql://u@h/db');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toMatch(/unknown warehouse scheme "mysql:"/);
  });
});
