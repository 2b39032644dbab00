// Config validation: DuckDB memory sizes, a config file with a byte-order mark, and connection strings refused
// (redacted) as warehouse paths without creating anything.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, EXIT } from '../core/errors.js';
import { describeLocation } from '../warehouse/open.js';
import { loadConfig } from './config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'movalytics-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('duckdbMemoryLimit', () => {
  it.each(['1.5GB', '1.5 GB', '512mb', '2GiB', '512 MiB', '100KB', '1TB', '.5GB', '1024B', '3 tib'])(
    'accepts %s',
    (v) => {
      expect(loadConfig({ cwd: dir, overrides: { duckdbMemoryLimit: v } }).duckdbMemoryLimit).toBe(v);
    },
  );

  it.each(['lots', '-5GB', '0GB', '0.0 MB', '1000', '80%', 'GB', '1.5  GB', '1.5 gigabytes', '1e3MB', ''])(
    'rejects %j naming the field, the value and an example',
    (v) => {
      const err = configError(() => loadConfig({ cwd: dir, overrides: { duckdbMemoryLimit: v } }));
      expect(err.exitCode).toBe(EXIT.usage);
      expect(err.message).toContain('duckdbMemoryLimit');
      expect(err.message).toContain(`"${v}"`);
      expect(err.message).toContain('e.g. "1.5GB"');
      expect(err.message.split('\n')).toHaveLength(1);
    },
  );

  it('rejects a bad size from a config file, naming the file', () => {
    writeFileSync(join(dir, 'movalytics.config.json'), JSON.stringify({ duckdbMemoryLimit: 'lots' }));
    const err = configError(() => loadConfig({ cwd: dir }));
    expect(err.message).toMatch(
      /movalytics\.config\.json: duckdbMemoryLimit: "lots" is not a positive DuckDB size/,
    );
  });
});

describe('config file', () => {
  it('accepts a UTF-8 byte-order mark at the start', () => {
    writeFileSync(
      join(dir, 'movalytics.config.json'),
      '\uFEFF' + JSON.stringify({ mappedShareWarn: 0.5, duckdbMemoryLimit: '1GB' }),
    );
    const c = loadConfig({ cwd: dir });
    expect(c.mappedShareWarn).toBe(0.5);
    expect(c.duckdbMemoryLimit).toBe('1GB');
  });
});

describe('warehouse locations that are not paths', () => {
  it.each([
    ['host=db.example.com port=5432 dbname=movies user=bob password=hunter2', 'connection string', true],
    ["host=db password='hunter2 x'", 'connection string', true],
    ['jdbc:postgresql://db/movies?user=bob&password=hunter2', 'unknown warehouse scheme "jdbc:"', false],
    ['jdbc:sqlserver://db;password=hunter2', 'unknown warehouse scheme "jdbc:"', false],
  ])('refuses %s with a redacted message and creates nothing', (warehouse, says, echoed) => {
    const err = configError(() => loadConfig({ cwd: dir, overrides: { warehouse } }));
    expect(err.exitCode).toBe(EXIT.usage);
    expect(err.message).toContain(says);
    expect(err.message).not.toContain('hunter2');
    if (echoed) expect(err.message).toContain('***');
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each(['postgres://bob:hunter2@db/movies', 'postgres://db/movies?password=hunter2'])(
    'takes %s as a PostgreSQL warehouse, printed without its password',
    (warehouse) => {
      const c = loadConfig({ cwd: dir, overrides: { warehouse } });
      expect(c.warehouse.kind).toBe('postgres');
      expect(describeLocation(c.warehouse)).not.toContain('hunter2');
      expect(readdirSync(dir)).toEqual([]);
    },
  );
});

describe('movalytics run --warehouse <libpq string>', () => {
  it('exits 2 with a redacted one-line message and writes no file', () => {
    const bin = join(process.cwd(), 'dist', 'cli', 'bin.js');
    const r = spawnSync(
      process.execPath,
      [bin, 'run', '--input', dir, '--warehouse', 'host=db password=hunter2', '--staging', join(dir, 's')],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(r.status).toBe(EXIT.usage);
    expect(r.stderr).toContain('host=db password=***');
    expect(r.stderr + r.stdout).not.toContain('hunter2');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});
