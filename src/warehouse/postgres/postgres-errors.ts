// Sorts PostgreSQL driver errors, once, into WarehouseErrors: transient (retry with backoff) or permanent, with the
// SQLSTATE kept and a one-line message naming the warehouse (never its password).
import { EXIT, WarehouseError, messageOf } from '../../core/errors.js';

/** SQLSTATEs worth retrying: serialization failure, deadlock, connection failures, server shutting down, too busy. */
const TRANSIENT_SQLSTATES = new Set([
  '40001',
  '40P01',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
/** Socket errors of a lost or refused connection (Node's codes, not SQLSTATEs). */
const TRANSIENT_SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

interface DriverError {
  code?: unknown;
  message?: unknown;
}

/** The SQLSTATE of a server error (five characters), or undefined for a socket or client error. */
export function sqlStateOf(err: unknown): string | undefined {
  const code = (err as DriverError | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Whether retrying the same work later may succeed. */
export function isTransient(err: unknown): boolean {
  const code = (err as DriverError | null)?.code;
  if (typeof code !== 'string') return /Connection terminated|connection (is )?closed/i.test(messageOf(err));
  return TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SOCKET.has(code);
}

/** Whether a COPY failed on the data (a value of the wrong type, a wrong field count), not the connection. */
export function isDataError(err: unknown): boolean {
  return sqlStateOf(err)?.startsWith('22') ?? false;
}

/** Wraps a driver error: `warehouse <where>: <first line> (SQLSTATE x)`, with the fix where there is an obvious one. */
export function toWarehouseError(err: unknown, where: string, sql?: string): WarehouseError {
  if (err instanceof WarehouseError) return err;
  const msg = firstLine(messageOf(err));
  const sqlState = sqlStateOf(err);
  const retryable = isTransient(err);
  const state = sqlState ? ` (SQLSTATE ${sqlState})` : '';
  if (sql === undefined) {
    const fix =
      sqlState === '3D000'
        ? ': create the database, or point --warehouse at another one'
        : sqlState?.startsWith('28')
          ? ': check the user and password (PGPASSWORD or ~/.pgpass)'
          : retryable
            ? ': is PostgreSQL running and reachable?'
            : '';
    return new WarehouseError(`cannot connect to warehouse ${where}: ${msg}${state}${fix}`, {
      cause: err,
      retryable,
      sqlState,
      exitCode: sqlState === '3D000' || sqlState?.startsWith('28') ? EXIT.usage : EXIT.taskFailed,
    });
  }
  return new WarehouseError(
    `warehouse ${where}: ${msg}${state} while running ${firstLine(sql).slice(0, 80)}`,
    {
      cause: err,
      retryable,
      sqlState,
    },
  );
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').trim();
}
