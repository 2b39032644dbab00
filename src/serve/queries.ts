// The server's read queries over the run tables (schema `movalytics`): status, runs, checks, quarantine. Every value
// is bound as a parameter or is an integer the route validated; nothing here writes.
import { planPipeline } from '../pipeline/tasks/index.js';
import { parseMappedId } from '../pipeline/tasks/task.js';
import {
  readRunChecks,
  readRunFiles,
  readRunReconciliation,
  type ReportCheck,
  type ReportFile,
  type ReportReconciliation,
} from '../report/model.js';
import { getRun, showRun, type RunDetail, type RunInfo } from '../pipeline/run-history.js';
import { countQuarantined } from '../pipeline/run-store.js';
import { num, str, tablesExist, type SqlValue, type Warehouse } from '../warehouse/warehouse.js';

async function runById(wh: Warehouse, sql: string): Promise<RunInfo | null> {
  const [r] = await wh.query(sql);
  const id = num(r?.id);
  if (id === null) return null;
  // The run history redacts `input` (it may be a URL with a secret), as `movalytics runs --json` shows it.
  return getRun(wh, String(id));
}

/** The header's facts: the latest run of any status and the latest successful one (what the answers show). */
export interface ServeStatus {
  warehouse: { kind: string; displayName: string };
  latestRun: RunInfo | null;
  lastSuccess: RunInfo | null;
  /** CPI series in movies.cpi with their first and last month 'YYYY-MM' (the dashboard's base-month and splice). */
  cpiSeries: { series: string; from: string; to: string }[];
}

export async function readStatus(wh: Warehouse): Promise<ServeStatus> {
  const haveRun = await tablesExist(wh, 'movalytics', 'run');
  const latest = haveRun ? await runById(wh, `SELECT max(run_id) AS id FROM movalytics.run`) : null;
  const success = haveRun
    ? await runById(wh, `SELECT max(run_id) AS id FROM movalytics.run WHERE status = 'success'`)
    : null;
  const cpi = !(await tablesExist(wh, 'movies', 'cpi'))
    ? []
    : await wh.query(
        `SELECT series_id, CAST(min(month) AS VARCHAR) AS first, CAST(max(month) AS VARCHAR) AS last
           FROM movies.cpi WHERE value IS NOT NULL GROUP BY series_id ORDER BY series_id`,
      );
  return {
    warehouse: { kind: wh.kind, displayName: wh.displayName },
    latestRun: latest,
    lastSuccess: success,
    cpiSeries: cpi.map((c) => ({
      series: str(c.series_id) ?? '',
      from: (str(c.first) ?? '').slice(0, 7),
      to: (str(c.last) ?? '').slice(0, 7),
    })),
  };
}

/** The run page: `movalytics runs show --json` (run, latest attempt per task, every attempt) plus the graph it ran,
 * its input files (manifest), reconciliation, quarantine count and quality checks. */
export interface RunPage extends RunDetail {
  /** The pipeline's tasks and their dependencies, in topological order (for drawing the DAG). */
  graph: { id: string; deps: string[]; description: string }[];
  /** Each mapped task of the run in one line: `load.ratings [12/16]`, its state and its slowest instance. */
  mapped: MappedSummary[];
  files: ReportFile[];
  reconciliation: ReportReconciliation[];
  quarantined: number;
  checks: ReportCheck[];
}

/** A mapped task of a run, summarised over its instances (`load.ratings[0]` …). */
export interface MappedSummary {
  task: string;
  /** Instances that succeeded, of all of them: the `12/16` of `load.ratings [12/16]`. */
  done: number;
  total: number;
  /** The instances' state as one: failed if any failed, running if any runs, success if all succeeded. */
  state: string;
  /** The slowest instance that ended (the map phase waits for it), or null. */
  slowest: { task: string; ms: number } | null;
}

/** How many instances of each mapped task a run's history shows (load.ratings[15] → 16). */
function mappedCounts(tasks: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of tasks) {
    const m = parseMappedId(t);
    if (m !== null) out.set(m.id, Math.max(out.get(m.id) ?? 0, m.index + 1));
  }
  return out;
}

/** One line per mapped task, from the latest attempt of each of its instances. */
export function summariseMapped(
  tasks: RunDetail['tasks'],
  counts: ReadonlyMap<string, number>,
): MappedSummary[] {
  return [...counts].map(([task, total]) => {
    const mine = tasks.filter((t) => parseMappedId(t.task)?.id === task);
    const states = mine.map((t) => t.state);
    const ended = mine.filter((t) => t.ms !== null);
    const slow = ended.reduce<(typeof ended)[number] | null>(
      (a, t) => (a === null || t.ms! > a.ms! ? t : a),
      null,
    );
    const done = states.filter((x) => x === 'success').length;
    const state = states.includes('failed')
      ? 'failed'
      : states.includes('running')
        ? 'running'
        : done === total
          ? 'success'
          : (states.find((x) => x !== 'success') ?? 'not_run');
    return { task, done, total, state, slowest: slow === null ? null : { task: slow.task, ms: slow.ms! } };
  });
}

export async function readRunPage(wh: Warehouse, runId: number): Promise<RunPage | null> {
  const first = await showRun(wh, String(runId));
  if (first === null || first.run.runId !== runId) return null;
  // The run's own graph: with the extract tasks when it fetched its input (`--source kaggle`), and as many instances
  // of a mapped task as the run had shards.
  const counts = mappedCounts(first.tasks.map((t) => t.task));
  const plan = planPipeline({
    extract: first.tasks.some((t) => t.task.startsWith('extract.')),
    shards: Math.max(1, ...counts.values()),
  });
  const detail = (await showRun(wh, String(runId), plan.order))!;
  const files = await readRunFiles(wh, runId);
  const reconciliation = await readRunReconciliation(wh, runId);
  return {
    ...detail,
    graph: plan.order.map((id) => {
      const t = plan.tasks.get(id)!;
      return { id, deps: [...t.deps], description: t.description };
    }),
    mapped: summariseMapped(detail.tasks, counts),
    files,
    reconciliation,
    quarantined: await countQuarantined(wh, runId),
    checks: await readRunChecks(wh, runId),
  };
}

/** The run whose checks a page shows by default: the latest run that recorded any. */
export async function latestCheckedRun(wh: Warehouse): Promise<number | null> {
  if (!(await tablesExist(wh, 'movalytics', 'check_result'))) return null;
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
  if (!(await tablesExist(wh, 'movalytics', 'quarantine')))
    return { filter: f, total: 0, rows: [], files: [], runs: [] };
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
