// Run history: one row per task attempt (movalytics.task_run) and the attempt's log lines (movalytics.task_log),
// written while the run goes — through a separate session, so they commit on their own and survive a publish that
// rolls back or a process that is killed — and the read side behind `movalytics runs`, `runs show`, `runs logs` and
// the web monitor. Shapes here are the JSON the CLI prints and the server returns.
import { hostname } from 'node:os';
import type { FinalState } from '../dag/graph.js';
import type { DagEvent } from '../dag/runner.js';
import { sqlUtc, tablesExist, type SqlValue, type Warehouse } from '../warehouse/warehouse.js';
import { redactLocation } from '../core/redact.js';
import { hasRunTables } from './run-store.js';

type Db = Pick<Warehouse, 'query'>;

/** SQL TIMESTAMP text (UTC) → ISO 8601 with Z; null stays null. */
const iso = (s: string | null): string | null =>
  s === null ? null : new Date(`${s.replace(' ', 'T')}Z`).toISOString();

/** Who ran an attempt: host and process id. */
export const WORKER_ID = `${hostname()}:${process.pid}`;

/** One task attempt as stored. attempt 0 = the task never started (skipped or not run). */
export interface TaskAttempt {
  runId: number;
  task: string;
  attempt: number;
  state: 'running' | FinalState;
  startedAt: string | null;
  finishedAt: string | null;
  ms: number | null;
  detail: string | null;
  rowsIn: number | null;
  rowsOut: number | null;
  bytes: number | null;
  errorClass: string | null;
  errorMessage: string | null;
  retryable: boolean | null;
  worker: string | null;
}

export interface TaskLogLine {
  task: string;
  attempt: number;
  seq: number;
  at: string;
  line: string;
}

export interface RunInfo {
  runId: number;
  status: string;
  triggeredBy: string | null;
  externalId: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** Wall time, or null while it runs (or when it was killed and never finished). */
  ms: number | null;
  input: string;
  message: string | null;
  packageId: string | null;
  parameters: Record<string, unknown> | null;
}

/** A run with its tasks: the latest attempt per task (in graph order when `order` is given) and every attempt. */
export interface RunDetail {
  run: RunInfo;
  tasks: (TaskAttempt & { attempts: number })[];
  attempts: TaskAttempt[];
}

/**
 * Writes a run's task attempts and log lines as DAG events arrive. Writes are queued on one session in event order;
 * `flush()` waits for them. A failed history write never fails the run: it is kept in `failure` and reported.
 */
export class HistoryRecorder {
  private queue: Promise<void> = Promise.resolve();
  /** The first history write that failed, if any. */
  failure: Error | null = null;
  private readonly seq = new Map<string, number>();
  private readonly started = new Map<string, Date>();

  private constructor(
    private readonly db: Db,
    readonly runId: number,
    /** Attempts a task already had in this run (a resumed run continues the count). */
    private readonly base: ReadonlyMap<string, number>,
  ) {}

  static async open(db: Db, runId: number): Promise<HistoryRecorder> {
    const rows = await db.query<{ task: string; n: number }>(
      `SELECT task, max(attempt) AS n FROM movalytics.task_run WHERE run_id = $1 GROUP BY task`,
      [runId],
    );
    return new HistoryRecorder(db, runId, new Map(rows.map((r) => [r.task, Number(r.n)])));
  }

  /** The attempt number as stored: this run's attempt n of a task counts on from the attempts it had before. */
  stored(task: string, attempt: number): number {
    return (this.base.get(task) ?? 0) + attempt;
  }

  /** The DAG listener. */
  readonly listener = (e: DagEvent): void => {
    switch (e.type) {
      case 'task.start': {
        const attempt = this.stored(e.task, e.attempt);
        const at = new Date();
        this.started.set(`${e.task}#${attempt}`, at);
        this.write(
          `INSERT INTO movalytics.task_run (run_id, task, attempt, state, started_at, worker) VALUES ($1, $2, $3, 'running', CAST($4 AS TIMESTAMP), $5)`,
          [this.runId, e.task, attempt, sqlUtc(at), WORKER_ID],
        );
        return;
      }
      case 'task.log':
        this.log(e.task, this.stored(e.task, e.attempt), e.line);
        return;
      case 'task.retry': {
        // The attempt failed and another follows: close its row with the error now.
        const attempt = this.stored(e.task, e.attempt);
        const started = this.started.get(`${e.task}#${attempt}`);
        const now = new Date();
        this.write(
          `UPDATE movalytics.task_run SET state = 'failed', finished_at = CAST($1 AS TIMESTAMP), ms = $2, error_class = $3, error_message = $4, retryable = $5 WHERE run_id = $6 AND task = $7 AND attempt = $8`,
          [
            sqlUtc(now),
            started === undefined ? null : now.getTime() - started.getTime(),
            e.error.class,
            e.error.message,
            e.error.retryable,
            this.runId,
            e.task,
            attempt,
          ],
        );
        this.log(
          e.task,
          attempt,
          `retrying in ${(e.delayMs / 1000).toFixed(1)} s after ${e.error.class}: ${e.error.message}`,
        );
        return;
      }
      case 'task.end':
        this.end(e);
        return;
      default:
        return;
    }
  };

  private end(e: Extract<DagEvent, { type: 'task.end' }>): void {
    const counts = e.output?.counts ?? {};
    const num = (k: string): number | null => (typeof counts[k] === 'number' ? counts[k] : null);
    if (e.attempts === 0) {
      // Never started: skipped because of a dependency, or left out of this run's selection.
      if (e.state === 'not_run') return; // a resumed run keeps what the task did before
      this.write(`DELETE FROM movalytics.task_run WHERE run_id = $1 AND task = $2 AND attempt = 0`, [
        this.runId,
        e.task,
      ]);
      this.write(
        `INSERT INTO movalytics.task_run (run_id, task, attempt, state, finished_at, detail, worker) VALUES ($1, $2, 0, $3, CAST($4 AS TIMESTAMP), $5, $6)`,
        [
          this.runId,
          e.task,
          e.state,
          sqlUtc(),
          e.skippedBecause === undefined ? null : `upstream ${e.skippedBecause} did not succeed`,
          WORKER_ID,
        ],
      );
      return;
    }
    const attempt = this.stored(e.task, e.attempts);
    const started = this.started.get(`${e.task}#${attempt}`);
    const finished = new Date();
    this.write(
      `UPDATE movalytics.task_run SET state = $1, finished_at = CAST($2 AS TIMESTAMP), ms = $3, detail = $4, rows_in = $5, rows_out = $6, bytes = $7, error_class = $8, error_message = $9, retryable = $10 WHERE run_id = $11 AND task = $12 AND attempt = $13`,
      [
        e.state,
        sqlUtc(finished),
        started === undefined ? e.ms : finished.getTime() - started.getTime(),
        e.output?.detail ?? null,
        num('rowsIn'),
        num('rowsOut'),
        num('bytes'),
        e.error?.class ?? null,
        e.error?.message ?? null,
        e.error?.retryable ?? null,
        this.runId,
        e.task,
        attempt,
      ],
    );
  }

  /** Appends a log line to an attempt. */
  log(task: string, attempt: number, line: string): void {
    const key = `${task}#${attempt}`;
    const seq = (this.seq.get(key) ?? 0) + 1;
    this.seq.set(key, seq);
    this.write(
      `INSERT INTO movalytics.task_log (run_id, task, attempt, seq, logged_at, line) VALUES ($1, $2, $3, $4, CAST($5 AS TIMESTAMP), $6)`,
      [this.runId, task, attempt, seq, sqlUtc(), line],
    );
  }

  private write(sql: string, params: readonly SqlValue[]): void {
    this.queue = this.queue.then(async () => {
      if (this.failure !== null) return;
      try {
        await this.db.query(sql, params);
      } catch (err) {
        this.failure = err instanceof Error ? err : new Error(String(err));
      }
    });
  }

  /** Waits for every queued write. */
  async flush(): Promise<void> {
    await this.queue;
  }
}

/** Closes attempt rows a killed process left `running` (all of a run's, or one task's) as failed, `Abandoned`. */
export async function closeAbandonedAttempts(db: Db, runId: number, task?: string): Promise<void> {
  await db.query(
    `UPDATE movalytics.task_run SET state = 'failed', finished_at = coalesce(finished_at, CAST($2 AS TIMESTAMP)), error_class = coalesce(error_class, 'Abandoned'), error_message = coalesce(error_message, 'the process running this attempt ended before it finished') WHERE run_id = $1 AND state = 'running'${task === undefined ? '' : ' AND task = $3'}`,
    task === undefined ? [runId, sqlUtc()] : [runId, sqlUtc(), task],
  );
}

/**
 * Closes as `success` the attempts of `task` a lost process left `running` although the task's output is complete (its
 * `done` probe says so): the process ended after writing the output and before recording the attempt.
 */
export async function closeCompletedAttempts(
  db: Db,
  runId: number,
  task: string,
  detail: string,
): Promise<void> {
  await db.query(
    `UPDATE movalytics.task_run SET state = 'success', finished_at = coalesce(finished_at, CAST($2 AS TIMESTAMP)), detail = coalesce(detail, $4) WHERE run_id = $1 AND state = 'running' AND task = $3`,
    [runId, sqlUtc(), task, detail],
  );
}

/** The latest state of each task of a run (what `--resume` starts from); tasks never recorded are absent. */
export async function taskStates(db: Db, runId: number): Promise<Record<string, FinalState>> {
  const detail = await readAttempts(db, runId);
  const out: Record<string, FinalState> = {};
  for (const t of latestPerTask(detail)) out[t.task] = t.state === 'running' ? 'failed' : t.state;
  return out;
}

const RUN_COLUMNS = `run_id, status, triggered_by, external_id, CAST(started_at AS VARCHAR) AS started_at,
  CAST(finished_at AS VARCHAR) AS finished_at, input, message, package_id, parameters`;

type RunRowDb = {
  run_id: number;
  status: string;
  triggered_by: string | null;
  external_id: string | null;
  started_at: string;
  finished_at: string | null;
  input: string;
  message: string | null;
  package_id: string | null;
  parameters: string | null;
};

function toRunInfo(r: RunRowDb): RunInfo {
  const startedAt = iso(r.started_at)!;
  const finishedAt = iso(r.finished_at);
  let parameters: Record<string, unknown> | null;
  try {
    parameters = r.parameters === null ? null : (JSON.parse(r.parameters) as Record<string, unknown>);
  } catch {
    parameters = null;
  }
  return {
    runId: Number(r.run_id),
    status: r.status,
    triggeredBy: r.triggered_by,
    externalId: r.external_id,
    startedAt,
    finishedAt,
    ms: finishedAt === null ? null : Date.parse(finishedAt) - Date.parse(startedAt),
    input: redactLocation(r.input),
    message: r.message,
    packageId: r.package_id,
    parameters,
  };
}

/** The most recent runs, newest first. */
export async function listRuns(db: Db, opts: { limit?: number } = {}): Promise<RunInfo[]> {
  if (!(await hasRunTables(db))) return [];
  const limit = Math.max(1, Math.trunc(opts.limit ?? 20));
  const rows = await db.query<RunRowDb>(
    `SELECT ${RUN_COLUMNS} FROM movalytics.run ORDER BY run_id DESC LIMIT ${limit}`,
  );
  return rows.map(toRunInfo);
}

/** One run by id (digits) or orchestrator run id; null when there is none. */
export async function getRun(db: Db, ref: string): Promise<RunInfo | null> {
  if (!(await hasRunTables(db))) return null;
  const byId = /^\d+$/.test(ref);
  const rows = await db.query<RunRowDb>(
    `SELECT ${RUN_COLUMNS} FROM movalytics.run WHERE ${byId ? 'run_id = CAST($1 AS INTEGER)' : 'external_id = $1'} ORDER BY run_id DESC LIMIT 1`,
    [ref],
  );
  return rows[0] === undefined ? null : toRunInfo(rows[0]);
}

async function readAttempts(db: Db, runId: number): Promise<TaskAttempt[]> {
  const rows = await db.query<{
    task: string;
    attempt: number;
    state: TaskAttempt['state'];
    started_at: string | null;
    finished_at: string | null;
    ms: number | null;
    detail: string | null;
    rows_in: number | null;
    rows_out: number | null;
    bytes: number | null;
    error_class: string | null;
    error_message: string | null;
    retryable: boolean | null;
    worker: string | null;
  }>(
    `SELECT task, attempt, state, CAST(started_at AS VARCHAR) AS started_at, CAST(finished_at AS VARCHAR) AS finished_at,
       ms, detail, rows_in, rows_out, bytes, error_class, error_message, retryable, worker
     FROM movalytics.task_run WHERE run_id = $1 ORDER BY coalesce(started_at, finished_at), task, attempt`,
    [runId],
  );
  return rows.map((r) => ({
    runId,
    task: r.task,
    attempt: Number(r.attempt),
    state: r.state,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    ms: r.ms === null ? null : Math.round(Number(r.ms)),
    detail: r.detail,
    rowsIn: r.rows_in === null ? null : Number(r.rows_in),
    rowsOut: r.rows_out === null ? null : Number(r.rows_out),
    bytes: r.bytes === null ? null : Number(r.bytes),
    errorClass: r.error_class,
    errorMessage: r.error_message,
    retryable: r.retryable,
    worker: r.worker,
  }));
}

/** The latest record per task: the one that finished (or started) last; an attempt beats a skip at the same time. */
function latestPerTask(attempts: readonly TaskAttempt[]): (TaskAttempt & { attempts: number })[] {
  const byTask = new Map<string, TaskAttempt[]>();
  for (const a of attempts) byTask.set(a.task, [...(byTask.get(a.task) ?? []), a]);
  return [...byTask.entries()].map(([, list]) => {
    const when = (a: TaskAttempt): number => Date.parse(a.finishedAt ?? a.startedAt ?? '') || 0;
    const latest = list.reduce((best, a) =>
      when(a) > when(best) || (when(a) === when(best) && a.attempt > best.attempt) ? a : best,
    );
    return { ...latest, attempts: Math.max(0, ...list.map((a) => a.attempt)) };
  });
}

/** A run with its tasks (latest attempt each, in `order` when given) and all attempts; null when there is none. */
export async function showRun(db: Db, ref: string, order: readonly string[] = []): Promise<RunDetail | null> {
  const run = await getRun(db, ref);
  if (run === null) return null;
  const attempts = (await tablesExist(db, 'movalytics', 'task_run', 'task_log'))
    ? await readAttempts(db, run.runId)
    : [];
  const rank = (t: string): number => {
    const i = order.indexOf(t);
    return i < 0 ? order.length : i;
  };
  const tasks = latestPerTask(attempts).sort((a, b) => rank(a.task) - rank(b.task));
  return { run, tasks, attempts };
}

/** A run's log lines, optionally of one task, in order. */
export async function runLogs(db: Db, runId: number, task?: string): Promise<TaskLogLine[]> {
  if (!(await tablesExist(db, 'movalytics', 'task_run', 'task_log'))) return [];
  const rows = await db.query<{ task: string; attempt: number; seq: number; at: string; line: string }>(
    `SELECT task, attempt, seq, CAST(logged_at AS VARCHAR) AS at, line FROM movalytics.task_log
     WHERE run_id = $1 ${task === undefined ? '' : 'AND task = $2'} ORDER BY logged_at, task, attempt, seq`,
    task === undefined ? [runId] : [runId, task],
  );
  return rows.map((r) => ({
    task: r.task,
    attempt: Number(r.attempt),
    seq: Number(r.seq),
    at: iso(r.at)!,
    line: r.line,
  }));
}
