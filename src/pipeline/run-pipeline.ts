// The pipeline: stage → clean → load (atomic upsert) → quality checks → marts, with run metadata in the warehouse.
// Write-audit-publish: the load and the checks share one transaction, so a failed "error" check (or any failure,
// or a kill) leaves the model exactly as the last good run left it.
import type { Config } from '../config/config.js';
import { TaskError } from '../errors.js';
import { migrateModel, modelDdl } from '../model/schema.js';
import type { CheckResult } from '../stages/check/checks.js';
import type { FileReport } from '../stages/load/load-model.js';
import type { StagedFile } from '../stages/stage/stage-files.js';
import { newPackageId, StagingArea } from '../stages/stage/staging-area.js';
import { describeLocation, discardNewWarehouse, openWarehouse, warehouseExists } from '../warehouse/open.js';
import { WarehouseLockedError, type Warehouse } from '../warehouse/warehouse.js';
import type { PipelineListener, RunStatus, TaskName } from './events.js';
import { LoadPackage } from './load-package.js';
import * as runs from './run-store.js';
import {
  bulkTask,
  cleanTask,
  publishOrCarry,
  stageTask,
  type PublishResult,
  type TaskContext,
} from './tasks.js';

export interface RunSummary {
  runId: number;
  status: RunStatus;
  /** The run's load package in the staging area (runs/<packageId>/). */
  packageId: string;
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
  /** When another run holds the warehouse: wait for it (true) or fail at once with who holds it (default). */
  wait?: boolean;
  /**
   * Called with the still-open warehouse after a successful or unchanged run, before the run lock is released — so
   * what it reads (the closing answers) is what this run published, not what a waiting run wrote next.
   */
  afterPublish?: (wh: Warehouse) => Promise<void>;
}

/** The message stored with a run's final status. */
export const RUN_MESSAGE: Record<'success' | 'unchanged' | 'check_failed', string | null> = {
  success: null,
  unchanged: 'no input changed since the last load',
  check_failed: 'data-quality checks failed; nothing was published',
};

/** Load packages kept in the staging area per warehouse (older ones are removed after a successful run). */
const KEEP_PACKAGES = 3;

/**
 * Opens the warehouse and takes the run lock for the whole run — before staging, because the staging area is shared
 * state too. With `wait`, a held lock is waited for (polling), else it fails at once naming the holder.
 */
export async function openForRun(config: Config, wait: boolean, emit: PipelineListener): Promise<Warehouse> {
  let announced = false;
  for (;;) {
    try {
      const wh = await openWarehouse(config.warehouse, { duckdbMemoryLimit: config.duckdbMemoryLimit });
      try {
        await wh.acquireRunLock?.({ wait });
      } catch (err) {
        await wh.close();
        throw err;
      }
      return wh;
    } catch (err) {
      if (!(err instanceof WarehouseLockedError) || !wait) throw err;
      if (!announced)
        emit({ type: 'run.waiting', warehouse: describeLocation(config.warehouse), holder: err.holder });
      announced = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Runs the whole pipeline once. Failed checks are a result (status 'check_failed', nothing published), not an
 * exception. Throws InputError/ConfigError for bad input (a new warehouse file is then removed again), and on task
 * failures. The run holds the warehouse's run lock from before staging to the end.
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
      await failpoint(name);
      return r;
    } catch (err) {
      if (!(err instanceof TaskError && err.message.startsWith('simulated')))
        emit({ type: 'task.end', task: name, status: 'failed', ms: Date.now() - t0 });
      throw err;
    }
  };

  const existed = warehouseExists(config.warehouse);
  const w = await openForRun(config, opts.wait === true, emit);
  // A new warehouse whose run fails before the model exists is removed again: bad input leaves no trace.
  let created = !existed;
  let closeStaging = (): Promise<void> => Promise.resolve();
  try {
    const staging = await StagingArea.open(config.staging);
    closeStaging = () => staging.close();
    const packageId = newPackageId();
    const hadRunTables = await runs.hasRunTables(w);
    const previous = await runs.readFileState(w);
    const runId = await runs.nextRunId(w);
    emit({ type: 'run.start', runId, input: config.input, warehouse: w.displayName });
    // In a warehouse that has run tables, the run row goes in first: a run killed while staging stays visible.
    if (hadRunTables) await runs.insertRun(w, { runId, input: config.input, packageId });

    const finish = async (status: RunStatus, message: string | null): Promise<void> => {
      await runs.finishRun(w, runId, status, message);
      emit({ type: 'run.end', runId, status, ms: Date.now() - started });
    };

    const pkg = new LoadPackage(staging, packageId);
    const ctx: TaskContext = { config, wh: w, pkg, runId, runStartedAt: new Date(started), emit, step: task };
    let stage;
    try {
      stage = await stageTask(ctx, previous);
    } catch (err) {
      if (hadRunTables) await finish('failed', (err as Error).message);
      throw err;
    }
    for (const file of stage.files) emit({ type: 'file.staged', file });

    await w.transaction(async () => {
      await migrateModel(w);
      for (const ddl of modelDdl()) await w.exec(ddl);
    });
    created = false;
    if (!hadRunTables) await runs.insertRun(w, { runId, input: config.input, packageId });

    const cleanup = async (): Promise<void> => {
      const keep = new Set([packageId, ...(await runs.recentPackages(w, KEEP_PACKAGES))]);
      await staging
        .collectGarbage({
          keepPackages: keep,
          keepRaw: new Set(await runs.fileStateHashes(w)),
          keepUnpacked: new Set(stage.unpackedDir === null ? [] : [stage.unpackedDir]),
        })
        .catch(() => undefined); // best effort: a staging cleanup never fails a published run
    };
    const summary = (status: RunStatus, p: Omit<PublishResult, 'status'>): RunSummary => ({
      runId,
      status,
      packageId,
      files: stage.files,
      ...p,
      ms: Date.now() - started,
    });

    let published;
    try {
      if (stage.files.some((f) => f.action === 'load')) {
        // The clean task runs in JavaScript while the bulk load runs in the engine's threads.
        const clean = cleanTask(ctx);
        clean.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
        await bulkTask(ctx);
        await clean;
      }
      published = await publishOrCarry(ctx);
    } catch (err) {
      await finish('failed', (err as Error).message);
      throw err;
    }
    await finish(published.status, RUN_MESSAGE[published.status]);
    if (published.status !== 'check_failed') {
      await cleanup();
      await opts.afterPublish?.(w);
    }
    return summary(published.status, published);
  } finally {
    await closeStaging();
    await w.close();
    if (created) await discardNewWarehouse(config.warehouse);
  }
}

/**
 * Test failpoints, set with MOVALYTICS_FAILPOINT: `hang-after:<task>` hangs after the task (inside the publish
 * transaction for load/check tasks) until the process is killed; `sleep-after:<task>:<ms>` pauses there, so tests
 * can hold a run open while another one starts.
 */
async function failpoint(task: TaskName): Promise<void> {
  const fp = process.env.MOVALYTICS_FAILPOINT;
  if (fp === undefined) return;
  if (fp === `hang-after:${task}`)
    await new Promise<never>(() => {
      setInterval(() => undefined, 60_000);
    });
  const sleep = /^sleep-after:([a-z.]+):(\d+)$/.exec(fp);
  if (sleep?.[1] === task) await new Promise((resolve) => setTimeout(resolve, Number(sleep[2])));
}
