// StorageError: every failure of a store, sorted once into a reason a caller can branch on, with a one-line
// message that names the location (bucket + endpoint, or folder) and never a credential.
import { EXIT, MovalyticsError, type ExitCode } from '../core/errors.js';

export const STORAGE_ERROR_REASONS = [
  /** The location string is not a folder, file: or s3:// URL, or it carries credentials. */
  'location',
  /** An object key that is not a relative, '/'-separated name. */
  'invalid-key',
  /** The object does not exist. */
  'not-found',
  /** The S3 bucket does not exist. */
  'no-bucket',
  /** Missing, unknown or wrong credentials, or no permission. */
  'credentials',
  /** The server is down, unreachable, too slow or failing (5xx): worth a retry. */
  'unavailable',
  /** A local file changed while it was being stored (its sha256 is not the expected one): run again. */
  'changed',
  /** The operation was aborted by the caller. */
  'aborted',
  /** Anything else the backend refused (disk full, permission on a folder, an unexpected S3 reply). */
  'failed',
] as const;
export type StorageErrorReason = (typeof STORAGE_ERROR_REASONS)[number];

/**
 * A store that cannot be opened or that refused an operation. Configuration mistakes exit 2, the environment
 * exits 1.
 */
export class StorageError extends MovalyticsError {
  readonly reason: StorageErrorReason;
  constructor(reason: StorageErrorReason, message: string, opts: { cause?: unknown } = {}) {
    const retryable = reason === 'unavailable' || reason === 'changed';
    const usage = reason === 'location' || reason === 'no-bucket' || reason === 'credentials';
    const exitCode: ExitCode = usage ? EXIT.usage : EXIT.taskFailed;
    super('storage', message, { retryable, exitCode, cause: opts.cause });
    this.reason = reason;
  }
}

/** True when `err` is a StorageError for a missing object. */
export function isNotFound(err: unknown): boolean {
  return err instanceof StorageError && err.reason === 'not-found';
}
