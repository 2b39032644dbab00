// Text tables fitted to a width: wrapping of text cells, numbers kept whole, money signs, width measured in code points.
import { describe, expect, it } from 'vitest';
import { displayWidth, formatMoney, renderTable, wrapParagraph, wrapWords, type Column } from './format.js';

interface Row {
  name: string;
  n: number;
  note: string;
}

const COLS: Column<Row>[] = [
  { header: 'name', value: (r) => r.name },
  { header: 'count', value: (r) => r.n },
  { header: 'note', value: (r) => r.note },
];
const LONG_NOTE =
  'every key was grouped when load.reduce built the table in this run; the 12,345 duplicated rows it collapsed re-checked against the published table before the swap';
const ROWS: Row[] = [
  { name: 'key_unique.rating', n: 26_024_289, note: LONG_NOTE },
  { name: 'row_count.movie', n: 45_466, note: 'short' },
  { name: 'a_long_check_name_kept_whole.for_sure', n: 1, note: '' },
];

const widest = (text: string): number => Math.max(...text.trimEnd().split('\n').map(displayWidth));

describe('renderTable', () => {
  it('leaves a table that fits exactly as before: one line per row', () => {
    const t = renderTable(ROWS.slice(1, 2), COLS, { width: 100 });
    expect(t).toBe(
      'name              count  note\n───────────────  ──────  ─────\nrow_count.movie  45,466  short\n',
    );
  });

  it.each([70, 80, 100, 120])('fits %i columns, wrapping text and never numbers', (width) => {
    const t = renderTable(ROWS, COLS, { width });
    expect(widest(t)).toBeLessThanOrEqual(width);
    expect(t).toContain('26,024,289');
    // Every word of the long note survives, in order.
    const noteWords = t
      .split('\n')
      .slice(2)
      .map((l) => l.slice(l.indexOf('26,024,289') >= 0 ? l.indexOf('26,024,289') + 12 : 0))
      .join(' ');
    expect(noteWords.replace(/\s+/g, ' ')).toContain('re-checked against the published table');
  });

  it('aligns continuation lines under their column and leaves other columns blank', () => {
    const t = renderTable(ROWS.slice(0, 1), COLS, { width: 70 }).trimEnd().split('\n');
    expect(t.length).toBeGreaterThan(3);
    const noteStart = t[0]!.indexOf('note');
    expect(t[2]!.slice(noteStart)).toMatch(/^every key/);
    for (const line of t.slice(3)) {
      expect(line.slice(0, noteStart).trim()).toBe('');
      expect(line[noteStart]).not.toBe(' ');
    }
  });

  it('counts the box-drawing rule as one column per character', () => {
    const t = renderTable(ROWS, COLS, { width: 80 });
    const rule = t.split('\n')[1]!;
    expect(rule).toMatch(/^[─ ]+$/);
    expect(displayWidth(rule)).toBeLessThanOrEqual(80);
    expect(rule.length).toBe(displayWidth(rule));
  });

  it('keeps numbers whole even when nothing else can shrink', () => {
    const cols: Column<{ a: number; b: number }>[] = [
      { header: 'a', value: (r) => r.a },
      { header: 'b', value: (r) => r.b },
    ];
    const t = renderTable([{ a: 123_456_789_012, b: 987_654_321_098 }], cols, { width: 10 });
    expect(t).toContain('123,456,789,012');
    expect(t).toContain('987,654,321,098');
  });
});

describe('wrapping helpers', () => {
  it('wrapWords breaks at spaces and cuts words longer than the width', () => {
    expect(wrapWords('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrapWords('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapWords('α β γ δ', 3)).toEqual(['α β', 'γ δ']);
  });

  it('wrapParagraph indents the first line and hangs the rest', () => {
    const p = wrapParagraph('one two three four five six', 12, '  ', '    ').split('\n');
    expect(p[0]).toBe('  one two');
    for (const l of p.slice(1)) expect(l.startsWith('    ')).toBe(true);
    for (const l of p) expect(displayWidth(l)).toBeLessThanOrEqual(12);
  });
});

describe('formatMoney', () => {
  it('puts the minus sign before the dollar sign', () => {
    expect(formatMoney(-16_049_189)).toBe('-$16,049,189');
    expect(formatMoney(16_049_189)).toBe('$16,049,189');
    expect(formatMoney(-0.4)).toBe('$0');
    expect(formatMoney(-1.5, 2)).toBe('-$1.50');
  });
});
