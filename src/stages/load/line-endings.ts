// Mixed line endings: a hand-edited CRLF file with a few LF-only lines (or the reverse). DuckDB's CSV reader stops
// on one ("state machine reached an invalid state") unless strict_mode is off, which relaxes its other checks too;
// PostgreSQL's COPY refuses it and the lenient fallback read two lines as one record. The load reads such a file
// from a copy with every CRLF made LF instead: the same lines, so the same line numbers in quarantine.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StagedFile } from '../stage/stage-files.js';

const CR = 0x0d;
const LF = 0x0a;

/** CRLF → LF in a byte stream; a lone CR stays (it is not a line end). A CR that ends a chunk waits for the next. */
export class CrlfToLf extends Transform {
  private heldCr = false;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (chunk.length === 0) {
      done();
      return;
    }
    const parts: Buffer[] = [];
    let start = 0;
    if (this.heldCr) {
      this.heldCr = false;
      if (chunk[0] !== LF) parts.push(Buffer.of(CR));
    }
    for (let i = chunk.indexOf(CR); i !== -1; i = chunk.indexOf(CR, i + 1)) {
      if (i === chunk.length - 1) {
        parts.push(chunk.subarray(start, i));
        this.heldCr = true;
        start = chunk.length;
        break;
      }
      if (chunk[i + 1] === LF) {
        parts.push(chunk.subarray(start, i));
        start = i + 1;
      }
    }
    if (start < chunk.length) parts.push(chunk.subarray(start));
    done(null, Buffer.concat(parts));
  }
  override _flush(done: TransformCallback): void {
    done(null, this.heldCr ? Buffer.of(CR) : undefined);
  }
}

/**
 * Runs `load` on the staged copy of `file` — or, when stage.files found its line endings mixed, on a temporary copy
 * with LF line endings only, removed afterwards.
 */
export async function withUniformLineEndings<T>(
  file: StagedFile,
  load: (csvPath: string) => Promise<T>,
): Promise<T> {
  const staged = file.stagedPath;
  if (staged === null) throw new Error(`${file.name} is loaded but was not staged`);
  if (file.mixedLineEndings !== true) return load(staged);
  const dir = await mkdtemp(path.join(tmpdir(), 'movalytics-lf-'));
  try {
    const copy = path.join(dir, file.name);
    await pipeline(createReadStream(staged), new CrlfToLf(), createWriteStream(copy));
    return await load(copy);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
