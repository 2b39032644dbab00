// Sorting Redshift driver errors: the PostgreSQL sorting (same wire protocol, same SQLSTATEs), plus the fix for a
// failed COPY, which Redshift reports as an internal error pointing at its load-error tables.
import type { WarehouseError } from '../../core/errors.js';
import { toWarehouseError } from '../postgres/postgres-errors.js';

/** Wraps a driver error: one line naming the warehouse (never its password), with the fix where there is one. */
export function toRedshiftError(err: unknown, where: string, sql?: string): WarehouseError {
  const e = toWarehouseError(err, where, sql);
  if (/Check 'stl_load_errors'|sys_load_error_detail/i.test(e.message) && !/SELECT/.test(e.message))
    e.message = `${e.message} — SELECT line_number, colname, err_reason FROM sys_load_error_detail ORDER BY start_time DESC LIMIT 10 shows the records refused`;
  return e;
}
