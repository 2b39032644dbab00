// Tests of the warehouse file sniff against a real DuckDB file and the files DuckDB would misread or refuse.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, WarehouseError } from '../../core/errors.js';
import { assertDuckDbFile } from './duckdb-file.js';
import { DuckDbWarehouse } from './duckdb-warehouse.js';

const dir = mkdtempSync(join(tmpdir(), 'movalytics-duckfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('assertDuckDbFile', () => {
  it('passes a real DuckDB file, a missing path and :memory:', async () => {
    const file = join(dir, 'real.duckdb');
    const wh = await DuckDbWarehouse.open({ path: file });
    await wh.exec('CREATE TABLE t AS SELECT 1 AS a');
    await wh.close();
    await expect(assertDuckDbFile(file)).resolves.toBeUndefined();
    await expect(assertDuckDbFile(join(dir, 'missing.duckdb'))).resolves.toBeUndefined();
    await expect(assertDuckDbFile(':memory:')).resolves.toBeUndefined();
  });

  it.each([
    [
      'a CSV (DuckDB would attach it as views in memory)',
      'existing.csv',
      'a,b\n1,2\n',
      /exists but is not a DuckDB database file/,
    ],
    ['a file shorter than the header', 'short.duckdb', 'DUCK', /exists but is not a DuckDB database file/],
    [
      '"DUCK" at the wrong offset',
      'shifted.duckdb',
      'DUCK'.padEnd(64, 'x'),
      /exists but is not a DuckDB database file/,
    ],
    ['an empty file', 'empty.duckdb', '', /is an empty file \(0 bytes\)/],
  ])('refuses %s with exit 2', async (_name, name, content, message) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    const err = await assertDuckDbFile(file, { settleMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseError);
    expect((err as WarehouseError).exitCode).toBe(EXIT.usage);
    expect((err as Error).message).toMatch(message);
  });

  it('waits for a file another process is creating this instant (empty, then a database)', async () => {
    const real = join(dir, 'source.duckdb');
    const wh = await DuckDbWarehouse.open({ path: real });
    await wh.exec('CREATE TABLE t AS SELECT 1 AS a');
    await wh.close();
    const file = join(dir, 'being-created.duckdb');
    writeFileSync(file, '');
    const becomes = setTimeout(() => copyFileSync(real, file), 300);
    try {
      await expect(assertDuckDbFile(file, { settleMs: 60_000 })).resolves.toBeUndefined();
    } finally {
      clearTimeout(becomes);
    }
  });

  it('refuses an empty file that is not new without waiting for it', async () => {
    const file = join(dir, 'old-empty.duckdb');
    writeFileSync(file, '');
    utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    // With a minute to settle, only a refusal that does not wait finishes inside the test's 5 s.
    const err = await assertDuckDbFile(file, { settleMs: 60_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseError);
    expect((err as WarehouseError).name).toBe('WarehouseError');
    expect((err as Error).message).toMatch(/is an empty file \(0 bytes\)/);
  });

  it('refuses a folder, and DuckDbWarehouse.open refuses through it', async () => {
    mkdirSync(join(dir, 'folder.duckdb'));
    await expect(DuckDbWarehouse.open({ path: join(dir, 'folder.duckdb') })).rejects.toThrow(/is a folder/);
    writeFileSync(join(dir, 'w.csv'), 'a\n1\n');
    utimesSync(join(dir, 'w.csv'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await expect(DuckDbWarehouse.open({ path: join(dir, 'w.csv') })).rejects.toThrow(
      /not a DuckDB database file/,
    );
  });
});
