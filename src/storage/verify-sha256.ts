// Checks that the bytes a store writes are the bytes their sha256 names: a file that changes while it is staged
// must fail the put, never land under raw/<sha256> with other bytes in it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { StorageError } from './storage-errors.js';

function changed(file: string, expected: string, actual: string): StorageError {
  return new StorageError(
    'changed',
    `${file} changed while it was being staged (sha256 ${actual}, expected ${expected}) — nothing was stored; run again`,
  );
}

/**
 * A pass-through that hashes what flows through it and, at the end, fails the stream when the hash is not
 * `expected` — before the consumer sees the end, so an upload reading it aborts instead of completing.
 */
export function verifyingStream(file: string, expected: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done: TransformCallback): void {
      const actual = hash.digest('hex');
      done(actual === expected ? null : changed(file, expected, actual));
    },
  });
}

/** Hashes `copy` (a finished temp file) and throws a 'changed' StorageError unless it is `expected`. */
export async function verifyFile(copy: string, source: string, expected: string): Promise<void> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(copy, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)
    hash.update(chunk);
  const actual = hash.digest('hex');
  if (actual !== expected) throw changed(source, expected, actual);
}
