// PostgreSQL loads a clean ratings file straight into its typed, NOT NULL part (one logged COPY, the epoch typed in the
// stream) and gives the same rows as the general path (a typed copy, then CREATE TABLE AS); a file with a record the
// direct load cannot take falls back to the general path, which quarantines it as before.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  RATING_CSV_COLUMNS,
  ratingDirectLoad,
  ratingSelect,
  ratingValid,
} from '../src/stages/load/load-model.js';
import type { Warehouse } from '../src/warehouse/warehouse.js';
import { engines, withWarehouse } from './support/engines.js';
import { tempDir } from './support/helpers.js';

const postgres = engines.find((e) => e.name === 'postgres');
const started = new Date('2026-12-01T00:00:00Z');
const HEADER = 'userId,movieId,rating,timestamp\r\n';

/** `n` valid rating lines with epochs spread over the plausible window (1995 → the run's start). */
function lines(n: number, from = 0): string[] {
  const first = 788_918_400;
  const span = Math.floor(started.getTime() / 1000) - first;
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return `${(i >> 4) + 1},${(i % 997) + 1},${((i % 10) + 1) / 2},${first + ((i * 2_654_435_761) % span)}`;
  });
}

async function load(wh: Warehouse, file: string, target: string, direct: boolean) {
  return wh.bulkLoadCsv({
    file,
    columns: RATING_CSV_COLUMNS,
    target,
    mode: 'create',
    select: ratingSelect(wh.dialect),
    where: ratingValid(started),
    ...(direct ? { direct: ratingDirectLoad(wh.dialect, started) } : {}),
  });
}

/** Whether `table` was made by the direct load: its columns are NOT NULL from the start. */
async function loadedDirectly(wh: Warehouse, table: string): Promise<boolean> {
  const rows = await wh.query<{ n: number }>(
    `SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' AND is_nullable = 'YES'`,
  );
  return Number(rows[0]?.n) === 0;
}

const differ = async (wh: Warehouse, a: string, b: string): Promise<number> => {
  const [r] = await wh.query<{ n: number }>(
    `SELECT count(*) AS n FROM ((SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}) UNION ALL (SELECT * FROM ${b} EXCEPT ALL SELECT * FROM ${a})) d`,
  );
  return Number(r?.n);
};

describe.skipIf(postgres === undefined)('PostgreSQL direct ratings load', () => {
  it('loads a clean file directly, equal to the general path, and falls back on a record it cannot take', async () => {
    const dir = tempDir('pg-direct');
    const url = await postgres!.fresh(dir);
    const clean = join(dir, 'clean.csv');
    writeFileSync(clean, HEADER + lines(5000).join('\r\n') + '\r\n');
    await withWarehouse(url, async (wh) => {
      const direct = await load(wh, clean, 'direct_t', true);
      expect(direct).toEqual({ rowsLoaded: 5000, rejects: [] });
      expect(await loadedDirectly(wh, 'direct_t')).toBe(true);
      // The rules were a constraint during the COPY only: their bounds are this run's (later runs add later ratings).
      const constraints = await wh.query(
        `SELECT conname FROM pg_constraint WHERE conrelid = to_regclass('direct_t') AND contype = 'c'`,
      );
      expect(constraints).toEqual([]);
      const general = await load(wh, clean, 'general_t', false);
      expect(general.rowsLoaded).toBe(5000);
      expect(await loadedDirectly(wh, 'general_t')).toBe(false);
      expect(await differ(wh, 'direct_t', 'general_t')).toBe(0);

      // Each of these records sends the load down the general path, which keeps the other rows as before.
      // The quoted rating is a good record the direct load leaves to the general path; the others are quarantined.
      const cases: { name: string; bad: string; loaded: number; rejects: number }[] = [
        { name: 'out of range', bad: '7,7,7.0,1000000000', loaded: 300, rejects: 0 },
        { name: 'before 1995', bad: '7,7,4.0,100', loaded: 300, rejects: 0 },
        { name: 'empty field', bad: '7,7,,1000000000', loaded: 300, rejects: 0 },
        { name: 'not a number', bad: '7,x,4.0,1000000000', loaded: 300, rejects: 1 },
        { name: 'quoted', bad: '7,7,"4.0",1000000000', loaded: 301, rejects: 0 },
      ];
      for (const [i, c] of cases.entries()) {
        const file = join(dir, `bad-${i}.csv`);
        const good = lines(300);
        writeFileSync(
          file,
          HEADER + [...good.slice(0, 150), c.bad, ...good.slice(150)].join('\r\n') + '\r\n',
        );
        const r = await load(wh, file, `bad_${i}`, true);
        expect(await loadedDirectly(wh, `bad_${i}`), c.name).toBe(false);
        expect([r.rowsLoaded, r.rejects.length], c.name).toEqual([c.loaded, c.rejects]);
      }
    });
  }, 120_000);

  it('splits a large file over parallel streams, and a bad record in the last stream falls back cleanly', async () => {
    const dir = tempDir('pg-direct-large');
    const url = await postgres!.fresh(dir);
    const file = join(dir, 'large.csv');
    // Over the 32 MiB from which the load uses parallel streams: ~1.2M lines.
    const body = lines(1_250_000);
    writeFileSync(file, HEADER + body.join('\r\n') + '\r\n');
    await withWarehouse(url, async (wh) => {
      expect(await load(wh, file, 'large_t', true)).toEqual({ rowsLoaded: 1_250_000, rejects: [] });
      expect(await loadedDirectly(wh, 'large_t')).toBe(true);
      const [r] = await wh.query<{ n: number; u: number }>(
        `SELECT count(DISTINCT (user_id, movielens_id)) AS n, max(user_id) AS u FROM large_t`,
      );
      expect(Number(r?.n)).toBe(1_250_000);
      expect(Number(r?.u)).toBe((1_249_999 >> 4) + 1);

      // A bad record near the end (the last stream refuses; the first stops the others) and near the start.
      for (const [name, at] of [
        ['large_bad_last', body.length - 10],
        ['large_bad_first', 10],
      ] as const) {
        writeFileSync(
          file,
          HEADER + [...body.slice(0, at), '1,1,9.5,1000000000', ...body.slice(at)].join('\r\n') + '\r\n',
        );
        const fallback = await load(wh, file, name, true);
        expect(await loadedDirectly(wh, name)).toBe(false);
        expect(fallback.rowsLoaded).toBe(1_250_000);
      }
    });
  }, 300_000);
});
