// CrlfToLf: CRLF → LF wherever the stream cuts its chunks, a lone CR kept.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CrlfToLf } from './line-endings.js';

async function convert(chunks: readonly string[]): Promise<string> {
  const out: Buffer[] = [];
  const t = Readable.from(chunks.map((c) => Buffer.from(c, 'latin1'))).pipe(new CrlfToLf());
  for await (const b of t) out.push(b as Buffer);
  return Buffer.concat(out).toString('latin1');
}

describe('CrlfToLf', () => {
  const text = 'a,b\r\n1,2\n3,\r4\r\n\r\n5\r\r\n6\r';
  const expected = 'a,b\n1,2\n3,\r4\n\n5\r\n6\r';
  it('turns every CRLF into LF and keeps a lone CR, at every chunk cut', async () => {
    for (let i = 0; i <= text.length; i++)
      for (let j = i; j <= text.length; j++)
        expect(await convert([text.slice(0, i), text.slice(i, j), text.slice(j)])).toBe(expected);
  });
});
