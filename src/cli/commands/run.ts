// `movalytics run`: the whole pipeline on the configured input and warehouse, with progress on stderr and the
// file reconciliation, check results and headline answers on stdout.
import type { Command } from 'commander';
import { loadConfig, parseShards, type Config, type ConfigInput } from '../../config/config.js';
import { runPipeline, type RunOptions, type RunSummary } from '../../pipeline/run-pipeline.js';
import { createProgress, progressMode, type ProgressMode } from '../progress.js';
import { CheckFailedError, EXIT, MovalyticsError, UsageError } from '../../core/errors.js';
import { parseKaggleRef, parseSeriesId, resolveKaggleCredentials } from '../../sources/index.js';
import { closingAnswers, renderHeadlines, type Answers } from '../../stages/answers/index.js';
import { renderTable } from '../../core/format.js';
import { terminalWidth } from '../terminal.js';
import { renderCheckTable } from './check-table.js';
import { findTask, TASK_IDS } from '../../pipeline/tasks/index.js';

export interface RunFlags {
  input?: string;
  warehouse?: string;
  staging?: string;
  config?: string;
  verify?: boolean;
  fullChecks?: boolean;
  json?: boolean;
  wait?: boolean;
  source?: string;
  kaggle?: string;
  fred?: string[];
  resume?: string | boolean;
  only?: string[];
  from?: string[];
  concurrency?: string;
  shards?: string;
  executor?: string;
  queue?: string;
}

/** The Kaggle dataset and FRED series `run --source kaggle` fetches unless told otherwise. */
export const DEFAULT_KAGGLE_DATASET = 'rounakbanik/the-movies-dataset';
export const DEFAULT_FRED_SERIES = ['CUSR0000SS62031'];

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The human summary of a run: files, reconciliation, the checks that did not pass; tables fit `width` columns. */
export function renderRunSummary(s: RunSummary, width: number = terminalWidth()): string {
  const fit = { width };
  const out: string[] = [];
  out.push('Input files');
  out.push(
    renderTable(
      s.files,
      [
        { header: 'file', value: (f) => f.name },
        { header: 'role', value: (f) => f.role },
        { header: 'action', value: (f) => (f.action === 'load' ? 'loaded' : f.action) },
        { header: 'bytes', value: (f) => f.bytes },
        { header: 'note', value: (f) => f.note ?? '' },
      ],
      fit,
    ),
  );
  if (s.reports.length > 0) {
    out.push('Reconciliation (read = loaded + quarantined + duplicates + merged)');
    out.push(
      renderTable(
        s.reports,
        [
          { header: 'file', value: (r) => r.fileName },
          { header: 'read', value: (r) => r.recordsRead },
          { header: 'loaded', value: (r) => r.rowsLoaded },
          { header: 'quarantined', value: (r) => r.rowsQuarantined },
          { header: 'duplicates', value: (r) => r.duplicatesCollapsed },
          { header: 'merged', value: (r) => r.recordsMerged },
        ],
        fit,
      ),
    );
  }
  // Only what needs a look is listed: with every check passed the summary fits one screen (`npm start`); the report,
  // serve's /checks page, `movalytics check` and --json list every check.
  const open = s.checks.filter((c) => !c.passed);
  const failed = open.filter((c) => c.severity === 'error').length;
  out.push(
    `Quality checks: ${s.checks.length - open.length} passed, ${failed} failed, ${plural(open.length - failed, 'warning')}` +
      (open.length === 0 ? ' (every check: movalytics report, or serve’s /checks page)' : ''),
  );
  if (open.length > 0) out.push(renderCheckTable(open, width));
  return out.join('\n');
}

/** What `run` (and `demo`, `schedule`) ask of a run beyond the config. */
export type RunRequest = Pick<
  RunOptions,
  | 'wait'
  | 'resume'
  | 'only'
  | 'from'
  | 'concurrency'
  | 'trigger'
  | 'parameters'
  | 'signal'
  | 'executor'
  | 'source'
> & { json?: boolean };

/** The FRED series of `--fred` (repeatable, comma-separated), or the default. */
function fredSeries(flags: RunFlags): string[] {
  return (flags.fred ?? DEFAULT_FRED_SERIES).flatMap((x) => x.split(',')).filter((x) => x.trim() !== '');
}

/** The executor a config asks for: bullmq needs a queue. */
export function executorOf(config: Config): RunOptions['executor'] {
  if (config.executor === 'in-process') return { kind: 'in-process' };
  if (config.queue === undefined)
    throw new UsageError(
      '--executor bullmq needs --queue redis://HOST:6379[/DB] (or "queue" in the config file)',
    );
  return { kind: 'bullmq', queue: config.queue };
}

/**
 * Stops a run gracefully on the first SIGINT/SIGTERM (running tasks finish, nothing new starts; the run ends
 * `interrupted`), and at once on the second. Returns the signal to pass to the run and a function that unhooks.
 */
export function gracefulStop(
  say: (line: string) => void,
  who = 'movalytics',
  what = 'letting the running task(s) finish, starting nothing new',
): { signal: AbortSignal; release(): void } {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (ac.signal.aborted) {
      say(`${who}: ${sig} again — stopping now; the warehouse keeps its last published state`);
      process.exit(EXIT.interrupted);
    }
    say(`${who}: ${sig} — ${what} (send it again to stop now)`);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: ac.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Runs the pipeline with live progress on stderr, prints the summary and the headline answers on stdout; throws
 * CheckFailedError (exit 3) on failed checks, and sets exit 130 for a run stopped by a signal.
 */
export async function runAndReport(config: Config, request: RunRequest = {}): Promise<RunSummary> {
  const json = request.json === true;
  let answers: Answers | null = null;
  const progress = createProgress(progressMode(json));
  const stop = request.signal === undefined ? gracefulStop((l) => process.stderr.write(l + '\n')) : null;
  let summary: RunSummary;
  try {
    summary = await runPipeline(config, {
      executor: executorOf(config),
      ...request,
      signal: request.signal ?? stop?.signal,
      listener: progress.listener,
      // The closing answers are read under the run's lock: they are the ones this run published.
      afterPublish: async (wh, runId) => {
        try {
          answers = await closingAnswers(wh, runId, config.answers);
        } catch (err) {
          // The run itself succeeded and is published; answer parameters that do not fit this data (say a --cpi-splice
          // series that was not loaded) only cost the closing summary, and say so.
          if (!(err instanceof MovalyticsError)) throw err;
          process.stderr.write(
            `movalytics: the run succeeded, but its answers were skipped: ${err.message}\n`,
          );
        }
      },
    });
  } finally {
    await progress.done();
    stop?.release();
  }
  if (summary.status === 'check_failed') {
    process.stdout.write(json ? JSON.stringify({ run: summary }, null, 2) + '\n' : renderRunSummary(summary));
    const failed = summary.checks.filter((c) => c.severity === 'error' && !c.passed).map((c) => c.name);
    throw new CheckFailedError(
      `${failed.length} data-quality check(s) failed (${failed.join(', ')}); nothing was published — the warehouse keeps the last good load`,
    );
  }
  if (summary.status === 'interrupted' || summary.status === 'incomplete') {
    if (json) process.stdout.write(JSON.stringify({ run: summary }, null, 2) + '\n');
    process.stderr.write(
      `movalytics: run ${summary.runId} ${summary.status}: nothing new was published; finish it with \`movalytics run --resume ${summary.runId}\`\n`,
    );
    if (summary.status === 'interrupted') process.exitCode = EXIT.interrupted;
    return summary;
  }
  const published = answers as Answers | null;
  process.stdout.write(
    json
      ? JSON.stringify({ run: summary, answers: published }, null, 2) + '\n'
      : `${renderRunSummary(summary)}${published ? `\nAnswers\n${renderHeadlines(published, { width: terminalWidth() })}` : ''}`,
  );
  return summary;
}

/** One tick of a schedule (`schedule`, `serve --schedule`): trigger 'schedule', the cron in its parameters. */
export async function runScheduled(
  config: Config,
  signal: AbortSignal,
  when: { cron: string; tz?: string | undefined },
  request: RunRequest = {},
  mode: ProgressMode = progressMode(request.json === true),
): Promise<RunSummary> {
  const progress = createProgress(mode);
  try {
    return await runPipeline(config, {
      executor: executorOf(config),
      ...request,
      trigger: 'schedule',
      parameters: { ...request.parameters, cron: when.cron, ...(when.tz ? { tz: when.tz } : {}) },
      signal,
      listener: progress.listener,
    });
  } finally {
    await progress.done();
  }
}

/** The run request from `run`'s flags (the selection flags are checked against the graph by the planner). */
export function runRequest(flags: RunFlags): RunRequest {
  let concurrency: number | undefined;
  if (flags.concurrency !== undefined) {
    concurrency = Number(flags.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError(`--concurrency ${JSON.stringify(flags.concurrency)} must be a whole number ≥ 1`);
  }
  const split = (xs: string[] | undefined): string[] | undefined =>
    xs
      ?.flatMap((x) => x.split(','))
      .map((x) => x.trim())
      .filter((x) => x !== '');
  const only = split(flags.only);
  const from = split(flags.from);
  for (const t of [...(only ?? []), ...(from ?? [])])
    if (!TASK_IDS.includes(t) && findTask(t) === undefined)
      throw new UsageError(`unknown task ${JSON.stringify(t)}: use one of ${TASK_IDS.join(', ')}`);
  const resume = flags.resume === undefined ? undefined : flags.resume === true ? true : String(flags.resume);
  if (flags.queue !== undefined && flags.executor === undefined)
    throw new UsageError('--queue goes with --executor bullmq');
  const source =
    flags.source === 'kaggle'
      ? { kaggle: flags.kaggle ?? DEFAULT_KAGGLE_DATASET, fred: fredSeries(flags) }
      : undefined;
  return {
    json: flags.json === true,
    wait: flags.wait === true,
    resume,
    source,
    only,
    from,
    concurrency,
    parameters: {
      ...(only ? { only } : {}),
      ...(from ? { from } : {}),
      ...(concurrency ? { concurrency } : {}),
      ...(source ? { source: 'kaggle', ...source } : {}),
      ...(flags.verify ? { verify: true } : {}),
      ...(flags.fullChecks ? { fullChecks: true } : {}),
      ...(flags.shards !== undefined ? { shards: parseShards(flags.shards) } : {}),
      ...(flags.executor ? { executor: flags.executor } : {}),
    },
  };
}

/** Builds the config from flags (flags override the config file). */
export function configFromFlags(flags: RunFlags): ReturnType<typeof loadConfig> {
  const overrides: ConfigInput = {};
  if (flags.input !== undefined) overrides.input = flags.input;
  if (flags.warehouse !== undefined) overrides.warehouse = flags.warehouse;
  if (flags.staging !== undefined) overrides.staging = flags.staging;
  if (flags.verify) overrides.verify = true;
  if (flags.fullChecks) overrides.fullChecks = true;
  if (flags.shards !== undefined) overrides.shards = parseShards(flags.shards);
  if (flags.executor !== undefined) {
    if (flags.executor !== 'in-process' && flags.executor !== 'bullmq')
      throw new UsageError(`unknown --executor ${JSON.stringify(flags.executor)}: use in-process or bullmq`);
    overrides.executor = flags.executor;
  }
  if (flags.queue !== undefined) overrides.queue = flags.queue;
  return loadConfig({ configPath: flags.config, overrides });
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'Stage, clean, load and check The Movies Dataset + CPI into the warehouse (incremental, atomic).',
    )
    .option(
      '-i, --input <dir|zip>',
      'folder with the Kaggle files and the FRED CPI CSV, or the Kaggle zip (default ./data/raw)',
    )
    .option(
      '-w, --warehouse <location>',
      'warehouse: a DuckDB file (default ./movalytics.duckdb) or postgres://user@host/db',
    )
    .option(
      '--staging <dir|s3://BUCKET/PREFIX>',
      'staging area for raw copies and load packages: a folder (default ./.movalytics/staging) or an S3 location',
    )
    .option('-c, --config <file>', 'config file (default ./movalytics.config.json if present)')
    .option('--verify', 'hash every input even when size and mtime match the last load')
    .option(
      '--full-checks',
      'check every row and rebuild every answer mart, not only what this run changed (a full audit)',
    )
    .option(
      '--json',
      'print the run summary as JSON on stdout, and progress as one JSON event per line on stderr',
    )
    .option('--wait', 'when another run holds the warehouse, wait for it instead of failing')
    .option(
      '--source <local|kaggle>',
      'local: read the input folder or zip as it is (default); kaggle: first fetch the Kaggle dataset and the FRED series into the input folder (skipped when unchanged; see `movalytics extract --help` for credentials)',
      'local',
    )
    .option(
      '--kaggle <owner/slug[@version]>',
      `with --source kaggle: the dataset (default ${DEFAULT_KAGGLE_DATASET})`,
    )
    .option(
      '--fred <series...>',
      `with --source kaggle: FRED series (default ${DEFAULT_FRED_SERIES.join(' ')})`,
    )
    .option(
      '--resume [run]',
      'continue a run that failed, was interrupted or was run in part: only its failed, skipped and unrun tasks run (default: the newest run, when it did not finish)',
    )
    .option('--only <task...>', `run only these tasks (${TASK_IDS.join(', ')})`)
    .option('--from <task...>', 'run these tasks and everything downstream of them')
    .option('--concurrency <n>', 'tasks running at once (default 4)')
    .option(
      '--shards <n>',
      'cut each ratings file into n shards, loaded by the mapped tasks load.ratings[0..n-1] (default 1, or the config’s "shards")',
    )
    .option(
      '--executor <in-process|bullmq>',
      'where tasks run: in this process (default), or as jobs for `movalytics worker` processes (needs --queue, a postgres:// warehouse and s3:// staging)',
    )
    .option('--queue <redis://host:6379[/db]>', 'the task queue of --executor bullmq')
    .action(async (flags: RunFlags) => {
      const config = configFromFlags(flags);
      if (flags.source !== 'local' && flags.source !== 'kaggle')
        throw new UsageError(`unknown --source ${JSON.stringify(flags.source)}: use local or kaggle`);
      if (flags.source === 'kaggle') {
        // Checked before anything starts: a misspelt name is a usage error, not a failed extract task.
        parseKaggleRef(flags.kaggle ?? DEFAULT_KAGGLE_DATASET);
        for (const id of fredSeries(flags)) parseSeriesId(id);
        // Credentials too: without them the run would fail only after the other downloads had been tried.
        resolveKaggleCredentials(process.env);
      } else if (flags.kaggle !== undefined || flags.fred !== undefined) {
        throw new UsageError('--kaggle and --fred go with --source kaggle');
      }
      await runAndReport(config, runRequest(flags));
    });
}
