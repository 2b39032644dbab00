// `movalytics report`: writes one self-contained HTML page (or Markdown) of the answers, checks and lineage.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError, messageOf } from '../../core/errors.js';
import { REPORT_FORMATS, buildReport, renderReportHtml, renderReportMarkdown } from '../../report/index.js';
import {
  addAnswerOptions,
  resolveAnswerFlags,
  withExistingWarehouse,
  type AnswerFlags,
} from './answer-flags.js';
import { oneOf } from './options.js';

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
    const format = oneOf('--format', opts.format, REPORT_FORMATS);
    const out = opts.out ?? (format === 'html' ? 'report.html' : 'report.md');
    const { warehouse, params } = resolveAnswerFlags(opts);
    const model = await withExistingWarehouse(warehouse, (wh) => buildReport(wh, params));
    const text = format === 'html' ? renderReportHtml(model) : renderReportMarkdown(model);
    try {
      await writeFile(out, text, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot write report to ${out}: ${messageOf(err)} — choose another --out`);
    }
    process.stdout.write(`${out}\n`);
  });
}
