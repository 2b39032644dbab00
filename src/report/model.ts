// The report's data model: the four answers plus the quality checks and lineage of the latest run, read from the
// warehouse. Pure data (JSON-safe), so the HTML page can carry it whole as a JSON island.
import { computeAnswers, type AnswerParamsInput, type Answers } from '../stages/answers/index.js';
import { isoUtc } from '../stages/answers/compute.js';
import { redactLocation } from '../core/redact.js';
import { META_SCHEMA } from '../model/schema.js';
import { num, str, type Warehouse } from '../warehouse/warehouse.js';

export const CHECK_STATUSES = ['pass', 'FAIL', 'WARN'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export interface ReportRun {
  runId: number;
  startedAt: string | null;
  finishedAt: string | null;
  /** running | success | failed | check_failed */
  status: string;
  input: string;
  message: string | null;
}

export interface ReportCheck {
  name: string;
  /** error | warn */
  severity: string;
  passed: boolean;
  /** pass; FAIL for a failed error check; WARN for a failed warn check. */
  status: CheckStatus;
  observed: string | null;
  expected: string | null;
  /** Set when the result was reused from an earlier run because the tables it reads were unchanged. */
  carriedFromRun: number | null;
}

export interface ReportFile {
  fileName: string;
  role: string;
  /** loaded | unchanged | ignored */
  action: string;
  bytes: number | null;
  /** Null when size and mtime matched the last load and hashing was skipped. */
  sha256: string | null;
  dataLines: number | null;
  note: string | null;
}

export interface ReportReconciliation {
  fileName: string;
  recordsRead: number | null;
  rowsLoaded: number | null;
  rowsQuarantined: number | null;
  duplicatesCollapsed: number | null;
  recordsMerged: number | null;
}

export interface ReportModel {
  schemaVersion: 1;
  generatedAt: string;
  answers: Answers;
  /** The latest run of any status (checks and lineage describe it); null when no run is recorded. */
  run: ReportRun | null;
  checks: ReportCheck[];
  files: ReportFile[];
  reconciliation: ReportReconciliation[];
}

/** pass / FAIL / WARN from a check_result row. */
export function checkStatus(passed: boolean, severity: string): CheckStatus {
  if (passed) return 'pass';
  return severity === 'warn' ? 'WARN' : 'FAIL';
}

/**
 * Builds the report model: `computeAnswers(wh, params)` plus the checks, manifest and reconciliation of the latest
 * run. Throws what computeAnswers throws (a UsageError for bad params, a WarehouseError for a warehouse with no
 * model or marts).
 */
export async function buildReport(wh: Warehouse, params: AnswerParamsInput = {}): Promise<ReportModel> {
  const answers = await computeAnswers(wh, params);
  const [r] = await wh.query(
    `SELECT run_id, CAST(started_at AS VARCHAR) AS started_at, CAST(finished_at AS VARCHAR) AS finished_at,
            status, input, message
     FROM ${META_SCHEMA}.run ORDER BY run_id DESC LIMIT 1`,
  );
  const run: ReportRun | null =
    r === undefined
      ? null
      : {
          runId: num(r.run_id) ?? 0,
          // The report embeds the model as JSON: UTC timestamps with Z, and no secret in a location.
          startedAt: r.started_at == null ? null : isoUtc(String(r.started_at)),
          finishedAt: r.finished_at == null ? null : isoUtc(String(r.finished_at)),
          status: str(r.status) ?? '',
          input: redactLocation(str(r.input) ?? ''),
          message: str(r.message),
        };
  const head = { schemaVersion: 1 as const, generatedAt: answers.generatedAt, answers, run };
  if (run === null) return { ...head, checks: [], files: [], reconciliation: [] };
  const checks = await readRunChecks(wh, run.runId);
  const files = await readRunFiles(wh, run.runId);
  const reconciliation = await readRunReconciliation(wh, run.runId);
  return { ...head, checks, files, reconciliation };
}

/** A run's quality checks, failures first. */
export async function readRunChecks(wh: Pick<Warehouse, 'query'>, runId: number): Promise<ReportCheck[]> {
  return (
    await wh.query(
      `SELECT check_name, severity, passed, observed, expected, carried_from_run
       FROM ${META_SCHEMA}.check_result WHERE run_id = $1
       ORDER BY passed, CASE severity WHEN 'error' THEN 0 ELSE 1 END, check_name`,
      [runId],
    )
  ).map((c): ReportCheck => {
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

/** A run's manifest: every input file with its role, action, size, hash and line count. */
export async function readRunFiles(wh: Pick<Warehouse, 'query'>, runId: number): Promise<ReportFile[]> {
  return (
    await wh.query(
      `SELECT file_name, role, action, bytes, sha256, data_lines, note
       FROM ${META_SCHEMA}.manifest WHERE run_id = $1 ORDER BY file_name`,
      [runId],
    )
  ).map((f): ReportFile => ({
    fileName: str(f.file_name) ?? '',
    role: str(f.role) ?? '',
    action: str(f.action) ?? '',
    bytes: num(f.bytes),
    sha256: str(f.sha256),
    dataLines: num(f.data_lines),
    note: str(f.note),
  }));
}

/** A run's reconciliation: per file, read = loaded + quarantined + duplicates + merged. */
export async function readRunReconciliation(
  wh: Pick<Warehouse, 'query'>,
  runId: number,
): Promise<ReportReconciliation[]> {
  return (
    await wh.query(
      `SELECT file_name, records_read, rows_loaded, rows_quarantined, duplicates_collapsed, records_merged
       FROM ${META_SCHEMA}.reconciliation WHERE run_id = $1 ORDER BY file_name`,
      [runId],
    )
  ).map((x): ReportReconciliation => ({
    fileName: str(x.file_name) ?? '',
    recordsRead: num(x.records_read),
    rowsLoaded: num(x.rows_loaded),
    rowsQuarantined: num(x.rows_quarantined),
    duplicatesCollapsed: num(x.duplicates_collapsed),
    recordsMerged: num(x.records_merged),
  }));
}
