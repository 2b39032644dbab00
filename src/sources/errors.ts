// ExtractError: a source that could not be fetched (error code 'extract').
import { EXIT, MovalyticsError, type ExitCode } from '../core/errors.js';

/**
 * A download or conversion that failed. `retryable` is true for what may pass on a later attempt (network,
 * 429/5xx after the retries ran out, a corrupt transfer); credentials, names and bad content are final (exit 2).
 */
export class ExtractError extends MovalyticsError {
  /** The HTTP status that ended the attempt, when there was one. */
  readonly status: number | undefined;
  constructor(
    message: string,
    opts: { retryable?: boolean; exitCode?: ExitCode; status?: number; cause?: unknown } = {},
  ) {
    const retryable = opts.retryable ?? false;
    super('extract', message, {
      retryable,
      exitCode: opts.exitCode ?? (retryable ? EXIT.taskFailed : EXIT.usage),
      cause: opts.cause,
    });
    this.status = opts.status;
  }
}
