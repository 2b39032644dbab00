// digestFile: the line count and whether the line endings mix, read in one pass.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestFile } from './stage-files.js';

const dir = mkdtempSync(join(tmpdir(), 'movalytics-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function digestOf(text: string): Promise<{ dataLines: number; mixed: boolean }> {
  const f = join(dir, 'f.csv');
  writeFileSync(f, text);
  const d = await digestFile(f);
  return { dataLines: d.dataLines, mixed: d.mixedLineEndings === true };
}

describe('digestFile line endings', () => {
  it.each([
    ['CRLF only', 'a,b\r\n1,2\r\n3,4\r\n', { dataLines: 2, mixed: false }],
    ['LF only', 'a,b\n1,2\n3,4', { dataLines: 2, mixed: false }],
    ['one LF line in a CRLF file', 'a,b\r\n1,2\n3,4\r\n', { dataLines: 2, mixed: true }],
    ['one CRLF line in an LF file', 'a,b\n1,2\r\n3,4\n', { dataLines: 2, mixed: true }],
    ['a lone CR is not a line end', 'a,b\n1,\r2\n', { dataLines: 1, mixed: false }],
  ])('%s', async (_name, text, expected) => {
    expect(await digestOf(text)).toEqual(expected);
  });
});
