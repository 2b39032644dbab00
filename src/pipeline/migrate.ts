// The warehouse DDL of a run, in order, as the engine takes it, and the migration of a warehouse built by an older
// version: run by the run session (run-session.ts) in the DDL transaction before anything else. The model itself is
// data (model/); this is where it meets a warehouse.
import { tableDdl } from '../core/table-spec.js';
import { META_SCHEMA, META_TABLES, MODEL_SCHEMA, MODEL_TABLES, MODEL_VIEWS } from '../model/schema.js';
import { modelTable } from '../model/tables.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/**
 * Brings a warehouse built by an older version up to the current model, before `modelDdl` (whose CREATE TABLE IF NOT
 * EXISTS would keep an old table as it is). Idempotent; run it inside the DDL transaction.
 * - `movies.cpi` keyed by `month` alone (one series) → keyed by (`series_id`, `month`); its rows are kept.
 * - `movies.cpi.value` NOT NULL → nullable (a month the source marks missing is stored with a NULL value).
 * - `movalytics.run` without `package_id`, `triggered_by`, `external_id`, `parameters` → with them (NULL for older runs).
 */
export async function migrateModel(wh: Pick<Warehouse, 'query' | 'exec' | 'dialect'>): Promise<void> {
  await migrateCpiKey(wh);
  // Columns are looked up rather than added IF NOT EXISTS: Redshift's ADD COLUMN has no IF NOT EXISTS.
  const runColumns = await wh.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'movalytics' AND table_name = 'run'`,
  );
  const have = new Set(runColumns.map((c) => c.column_name));
  if (have.size > 0)
    for (const column of ['package_id', 'triggered_by', 'external_id', 'parameters'])
      if (!have.has(column))
        await wh.exec(`ALTER TABLE movalytics.run ADD COLUMN ${column} ${wh.dialect.typeName('VARCHAR')}`);
  const [value] = await wh.query<{ is_nullable: string }>(
    `SELECT is_nullable FROM information_schema.columns
     WHERE table_schema = 'movies' AND table_name = 'cpi' AND column_name = 'value'`,
  );
  if (value?.is_nullable === 'NO') await wh.exec(`ALTER TABLE movies.cpi ALTER COLUMN value DROP NOT NULL`);
}

async function migrateCpiKey(wh: Pick<Warehouse, 'query' | 'exec'>): Promise<void> {
  const pk = await wh.query<{ column_name: string }>(
    `SELECT kcu.column_name FROM information_schema.table_constraints tc
     JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name
       AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name
     WHERE tc.table_schema = 'movies' AND tc.table_name = 'cpi' AND tc.constraint_type = 'PRIMARY KEY'`,
  );
  if (pk.length !== 1 || pk[0]!.column_name !== 'month') return;
  await wh.exec(`ALTER TABLE movies.cpi RENAME TO cpi__month_key`);
  await wh.exec(tableDdl(modelTable('cpi')));
  await wh.exec(
    `INSERT INTO movies.cpi (month, series_id, value) SELECT month, series_id, value FROM movies.cpi__month_key`,
  );
  await wh.exec(`DROP TABLE movies.cpi__month_key`);
}

/**
 * All DDL, in order, idempotent, as `wh`'s engine takes it (the Postgres-family text when no warehouse is given). An
 * engine that loads the model by its own plan (`bulkLoad: 's3-copy'`: its tables carry a physical design and
 * VARCHARs sized from the data) gets only the schemas and the run metadata here; its load creates the model tables.
 */
export function modelDdl(wh?: Pick<Warehouse, 'dialect' | 'capabilities'>): string[] {
  const byPlan = wh?.capabilities.bulkLoad === 's3-copy';
  return [
    `CREATE SCHEMA IF NOT EXISTS ${MODEL_SCHEMA}`,
    `CREATE SCHEMA IF NOT EXISTS ${META_SCHEMA}`,
    ...(byPlan ? [] : [...MODEL_TABLES.map(tableDdl), ...MODEL_VIEWS]),
    ...META_TABLES.map((t) => (wh === undefined ? t : wh.dialect.tableDdl(t))),
  ];
}
