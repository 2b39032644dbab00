// The server's read queries over the run tables (schema `movalytics`): status, runs, checks, quarantine. Every value
// is bound as a parameter or is an integer the route validated; nothing here writes.
import { checkStatus, type ReportCheck } from '../report/model.js';
import { isoUtc } from '../stages/answers/compute.js';
import { redactLocation } from '../redact.js';
import type { Row, SqlValue, Warehouse } from '../warehouse/warehouse.js';

export function num(v: Row[string] | undefined): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}
export function str(v: Row[string] | undefined): string | null {
  return v === null || v === undefined ? null : String(v);
}
function time(v: Row[string] | undefined): string | null {
  const s = str(v);
  return s === null ? null : isoUtc(s);
}

/** Whether the warehouse has `movalytics.<table>`. */
export async function hasMetaTable(wh: Warehouse, table: string): Promise<boolean> {
  const rows = await wh.query(
    `SELECT 1 AS ok FROM information_schema.tables WHERE table_schema = 'movalytics' AND table_name = $1`,
    [table],
  );
  return rows.length > 0;
}

/** One run as the run table records it (times ISO 8601 UTC; the input location redacted). */
export interface RunSummary {
  runId: number;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** finishedAt − startedAt in ms; null while running. */
  durationMs: number | null;
  triggeredBy: string | null;
  externalId: string | null;
  input: string;
  message: string | null;
}

const RUN_COLUMNS = `run_id, status, CAST(started_at AS VARCHAR) AS started_at, CAST(finished_at AS VARCHAR) AS finished_at,
  triggered_by, external_id, input, message`;

function toRun(r: Row): RunSummary {
  const startedAt = time(r.started_at);
  const finishedAt = time(r.finished_at);
  return {
    runId: num(r.run_id) ?? 0,
    status: str(r.status) ?? '',
    startedAt,
    finishedAt,
    durationMs:
      startedAt !== null && finishedAt !== null ? Date.parse(finishedAt) - Date.parse(startedAt) : null,
    triggeredBy: str(r.triggered_by),
    externalId: str(r.external_id),
    input: redactLocation(str(r.input) ?? ''),
    message: str(r.message),
  };
}

/** Runs, newest first (at most `limit`). */
export async function listRuns(wh: Warehouse, limit = 200): Promise<RunSummary[]> {
  if (!(await hasMetaTable(wh, 'run'))) return [];
  const rows = await wh.query(
    `SELECT ${RUN_COLUMNS} FROM movalytics.run ORDER BY run_id DESC LIMIT ${Math.trunc(limit)}`,
  );
  return rows.map(toRun);
}

export async function getRun(wh: Warehouse, runId: number): Promise<RunSummary | null> {
  if (!(await hasMetaTable(wh, 'run'))) return null;
  const [r] = await wh.query(`SELECT ${RUN_COLUMNS} FROM movalytics.run WHERE run_id = $1`, [runId]);
  return r === undefined ? null : toRun(r);
}

/** The header's facts: the latest run of any status and the latest successful one (what the answers show). */
export interface ServeStatus {
  warehouse: { kind: string; displayName: string };
  latestRun: RunSummary | null;
  lastSuccess: RunSummary | null;
  /** CPI series in movies.cpi with their first and last month 'YYYY-MM' (the dashboard's base-month and splice). */
  cpiSeries: { series: string; from: string; to: string }[];
}

export async function readStatus(wh: Warehouse): Promise<ServeStatus> {
  const haveRun = await hasMetaTable(wh, 'run');
  const latest = haveRun
    ? await wh.query(`SELECT ${RUN_COLUMNS} FROM movalytics.run ORDER BY run_id DESC LIMIT 1`)
    : [];
  const success = haveRun
    ? await wh.query(
        `SELECT ${RUN_COLUMNS} FROM movalytics.run WHERE status = 'success' ORDER BY run_id DESC LIMIT 1`,
      )
    : [];
  const cpiTable = await wh.query(
    `SELECT 1 AS ok FROM information_schema.tables WHERE table_schema = 'movies' AND table_name = 'cpi'`,
  );
  const cpi =
    cpiTable.length === 0
      ? []
      : await wh.query(
          `SELECT series_id, CAST(min(month) AS VARCHAR) AS first, CAST(max(month) AS VARCHAR) AS last
           FROM movies.cpi WHERE value IS NOT NULL GROUP BY series_id ORDER BY series_id`,
        );
  return {
    warehouse: { kind: wh.kind, displayName: wh.displayName },
    latestRun: latest[0] === undefined ? null : toRun(latest[0]),
    lastSuccess: success[0] === undefined ? null : toRun(success[0]),
    cpiSeries: cpi.map((c) => ({
      series: str(c.series_id) ?? '',
      from: (str(c.first) ?? '').slice(0, 7),
      to: (str(c.last) ?? '').slice(0, 7),
    })),
  };
}

/** A run's files (manifest), reconciliation and quarantine count: the run page without the task history. */
export interface RunDetail {
  run: RunSummary;
  files: {
    fileName: string;
    role: string;
    action: string;
    bytes: number | null;
    sha256: string | null;
    dataLines: number | null;
    note: string | null;
  }[];
  reconciliation: {
    fileName: string;
    recordsRead: number | null;
    rowsLoaded: number | null;
    rowsQuarantined: number | null;
    duplicatesCollapsed: number | null;
    recordsMerged: number | null;
  }[];
  quarantined: number;
  checks: ReportCheck[];
}

export async function readRunDetail(wh: Warehouse, runId: number): Promise<RunDetail | null> {
  const run = await getRun(wh, runId);
  if (run === null) return null;
  const files = (
    await wh.query(
      `SELECT file_name, role, action, bytes, sha256, data_lines, note FROM movalytics.manifest
       WHERE run_id = $1 ORDER BY file_name`,
      [runId],
    )
  ).map((f) => ({
    fileName: str(f.file_name) ?? '',
    role: str(f.role) ?? '',
    action: str(f.action) ?? '',
    bytes: num(f.bytes),
    sha256: str(f.sha256),
    dataLines: num(f.data_lines),
    note: str(f.note),
  }));
  const reconciliation = (
    await wh.query(
      `SELECT file_name, records_read, rows_loaded, rows_quarantined, duplicates_collapsed, records_merged
       FROM movalytics.reconciliation WHERE run_id = $1 ORDER BY file_name`,
      [runId],
    )
  ).map((x) => ({
    fileName: str(x.file_name) ?? '',
    recordsRead: num(x.records_read),
    rowsLoaded: num(x.rows_loaded),
    rowsQuarantined: num(x.rows_quarantined),
    duplicatesCollapsed: num(x.duplicates_collapsed),
    recordsMerged: num(x.records_merged),
  }));
  const [q] = await wh.query(`SELECT count(*) AS n FROM movalytics.quarantine WHERE run_id = $1`, [runId]);
  return { run, files, reconciliation, quarantined: num(q?.n) ?? 0, checks: await readChecks(wh, runId) };
}

/** A run's quality checks, failures first (the report's order and shape). */
export async function readChecks(wh: Warehouse, runId: number): Promise<ReportCheck[]> {
  const rows = await wh.query(
    `SELECT check_name, severity, passed, observed, expected, carried_from_run
     FROM movalytics.check_result WHERE run_id = $1
     ORDER BY passed, CASE severity WHEN 'error' THEN 0 ELSE 1 END, check_name`,
    [runId],
  );
  return rows.map((c) => {
    const passed = c.passed === true;
    const severity = str(c.severity) ?? '';
    return {
      name: str(c.check_name) ?? '',
      severity,
      passed,
      status: checkStatus(passed, severity),
      observed: str(c.observed),
      expected: str(c.expected),
      carriedFromRun: num(c.carried_from_run),
    };
  });
}

/** The run whose checks a page shows by default: the latest run that recorded any. */
export async function latestCheckedRun(wh: Warehouse): Promise<number | null> {
  if (!(await hasMetaTable(wh, 'check_result'))) return null;
  const [r] = await wh.query(`SELECT max(run_id) AS id FROM movalytics.check_result`);
  return num(r?.id);
}

export interface QuarantineFilter {
  runId: number | null;
  file: string | null;
  /** Case-insensitive substring of the reason. */
  reason: string | null;
  page: number;
  pageSize: number;
}

export interface QuarantineRow {
  runId: number;
  file: string;
  recordNumber: number | null;
  lineNumber: number | null;
  reason: string;
  raw: string | null;
}

export interface QuarantinePage {
  filter: QuarantineFilter;
  /** Rows matching the filter. */
  total: number;
  rows: QuarantineRow[];
  /** Every file and run with quarantined records (for the filter's choices), with counts. */
  files: { file: string; count: number }[];
  runs: { runId: number; count: number }[];
}

export async function readQuarantine(wh: Warehouse, f: QuarantineFilter): Promise<QuarantinePage> {
  if (!(await hasMetaTable(wh, 'quarantine'))) return { filter: f, total: 0, rows: [], files: [], runs: [] };
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (f.runId !== null) {
    params.push(f.runId);
    where.push(`run_id = $${params.length}`);
  }
  if (f.file !== null) {
    params.push(f.file);
    where.push(`source_file = $${params.length}`);
  }
  if (f.reason !== null) {
    params.push(f.reason.toLowerCase());
    where.push(`strpos(lower(reason), $${params.length}) > 0`);
  }
  const w = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const [t] = await wh.query(`SELECT count(*) AS n FROM movalytics.quarantine ${w}`, params);
  const rows = await wh.query(
    `SELECT run_id, source_file, record_number, line_number, reason, raw FROM movalytics.quarantine ${w}
     ORDER BY run_id DESC, source_file, line_number, record_number
     LIMIT ${Math.trunc(f.pageSize)} OFFSET ${Math.trunc((f.page - 1) * f.pageSize)}`,
    params,
  );
  const files = await wh.query(
    `SELECT source_file, count(*) AS n FROM movalytics.quarantine GROUP BY source_file ORDER BY source_file`,
  );
  const runs = await wh.query(
    `SELECT run_id, count(*) AS n FROM movalytics.quarantine GROUP BY run_id ORDER BY run_id DESC`,
  );
  return {
    filter: f,
    total: num(t?.n) ?? 0,
    rows: rows.map((r) => ({
      runId: num(r.run_id) ?? 0,
      file: str(r.source_file) ?? '',
      recordNumber: num(r.record_number),
      lineNumber: num(r.line_number),
      reason: str(r.reason) ?? '',
      raw: str(r.raw),
    })),
    files: files.map((x) => ({ file: str(x.source_file) ?? '', count: num(x.n) ?? 0 })),
    runs: runs.map((x) => ({ runId: num(x.run_id) ?? 0, count: num(x.n) ?? 0 })),
  };
}
