// Text kept for a person to read (a quarantined record's raw line) with a bound on its size: any record can be
// quarantined, but a 40 MiB record stored whole broke the readers of the quarantine (DuckDB's JSON object limit) and
// helps no one. The cut keeps the start, and says how long the whole was and its sha256, so it can be found again.
import { createHash } from 'node:crypto';

/** Raw text longer than this (in UTF-8 bytes) is stored cut (64 KiB: a real record is a few KB at most). */
export const MAX_KEPT_TEXT_BYTES = 64 * 1024;

/** `text` as is when it fits `maxBytes`, else its first part and a note of the whole's length and sha256. */
export function boundText(text: string, maxBytes: number = MAX_KEPT_TEXT_BYTES): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  const sha = createHash('sha256').update(text, 'utf8').digest('hex');
  // Cut on a character boundary: decode the first maxBytes and drop a partial character at the end.
  const head = Buffer.from(text, 'utf8')
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${head} … [cut: the record is ${bytes.toLocaleString('en-US')} bytes, sha256 ${sha}]`;
}
