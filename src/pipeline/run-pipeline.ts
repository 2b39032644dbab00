// The pipeline: stage → clean → load (atomic upsert) → quality checks → marts, with run metadata in the warehouse.
// Write-audit-publish: the load and the checks share one transaction, so a failed "error" check (or any failure,
// or a kill) leaves the model exactly as the last good run left it.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { CheckFailedError, TaskError } from '../errors.js';
import { migrateModel, modelDdl } from '../model/schema.js';
import { refreshMarts } from '../stages/answers/index.js';
import { runChecks, type CheckResult } from '../stages/check/checks.js';
import { cleanMovies, type CleanMovies } from '../stages/load/clean-movies.js';
import {
  buildRatingsShadow,
  dropLoadScratch,
  loadModel,
  type FileReport,
} from '../stages/load/load-model.js';
import { stageInputs, type FileState, type StagedFile } from '../stages/stage/stage-files.js';
import { DuckDbWarehouse } from '../warehouse/duckdb/index.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { PipelineListener, RunStatus, TaskName } from './events.js';

export interface RunSummary {
  runId: number;
  status: RunStatus;
  files: StagedFile[];
  reports: FileReport[];
  checks: CheckResult[];
  quarantined: number;
  ms: number;
}

export interface RunOptions {
  listener?: PipelineListener;
  /** Testing hook: throw right after this task, to prove a failure leaves the previous state intact. */
  failAfter?: TaskName;
}

async function readPrevious(wh: Warehouse): Promise<Map<string, FileState>> {
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
        bytes: r.bytes,
        mtimeMs: r.mtime_ms,
        sha256: r.sha256,
        dataLines: r.data_lines,
      },
    ]),
  );
}

async function recordManifest(wh: Warehouse, runId: number, files: readonly StagedFile[]): Promise<void> {
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

async function recordChecks(wh: Warehouse, runId: number, checks: readonly CheckResult[]): Promise<void> {
  for (const c of checks) {
    await wh.query(
      `INSERT INTO movalytics.check_result (run_id, check_name, severity, passed, observed, expected, carried_from_run) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [runId, c.name, c.severity, c.passed, c.observed, c.expected, c.carriedFromRun ?? null],
    );
  }
}

/**
 * Runs the whole pipeline once. Failed checks are a result (status 'check_failed', nothing published), not an
 * exception. Throws InputError/ConfigError for bad input before the warehouse is touched, and on task failures.
 */
export async function runPipeline(config: Config, opts: RunOptions = {}): Promise<RunSummary> {
  const emit: PipelineListener = opts.listener ?? (() => undefined);
  const started = Date.now();
  const task = async <T>(name: TaskName, fn: () => Promise<T>, detail?: (r: T) => string): Promise<T> => {
    emit({ type: 'task.start', task: name });
    const t0 = Date.now();
    try {
      const r = await fn();
      emit({ type: 'task.end', task: name, status: 'success', ms: Date.now() - t0, detail: detail?.(r) });
      if (opts.failAfter === name) throw new TaskError(`simulated failure after ${name}`);
      // Failpoint for the kill test: hang here (inside the publish transaction for load/check tasks) until killed.
      if (process.env.MOVALYTICS_FAILPOINT === `hang-after:${name}`) await hangForever();
      return r;
    } catch (err) {
      if (!(err instanceof TaskError && err.message.startsWith('simulated')))
        emit({ type: 'task.end', task: name, status: 'failed', ms: Date.now() - t0 });
      throw err;
    }
  };

  // Nothing is created until the input has been checked: a bad input leaves no warehouse file behind.
  const existed = existsSync(config.warehouse);
  let wh: Warehouse | null = existed
    ? await DuckDbWarehouse.open({ path: config.warehouse, memoryLimit: config.duckdbMemoryLimit })
    : null;
  try {
    let previous = new Map<string, FileState>();
    if (wh) {
      const hasState = await wh.query(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = 'movalytics' AND table_name = 'file_state'`,
      );
      if (hasState.length > 0) previous = await readPrevious(wh);
    }
    await mkdir(config.staging, { recursive: true });
    const stage = await task(
      'stage.files',
      () => stageInputs({ input: config.input, stagingDir: config.staging, previous, verify: config.verify }),
      (r) =>
        `${r.files.filter((f) => f.action === 'load').length} to load, ${r.files.filter((f) => f.action === 'unchanged').length} unchanged, ${r.files.filter((f) => f.action === 'ignored').length} ignored`,
    );
    for (const file of stage.files) emit({ type: 'file.staged', file });

    wh ??= await DuckDbWarehouse.open({ path: config.warehouse, memoryLimit: config.duckdbMemoryLimit });
    const w = wh;
    await w.transaction(async () => {
      await migrateModel(w);
      for (const ddl of modelDdl()) await w.exec(ddl);
    });
    const [idRow] = await w.query<{ id: number }>(
      `SELECT coalesce(max(run_id), 0) + 1 AS id FROM movalytics.run`,
    );
    const runId = idRow!.id;
    // A run row is written first, on its own: a killed run stays visible as "running" with no finish time.
    await w.query(
      `INSERT INTO movalytics.run (run_id, started_at, status, input) VALUES ($1, now()::TIMESTAMP, 'running', $2)`,
      [runId, config.input],
    );
    emit({ type: 'run.start', runId, input: config.input, warehouse: w.displayName });

    const finish = async (status: RunStatus, message: string | null): Promise<void> => {
      await w.query(
        `UPDATE movalytics.run SET finished_at = now()::TIMESTAMP, status = $1, message = $2 WHERE run_id = $3`,
        [status, message, runId],
      );
      emit({ type: 'run.end', runId, status, ms: Date.now() - started });
    };

    const toLoad = stage.files.filter((f) => f.action === 'load');
    if (toLoad.length === 0) {
      // Nothing changed: the tables are as the last successful run published them, so are its check results.
      const carried = await carryChecks(w, runId);
      for (const result of carried) emit({ type: 'check.result', result });
      await w.transaction(async () => {
        await recordManifest(w, runId, stage.files);
        await recordChecks(w, runId, carried);
      });
      await finish('unchanged', 'no input changed since the last load');
      return {
        runId,
        status: 'unchanged',
        files: stage.files,
        reports: [],
        checks: carried,
        quarantined: 0,
        ms: Date.now() - started,
      };
    }

    const cleanDir = path.join(config.staging, 'clean');
    await mkdir(cleanDir, { recursive: true });
    const moviesFile = toLoad.find((f) => f.role === 'movies_metadata');
    // The clean task runs in JavaScript while the load task's first steps (ratings) run in the engine's threads.
    const movies: Promise<CleanMovies | null> = moviesFile
      ? task(
          'clean.movies',
          () => cleanMovies(moviesFile.stagedPath!, cleanDir),
          (r) =>
            `${fmt(r.stats.rowsLoaded)} movies, ${fmt(r.stats.quarantined)} quarantined, ${fmt(r.stats.duplicatesCollapsed)} duplicates, ${fmt(r.stats.recordsMerged)} repaired`,
        )
      : Promise.resolve(null);
    movies.catch(() => undefined); // awaited inside the load; this only keeps an early failure from going unhandled

    // The first ratings load into an empty table is bulk-built outside the publish transaction (see buildRatingsShadow).
    const shadow = await task(
      'load.bulk',
      () => buildRatingsShadow(w, stage.files),
      (r) =>
        r
          ? `${r.rowsRead.toLocaleString('en-US')} ratings from ${r.fileName} into a shadow table`
          : 'nothing to bulk-load',
    );

    let reports: FileReport[] = [];
    let checks: CheckResult[] = [];
    let quarantined = 0;
    try {
      await w.transaction(async () => {
        const loaded = await task('load.model', () =>
          loadModel(w, { runId, files: stage.files, movies, cleanDir, shadow }),
        );
        reports = loaded.reports;
        for (const report of reports) emit({ type: 'file.loaded', report });
        checks = await task('check.quality', () =>
          runChecks(w, {
            mappedShareWarn: config.mappedShareWarn,
            reports,
            ratingScope: loaded.ratingScope,
            ratingKeyScope: loaded.ratingKeyScope,
          }),
        );
        for (const result of checks) emit({ type: 'check.result', result });
        const failed = checks.filter((c) => c.severity === 'error' && !c.passed);
        if (failed.length > 0) {
          throw new CheckFailedError(
            `${failed.length} data-quality check(s) failed: ${failed.map((c) => c.name).join(', ')} — nothing was published; see the check table`,
          );
        }
        // Marts publish with the model they summarise, in the same transaction.
        await task('answers.marts', () => refreshMarts(w));
        for (const r of reports) {
          await w.query(
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
        for (const f of toLoad) {
          await w.query(
            `INSERT INTO movalytics.file_state (file_name, role, bytes, mtime_ms, sha256, data_lines, loaded_run_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (file_name) DO UPDATE SET role = excluded.role, bytes = excluded.bytes, mtime_ms = excluded.mtime_ms,
               sha256 = excluded.sha256, data_lines = excluded.data_lines, loaded_run_id = excluded.loaded_run_id`,
            [f.name, f.role, f.bytes, f.mtimeMs, f.sha256, f.dataLines, runId],
          );
        }
        await recordManifest(w, runId, stage.files);
        await recordChecks(w, runId, checks);
        await dropLoadScratch(w);
        const [q] = await w.query<{ n: number }>(
          `SELECT count(*) AS n FROM movalytics.quarantine WHERE run_id = ${runId}`,
        );
        quarantined = q?.n ?? 0;
      });
    } catch (err) {
      // The transaction rolled back; keep what explains the failure.
      await w.transaction(async () => {
        await w.exec(`DELETE FROM movalytics.check_result WHERE run_id = ${runId}`);
        await recordChecks(w, runId, checks);
      });
      if (err instanceof CheckFailedError) {
        await finish('check_failed', err.message);
        return {
          runId,
          status: 'check_failed',
          files: stage.files,
          reports,
          checks,
          quarantined: 0,
          ms: Date.now() - started,
        };
      }
      await finish('failed', (err as Error).message);
      throw err;
    }
    await finish('success', null);
    return {
      runId,
      status: 'success',
      files: stage.files,
      reports,
      checks,
      quarantined,
      ms: Date.now() - started,
    };
  } finally {
    await wh?.close();
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');

function hangForever(): Promise<never> {
  return new Promise<never>(() => {
    setInterval(() => undefined, 60_000);
  });
}

/** The table checks of the last run that published data, marked as carried over (reconciliation is per load). */
async function carryChecks(wh: Warehouse, runId: number): Promise<CheckResult[]> {
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
     WHERE run_id = (SELECT max(run_id) FROM movalytics.run WHERE status IN ('success', 'unchanged') AND run_id < ${Number(runId)})
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
