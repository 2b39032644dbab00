// The stand-in's reading of a staged file's lines, as Redshift's COPY of whole lines reads them: the header of each
// object skipped, records ended at LF only (a CR stays), bytes as they are, `\N` NULL, a delimiter byte refused.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LinesToCsvField, manifestEntries } from './redshift-copy-csv.js';

async function through(chunks: readonly string[]): Promise<string> {
  const out: Buffer[] = [];
  const t = Readable.from(chunks.map((c) => Buffer.from(c))).pipe(new LinesToCsvField('s3://b/raw/x'));
  for await (const b of t) out.push(b as Buffer);
  return Buffer.concat(out).toString('utf8');
}

describe('LinesToCsvField', () => {
  it('skips the header, keeps a CR before the LF, reads a last line without LF, across chunk ends', async () => {
    expect(await through(['userId,movieId\r\n1,2\r', '\n3,4\n5', ',6'])).toBe('"1,2\r"\n"3,4"\n"5,6"\n');
  });

  it('doubles quotes, keeps backslashes and empty lines, and reads \\N as NULL', async () => {
    expect(await through(['h\n"a",b\\c\n\n\\N\n'])).toBe('"""a"",b\\c"\n""\n\n');
  });

  it('refuses a line holding the delimiter (Redshift: extra columns)', async () => {
    await expect(through(['h\nx\u001fy\n'])).rejects.toThrow(/line 2: Extra column/);
  });

  it('lists a manifest’s object URLs, and names a malformed one', () => {
    expect(manifestEntries('{"entries":[{"url":"s3://b/raw/1","mandatory":true}]}', 'm')).toEqual([
      's3://b/raw/1',
    ]);
    expect(() => manifestEntries('{}', 's3://b/m')).toThrow(/s3:\/\/b\/m: a COPY manifest needs "entries"/);
  });
});
