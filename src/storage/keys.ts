// Object keys: relative, '/'-separated names that mean the same thing in a folder and in a bucket. Checked
// before every operation so a key can never climb out of a staging folder or prefix.
import { StorageError } from './storage-errors.js';

/** Marks a file store's in-flight temp files; no key may contain it, so list() can skip them safely. */
export const TEMP_MARKER = '.movalytics-tmp-';
const MAX_KEY_BYTES = 1024 - 64; // S3 allows 1024 bytes; leave room for the store's prefix

/** Returns `key` when it is valid, else throws a StorageError saying what is wrong with it. */
export function validateKey(key: string): string {
  const bad = (why: string): never => {
    throw new StorageError('invalid-key', `storage key ${JSON.stringify(key)} is invalid: ${why}`);
  };
  if (typeof key !== 'string' || key.length === 0) bad('it is empty');
  if (key.startsWith('/')) bad("it is absolute (keys are relative names like 'raw/<sha256>')");
  if (key.includes('\\')) bad("it contains '\\' (use '/' between segments)");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) bad('it contains a control character');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) bad(`it is longer than ${MAX_KEY_BYTES} bytes`);
  for (const seg of key.split('/')) {
    if (seg === '') bad("it has an empty segment (leading, trailing or doubled '/')");
    if (seg === '.' || seg === '..') bad(`segment ${JSON.stringify(seg)} is not allowed`);
    if (seg.includes(TEMP_MARKER)) bad(`${JSON.stringify(TEMP_MARKER)} is reserved for temp files`);
  }
  return key;
}

/** A list() prefix: '' (everything), a folder ending in '/', or a key's beginning; the same rules as keys. */
export function validatePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  validateKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}
