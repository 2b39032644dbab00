// Renders a RunDiff for `movalytics diff`: aligned tables (fitted to the width), JSON (the API's shape), or Markdown.
import { unreachable } from '../core/unreachable.js';
import { formatNumber, markdownCell, renderTable, type Column } from '../core/format.js';
import type { FigureChange, FileDiff, RankMove, RunDiff, TableDiff } from './diff.js';

export const DIFF_FORMATS = ['table', 'json', 'markdown'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

type Cell = string | number | null;
interface Section {
  title: string;
  /** Sentences before the table. */
  notes: string[];
  headers: string[];
  /** Which columns are numbers (right-aligned). */
  numeric: boolean[];
  rows: Cell[][];
}

function short(sha: string | null): string | null {
  return sha === null ? null : sha.slice(0, 12);
}
function signed(n: number | null): string | null {
  if (n === null) return null;
  const s = formatNumber(n, Number.isInteger(n) ? 0 : 6);
  return n > 0 ? `+${s}` : s;
}
function leaf(v: FigureChange['a']): string {
  return v === null ? '—' : String(v);
}
function move(m: RankMove): string {
  if (m.rankA === null) return 'new';
  if (m.rankB === null) return 'left';
  if (m.move === 0) return '=';
  return m.move! > 0 ? `▲${m.move}` : `▼${-m.move!}`;
}
function arrow(a: string | number | null, b: string | number | null): string {
  const f = (x: string | number | null): string =>
    x === null ? '—' : typeof x === 'number' ? formatNumber(x, Number.isInteger(x) ? 0 : 4) : x;
  return a === b ? f(b) : `${f(a)} → ${f(b)}`;
}

function sections(d: RunDiff): Section[] {
  const out: Section[] = [];
  out.push({
    title: 'Input files',
    notes: [],
    headers: ['file', 'change', 'bytes', 'rows', 'sha256', 'loaded in run'],
    numeric: [false, false, false, false, false, false],
    rows: d.files.map((f: FileDiff) => [
      f.fileName,
      f.change,
      arrow(f.a?.bytes ?? null, f.b?.bytes ?? null),
      arrow(f.a?.rows ?? null, f.b?.rows ?? null),
      arrow(short(f.a?.sha256 ?? null), short(f.b?.sha256 ?? null)),
      arrow(f.a?.loadedInRun ?? null, f.b?.loadedInRun ?? null),
    ]),
  });
  if (d.tables.length > 0)
    out.push({
      title: 'Tables (rows after the publish)',
      notes: d.rowChangesNote === null ? [] : [d.rowChangesNote],
      headers: ['table', `run ${d.a.runId}`, `run ${d.b.runId}`, 'change', 'added', 'updated', 'deleted'],
      numeric: [false, true, true, true, true, true, true],
      rows: d.tables.map((t: TableDiff) => [
        t.table,
        t.a,
        t.b,
        signed(t.delta),
        t.added,
        t.updated,
        t.deleted,
      ]),
    });
  const ans = d.answers;
  if (ans === null) {
    out.push({
      title: 'Answers',
      notes: [d.answersNote ?? 'not recorded'],
      headers: [],
      numeric: [],
      rows: [],
    });
    return out;
  }
  const notes = ans.paramsEqual
    ? []
    : [
        `the runs answered with different parameters (${JSON.stringify(ans.paramsA)} → ${JSON.stringify(ans.paramsB)})`,
      ];
  const ranked = (title: string, rows: RankMove[], valueHeader: string, digits: number): Section => ({
    title,
    notes,
    headers: ['', 'rank', 'move', valueHeader],
    numeric: [false, false, false, false],
    rows: rows.map((m) => [
      m.label,
      arrow(m.rankA, m.rankB),
      move(m),
      arrow(
        m.valueA === null ? null : formatNumber(m.valueA, digits),
        m.valueB === null ? null : formatNumber(m.valueB, digits),
      ),
    ]),
  });
  out.push(ranked('Q1 top movies (weighted rating)', ans.q1, 'weighted rating', 4));
  out.push(ranked('Q2 genres by ratings', ans.q2, 'ratings', 0));
  const q3 = ans.q3;
  out.push({
    title: 'Q3 release month / quarter vs revenue (Kruskal–Wallis)',
    notes: [
      q3.verdictChanged ? `verdict: ${q3.verdictA} → ${q3.verdictB}` : `verdict unchanged: ${q3.verdictB}`,
    ],
    headers: ['test', 'H', 'p-value', 'significant'],
    numeric: [false, false, false, false],
    rows: (
      [
        ['month', q3.month],
        ['quarter', q3.quarter],
      ] as const
    ).map(([name, t]) => [
      name,
      arrow(t.hA, t.hB),
      arrow(t.pA, t.pB),
      arrow(String(t.significantA), String(t.significantB)),
    ]),
  });
  out.push(ranked('Q4 genres by real revenue', ans.q4, 'real revenue', 0));
  out.push({
    title: `Changed figures (${ans.figures.length})`,
    notes: ans.figures.length === 0 ? ['no figure changed'] : [],
    headers: ['figure', `run ${d.a.runId}`, `run ${d.b.runId}`, 'change'],
    numeric: [false, false, false, false],
    rows: ans.figures.map((f) => [f.path, leaf(f.a), leaf(f.b), f.delta === null ? null : signed(f.delta)]),
  });
  return out;
}

function title(d: RunDiff): string {
  const when = (r: RunDiff['a']): string =>
    `run ${r.runId} (${r.status}, ${r.finishedAt ?? r.startedAt ?? '—'})`;
  return `What changed: ${when(d.a)} → ${when(d.b)}`;
}

function renderTextSection(s: Section, width: number): string {
  const head = `${s.title}\n${s.notes.map((n) => `  ${n}\n`).join('')}`;
  if (s.headers.length === 0) return head;
  if (s.rows.length === 0) return `${head}  (none)\n`;
  const cols: Column<Cell[]>[] = s.headers.map((h, i) => ({
    header: h,
    value: (r) => r[i] ?? '—',
    align: s.numeric[i] ? 'right' : 'left',
  }));
  return `${head}${renderTable(s.rows, cols, { width })}`;
}

function renderMarkdownSection(s: Section): string {
  const head = `## ${s.title}\n\n${s.notes.map((n) => `${markdownCell(n)}\n\n`).join('')}`;
  if (s.headers.length === 0) return head;
  if (s.rows.length === 0) return `${head}(none)\n`;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |\n`;
  return (
    head +
    line(s.headers.map((h) => markdownCell(h))) +
    line(s.numeric.map((n) => (n ? '--:' : ':--'))) +
    s.rows.map((r) => line(r.map(markdownCell))).join('')
  );
}

/** The diff in a format; ends with a newline. */
export function renderDiff(d: RunDiff, format: DiffFormat, opts: { width?: number } = {}): string {
  switch (format) {
    case 'json':
      return JSON.stringify(d, null, 2) + '\n';
    case 'table':
      return `${title(d)}\n\n${sections(d)
        .map((s) => renderTextSection(s, opts.width ?? 100))
        .join('\n')}`;
    case 'markdown':
      return `# ${markdownCell(title(d))}\n\n${sections(d).map(renderMarkdownSection).join('\n')}`;
    default:
      return unreachable(format, 'format');
  }
}
