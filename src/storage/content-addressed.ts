// Content-addressed raw files: the key is the file's sha256, so an unchanged input (a 700 MB ratings.csv) is
// never copied or uploaded twice — a stat is enough to know it is already there.
import { hashFile, localFileSize } from './local-file.js';
import type { PutFileOptions, Store } from './store.js';
import { StorageError } from './storage-errors.js';

const SHA256_RE = /^[0-9a-f]{64}$/;
/** The metadata field S3 objects carry their sha256 in (x-amz-meta-sha256). */
export const SHA256_METADATA = 'sha256';

export interface ContentAddressedResult {
  key: string;
  sha256: string;
  bytes: number;
  /** False when an object with the same size (and sha256 metadata, where the store keeps metadata) was there. */
  uploaded: boolean;
}

/** The key a file with this sha256 lives under. */
export function rawKey(sha256: string): string {
  if (!SHA256_RE.test(sha256))
    throw new StorageError('invalid-key', `sha256 ${JSON.stringify(sha256)} is not 64 lower-case hex digits`);
  return `raw/${sha256}`;
}

/**
 * Puts `file` under `raw/<sha256>` unless that object already exists with the same size (and, on a store that
 * keeps metadata, the same sha256 metadata). Pass `sha256` when the caller hashed the file already (staging
 * does, for the manifest); the bytes stored are checked against it, so a wrong sha256, or a file that changes
 * while it is staged, fails with reason 'changed' and stores nothing.
 */
export async function putContentAddressed(
  store: Store,
  file: string,
  opts: { sha256?: string; bytes?: number } & PutFileOptions = {},
): Promise<ContentAddressedResult> {
  // A given sha256 is not re-hashed here: putFile checks it on the way, so a wrong one stores nothing.
  const hashed = opts.sha256 === undefined ? await hashFile(file) : null;
  const sha256 = opts.sha256 ?? hashed!.sha256;
  const bytes = opts.bytes ?? hashed?.bytes ?? (await localFileSize(file));
  const key = rawKey(sha256);
  const existing = await store.stat(key);
  const sameSize = existing !== null && existing.bytes === bytes;
  // A folder keeps no metadata, but it only ever holds complete files (temp + rename) under their own hash.
  const sameHash = !store.capabilities.metadata || existing?.metadata?.[SHA256_METADATA] === sha256;
  if (sameSize && sameHash) return { key, sha256, bytes, uploaded: false };
  // sha256 makes the store check the bytes it writes: a file edited since it was hashed stores nothing.
  await store.putFile(key, file, {
    ...opts,
    sha256,
    metadata: { ...opts.metadata, [SHA256_METADATA]: sha256 },
  });
  return { key, sha256, bytes, uploaded: true };
}
