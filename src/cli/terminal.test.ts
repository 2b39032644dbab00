// The CLI's terminal: the width tables are fitted to, and when live progress is drawn.
import { describe, expect, it } from 'vitest';
import { progressMode } from './progress.js';
import { terminalWidth } from './terminal.js';

describe('terminalWidth', () => {
  it('uses the terminal columns on a TTY, else COLUMNS, else 100', () => {
    const saved = process.env.COLUMNS;
    try {
      delete process.env.COLUMNS;
      expect(terminalWidth({ isTTY: true, columns: 132 })).toBe(132);
      expect(terminalWidth({ isTTY: false })).toBe(100);
      process.env.COLUMNS = '80';
      expect(terminalWidth({ isTTY: false })).toBe(80);
      process.env.COLUMNS = 'wide';
      expect(terminalWidth({})).toBe(100);
    } finally {
      if (saved === undefined) delete process.env.COLUMNS;
      else process.env.COLUMNS = saved;
    }
  });
});

describe('progressMode', () => {
  it('draws the task list only on a sized, interactive, non-CI terminal', () => {
    const tty = { isTTY: true, columns: 120 };
    expect(progressMode(false, tty, {})).toBe('tty');
    expect(progressMode(true, tty, {})).toBe('json');
    expect(progressMode(false, tty, { CI: 'true' })).toBe('plain');
    expect(progressMode(false, tty, { TERM: 'dumb' })).toBe('plain');
    expect(progressMode(false, { isTTY: true, columns: 0 }, {})).toBe('plain');
    expect(progressMode(false, { isTTY: false, columns: 120 }, {})).toBe('plain');
  });
});
