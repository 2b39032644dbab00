// The seam's read-only open, against a real DuckDB file and (when it answers) the test PostgreSQL server: reads
// work, the engine refuses writes, the write paths are refused by name, and nothing is created.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { WarehouseError } from '../core/errors.js';
import type { WarehouseLocation } from './location.js';
import { openWarehouse } from './open.js';
import type { Warehouse } from './warehouse.js';

const dir = mkdtempSync(join(tmpdir(), 'movalytics-readonly-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PG_URL = process.env.MOVALYTICS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return process.env.MOVALYTICS_REQUIRE_SERVICES === '1';
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Reads work; a write statement and every write path fail with a WarehouseError. */
async function expectReadOnly(wh: Warehouse, table: string): Promise<void> {
  expect(await wh.query(`SELECT a FROM ${table}`)).toEqual([{ a: 1 }]);
  await expect(wh.exec(`INSERT INTO ${table} VALUES (2)`)).rejects.toThrow(WarehouseError);
  await expect(wh.transaction(() => wh.exec(`CREATE TABLE ${table}_x (a INTEGER)`))).rejects.toThrow(
    WarehouseError,
  );
  const file = join(dir, 'in.csv');
  await expect(
    wh.bulkLoadCsv({ file, columns: [{ name: 'a', type: 'INTEGER' }], target: table, mode: 'append' }),
  ).rejects.toThrow(/is open read-only: a bulk load is not allowed/);
  await expect(wh.openSession()).rejects.toThrow(/read-only: a second session/);
  await expect(wh.acquireRunLock!({ wait: false })).rejects.toThrow(/read-only: taking the run lock/);
  expect(await wh.query(`SELECT count(*) AS n FROM ${table}`)).toEqual([{ n: 1 }]);
}

const havePostgres = await postgresAnswers();

describe('openWarehouse(location, { readOnly: true })', () => {
  it('DuckDB: attaches the file READ_ONLY and refuses every write', async () => {
    const loc: WarehouseLocation = { kind: 'duckdb', path: join(dir, 'w.duckdb') };
    const writer = await openWarehouse(loc);
    await writer.exec('CREATE TABLE t AS SELECT 1 AS a');
    await writer.close();
    const reader = await openWarehouse(loc, { readOnly: true });
    try {
      await expectReadOnly(reader, 't');
    } finally {
      await reader.close();
    }
  });

  it('DuckDB: a missing file is an error, and is not created', async () => {
    const path = join(dir, 'missing.duckdb');
    await expect(openWarehouse({ kind: 'duckdb', path }, { readOnly: true })).rejects.toThrow(
      /cannot open warehouse/,
    );
    expect(existsSync(path)).toBe(false);
  });

  it.runIf(havePostgres)('PostgreSQL: every transaction of the session is read-only', async () => {
    const loc: WarehouseLocation = { kind: 'postgres', url: PG_URL, loadStreams: 1 };
    const table = `readonly_${process.pid}`;
    const writer = await openWarehouse(loc);
    try {
      await writer.exec(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} AS SELECT 1 AS a`);
      const reader = await openWarehouse(loc, { readOnly: true });
      try {
        await expectReadOnly(reader, table);
        await expect(reader.exec(`INSERT INTO ${table} VALUES (3)`)).rejects.toMatchObject({
          sqlState: '25006',
        });
      } finally {
        await reader.close();
      }
    } finally {
      await writer.exec(`DROP TABLE IF EXISTS ${table}`);
      await writer.close();
    }
  });
});
