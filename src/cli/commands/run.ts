// `movalytics run`: the whole pipeline on the configured input and warehouse, with progress on stderr and the
// file reconciliation, check results and headline answers on stdout.
import type { Command } from 'commander';
import { loadConfig, type Config, type ConfigInput } from '../../config/config.js';
import type { PipelineEvent } from '../../pipeline/events.js';
import { runPipeline, type RunSummary } from '../../pipeline/run-pipeline.js';
import path from 'node:path';
import { CheckFailedError, MovalyticsError, UsageError } from '../../errors.js';
import { extractSources } from './extract.js';
import { computeAnswers, renderHeadlines, type Answers } from '../../stages/answers/index.js';
import { renderTable, terminalWidth } from '../output.js';
import { redactLocation } from '../../redact.js';

export interface RunFlags {
  input?: string;
  warehouse?: string;
  staging?: string;
  config?: string;
  verify?: boolean;
  json?: boolean;
  wait?: boolean;
  source?: string;
  kaggle?: string;
  fred?: string[];
}

/** The Kaggle dataset and FRED series `run --source kaggle` fetches unless told otherwise. */
export const DEFAULT_KAGGLE_DATASET = 'rounakbanik/the-movies-dataset';
export const DEFAULT_FRED_SERIES = ['CUSR0000SS62031'];

/** Renders progress events as short stderr lines. */
export function progressLine(e: PipelineEvent): string | null {
  switch (e.type) {
    case 'run.waiting':
      return `waiting for ${e.holder ?? 'another process'} to release ${e.warehouse} …`;
    case 'run.start':
      return `run ${e.runId}: ${redactLocation(e.input)} → ${redactLocation(e.warehouse)}`;
    case 'task.start':
      return null;
    case 'task.end':
      return `  ${e.task.padEnd(14)} ${e.status.padEnd(8)} ${(e.ms / 1000).toFixed(1).padStart(6)} s${e.detail ? `  ${e.detail}` : ''}`;
    case 'file.staged':
    case 'file.loaded':
    case 'check.result':
      return null;
    case 'run.end':
      return `run ${e.runId} ${e.status} in ${(e.ms / 1000).toFixed(1)} s`;
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** The human summary of a run: files, reconciliation, checks; tables fit `width` columns. */
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
  out.push('Quality checks');
  out.push(
    renderTable(
      s.checks,
      [
        { header: 'check', value: (c) => c.name },
        { header: 'severity', value: (c) => c.severity },
        { header: 'result', value: (c) => (c.passed ? 'pass' : c.severity === 'error' ? 'FAIL' : 'WARN') },
        { header: 'observed', value: (c) => c.observed },
        {
          header: 'expected',
          value: (c) =>
            c.carriedFromRun ? `${c.expected} (carried from run ${c.carriedFromRun})` : c.expected,
        },
      ],
      fit,
    ),
  );
  return out.join('\n');
}

/** Runs the pipeline, prints the summary and the headline answers; throws CheckFailedError (exit 3) on failed checks. */
export async function runAndReport(config: Config, json: boolean, wait = false): Promise<void> {
  let answers: Answers | null = null;
  const summary = await runPipeline(config, {
    wait,
    listener: (e) => {
      const line = progressLine(e);
      if (line !== null) process.stderr.write(line + '\n');
    },
    // The closing answers are read under the run's lock: they are the ones this run published.
    afterPublish: async (wh) => {
      try {
        answers = await computeAnswers(wh, config.answers);
      } catch (err) {
        // The run itself succeeded and is published; answer parameters that do not fit this data (say a --cpi-splice
        // series that was not loaded) only cost the closing summary, and say so.
        if (!(err instanceof MovalyticsError)) throw err;
        process.stderr.write(`movalytics: the run succeeded, but its answers were skipped: ${err.message}\n`);
      }
    },
  });
  if (summary.status === 'check_failed') {
    process.stdout.write(json ? JSON.stringify({ run: summary }, null, 2) + '\n' : renderRunSummary(summary));
    const failed = summary.checks.filter((c) => c.severity === 'error' && !c.passed).map((c) => c.name);
    throw new CheckFailedError(
      `${failed.length} data-quality check(s) failed (${failed.join(', ')}); nothing was published — the warehouse keeps the last good load`,
    );
  }
  const published = answers as Answers | null;
  process.stdout.write(
    json
      ? JSON.stringify({ run: summary, answers: published }, null, 2) + '\n'
      : `${renderRunSummary(summary)}${published ? `\nAnswers\n${renderHeadlines(published, { width: terminalWidth() })}` : ''}`,
  );
}

/** Builds the config from flags (flags override the config file). */
export function configFromFlags(flags: RunFlags): ReturnType<typeof loadConfig> {
  const overrides: ConfigInput = {};
  if (flags.input !== undefined) overrides.input = flags.input;
  if (flags.warehouse !== undefined) overrides.warehouse = flags.warehouse;
  if (flags.staging !== undefined) overrides.staging = flags.staging;
  if (flags.verify) overrides.verify = true;
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
    .option('--json', 'print the run summary as JSON instead of tables')
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
    .action(async (flags: RunFlags) => {
      const config = configFromFlags(flags);
      if (flags.source !== 'local' && flags.source !== 'kaggle')
        throw new UsageError(`unknown --source ${JSON.stringify(flags.source)}: use local or kaggle`);
      if (flags.source === 'kaggle') {
        const dir = config.input.toLowerCase().endsWith('.zip') ? path.dirname(config.input) : config.input;
        await extractSources({
          kaggle: flags.kaggle ?? DEFAULT_KAGGLE_DATASET,
          fred: (flags.fred ?? DEFAULT_FRED_SERIES)
            .flatMap((x) => x.split(','))
            .filter((x) => x.trim() !== ''),
          dir,
        });
        config.input = dir;
      } else if (flags.kaggle !== undefined || flags.fred !== undefined) {
        throw new UsageError('--kaggle and --fred go with --source kaggle');
      }
      await runAndReport(config, flags.json === true, flags.wait === true);
    });
}
