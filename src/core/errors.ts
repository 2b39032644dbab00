// The error hierarchy and exit codes. A MovalyticsError is a user-facing problem with a one-line message;
// a bare Error reaching the CLI means a bug.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Exit codes, named in one place. */
export const EXIT = {
  ok: 0,
  taskFailed: 1,
  usage: 2,
  checkFailed: 3,
  /** Stopped by SIGINT/SIGTERM before it finished (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const ERROR_CODES = [
  'usage',
  'config',
  'input',
  'extract',
  'storage',
  'warehouse',
  'check',
  'task',
  'environment',
] as const;
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
  constructor(message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super('task', message, { exitCode: EXIT.taskFailed, ...opts });
  }
}

/** The machine, not the input: a full disk, a read-only or unwritable staging folder, a file-size limit. Exit 1. */
export class EnvironmentError extends MovalyticsError {
  constructor(message: string, cause?: unknown) {
    super('environment', message, { exitCode: EXIT.taskFailed, cause });
  }
}

/** File-system error codes a user or their machine causes; anything else from the file system is a bug. */
export const USER_FS_CODES = [
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'EFBIG',
  'ENOTDIR',
  'EISDIR',
] as const;
export type UserFsCode = (typeof USER_FS_CODES)[number];

/**
 * The code a recursive mkdir should have reported. Node 20's recursive mkdir says ENOENT where the real cause is a
 * read-only or unwritable parent (EROFS, EACCES) or a parent that is a file (ENOTDIR); the nearest existing
 * ancestor tells which. Null when it does not explain the ENOENT.
 */
function mkdirCause(target: string): UserFsCode | null {
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      if (path.dirname(dir) === dir) return null;
      continue;
    }
    if (!isDir) return 'ENOTDIR';
    try {
      accessSync(dir, constants.W_OK);
      return null;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return (USER_FS_CODES as readonly string[]).includes(code ?? '') ? (code as UserFsCode) : null;
    }
  }
}

/** The `code` of a Node file-system error when it is one of USER_FS_CODES, else null. */
export function userFsCode(err: unknown): UserFsCode | null {
  const e = err as NodeJS.ErrnoException | null;
  if (e?.code === 'ENOENT' && e.syscall === 'mkdir' && typeof e.path === 'string') return mkdirCause(e.path);
  const code = e?.code;
  return typeof code === 'string' && (USER_FS_CODES as readonly string[]).includes(code)
    ? (code as UserFsCode)
    : null;
}

export interface FsErrorContext {
  /** What was being done, as a verb phrase: "write the staging file", "read the input". */
  action: string;
  /** The path the action was on (the error's own path wins when it names a deeper one). */
  path?: string;
  /**
   * Whose path it is. 'input' and 'config' are paths the user gave to read: a wrong one is their mistake (exit 2).
   * 'staging' and 'output' are places we write: a full or read-only disk there is the environment (exit 1).
   */
  role: 'input' | 'config' | 'staging' | 'output';
  /** The flag that sets the path, for the fix: "--staging". */
  flag?: string;
}

/**
 * Sorts a file-system error into a one-line user error, or returns it unchanged when it is not one a user causes.
 * ENOTDIR/EISDIR (a path of the wrong kind) are usage mistakes: exit 2. A full disk or a file-size limit is the
 * environment: exit 1. Permission and read-only errors are the user's on a path they gave us to read (exit 2), the
 * environment's on a place we write (exit 1).
 */
export function fromFsError(err: unknown, ctx: FsErrorContext): unknown {
  const code = userFsCode(err);
  if (code === null) return err;
  const errno = err as NodeJS.ErrnoException & { dest?: string };
  // A failed copy names its source in `path`; a full or read-only disk is the destination's.
  const writeSide = code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' || code === 'EROFS';
  const where =
    (errno.syscall === 'copyfile' && writeSide ? errno.dest : errno.path) ?? ctx.path ?? '(unknown path)';
  const other = ctx.flag ? `point ${ctx.flag} at another` : 'use another';
  const writing = ctx.role === 'staging' || ctx.role === 'output';
  let what: string;
  let fix: string;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      what = 'the disk is full (or the quota is used up)';
      fix = `free space on it, or ${other} folder on a larger disk`;
      break;
    case 'EFBIG':
      what = 'the file is larger than this file system or the process file-size limit (ulimit -f) allows';
      fix = `raise the limit, or ${other} folder on a file system that takes large files`;
      break;
    case 'EROFS':
      what = 'the file system is read-only';
      fix = writing ? `${other} folder on a writable disk` : 'mount it read-write';
      break;
    case 'EACCES':
    case 'EPERM':
      what = 'permission denied';
      fix = writing
        ? `give this user write access to it, or ${other} folder`
        : `give this user read access to it, or ${other} path`;
      break;
    case 'ENOTDIR':
      what = 'a part of the path is a file where a folder is expected';
      fix = `${ctx.flag ? `point ${ctx.flag}` : 'point it'} at a folder`;
      break;
    case 'EISDIR':
      what = 'it is a folder where a file is expected';
      fix = `${ctx.flag ? `point ${ctx.flag}` : 'point it'} at a file`;
      break;
  }
  const message = `cannot ${ctx.action} ${where}: ${what} (${code}) — ${fix}`;
  const usage =
    code === 'ENOTDIR' ||
    code === 'EISDIR' ||
    (!writing && code !== 'ENOSPC' && code !== 'EDQUOT' && code !== 'EFBIG');
  if (!usage) return new EnvironmentError(message, err);
  return ctx.role === 'config' ? new ConfigError(message) : new InputError(message, err);
}

/** The message of anything thrown, for wrapping driver errors into one-line user messages. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
