// The report: one self-contained HTML page (or Markdown) of the four answers, quality checks and lineage.
export { buildReport, checkStatus } from './model.js';
export { renderReportHtml, escapeHtml, jsonForScript } from './html.js';
export { renderReportMarkdown } from './markdown.js';

export const REPORT_FORMATS = ['html', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
