// What every PostgreSQL session of ours starts with: UTC, ISO dates, a work_mem floor that keeps the marts' big
// aggregates in memory, and JIT off — without overriding what the user chose in the URL.
import { describe, expect, it } from 'vitest';
import { MIN_WORK_MEM } from '../src/warehouse/postgres/postgres-warehouse.js';
import { engines, PG_URL, query } from './support/engines.js';

describe.runIf(engines.some((e) => e.name === 'postgres'))('a PostgreSQL session', () => {
  it(`raises work_mem to ${MIN_WORK_MEM} and uses UTC`, async () => {
    expect(
      await query(PG_URL, `SELECT current_setting('work_mem') AS w, current_setting('TimeZone') AS tz`),
    ).toEqual([{ w: MIN_WORK_MEM, tz: 'UTC' }]);
  });

  it('turns JIT compilation off, unless the URL turns it on', async () => {
    expect(await query(PG_URL, `SELECT current_setting('jit') AS jit`)).toEqual([{ jit: 'off' }]);
    const u = new URL(PG_URL);
    u.searchParams.set('options', '-c jit=on');
    expect(await query(u.toString(), `SELECT current_setting('jit') AS jit`)).toEqual([{ jit: 'on' }]);
  });

  it('keeps a larger work_mem set in the URL', async () => {
    const u = new URL(PG_URL);
    u.searchParams.set('options', '-c work_mem=512MB');
    expect(await query(u.toString(), `SELECT current_setting('work_mem') AS w`)).toEqual([{ w: '512MB' }]);
  });
});
