// The error hierarchy and exit codes. A MovalyticsError is a user-facing problem with a one-line message;
// a bare Error reaching the CLI means a bug.

/** Exit codes, named in one place. */
export const EXIT = {
  ok: 0,
  taskFailed: 1,
  usage: 2,
  checkFailed: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const ERROR_CODES = ['usage', 'config', 'input', 'extract', 'warehouse', 'check', 'task'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Base of every error a user can cause or fix. `message` is one line: where, what, and the fix. */
export class MovalyticsError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly exitCode: ExitCode;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { retryable?: boolean; exitCode?: ExitCode; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.exitCode = opts.exitCode ?? EXIT.usage;
  }
}

/** Bad flags or arguments on the command line. */
export class UsageError extends MovalyticsError {
  constructor(message: string) {
    super('usage', message, { exitCode: EXIT.usage });
  }
}

/** A config file or setting that is missing or invalid. */
export class ConfigError extends MovalyticsError {
  constructor(message: string) {
    super('config', message, { exitCode: EXIT.usage });
  }
}

/** An input file that is missing, empty, of the wrong shape, or corrupt. */
export class InputError extends MovalyticsError {
  constructor(message: string, cause?: unknown) {
    super('input', message, { exitCode: EXIT.usage, cause });
  }
}

/** A warehouse that cannot be opened or that rejected a statement. `sqlState` when the driver gave one. */
export class WarehouseError extends MovalyticsError {
  readonly sqlState: string | undefined;
  constructor(
    message: string,
    opts: { retryable?: boolean; sqlState?: string; cause?: unknown; exitCode?: ExitCode } = {},
  ) {
    super('warehouse', message, {
      retryable: opts.retryable ?? false,
      exitCode: opts.exitCode ?? EXIT.taskFailed,
      cause: opts.cause,
    });
    this.sqlState = opts.sqlState;
  }
}

/** One or more data-quality checks of severity "error" failed. */
export class CheckFailedError extends MovalyticsError {
  constructor(message: string) {
    super('check', message, { exitCode: EXIT.checkFailed });
  }
}

/** A pipeline task failed for a reason that is not the user's input. */
export class TaskError extends MovalyticsError {
  constructor(message: string, cause?: unknown) {
    super('task', message, { exitCode: EXIT.taskFailed, cause });
  }
}

/** The message of anything thrown, for wrapping driver errors into one-line user messages. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
