// `movalytics extract`: downloads a Kaggle dataset and FRED series into a local folder, with progress on stderr
// (live at a terminal, plain lines otherwise) and what was fetched on stdout.
import type { Command } from 'commander';
import path from 'node:path';
import { loadConfig } from '../../config/config.js';
import { UsageError } from '../../core/errors.js';
import { unreachable } from '../../core/unreachable.js';
import {
  fetchFredSeries,
  fetchKaggleDataset,
  formatKaggleRef,
  parseKaggleRef,
  parseSeriesId,
  resolveKaggleCredentials,
  sourceSettingsFromEnv,
  type FetchAction,
  type SourceEvent,
  type SourceKind,
} from '../../sources/index.js';
import { formatBytes as formatSize, formatNumber, renderTable } from '../../core/format.js';

interface ExtractFlags {
  kaggle?: string;
  fred?: string[];
  to?: string;
  config?: string;
  json?: boolean;
}

export interface FetchedRow {
  source: SourceKind;
  name: string;
  file: string;
  action: FetchAction;
  bytes: number;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];
const formatBytes = (n: number): string => formatSize(n, UNITS);

function formatEta(secs: number | null): string {
  if (secs === null || !Number.isFinite(secs)) return '';
  const s = Math.round(secs);
  return s < 60 ? `ETA ${s} s` : `ETA ${Math.floor(s / 60)} min ${s % 60} s`;
}

/**
 * Renders source events for stderr. At a terminal the progress of a download rewrites one line; in a pipe it is a
 * plain line per 10% (or per 10 MB when the size is unknown), so logs stay short.
 */
export class ExtractProgress {
  private lastStep = new Map<string, number>();
  private live = false;
  constructor(
    private readonly write: (s: string) => void,
    private readonly tty: boolean,
  ) {}

  private line(s: string): void {
    if (this.live) this.write('\r\x1b[2K');
    this.live = false;
    this.write(s + '\n');
  }

  handle(e: SourceEvent): void {
    switch (e.type) {
      case 'download.start':
        this.lastStep.set(e.file, -1);
        this.line(
          `extract: ${e.file} ← ${e.url}${e.total !== null ? ` (${formatBytes(e.total)})` : ''}${e.resumeFrom > 0 ? `, resuming at ${formatBytes(e.resumeFrom)}` : ''}`,
        );
        return;
      case 'download.progress': {
        const text =
          `  ${e.file}  ${formatBytes(e.bytes)}${e.total !== null ? ` / ${formatBytes(e.total)}` : ''}  ${formatBytes(e.bytesPerSec)}/s  ${formatEta(e.etaSec)}`.trimEnd();
        if (this.tty) {
          this.write(`\r\x1b[2K${text}`);
          this.live = true;
          return;
        }
        const step =
          e.total !== null && e.total > 0
            ? Math.floor((e.bytes / e.total) * 10)
            : Math.floor(e.bytes / (10 * 1024 * 1024));
        if (step === this.lastStep.get(e.file)) return;
        this.lastStep.set(e.file, step);
        this.line(text);
        return;
      }
      case 'download.retry':
        this.line(
          `extract: ${e.file}: ${e.reason} — retry ${e.attempt} in ${formatNumber(e.delayMs / 1000, 1)} s`,
        );
        return;
      case 'download.restart':
        this.line(`extract: ${e.file}: ${e.reason} — starting over`);
        return;
      case 'file.end':
        this.line(
          `extract: ${e.file} ${e.action === 'unchanged' ? 'is up to date' : 'downloaded'} (${formatBytes(e.bytes)}, ${(e.ms / 1000).toFixed(1)} s)`,
        );
        return;
      case 'unpack.end':
        this.line(
          `extract: ${e.file}: ${e.skipped ? 'already unpacked' : 'unpacked'} ${e.files.length} CSV file(s)`,
        );
        return;
      default:
        return unreachable(e, 'source event');
    }
  }
}

/** The destination when --to is absent: the config's input folder (the folder holding it when input is a zip). */
function defaultDestination(configPath: string | undefined): string {
  const input = loadConfig({ configPath }).input;
  return input.toLowerCase().endsWith('.zip') ? path.dirname(input) : input;
}

/**
 * Fetches a Kaggle dataset and FRED series into `dir` (skipping what is already there and unchanged), with
 * progress on stderr; returns what was fetched. Names are parsed before the first byte moves.
 */
export async function extractSources(opts: {
  kaggle?: string;
  fred: readonly string[];
  dir: string;
}): Promise<FetchedRow[]> {
  const { dir } = opts;
  const dataset = opts.kaggle === undefined ? undefined : parseKaggleRef(opts.kaggle);
  const series = opts.fred.map(parseSeriesId);
  const settings = sourceSettingsFromEnv(process.env);
  const credentials = dataset === undefined ? undefined : resolveKaggleCredentials(process.env);
  const progress = new ExtractProgress((s) => process.stderr.write(s), process.stderr.isTTY === true);
  const onEvent = (e: SourceEvent): void => progress.handle(e);
  const rows: FetchedRow[] = [];
  if (dataset !== undefined && credentials !== undefined) {
    const r = await fetchKaggleDataset({
      dataset,
      dir,
      credentials,
      apiBase: settings.kaggleApi,
      policy: settings.policy,
      onEvent,
    });
    rows.push({
      source: 'kaggle',
      name: formatKaggleRef(dataset),
      file: path.basename(r.zip),
      action: r.action,
      bytes: r.bytes,
    });
  }
  for (const id of series) {
    const r = await fetchFredSeries({
      series: id,
      dir,
      fredUrl: settings.fredUrl,
      apiUrl: settings.fredApiUrl,
      ...(settings.fredApiKey !== undefined ? { apiKey: settings.fredApiKey } : {}),
      policy: settings.policy,
      onEvent,
    });
    rows.push({
      source: 'fred',
      name: id,
      file: path.basename(r.file),
      action: r.action,
      bytes: r.bytes,
    });
  }
  return rows;
}

export function registerExtract(program: Command): void {
  program
    .command('extract')
    .description(
      'Download a Kaggle dataset and FRED series into a folder (resumable, verified, skipped when unchanged)',
    )
    .option(
      '--kaggle <owner/slug[@version]>',
      'Kaggle dataset, e.g. rounakbanik/the-movies-dataset (zip kept, CSVs unpacked)',
    )
    .option('--fred <series...>', 'FRED series ids, saved as <SERIES>.csv (e.g. CUSR0000SS62031 CPIAUCNS)')
    .option('--to <dir>', "folder to download into (default: the config's input folder, ./data/raw)")
    .option('-c, --config <file>', 'config file (default ./movalytics.config.json if present)')
    .option('--json', 'print what was fetched as JSON instead of a table')
    .addHelpText(
      'after',
      `
Kaggle credentials, first found wins:
  KAGGLE_API_TOKEN (a token, or the path of a file holding one)  → Bearer
  ~/.kaggle/access_token                                          → Bearer
  KAGGLE_USERNAME + KAGGLE_KEY                                    → Basic
  kaggle.json in $KAGGLE_CONFIG_DIR, ~/.kaggle, ~/.config/kaggle  → Basic
FRED: fredgraph.csv, or the observations API when FRED_API_KEY is set.
Endpoints: MOVALYTICS_KAGGLE_API, MOVALYTICS_FRED_URL, MOVALYTICS_FRED_API_URL.
HTTP: MOVALYTICS_HTTP_RETRIES, _BACKOFF_MS, _BACKOFF_MAX_MS, _RETRY_AFTER_MAX_MS, _CONNECT_TIMEOUT_MS, _IDLE_TIMEOUT_MS.
Exit codes: 0 ok, 1 network/server failure after retries or a corrupt download, 2 credentials, names or usage.`,
    )
    .action(async (flags: ExtractFlags) => {
      const fred = (flags.fred ?? []).flatMap((s) => s.split(',')).filter((s) => s.trim() !== '');
      if (flags.kaggle === undefined && fred.length === 0) {
        throw new UsageError('extract: give --kaggle OWNER/SLUG and/or --fred SERIES … (see --help)');
      }
      const dir = path.resolve(flags.to ?? defaultDestination(flags.config));
      const rows = await extractSources({ kaggle: flags.kaggle, fred, dir });
      if (flags.json === true) {
        process.stdout.write(JSON.stringify({ dir, files: rows }, null, 2) + '\n');
        return;
      }
      process.stdout.write(`Extracted into ${dir}\n`);
      process.stdout.write(
        renderTable(rows, [
          { header: 'source', value: (r) => r.source, align: 'left' },
          { header: 'name', value: (r) => r.name, align: 'left' },
          { header: 'file', value: (r) => r.file, align: 'left' },
          { header: 'action', value: (r) => r.action, align: 'left' },
          { header: 'bytes', value: (r) => r.bytes, align: 'right' },
        ]),
      );
    });
}
