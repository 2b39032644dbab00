// Renders the report model as Markdown: the answers (renderAnswers' markdown, headings moved one level down), then
// the quality checks and the lineage of the latest run as pipe tables. No charts.
import { markdownCell } from '../core/format.js';
import { renderAnswers } from '../stages/answers/index.js';
import type { ReportModel } from './model.js';

/** A Markdown table cell, an empty one shown as a dash too. */
function cell(v: string | number | null | undefined): string {
  return markdownCell(v === undefined || v === '' ? null : v);
}

function mdTable(headers: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const lines = [`| ${headers.map(cell).join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`];
  if (rows.length === 0) lines.push(`| ${headers.map((_, i) => (i === 0 ? 'none' : '')).join(' | ')} |`);
  for (const r of rows) lines.push(`| ${r.map(cell).join(' | ')} |`);
  return lines.join('\n') + '\n';
}

/** The whole report as Markdown. Output ends with a newline. */
export function renderReportMarkdown(model: ReportModel): string {
  // renderAnswers emits headings only at line starts (titles are flattened into cells), so demoting is safe.
  const answers = renderAnswers(model.answers, 'markdown').replace(/^(#+) /gm, '#$1 ');
  const out = [`# Movalytics report\n\nGenerated ${model.generatedAt}.\n`, answers];
  const r = model.run;
  if (r === null) {
    out.push('## Quality checks\n\nNo run is recorded in this warehouse.\n');
    return out.join('\n');
  }
  const count = (s: string): number => model.checks.filter((c) => c.status === s).length;
  out.push(
    `## Quality checks (run ${r.runId})\n\n${count('pass')} pass, ${count('FAIL')} FAIL, ${count('WARN')} WARN.\n\n` +
      mdTable(
        ['Check', 'Severity', 'Result', 'Observed', 'Expected', 'Carried from run'],
        model.checks.map((c) => [c.name, c.severity, c.status, c.observed, c.expected, c.carriedFromRun]),
      ),
  );
  const ar = model.answers.run;
  const notice =
    ar !== null && ar.runId === r.runId
      ? ''
      : `> The answers reflect ${ar === null ? 'no successful run' : `run ${ar.runId}, the latest successful run`}; run ${r.runId} ended with status ${cell(r.status)}.\n\n`;
  out.push(
    `## Data lineage (run ${r.runId})\n\n${notice}` +
      [
        `- Status: ${cell(r.status)}`,
        `- Started: ${cell(r.startedAt)}`,
        `- Finished: ${cell(r.finishedAt)}`,
        `- Input: ${cell(r.input)}`,
        ...(r.message === null ? [] : [`- Message: ${cell(r.message)}`]),
      ].join('\n') +
      '\n\n### Input files\n\n' +
      mdTable(
        ['File', 'Role', 'Action', 'Bytes', 'Lines', 'SHA-256', 'Note'],
        model.files.map((f) => [f.fileName, f.role, f.action, f.bytes, f.dataLines, f.sha256, f.note]),
      ) +
      '\n### Reconciliation\n\n' +
      mdTable(
        ['File', 'Records read', 'Rows loaded', 'Quarantined', 'Duplicates collapsed', 'Records merged'],
        model.reconciliation.map((x) => [
          x.fileName,
          x.recordsRead,
          x.rowsLoaded,
          x.rowsQuarantined,
          x.duplicatesCollapsed,
          x.recordsMerged,
        ]),
      ),
  );
  return out.join('\n');
}
