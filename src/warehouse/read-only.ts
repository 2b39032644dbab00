// The read-only face of any engine: the engine itself refuses writes (DuckDB attaches READ_ONLY, a server session is
// read-only), and this view refuses the write paths by name before they reach it, with one clear message.
import { WarehouseError } from '../core/errors.js';
import type { Row, SqlValue, Warehouse } from './warehouse.js';

/** `inner` with bulk loads, load plans through S3, second sessions and the run lock refused (a WarehouseError naming them). */
export function readOnlyView(inner: Warehouse): Warehouse {
  const refuse = (what: string): Promise<never> =>
    Promise.reject(
      new WarehouseError(
        `warehouse ${inner.displayName} is open read-only: ${what} is not allowed (a bug: only the pipeline writes)`,
      ),
    );
  return {
    kind: inner.kind,
    capabilities: inner.capabilities,
    dialect: inner.dialect,
    displayName: inner.displayName,
    acquireRunLock: () => refuse('taking the run lock'),
    exec: (sql) => inner.exec(sql),
    query: <T extends Row = Row>(sql: string, params?: readonly SqlValue[]) => inner.query<T>(sql, params),
    transaction: (fn) => inner.transaction(fn),
    bulkLoadCsv: () => refuse('a bulk load'),
    bulkLoadNdjson: () => refuse('a bulk load'),
    ...(inner.s3Copy === undefined
      ? {}
      : {
          s3Copy: {
            auth: inner.s3Copy.auth,
            partBytes: inner.s3Copy.partBytes,
            upload: () => refuse('an upload of load files'),
            putManifest: () => refuse('an upload of a load manifest'),
            run: () => refuse('a load plan'),
          },
        }),
    openSession: () => refuse('a second session'),
    close: () => inner.close(),
  };
}
