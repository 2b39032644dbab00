// `movalytics report`: writes one self-contained HTML page (or Markdown) of the answers, checks and lineage.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError, messageOf } from '../../errors.js';
import {
  REPORT_FORMATS,
  buildReport,
  renderReportHtml,
  renderReportMarkdown,
  type ReportFormat,
} from '../../report/index.js';
import { DuckDbWarehouse } from '../../warehouse/duckdb/index.js';

interface ReportOptions {
  warehouse: string;
  format: string;
  out?: string;
  top?: string;
  quantile?: string;
  minVotes?: string;
  alpha?: string;
  cpiBase?: string;
}

/** A numeric flag: the whole text must be a finite number, else a UsageError naming the flag. */
function numberFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not a number`);
  return n;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'write a self-contained HTML (or Markdown) report of the answers, quality checks and lineage',
    )
    .option('--out <file>', 'output file (default report.html, or report.md for markdown)')
    .option('--format <format>', REPORT_FORMATS.join(' | '), 'html')
    .option('--warehouse <path>', 'DuckDB warehouse file', './movalytics.duckdb')
    .option('--top <n>', 'Q1: movies to show (default 10)')
    .option('--quantile <q>', 'Q1: quantile of votes per movie that sets m (default 0.9)')
    .option('--min-votes <m>', 'Q1: minimum votes m, overriding --quantile')
    .option('--alpha <a>', 'Q3: significance level (default 0.05)')
    .option('--cpi-base <YYYY-MM>', 'Q3/Q4: CPI base month (default: latest in the series)')
    .action(async (opts: ReportOptions) => {
      if (!(REPORT_FORMATS as readonly string[]).includes(opts.format)) {
        throw new UsageError(
          `unknown --format ${JSON.stringify(opts.format)}: use one of ${REPORT_FORMATS.join(', ')}`,
        );
      }
      const format = opts.format as ReportFormat;
      const out = opts.out ?? (format === 'html' ? 'report.html' : 'report.md');
      const params = {
        top: numberFlag('--top', opts.top),
        quantile: numberFlag('--quantile', opts.quantile),
        minVotes: numberFlag('--min-votes', opts.minVotes),
        alpha: numberFlag('--alpha', opts.alpha),
        cpiBase: opts.cpiBase,
      };
      // Opening a missing DuckDB file would create an empty one; the report never writes to it, so refuse instead.
      if (opts.warehouse !== ':memory:' && !existsSync(opts.warehouse)) {
        throw new UsageError(`warehouse ${opts.warehouse} not found: run \`movalytics run\` first`);
      }
      const wh = await DuckDbWarehouse.open({ path: opts.warehouse });
      let text: string;
      try {
        const model = await buildReport(wh, params);
        text = format === 'html' ? renderReportHtml(model) : renderReportMarkdown(model);
      } finally {
        await wh.close();
      }
      try {
        await writeFile(out, text, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot write report to ${out}: ${messageOf(err)} — choose another --out`);
      }
      process.stdout.write(`${out}\n`);
    });
}
