// The pipeline's tasks, one function each: (task context) → result. Every task reads its inputs from the run's load
// package and the warehouse — never from another task's memory — so each can run in another process, or again
// (at-least-once delivery), with the same effect. A task whose output is already in the package returns it as is.
import { mkdir } from 'node:fs/promises';
import type { Config } from '../config/config.js';
import { CheckFailedError, MovalyticsError } from '../core/errors.js';
import { computeAnswers, FULL_REFRESH, refreshMarts, type MartChange } from '../stages/answers/index.js';
import { recordRunAnswers } from '../diff/run-answers.js';
import { runChecks, type CheckResult } from '../stages/check/checks.js';
import { cleanMovies, type CleanMovies } from '../stages/load/clean-movies.js';
import {
  buildRatingsShadow,
  dropLoadScratch,
  loadModel,
  type FileReport,
  type RatingsShadow,
} from '../stages/load/load-model.js';
import {
  stageInputs,
  type FileState,
  type StagedFile,
  type StageResult,
} from '../stages/stage/stage-files.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { PipelineListener, StepName } from './events.js';
import { PACKAGE_FILES, type LoadPackage } from './load-package.js';
import * as runs from './run-store.js';

/** What every task receives: the run, its package, the open warehouse (run lock held), and the event sink. */
export interface TaskContext {
  config: Config;
  wh: Warehouse;
  pkg: LoadPackage;
  runId: number;
  /** When the run started: the upper bound of a plausible rating time (the same on every repeat of a task). */
  runStartedAt: Date;
  emit: PipelineListener;
  /** Wraps one named step: events, timing, failpoints. */
  step: <T>(name: StepName, fn: () => Promise<T>, detail?: (r: T) => string) => Promise<T>;
}

/** stage.files: checks the input and stages new or changed files into the package (manifest + raw copies). */
export async function stageTask(
  ctx: TaskContext,
  previous: ReadonlyMap<string, FileState>,
): Promise<StageResult> {
  return ctx.step(
    'stage.files',
    () =>
      stageInputs({
        input: ctx.config.input,
        staging: ctx.pkg.staging,
        packageId: ctx.pkg.packageId,
        previous,
        verify: ctx.config.verify,
      }),
    (r) =>
      `${r.files.filter((f) => f.action === 'load').length} to load, ${r.files.filter((f) => f.action === 'unchanged').length} unchanged, ${r.files.filter((f) => f.action === 'ignored').length} ignored`,
  );
}

/** clean.movies: parses the staged movies_metadata.csv (when it is to be loaded) into the package's clean files. */
export async function cleanTask(ctx: TaskContext): Promise<CleanMovies | null> {
  const done = await ctx.pkg.readClean();
  if (done !== null) return done;
  const movies = (await ctx.pkg.stagedFiles((f) => f.role === 'movies_metadata')).find(
    (f) => f.action === 'load' && f.role === 'movies_metadata',
  );
  if (movies === undefined) return null;
  const clean = await ctx.step(
    'clean.movies',
    () => cleanMovies(movies.stagedPath!, ctx.pkg.cleanDir),
    (r) =>
      `${fmt(r.stats.rowsLoaded)} movies, ${fmt(r.stats.quarantined)} quarantined, ${fmt(r.stats.duplicatesCollapsed)} duplicates, ${fmt(r.stats.recordsMerged)} repaired`,
  );
  await ctx.pkg.writeClean(clean);
  return clean;
}

/** load.bulk: builds the first ratings load into a shadow table outside the publish transaction. */
export async function bulkTask(ctx: TaskContext): Promise<RatingsShadow | null> {
  const files = await ctx.pkg.stagedFiles((f) => f.role === 'ratings');
  const shadow = await ctx.step(
    'load.bulk',
    () => buildRatingsShadow(ctx.wh, files, ctx.runStartedAt),
    (r) => (r ? `${fmt(r.rowsRead)} ratings from ${r.fileName} into a shadow table` : 'nothing to bulk-load'),
  );
  await ctx.pkg.writeJson(PACKAGE_FILES.bulk, { shadow });
  return shadow;
}

export interface PublishResult {
  status: 'success' | 'check_failed';
  reports: FileReport[];
  checks: CheckResult[];
  quarantined: number;
}

/**
 * load.model → check.quality → answers.marts in ONE transaction (write-audit-publish): the model changes only when
 * every error check passed. A failed check is a result (`check_failed`, nothing published), not an exception.
 */
export async function publishTask(ctx: TaskContext): Promise<PublishResult> {
  const { wh, runId } = ctx;
  const shadow = (await ctx.pkg.readBulk()) ?? null;
  // Only the files this task reads are fetched to this machine: movies_metadata reaches the model through the clean
  // task's files, and the ratings file load.bulk built the shadow from is in the warehouse already (on a worker
  // that did not stage it, fetching it again would cost a download of the largest file for nothing).
  const files = await ctx.pkg.stagedFiles(
    (f) =>
      f.role !== 'movies_metadata' &&
      !(shadow !== null && f.role === 'ratings' && f.name === shadow.fileName),
  );
  const toLoad = files.filter((f) => f.action === 'load');
  const clean = await ctx.pkg.readClean();
  await mkdir(ctx.pkg.cleanDir, { recursive: true }); // CSV rejects are written there (locally) for the engine
  let reports: FileReport[] = [];
  let checks: CheckResult[] = [];
  let quarantined = 0;
  try {
    await wh.transaction(async () => {
      // Idempotent: a repeated publish of the same run starts from a clean slate for its own rows.
      await runs.clearRunRows(wh, runId);
      const loaded = await ctx.step('load.model', () =>
        loadModel(wh, {
          runId,
          files,
          movies: Promise.resolve(clean),
          cleanDir: ctx.pkg.cleanDir,
          shadow,
          runStartedAt: ctx.runStartedAt,
        }),
      );
      reports = loaded.reports;
      for (const report of reports) ctx.emit({ type: 'file.loaded', report });
      // --full-checks audits every row and rebuilds every mart, whatever this run changed.
      const full = ctx.config.fullChecks;
      checks = await ctx.step('check.quality', () =>
        runChecks(wh, {
          mappedShareWarn: ctx.config.mappedShareWarn,
          reports,
          ratingScope: full ? null : loaded.ratingScope,
          ratingKeyScope: full ? null : loaded.ratingKeyScope,
          moviesWritten: full || toLoad.some((f) => f.role === 'movies_metadata'),
        }),
      );
      for (const result of checks) ctx.emit({ type: 'check.result', result });
      const failed = checks.filter((c) => c.severity === 'error' && !c.passed);
      if (failed.length > 0) {
        throw new CheckFailedError(
          `${failed.length} data-quality check(s) failed: ${failed.map((c) => c.name).join(', ')} — nothing was published; see the check table`,
        );
      }
      // Marts publish with the model they summarise, in the same transaction.
      await ctx.step(
        'answers.marts',
        () => refreshMarts(wh, full ? FULL_REFRESH : martChangeOf(toLoad, loaded.ratingDelta)),
        (how) => how,
      );
      // What this run answered, kept with it (the model is overwritten by the next run): `movalytics diff` compares
      // runs by these. Answer parameters that do not fit this data cost only this record, never the publish.
      try {
        await recordRunAnswers(wh, runId, await computeAnswers(wh, ctx.config.answers));
      } catch (err) {
        if (!(err instanceof MovalyticsError)) throw err;
        ctx.emit({
          type: 'run.warning',
          message: `the run's answers were not recorded for diff: ${err.message}`,
        });
      }
      await runs.recordReconciliation(wh, runId, reports);
      await runs.recordFileState(wh, runId, toLoad);
      await runs.recordManifest(wh, runId, files);
      await runs.recordChecks(wh, runId, checks);
      await dropLoadScratch(wh);
      quarantined = await runs.countQuarantined(wh, runId);
    });
  } catch (err) {
    // The transaction rolled back; keep what explains the failure.
    await wh.transaction(() => runs.recordChecks(wh, runId, checks));
    if (err instanceof CheckFailedError) return { status: 'check_failed', reports, checks, quarantined: 0 };
    throw err;
  }
  return { status: 'success', reports, checks, quarantined };
}

/** What the files this run loaded changed under the marts (see MartChange). */
function martChangeOf(toLoad: readonly StagedFile[], ratingDelta: string | null): MartChange {
  const loads = (role: StagedFile['role']): boolean => toLoad.some((f) => f.role === role);
  return {
    model: loads('movies_metadata') || loads('links'),
    cpi: loads('cpi'),
    ratings: !loads('ratings') ? 'none' : ratingDelta === null ? 'all' : { delta: ratingDelta },
  };
}

/**
 * The end of a run: publish what was staged, or — when nothing changed — carry the last published checks over and
 * touch no model table. Returns the run's status with what it published.
 */
export async function publishOrCarry(
  ctx: TaskContext,
): Promise<PublishResult | (Omit<PublishResult, 'status'> & { status: 'unchanged' })> {
  const files = await ctx.pkg.stagedFiles(() => false);
  if (files.some((f) => f.action === 'load')) return publishTask(ctx);
  const carried = await runs.carryChecks(ctx.wh, ctx.runId);
  for (const result of carried) ctx.emit({ type: 'check.result', result });
  await ctx.wh.transaction(async () => {
    await runs.clearRunRows(ctx.wh, ctx.runId);
    await runs.recordManifest(ctx.wh, ctx.runId, files);
    await runs.recordChecks(ctx.wh, ctx.runId, carried);
  });
  return { status: 'unchanged', reports: [], checks: carried, quarantined: 0 };
}

const fmt = (n: number): string => n.toLocaleString('en-US');
