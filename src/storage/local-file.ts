// The local files a store is given: their size and sha256, and the check that the bytes a store writes are the bytes
// their sha256 names (a file that changes while it is staged must fail the put, never land under raw/<sha256>).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { messageOf } from '../core/errors.js';
import { StorageError } from './storage-errors.js';

/** The size of a local file to be stored; a StorageError ('not-found' when it is missing) when it cannot be read. */
export async function localFileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new StorageError(
      missing ? 'not-found' : 'failed',
      `cannot read local file ${file}: ${messageOf(err)}`,
      {
        cause: err,
      },
    );
  }
}

/** The sha256 (hex) and size of a local file, streamed. */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

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
  const actual = (await hashFile(copy)).sha256;
  if (actual !== expected) throw changed(source, expected, actual);
}
