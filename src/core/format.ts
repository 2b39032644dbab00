// Pure text formatting shared by every app (CLI, report, serve, diff): numbers and money with thousands separators,
// word wrapping, and aligned text tables fitted to a given width (long text cells wrap inside their column; numbers
// never wrap). No I/O: the CLI decides the width (cli/terminal.ts) and writes the result.

export type Align = 'left' | 'right';
export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | bigint | null | undefined;
  align?: Align;
}

/** Table width when none is given (and when stdout is not a terminal: a pipe, a file, CI logs). */
export const DEFAULT_WIDTH = 100;
/** Narrowest a wrapped text column gets, so a squeezed table still reads as words. */
const MIN_WRAP_WIDTH = 8;
const GAP = '  ';

/** Display width in columns: code points (the table characters and the text here are all single-width). */
export function displayWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const nf = new Map<number, Intl.NumberFormat>();
/** Formats a number with thousands separators and a fixed number of fraction digits. */
export function formatNumber(n: number | bigint, digits?: number): string {
  if (typeof n === 'bigint') return n.toLocaleString('en-US');
  if (!Number.isFinite(n)) return String(n);
  const d = digits ?? (Number.isInteger(n) ? 0 : 2);
  let f = nf.get(d);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
    nf.set(d, f);
  }
  return f.format(n);
}

/** Bytes in the largest unit of `units` that keeps the number ≥ 1, steps of 1024: 1536 → "1.5 KiB". */
export function formatBytes(
  n: number,
  units: readonly string[] = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'],
): string {
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} ${units[0]}` : `${v.toFixed(1)} ${units[i]}`;
}

/** Money: `$1,234`, and `-$16,049,189` for a negative amount (the sign before the dollar sign). */
export function formatMoney(n: number, digits = 0): string {
  const abs = formatNumber(Math.abs(n), digits);
  // A tiny negative that rounds to zero prints without a sign.
  return n < 0 && /[1-9]/.test(abs) ? `-$${abs}` : `$${abs}`;
}

/** Splits `text` into lines of at most `width` columns at spaces; a word longer than the width is cut. */
export function wrapWords(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ').filter((x) => x !== '')) {
      let rest = word;
      while (displayWidth(rest) > w) {
        if (line !== '') {
          lines.push(line);
          line = '';
        }
        const cps = [...rest];
        lines.push(cps.slice(0, w).join(''));
        rest = cps.slice(w).join('');
      }
      if (rest === '') continue;
      if (line === '') line = rest;
      else if (displayWidth(line) + 1 + displayWidth(rest) <= w) line += ` ${rest}`;
      else {
        lines.push(line);
        line = rest;
      }
    }
    lines.push(line);
  }
  return lines;
}

/** A Markdown table cell: null as a dash, numbers with separators, pipes escaped and line breaks flattened. */
export function markdownCell(v: string | number | null): string {
  return (v === null ? '—' : typeof v === 'number' ? formatNumber(v) : v)
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}

/** A paragraph wrapped to `width` with `indent` on the first line and `hang` on the continuation lines. */
export function wrapParagraph(text: string, width: number, indent = '', hang = indent): string {
  const first = wrapWords(text, width - displayWidth(indent));
  const head = first[0] ?? '';
  const tail = first.slice(1).join(' ');
  const more = tail === '' ? [] : wrapWords(tail, width - displayWidth(hang));
  return [indent + head, ...more.map((l) => hang + l)].join('\n');
}

const padEnd = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - displayWidth(s)));
const padStart = (s: string, w: number): string => ' '.repeat(Math.max(0, w - displayWidth(s))) + s;

/**
 * Column widths that fit `budget`: columns that may not wrap keep their natural width; the rest share what is
 * left, narrow ones first keeping their natural width (water-filling), never below MIN_WRAP_WIDTH or the header.
 */
function fitWidths(natural: number[], headers: number[], wraps: boolean[], budget: number): number[] {
  const gaps = GAP.length * Math.max(0, natural.length - 1);
  const total = natural.reduce((a, w) => a + w, 0) + gaps;
  if (total <= budget) return natural;
  const fixed = natural.reduce((a, w, i) => a + (wraps[i] ? 0 : w), 0);
  let left = budget - fixed - gaps;
  const widths = [...natural];
  const order = natural
    .map((w, i) => ({ w, i }))
    .filter((c) => wraps[c.i])
    .sort((a, b) => a.w - b.w);
  let remaining = order.length;
  for (const { w, i } of order) {
    const floor = Math.min(w, Math.max(MIN_WRAP_WIDTH, headers[i]!));
    const share = Math.floor(left / remaining);
    const given = Math.max(floor, Math.min(w, share));
    widths[i] = given;
    left -= given;
    remaining--;
  }
  return widths;
}

/**
 * Renders rows as an aligned plain-text table (numbers right-aligned by default) no wider than `width` columns:
 * long text cells word-wrap within their column, continuation lines aligned under it. When the columns that may not
 * wrap (numbers) are too wide together, the table is split into parts stacked one under the other, each repeating
 * the first column as the row key; only a single number wider than the width can overflow.
 */
export function renderTable<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  opts: { width?: number } = {},
): string {
  const width = opts.width ?? DEFAULT_WIDTH;
  const parts = splitColumns(rows, columns, width);
  return parts.map((cols) => renderFitted(rows, cols, width)).join('\n');
}

/** Groups of columns that each fit `width` at their narrowest, every group after the first led by column 0. */
function splitColumns<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  width: number,
): Column<Row>[][] {
  const { natural, headers, wraps } = measure(rows, columns);
  const narrowest = natural.map((w, i) =>
    wraps[i] ? Math.min(w, Math.max(MIN_WRAP_WIDTH, headers[i]!)) : w,
  );
  const need = (idx: number[]): number =>
    idx.reduce((a, i) => a + narrowest[i]!, 0) + GAP.length * Math.max(0, idx.length - 1);
  if (columns.length <= 2 || need(columns.map((_, i) => i)) <= width) return [[...columns]];
  const groups: number[][] = [[0]];
  for (let i = 1; i < columns.length; i++) {
    const current = groups[groups.length - 1]!;
    if (current.length > 1 && need([...current, i]) > width) groups.push([0, i]);
    else current.push(i);
  }
  return groups.map((g) => g.map((i) => columns[i]!));
}

function cellTexts<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string[][] {
  return rows.map((row) =>
    columns.map((c) => {
      const v = c.value(row);
      if (v === null || v === undefined) return '—';
      if (typeof v === 'number' || typeof v === 'bigint') return formatNumber(v);
      return v;
    }),
  );
}

function measure<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
): { cells: string[][]; aligns: Align[]; wraps: boolean[]; headers: number[]; natural: number[] } {
  const cells = cellTexts(rows, columns);
  const aligns = columns.map(
    (c, i): Align =>
      c.align ?? (rows.length > 0 && typeof columns[i]!.value(rows[0]!) === 'string' ? 'left' : 'right'),
  );
  // Left-aligned text may wrap, except the first column: the row's key (a file or check name) stays whole.
  const wraps = columns.map((_, i) => i > 0 && aligns[i] === 'left');
  const headers = columns.map((c) => displayWidth(c.header));
  const natural = columns.map((_, i) =>
    Math.max(headers[i]!, ...cells.map((r) => Math.max(...r[i]!.split('\n').map(displayWidth)))),
  );
  return { cells, aligns, wraps, headers, natural };
}

/** One table, its text columns wrapped to fit `width` as far as they can. */
function renderFitted<Row>(rows: readonly Row[], columns: readonly Column<Row>[], width: number): string {
  const { cells, aligns, wraps, headers, natural } = measure(rows, columns);
  const widths = fitWidths(natural, headers, wraps, width);
  const pad = (s: string, i: number): string =>
    aligns[i] === 'right' ? padStart(s, widths[i]!) : padEnd(s, widths[i]!);
  /** One logical row as one or more physical lines. */
  const block = (texts: readonly string[]): string[] => {
    const parts = texts.map((s, i) =>
      wraps[i] && displayWidth(s) > widths[i]! ? wrapWords(s, widths[i]!) : s.split('\n'),
    );
    const height = Math.max(...parts.map((p) => p.length));
    return Array.from({ length: height }, (_, k) => parts.map((p, i) => pad(p[k] ?? '', i)).join(GAP));
  };
  const lines = [
    ...block(columns.map((c) => c.header)),
    widths.map((w) => '─'.repeat(w)).join(GAP),
    ...cells.flatMap((r) => block(r)),
  ];
  return lines.map((l) => l.trimEnd()).join('\n') + '\n';
}
