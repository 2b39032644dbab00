// The run store: every statement on the run tables (schema `movalytics`: run, manifest, file_state, checks,
// reconciliation, quarantine counts) lives here, so the pipeline speaks in runs and files, not SQL.
import type { CheckResult } from '../stages/check/checks.js';
import type { FileReport } from '../stages/load/load-model.js';
import type { FileState, StagedFile } from '../stages/stage/stage-files.js';
import { queryCount, sqlUtc, tablesExist, type Warehouse } from '../warehouse/warehouse.js';
import type { RunStatus } from './events.js';

type Db = Pick<Warehouse, 'query' | 'exec'>;

/** Whether the warehouse already holds the run tables (false for a new, empty warehouse). */
export function hasRunTables(wh: Pick<Warehouse, 'query'>): Promise<boolean> {
  return tablesExist(wh, 'movalytics', 'run', 'file_state');
}

/** The id the next run gets: one more than the highest so far (the caller holds the run lock). */
export async function nextRunId(wh: Db): Promise<number> {
  if (!(await hasRunTables(wh))) return 1;
  const [row] = await wh.query<{ id: number }>(
    `SELECT coalesce(max(run_id), 0) + 1 AS id FROM movalytics.run`,
  );
  return Number(row?.id ?? 1);
}

/** The files as the last successful loads left them: the incremental decision compares a new stage with these. */
export async function readFileState(wh: Db): Promise<Map<string, FileState>> {
  if (!(await hasRunTables(wh))) return new Map();
  const rows = await wh.query<{
    file_name: string;
    bytes: number;
    mtime_ms: number;
    sha256: string;
    data_lines: number;
  }>(`SELECT file_name, bytes, mtime_ms, sha256, data_lines FROM movalytics.file_state`);
  return new Map(
    rows.map((r) => [
      r.file_name,
      {
        fileName: r.file_name,
        bytes: Number(r.bytes),
        mtimeMs: Number(r.mtime_ms),
        sha256: r.sha256,
        dataLines: Number(r.data_lines),
      },
    ]),
  );
}

/** A run as the run table records it. */
export interface RunRow {
  runId: number;
  status: string;
  /** UTC. */
  startedAt: Date;
  packageId: string | null;
  externalId: string | null;
}

/** Writes the run row, on its own: a killed run stays visible as "running" with no finish time. */
export async function insertRun(
  wh: Db,
  run: {
    runId: number;
    input: string;
    packageId: string;
    triggeredBy?: Trigger;
    externalId?: string | null;
    parameters?: Record<string, unknown>;
  },
): Promise<void> {
  await wh.query(
    `INSERT INTO movalytics.run (run_id, started_at, status, input, package_id, triggered_by, external_id, parameters) VALUES ($1, CAST($2 AS TIMESTAMP), 'running', $3, $4, $5, $6, $7)`,
    [
      run.runId,
      sqlUtc(),
      run.input,
      run.packageId,
      run.triggeredBy ?? 'manual',
      run.externalId ?? null,
      run.parameters === undefined ? null : JSON.stringify(run.parameters),
    ],
  );
}

/** Who started a run: by hand, the scheduler, an external orchestrator through `movalytics task`, or a worker queue. */
export type Trigger = 'manual' | 'schedule' | 'task' | 'worker';

/** Statuses a run can be resumed from. */
export const RESUMABLE = ['running', 'failed', 'interrupted', 'incomplete', 'check_failed'] as const;

/** The newest run that did not finish (the default of `--resume`), or null. */
export async function latestResumable(wh: Db): Promise<RunRow | null> {
  if (!(await hasRunTables(wh))) return null;
  const [row] = await wh.query<{ run_id: number; status: string }>(
    `SELECT run_id, status FROM movalytics.run WHERE status <> 'skipped' ORDER BY run_id DESC LIMIT 1`,
  );
  if (row === undefined || !(RESUMABLE as readonly string[]).includes(row.status)) return null;
  return findRun(wh, String(row.run_id));
}

/** A schedule tick that did not start a run (one was still going): recorded as a finished run with status skipped. */
export async function insertSkippedRun(
  wh: Db,
  run: { runId: number; input: string; at: Date; message: string },
): Promise<void> {
  const at = sqlUtc(run.at);
  await wh.query(
    `INSERT INTO movalytics.run (run_id, started_at, finished_at, status, input, message, triggered_by) VALUES ($1, CAST($2 AS TIMESTAMP), CAST($2 AS TIMESTAMP), 'skipped', $3, $4, 'schedule')`,
    [run.runId, at, run.input, run.message],
  );
}

/** Marks a run as running again (a resume), keeping its start time and package. */
export async function reopenRun(wh: Db, runId: number): Promise<void> {
  await wh.query(
    `UPDATE movalytics.run SET status = 'running', finished_at = NULL, message = NULL WHERE run_id = $1`,
    [runId],
  );
}

/** The run with this id (digits) or orchestrator run id (anything else), or null. */
export async function findRun(wh: Db, ref: string): Promise<RunRow | null> {
  if (!(await hasRunTables(wh))) return null;
  const byId = /^\d+$/.test(ref);
  const rows = await wh.query<{
    run_id: number;
    status: string;
    started_at: string;
    package_id: string | null;
    external_id: string | null;
  }>(
    `SELECT run_id, status, CAST(started_at AS VARCHAR) AS started_at, package_id, external_id FROM movalytics.run WHERE ${byId ? 'run_id = CAST($1 AS INTEGER)' : 'external_id = $1'} ORDER BY run_id DESC LIMIT 1`,
    [ref],
  );
  const r = rows[0];
  return r === undefined
    ? null
    : {
        runId: Number(r.run_id),
        status: r.status,
        startedAt: new Date(`${r.started_at.replace(' ', 'T')}Z`),
        packageId: r.package_id,
        externalId: r.external_id,
      };
}

export async function finishRun(
  wh: Db,
  runId: number,
  status: RunStatus,
  message: string | null,
): Promise<void> {
  await wh.query(
    `UPDATE movalytics.run SET finished_at = CAST($1 AS TIMESTAMP), status = $2, message = $3 WHERE run_id = $4`,
    [sqlUtc(), status, message, runId],
  );
}

/** The load packages of the most recent runs (newest first), which staging cleanup keeps. */
export async function recentPackages(wh: Db, limit: number): Promise<string[]> {
  const rows = await wh.query<{ package_id: string | null }>(
    `SELECT package_id FROM movalytics.run WHERE package_id IS NOT NULL ORDER BY run_id DESC LIMIT ${Math.trunc(limit)}`,
  );
  return rows.map((r) => r.package_id).filter((p): p is string => p !== null);
}

export async function recordManifest(wh: Db, runId: number, files: readonly StagedFile[]): Promise<void> {
  for (const f of files) {
    await wh.query(
      `INSERT INTO movalytics.manifest (run_id, file_name, role, bytes, sha256, data_lines, action, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        runId,
        f.name,
        f.role,
        f.bytes,
        f.sha256,
        f.dataLines,
        f.action === 'load' ? 'loaded' : f.action,
        f.note,
      ],
    );
  }
}

/** Replaces the run's stored check results with `checks`. */
export async function recordChecks(wh: Db, runId: number, checks: readonly CheckResult[]): Promise<void> {
  await wh.exec(`DELETE FROM movalytics.check_result WHERE run_id = ${Math.trunc(runId)}`);
  for (const c of checks) {
    await wh.query(
      `INSERT INTO movalytics.check_result (run_id, check_name, severity, passed, observed, expected, carried_from_run) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [runId, c.name, c.severity, c.passed, c.observed, c.expected, c.carriedFromRun ?? null],
    );
  }
}

export async function recordReconciliation(
  wh: Db,
  runId: number,
  reports: readonly FileReport[],
): Promise<void> {
  for (const r of reports) {
    await wh.query(
      `INSERT INTO movalytics.reconciliation (run_id, file_name, records_read, rows_loaded, rows_quarantined, duplicates_collapsed, records_merged) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        runId,
        r.fileName,
        r.recordsRead,
        r.rowsLoaded,
        r.rowsQuarantined,
        r.duplicatesCollapsed,
        r.recordsMerged,
      ],
    );
  }
}

/** Marks the loaded files as the new last-loaded state (replace by key; inside the publish transaction). */
export async function recordFileState(wh: Db, runId: number, loaded: readonly StagedFile[]): Promise<void> {
  for (const f of loaded) {
    await wh.query(`DELETE FROM movalytics.file_state WHERE file_name = $1`, [f.name]);
    await wh.query(
      `INSERT INTO movalytics.file_state (file_name, role, bytes, mtime_ms, sha256, data_lines, loaded_run_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [f.name, f.role, f.bytes, f.mtimeMs, f.sha256, f.dataLines, runId],
    );
  }
}

/** sha256 of every file the warehouse's published state names (staging cleanup keeps their raw copies). */
export async function fileStateHashes(wh: Db): Promise<string[]> {
  if (!(await hasRunTables(wh))) return [];
  const rows = await wh.query<{ sha256: string }>(`SELECT sha256 FROM movalytics.file_state`);
  return rows.map((r) => r.sha256);
}

/** Removes what a run wrote to the lineage tables, so a repeated publish of the same run writes it once. */
export async function clearRunRows(wh: Db, runId: number): Promise<void> {
  const id = Math.trunc(runId);
  for (const t of ['quarantine', 'reconciliation', 'manifest', 'check_result'])
    await wh.exec(`DELETE FROM movalytics.${t} WHERE run_id = ${id}`);
}

export async function countQuarantined(wh: Db, runId: number): Promise<number> {
  return queryCount(
    wh,
    `SELECT count(*) AS n FROM movalytics.quarantine WHERE run_id = ${Math.trunc(runId)}`,
  );
}

/** The table checks of the last run that published data, marked as carried over (reconciliation is per load). */
export async function carryChecks(wh: Db, runId: number): Promise<CheckResult[]> {
  const rows = await wh.query<{
    check_name: string;
    severity: 'error' | 'warn';
    passed: boolean;
    observed: string;
    expected: string;
    from_run: number;
  }>(
    `SELECT check_name, severity, passed, observed, expected, coalesce(carried_from_run, run_id) AS from_run
     FROM movalytics.check_result
     WHERE run_id = (SELECT max(run_id) FROM movalytics.run WHERE status IN ('success', 'unchanged') AND run_id < ${Math.trunc(runId)})
       AND check_name NOT LIKE 'reconciliation.%'
     ORDER BY check_name`,
  );
  return rows.map((r) => ({
    name: r.check_name,
    severity: r.severity,
    passed: r.passed,
    observed: r.observed,
    expected: r.expected,
    carriedFromRun: r.from_run,
  }));
}
