// Local files written atomically: a temp name in the same folder, renamed into place when complete, so a reader
// (or the next run after a crash) sees the old file or the whole new one, never a part.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { TEMP_MARKER } from './keys.js';

/** A temp name next to `file`: same folder, so rename() is atomic; dot-prefixed and marked, so list() skips it. */
export function tempNameFor(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}${TEMP_MARKER}${randomBytes(6).toString('hex')}`,
  );
}

/** Writes `source` to `file` through a temp file; on any error the temp file is removed and `file` untouched. */
export async function writeStreamAtomically(
  file: string,
  source: NodeJS.ReadableStream,
  signal?: AbortSignal,
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempNameFor(file);
  try {
    await pipeline(source, createWriteStream(tmp, { flags: 'wx' }), signal ? { signal } : {});
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
