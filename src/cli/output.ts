// Rendering for the CLI: aligned text tables for humans, with thousands separators. Only the CLI writes to stdout.

export type Align = 'left' | 'right';
export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | bigint | null | undefined;
  align?: Align;
  /** Fraction digits for numbers (default: integers get 0, others 2). */
  digits?: number;
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

/** Renders rows as an aligned plain-text table (numbers right-aligned by default). */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) =>
    columns.map((c) => {
      const v = c.value(row);
      if (v === null || v === undefined) return '—';
      if (typeof v === 'number' || typeof v === 'bigint') return formatNumber(v, c.digits);
      return v;
    }),
  );
  const aligns = columns.map(
    (c, i) =>
      c.align ?? (rows.length > 0 && typeof columns[i]!.value(rows[0]!) === 'string' ? 'left' : 'right'),
  );
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const pad = (s: string, i: number): string =>
    aligns[i] === 'right' ? s.padStart(widths[i]!) : s.padEnd(widths[i]!);
  const lines = [
    columns.map((c, i) => pad(c.header, i)).join('  '),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...cells.map((r) => r.map((s, i) => pad(s, i)).join('  ')),
  ];
  return lines.map((l) => l.trimEnd()).join('\n') + '\n';
}
