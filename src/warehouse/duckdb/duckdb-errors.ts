// Sorts DuckDB driver errors, once, into user-facing WarehouseErrors: a held file lock, a corrupt file, or a SQL failure.
import { EXIT, WarehouseError, messageOf } from '../../core/errors.js';
import { WarehouseLockedError } from '../warehouse.js';
import { describeHolder } from './duckdb-lock.js';

/** Wraps a DuckDB error with a one-line message naming the warehouse file and, for a lock, the fix. */
export function toWarehouseError(err: unknown, path: string, sql?: string): WarehouseError {
  const msg = messageOf(err);
  if (/Could not set lock on file/i.test(msg)) {
    const pid = /PID (\d+)/.exec(msg)?.[1];
    const holder = describeHolder(path, pid === undefined ? null : Number(pid));
    return new WarehouseLockedError(
      `warehouse ${path} is locked by another process${holder ? ` (${holder})` : ''}: wait for it to finish (or pass --wait), or point --warehouse at another file`,
      holder,
      err,
    );
  }
  if (/not a valid DuckDB database file|Unable to open|IO Error/i.test(msg) && sql === undefined) {
    return new WarehouseError(`cannot open warehouse ${path}: ${firstLine(msg)}`, {
      cause: err,
      exitCode: EXIT.usage,
    });
  }
  const where = sql === undefined ? '' : ` while running ${firstLine(sql).slice(0, 80)}`;
  return new WarehouseError(`warehouse ${path}: ${firstLine(msg)}${where}`, { cause: err });
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
