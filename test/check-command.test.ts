// `movalytics check`: a full audit of a published warehouse on demand — every check over every row, read-only, exit 3
// when an error check fails, on every engine.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../src/stages/check/checks.js';
import { coldLoad } from './support/cold-load.js';
import { engines, withWarehouse } from './support/engines.js';
import { runCli, tempDir } from './support/helpers.js';

describe.each(engines)('movalytics check on $name', (engine) => {
  it('audits every row, writes nothing, and exits 3 on a broken row', async () => {
    const { warehouse, first } = await coldLoad(engine, 'check-cmd', { movies: 150, ratings: 3000, seed: 3 });
    expect(first.status).toBe('success');

    const runs = () =>
      withWarehouse(warehouse, async (wh) => (await wh.query(`SELECT run_id FROM movalytics.run`)).length);
    const ok = await runCli(['check', '--warehouse', warehouse, '--json']);
    // Read-only: no run is recorded.
    expect(await runs()).toBe(1);
    expect(ok.code).toBe(0);
    const checks = (JSON.parse(ok.stdout) as { checks: CheckResult[] }).checks;
    const byName = (n: string) => checks.find((c) => c.name === n);
    expect(byName('key_unique.rating')?.observed).toBe('0 duplicated keys (every key)');
    expect(byName('ratings.range')?.observed).toBe('0 out of range (every row)');
    expect(byName('fk.movie_genre.movie')?.observed).toBe('0 orphans (every row)');
    expect(byName('row_count.rating')?.observed).toMatch(/^[\d,]+ rows$/);
    // The reconciliation belongs to the run that loaded the files; the audit does not repeat it.
    expect(checks.some((c) => c.name.startsWith('reconciliation.'))).toBe(false);

    // A duplicate rating key that no run wrote (say a hand edit): the audit finds it wherever it is.
    const duplicate = `INSERT INTO movies.rating (user_id, movielens_id, rating, rated_at) SELECT user_id, movielens_id, 1.0, rated_at FROM movies.rating ORDER BY user_id DESC, movielens_id DESC LIMIT 1`;
    await withWarehouse(warehouse, async (wh) => {
      if (engine.name === 'postgres') {
        // PostgreSQL's unique key index refuses it; the audit does not rely on the index, so drop it and edit.
        await expect(wh.exec(duplicate)).rejects.toThrow(/duplicate key/);
        const [ix] = await wh.query<{ i: string }>(
          `SELECT indexname AS i FROM pg_indexes WHERE schemaname = 'movies' AND tablename = 'rating'`,
        );
        await wh.exec(`DROP INDEX movies.${ix!.i}`);
      }
      await wh.exec(duplicate);
    });
    const bad = await runCli(['check', '--warehouse', warehouse]);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toContain('Quality checks (every row)');
    expect(bad.stdout).toMatch(/key_unique\.rating\s+error\s+FAIL\s+1 duplicated keys/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('1 data-quality check(s) failed (key_unique.rating)');
  }, 120_000);
});

describe('movalytics check, bad input', () => {
  it('a warehouse that does not exist: one line, exit 2, and no file is created', async () => {
    const dir = tempDir('check-cmd-missing');
    const r = await runCli(['check', '--warehouse', join(dir, 'none.duckdb')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/none\.duckdb not found: run `movalytics run` first/),
    ]);
    expect(r.stdout).toBe('');
  });
});
