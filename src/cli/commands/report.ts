// `movalytics report`: writes one self-contained HTML page (or Markdown) of the answers, checks and lineage.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError, messageOf } from '../../core/errors.js';
import {
  REPORT_FORMATS,
  buildReport,
  renderReportHtml,
  renderReportMarkdown,
  type ReportFormat,
} from '../../report/index.js';
import {
  addAnswerOptions,
  openExistingWarehouse,
  resolveAnswerFlags,
  type AnswerFlags,
} from './answer-flags.js';

interface ReportOptions extends AnswerFlags {
  format: string;
  out?: string;
}

export function registerReport(program: Command): void {
  addAnswerOptions(
    program
      .command('report')
      .description(
        'write a self-contained HTML (or Markdown) report of the answers, quality checks and lineage',
      )
      .option('--out <file>', 'output file (default report.html, or report.md for markdown)')
      .option('--format <format>', REPORT_FORMATS.join(' | '), 'html'),
  ).action(async (opts: ReportOptions) => {
    if (!(REPORT_FORMATS as readonly string[]).includes(opts.format)) {
      throw new UsageError(
        `unknown --format ${JSON.stringify(opts.format)}: use one of ${REPORT_FORMATS.join(', ')}`,
      );
    }
    const format = opts.format as ReportFormat;
    const out = opts.out ?? (format === 'html' ? 'report.html' : 'report.md');
    const { warehouse, params } = resolveAnswerFlags(opts);
    const wh = await openExistingWarehouse(warehouse);
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
