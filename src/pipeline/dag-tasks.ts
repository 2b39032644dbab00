// The DAG's task functions: stage.files → (clean.movies ∥ load.bulk) → publish, each a TaskFn the runner calls with
// its attempt's context (signal, log, progress). The same functions run in-process (`movalytics run`), one at a time
// (`movalytics task`, Airflow) and on workers. Each is idempotent: output already in the load package (a resumed run,
// an at-least-once redelivery) is reused, and says so in its detail.
import { CheckFailedError, TaskError } from '../core/errors.js';
import type { TaskContext as DagTaskContext, TaskFn, TaskOutput } from '../dag/runner.js';
import type { Config } from '../config/config.js';
import type { FileState, StagedFile } from '../stages/stage/stage-files.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import {
  fetchFredSeries,
  fetchKaggleDataset,
  formatKaggleRef,
  parseKaggleRef,
  parseSeriesId,
  resolveKaggleCredentials,
  sourceSettingsFromEnv,
  type SourceEvent,
  type SourceSettings,
} from '../sources/index.js';
import type { PipelineListener, StepName } from './events.js';
import { PACKAGE_FILES, type LoadPackage } from './load-package.js';
import {
  bulkTask,
  cleanTask,
  publishOrCarry,
  stageTask,
  type PublishResult,
  type TaskContext,
} from './tasks.js';

/** The tasks of the pipeline's DAG, in order (see src/dag/pipeline-graph.ts for their dependencies). */
export const TASK_IDS = ['stage.files', 'clean.movies', 'load.bulk', 'publish'] as const;
export type TaskId = (typeof TASK_IDS)[number];
/** The extract tasks a run adds in front of stage.files when it fetches its input (`--source kaggle`). */
export const EXTRACT_IDS = ['extract.movielens', 'extract.fred'] as const;
export type ExtractId = (typeof EXTRACT_IDS)[number];

/** Where a run fetches its input from (`--source kaggle`): the Kaggle dataset, the FRED series, the folder. */
export interface RunSource {
  kaggle: string;
  fred: readonly string[];
  dir: string;
}

/** What a run's tasks share: the run, its package, the open warehouse (run lock held), and the event sink. */
export interface RunScope {
  config: Config;
  wh: Warehouse;
  pkg: LoadPackage;
  runId: number;
  runStartedAt: Date;
  emit: PipelineListener;
  /** The files as the last load left them (read when the run started): stage.files compares against them. */
  previous: ReadonlyMap<string, FileState>;
  /** Testing hook: throw right after this step (inside the publish transaction for its steps). */
  failAfter?: StepName;
}

/**
 * The extract tasks: fetch the Kaggle dataset and the FRED series into the input folder (downloads resume, are
 * verified, and are skipped when unchanged — the sources' own HTTP policy retries the network). Progress goes to the
 * task's log and progress events.
 */
export function extractTaskFns(source: RunSource): Record<ExtractId, TaskFn> {
  const listen =
    (dag: DagTaskContext) =>
    (e: SourceEvent): void => {
      switch (e.type) {
        case 'download.start':
          dag.log(
            `${e.file} ← ${e.url}${e.resumeFrom > 0 ? ` (resuming at ${fmt(e.resumeFrom)} bytes)` : ''}`,
          );
          return;
        case 'download.progress':
          dag.progress({ done: e.bytes, ...(e.total !== null ? { total: e.total } : {}), unit: 'bytes' });
          return;
        case 'download.retry':
          dag.log(`${e.file}: ${e.reason} — retry ${e.attempt} in ${(e.delayMs / 1000).toFixed(1)} s`);
          return;
        case 'download.restart':
          dag.log(`${e.file}: ${e.reason} — starting over`);
          return;
        case 'file.end':
          dag.log(
            `${e.file} ${e.action === 'unchanged' ? 'is up to date' : 'downloaded'} (${fmt(e.bytes)} bytes)`,
          );
          return;
        case 'unpack.end':
          dag.log(`${e.file}: ${e.skipped ? 'already unpacked' : 'unpacked'} ${e.files.length} CSV file(s)`);
          return;
      }
    };
  const settings = (): SourceSettings => sourceSettingsFromEnv(process.env);
  return {
    'extract.movielens': async (dag) => {
      const dataset = parseKaggleRef(source.kaggle);
      const s = settings();
      const r = await fetchKaggleDataset({
        dataset,
        dir: source.dir,
        credentials: resolveKaggleCredentials(process.env),
        apiBase: s.kaggleApi,
        policy: s.policy,
        onEvent: listen(dag),
      });
      return {
        detail: `${formatKaggleRef(dataset)}: ${r.action === 'unchanged' ? 'up to date' : 'downloaded'}, ${r.files.length} CSV files`,
        counts: { bytes: r.bytes },
      };
    },
    'extract.fred': async (dag) => {
      const s = settings();
      let bytes = 0;
      const done: string[] = [];
      for (const id of source.fred) {
        const r = await fetchFredSeries({
          series: parseSeriesId(id),
          dir: source.dir,
          fredUrl: s.fredUrl,
          apiUrl: s.fredApiUrl,
          ...(s.fredApiKey !== undefined ? { apiKey: s.fredApiKey } : {}),
          policy: s.policy,
          onEvent: listen(dag),
        });
        bytes += r.bytes;
        done.push(`${id} ${r.action === 'unchanged' ? 'up to date' : 'downloaded'}`);
      }
      return { detail: done.join(', '), counts: { bytes } };
    },
  };
}

export type PublishOutcome = PublishResult | (Omit<PublishResult, 'status'> & { status: 'unchanged' });

/** What the tasks left for the caller's summary; `errors` keeps each failed task's last error as thrown. */
export interface RunOutcome {
  files: StagedFile[] | null;
  /** The unpacked zip folder the stage used, if any (staging cleanup keeps it). */
  unpackedDir: string | null;
  publish: PublishOutcome | null;
  errors: Map<string, unknown>;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** The task functions of one run; results land in `outcome`. */
export function pipelineTaskFns(scope: RunScope, outcome: RunOutcome): Record<TaskId, TaskFn> {
  const ctxFor = (dag: DagTaskContext): TaskContext => ({
    config: scope.config,
    wh: scope.wh,
    pkg: scope.pkg,
    runId: scope.runId,
    runStartedAt: scope.runStartedAt,
    emit: scope.emit,
    step: makeStep(scope.emit, dag, scope.failAfter),
  });
  const guard =
    (id: TaskId, fn: (ctx: TaskContext, dag: DagTaskContext) => Promise<TaskOutput>): TaskFn =>
    async (dag) => {
      try {
        return await fn(ctxFor(dag), dag);
      } catch (err) {
        outcome.errors.set(id, err);
        throw err;
      }
    };

  return {
    'stage.files': guard('stage.files', async (ctx) => {
      if ((await ctx.pkg.readJson(PACKAGE_FILES.manifest)) !== null) {
        outcome.files = await ctx.pkg.stagedFiles(() => false);
        return {
          detail: `already staged in package ${ctx.pkg.packageId}`,
          counts: stageCounts(outcome.files),
        };
      }
      const staged = await stageTask(ctx, scope.previous);
      for (const file of staged.files) scope.emit({ type: 'file.staged', file });
      outcome.files = staged.files;
      outcome.unpackedDir = staged.unpackedDir;
      const n = (a: string): number => staged.files.filter((f) => f.action === a).length;
      return {
        detail: `${n('load')} to load, ${n('unchanged')} unchanged, ${n('ignored')} ignored`,
        counts: stageCounts(staged.files),
      };
    }),
    'clean.movies': guard('clean.movies', async (ctx) => {
      const already = (await ctx.pkg.readJson(PACKAGE_FILES.clean)) !== null;
      const clean = await cleanTask(ctx);
      if (clean === null) return { detail: 'movies_metadata unchanged: nothing to clean' };
      const s = clean.stats;
      return {
        detail: `${already ? 'already cleaned: ' : ''}${fmt(s.rowsLoaded)} movies, ${fmt(s.quarantined)} quarantined, ${fmt(s.duplicatesCollapsed)} duplicates, ${fmt(s.recordsMerged)} repaired`,
        counts: { rowsIn: s.recordsRead, rowsOut: s.rowsLoaded },
      };
    }),
    'load.bulk': guard('load.bulk', async (ctx) => {
      const shadow = await bulkTask(ctx);
      return shadow === null
        ? { detail: 'nothing to bulk-load' }
        : {
            detail: `${fmt(shadow.rowsRead)} ratings from ${shadow.fileName} into a shadow table`,
            counts: { rowsIn: shadow.rowsRead + shadow.rejects.length, rowsOut: shadow.rowsRead },
          };
    }),
    publish: guard('publish', async (ctx) => {
      const published = await publishOrCarry(ctx);
      outcome.publish = published;
      outcome.files ??= await ctx.pkg.stagedFiles(() => false);
      if (published.status === 'check_failed') {
        const failed = published.checks.filter((c) => c.severity === 'error' && !c.passed);
        throw new CheckFailedError(
          `${failed.length} data-quality check(s) failed (${failed.map((c) => c.name).join(', ')}); nothing was published`,
        );
      }
      const read = published.reports.reduce((a, r) => a + r.recordsRead, 0);
      const loaded = published.reports.reduce((a, r) => a + r.rowsLoaded, 0);
      return {
        detail:
          published.status === 'unchanged'
            ? 'no input changed: checks carried over, no model table touched'
            : `${fmt(loaded)} rows published, ${fmt(published.quarantined)} quarantined, ${published.checks.length} checks passed`,
        counts: { rowsIn: read, rowsOut: loaded },
      };
    }),
  };
}

function stageCounts(files: readonly StagedFile[]): Record<string, number> {
  const load = files.filter((f) => f.action === 'load');
  return {
    rowsIn: load.reduce((a, f) => a + (f.dataLines ?? 0), 0),
    bytes: load.reduce((a, f) => a + f.bytes, 0),
  };
}

/**
 * The step wrapper a task's code runs its steps in: step events, a log line per step with its duration, the
 * `failAfter` test hook and the MOVALYTICS_FAILPOINT failpoints.
 */
export function makeStep(
  emit: PipelineListener,
  dag: Pick<DagTaskContext, 'log' | 'signal'>,
  failAfter?: StepName,
): TaskContext['step'] {
  return async (name, fn, detail) => {
    emit({ type: 'step.start', step: name });
    dag.log(`${name} started`);
    const t0 = Date.now();
    let result;
    try {
      result = await fn();
    } catch (err) {
      const ms = Date.now() - t0;
      emit({ type: 'step.end', step: name, status: 'failed', ms });
      dag.log(`${name} failed after ${(ms / 1000).toFixed(1)} s: ${(err as Error).message}`);
      throw err;
    }
    const ms = Date.now() - t0;
    const text = detail?.(result);
    emit({ type: 'step.end', step: name, status: 'success', ms, detail: text });
    dag.log(`${name} done in ${(ms / 1000).toFixed(1)} s${text ? `: ${text}` : ''}`);
    if (failAfter === name) throw new TaskError(`simulated failure after ${name}`);
    await failpoint(name, dag.signal);
    return result;
  };
}

/**
 * Test failpoints, set with MOVALYTICS_FAILPOINT: `hang-after:<step>` hangs after the step (inside the publish
 * transaction for its steps) until the process is killed; `sleep-after:<step>:<ms>` pauses there (ending early when
 * the task's signal fires), so tests can hold a run open; `fail-once:<step>` throws a retryable error the first time
 * the step ends in this process; `fail-after:<step>` throws a permanent one every time.
 */
async function failpoint(step: StepName, signal: AbortSignal): Promise<void> {
  const fp = process.env.MOVALYTICS_FAILPOINT;
  if (fp === undefined) return;
  if (fp === `hang-after:${step}`)
    await new Promise<never>(() => {
      setInterval(() => undefined, 60_000);
    });
  const sleep = /^sleep-after:([a-z.]+):(\d+)$/.exec(fp);
  if (sleep?.[1] === step)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Number(sleep[2]));
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  if (fp === `fail-after:${step}`) throw new TaskError(`simulated permanent failure after ${step}`);
  if (fp === `fail-once:${step}` && !failedOnce.has(step)) {
    failedOnce.add(step);
    throw new TaskError(`simulated transient failure after ${step}`, { retryable: true });
  }
}
const failedOnce = new Set<string>();
