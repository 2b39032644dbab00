// publish: load.model → check.quality → answers.marts in ONE transaction (write-audit-publish) — or, when no input
// changed, the last published checks carried over with no model table touched. Failed error checks are a result
// (`check_failed`, nothing published), never an exception: the CLI turns them into exit 3.
import { mkdir } from 'node:fs/promises';
import { MovalyticsError, TaskError } from '../../core/errors.js';
import { formatNumber as fmt } from '../../core/format.js';
import { recordRunAnswers } from '../../stages/answers/run-answers.js';
import { computeAnswers, FULL_REFRESH, refreshMarts, type MartChange } from '../../stages/answers/index.js';
import { ratingCountsOf, recordKeptState, type RatingCounts } from '../../stages/answers/marts.js';
import { describeCheckScopes, runChecks, type CheckResult } from '../../stages/check/checks.js';
import {
  dropLoadScratch,
  loadModel,
  ratingsEmpty,
  type FileReport,
  type RatingsShadow,
} from '../../stages/load/load-model.js';
import { dropStaleParts, reduceRatingsShadow, type RatingsPart } from '../../stages/load/ratings-parts.js';
import { recordRowChanges, RowChangeCounter } from '../../stages/load/row-changes.js';
import type { StagedFile } from '../../stages/stage/stage-files.js';
import { rawKey } from '../../storage/index.js';
import { queryCount } from '../../warehouse/warehouse.js';
import { PACKAGE_FILES } from '../load-package.js';
import * as runs from '../run-store.js';
import { MINUTE, step, WAREHOUSE, type DoneProbe, type PipelineTask, type TaskContext } from './task.js';

/** The boundary whose tasks publish together (one transaction). */
export const PUBLISH_BOUNDARY = 'publish';

/** What a run's publish did: its status, the files' reconciliation, the checks, the rows quarantined. */
export interface PublishOutcome {
  status: 'success' | 'unchanged' | 'check_failed';
  reports: FileReport[];
  checks: CheckResult[];
  quarantined: number;
}

/** Statuses after which a run's publish (and the shadow it consumes) has nothing left to do. */
const FINISHED = ['success', 'unchanged', 'check_failed'];

/** Done once the run finished: a repeat of a published (or rejected) run changes nothing. */
export async function finishedRun({ runId, runStatus }: DoneProbe): Promise<string | null> {
  return Promise.resolve(FINISHED.includes(runStatus) ? `run ${runId} is already ${runStatus}` : null);
}

export const publish: PipelineTask = {
  id: 'publish',
  deps: ['clean.movies', 'load.ratings'],
  description: 'load the model, run the checks, rebuild the marts and record the run — one transaction',
  profile: { ...WAREHOUSE, timeoutMs: 90 * MINUTE },
  boundary: PUBLISH_BOUNDARY,
  reads: [PACKAGE_FILES.manifest, PACKAGE_FILES.clean, 'parts/<i>.json'],
  writes: [PACKAGE_FILES.shadow],
  done: finishedRun,
  async run(ctx) {
    const staged = await ctx.pkg.stagedFiles(() => false);
    const published = staged.some((f) => f.action === 'load')
      ? await publishModel(ctx)
      : await carryOver(ctx, staged);
    const read = published.reports.reduce((a, r) => a + r.recordsRead, 0);
    const loaded = published.reports.reduce((a, r) => a + r.rowsLoaded, 0);
    return {
      detail: summary(published, loaded),
      counts: { rowsIn: read, rowsOut: loaded },
      files: staged,
      publish: published,
    };
  },
};

function summary(p: PublishOutcome, loaded: number): string {
  switch (p.status) {
    case 'unchanged':
      return 'no input changed: checks carried over, no model table touched';
    case 'check_failed': {
      const failed = p.checks.filter((c) => c.severity === 'error' && !c.passed).map((c) => c.name);
      return `${failed.length} data-quality check(s) failed (${failed.join(', ')}); nothing was published`;
    }
    case 'success':
      return `${fmt(loaded)} rows published, ${fmt(p.quarantined)} quarantined, ${p.checks.length} checks passed`;
  }
}

/** Thrown inside the transaction only to roll it back; it never leaves this module. */
class Rollback extends Error {}

/** load.model → check.quality → answers.marts → the run's records, committed only when every error check passed. */
async function publishModel(ctx: TaskContext): Promise<PublishOutcome> {
  const { wh, runId } = ctx;
  const { shadow, parts } = await reduceRatings(ctx);
  // Only the files this task reads are fetched to this machine: movies_metadata reaches the model through the clean
  // task's files, the ratings through their parts (already in the warehouse) — except on an engine that loads them
  // by its own plan.
  // With staging in S3 that engine COPYs the ratings, links and CPI files from their staged objects: none is fetched.
  const byPlan = wh.capabilities.bulkLoad === 's3-copy';
  const remote = byPlan ? ctx.pkg.staging.remote : null;
  const files = await ctx.pkg.stagedFiles(
    (f) => remote === null && f.role !== 'movies_metadata' && (f.role !== 'ratings' || byPlan),
  );
  const stagedObjects =
    remote === null
      ? undefined
      : new Map(
          files
            .filter((f) => f.action === 'load' && f.sha256 !== null)
            .map((f) => [f.name, `${remote.url.replace(/\/?$/, '/')}${rawKey(f.sha256!)}`] as const),
        );
  const clean = await ctx.pkg.readClean();
  await mkdir(ctx.pkg.cleanDir, { recursive: true }); // CSV rejects are written there (locally) for the engine
  let reports: FileReport[] = [];
  let checks: CheckResult[] = [];
  let quarantined = 0;
  try {
    await wh.transaction(async () => {
      // Idempotent: a repeated publish of the same run starts from a clean slate for its own rows.
      await runs.clearRunRows(wh, runId);
      const rowChanges = await RowChangeCounter.before(wh, files);
      const loaded = await step(ctx, 'load.model', () =>
        loadModel(wh, {
          runId,
          files,
          movies: Promise.resolve(clean),
          cleanDir: ctx.pkg.cleanDir,
          shadow,
          ratingParts: parts,
          runStartedAt: ctx.runStartedAt,
          ...(stagedObjects === undefined ? {} : { stagedObjects }),
        }),
      );
      reports = loaded.reports;
      for (const report of reports) ctx.emit({ type: 'file.loaded', report });
      // --full-checks audits every row and rebuilds every mart, whatever this run changed.
      const full = ctx.config.fullChecks;
      const toLoad = files.filter((f) => f.action === 'load');
      const change = full ? FULL_REFRESH : martChangeOf(toLoad, loaded.ratingDelta);
      let counts: RatingCounts | null = null;
      checks = await step(
        ctx,
        'check.quality',
        async () => {
          counts = await ratingCountsOf(wh, change);
          return runChecks(wh, {
            mappedShareWarn: ctx.config.mappedShareWarn,
            reports,
            ratingScope: full ? null : loaded.ratingScope,
            ratingKeyScope: full ? null : loaded.ratingKeyScope,
            ratingKeyIndexBuiltByRun: shadow !== null,
            ratingCounts: counts?.query ?? null,
            ratingCountsFromEveryRow: counts?.fromEveryRow ?? false,
            moviesWritten: full || toLoad.some((f) => f.role === 'movies_metadata'),
          });
        },
        describeCheckScopes,
      );
      for (const result of checks) ctx.emit({ type: 'check.result', result });
      if (checks.some((c) => c.severity === 'error' && !c.passed)) throw new Rollback();
      // Marts publish with the model they summarise, in the same transaction.
      await step(
        ctx,
        'answers.marts',
        () =>
          refreshMarts(wh, change, {
            countsBuilt: counts?.fromEveryRow ?? false,
            countsNextBuilt: counts?.countsNextBuilt ?? false,
          }),
        (how) => how,
      );
      await recordAnswers(ctx);
      await recordRowChanges(wh, runId, await rowChanges.after(loaded.ratingDelta));
      await runs.recordReconciliation(wh, runId, reports);
      await runs.recordFileState(wh, runId, toLoad);
      await recordKeptState(wh);
      await runs.recordManifest(wh, runId, files);
      await runs.recordChecks(wh, runId, checks);
      await dropLoadScratch(wh);
      quarantined = await runs.countQuarantined(wh, runId);
    });
  } catch (err) {
    // The transaction rolled back; keep what explains the failure.
    await wh.transaction(() => runs.recordChecks(wh, runId, checks));
    if (err instanceof Rollback) return { status: 'check_failed', reports, checks, quarantined: 0 };
    throw err;
  }
  return { status: 'success', reports, checks, quarantined };
}

/**
 * The reduce of the load.ratings parts: the first ratings file into an empty table becomes the shadow table (before
 * the transaction, recorded in the package so a repeated publish reuses it); the other files' parts are merged inside
 * the transaction by the load. Every shard of every file must have been loaded.
 */
async function reduceRatings(
  ctx: TaskContext,
): Promise<{ shadow: RatingsShadow | null; parts: Record<string, RatingsPart[]> }> {
  const { wh, pkg } = ctx;
  if (wh.capabilities.bulkLoad === 's3-copy') return { shadow: null, parts: {} };
  const sources = await pkg.ratingsSources();
  const parts: Record<string, RatingsPart[]> = {};
  const slots = await pkg.shardSlots();
  for (let i = 0; i < slots; i++) {
    const loaded = await pkg.readParts(i);
    if (loaded === null)
      throw new TaskError(
        `shard ${i} of the ratings of run ${ctx.runId} is not loaded: run load.ratings[${i}] first (movalytics task load.ratings --shard ${i} --run-id ${ctx.runId})`,
      );
    for (const p of loaded) (parts[p.fileName] ??= []).push(p);
  }
  for (const src of sources) {
    const want = Math.max(1, src.shards.length);
    if ((parts[src.file.name]?.length ?? 0) !== want)
      throw new TaskError(
        `${src.file.name}: ${parts[src.file.name]?.length ?? 0} of its ${want} shards were loaded; run load.ratings again`,
      );
  }
  await dropStaleParts(wh, Object.values(parts).flat());
  let shadow = await pkg.readShadow();
  const first = sources[0]?.file.name;
  if (shadow === null && first !== undefined && (await ratingsEmpty(wh))) {
    const firstParts = parts[first]!;
    await requirePartTables(ctx, firstParts);
    shadow = await step(
      ctx,
      'load.reduce',
      async () => {
        const made = await reduceRatingsShadow(wh, firstParts);
        // Recorded inside the step: the reduce consumed the parts, so a retry must find the table it made instead.
        await pkg.writeJson(PACKAGE_FILES.shadow, made);
        return made;
      },
      (s) => `${s.fileName}: ${fmt(s.rowsRead - s.collapsed)} ratings from ${firstParts.length} part(s)`,
    );
  }
  if (shadow !== null) delete parts[shadow.fileName];
  return { shadow, parts };
}

/**
 * The reduce turns the parts into the shadow table and drops them; parts that are gone with no shadow recorded mean
 * a reduce was killed midway, and only a new run (which loads its shards again) can recover from that.
 */
async function requirePartTables(ctx: TaskContext, parts: readonly RatingsPart[]): Promise<void> {
  const names = parts.map((p) => `'${p.table.replace(/^movies\./, '')}'`).join(', ');
  const found = await queryCount(
    ctx.wh,
    `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'movies' AND table_name IN (${names})`,
  );
  if (found !== parts.length)
    throw new TaskError(
      `run ${ctx.runId}: ${parts.length - found} of the ${parts.length} ratings part table(s) are gone (a reduce was interrupted): start a new run with \`movalytics run\``,
    );
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
 * What this run answered, kept with it (the model is overwritten by the next run): `movalytics diff` compares runs by
 * these. Answer parameters that do not fit this data cost only this record, never the publish.
 */
async function recordAnswers(ctx: TaskContext): Promise<void> {
  try {
    await recordRunAnswers(ctx.wh, ctx.runId, await computeAnswers(ctx.wh, ctx.config.answers));
  } catch (err) {
    if (!(err instanceof MovalyticsError)) throw err;
    ctx.emit({
      type: 'run.warning',
      message: `the run's answers were not recorded for diff: ${err.message}`,
    });
  }
}

/** Nothing to load: carry the last published checks over and touch no model table. */
async function carryOver(ctx: TaskContext, files: StagedFile[]): Promise<PublishOutcome> {
  const carried = await runs.carryChecks(ctx.wh, ctx.runId);
  for (const result of carried) ctx.emit({ type: 'check.result', result });
  await ctx.wh.transaction(async () => {
    await runs.clearRunRows(ctx.wh, ctx.runId);
    await runs.recordManifest(ctx.wh, ctx.runId, files);
    await runs.recordChecks(ctx.wh, ctx.runId, carried);
  });
  return { status: 'unchanged', reports: [], checks: carried, quarantined: 0 };
}
