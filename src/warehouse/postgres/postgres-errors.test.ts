// Sorting PostgreSQL driver errors: transient vs permanent, SQLSTATE kept, one line, the warehouse named.
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../core/errors.js';
import { isDataError, isTransient, toWarehouseError } from './postgres-errors.js';
import { describePostgresUrl } from '../location.js';

const pgError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe('PostgreSQL errors', () => {
  it('retries serialization failures, deadlocks and lost connections, nothing else', () => {
    for (const code of ['40001', '40P01', '08006', '57P01', 'ECONNREFUSED', 'ECONNRESET'])
      expect(isTransient(pgError(code, 'x')), code).toBe(true);
    for (const code of ['42P01', '23505', '22P02', '28P01'])
      expect(isTransient(pgError(code, 'x')), code).toBe(false);
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
  });
  it('tells a data error in a COPY from the rest', () => {
    expect(isDataError(pgError('22P02', 'invalid input syntax for type integer: "x"'))).toBe(true);
    expect(isDataError(pgError('42P01', 'relation does not exist'))).toBe(false);
  });
  it('keeps the SQLSTATE and writes one line naming the warehouse and the statement', () => {
    const e = toWarehouseError(
      pgError('40P01', 'deadlock detected\nDETAIL: …'),
      'postgres://u@h:5432/db',
      'DELETE FROM x\nWHERE y',
    );
    expect(e.message).toBe(
      'warehouse postgres://u@h:5432/db: deadlock detected (SQLSTATE 40P01) while running DELETE FROM x',
    );
    expect(e.sqlState).toBe('40P01');
    expect(e.retryable).toBe(true);
  });
  it('makes a missing database or a refused login a usage error with the fix', () => {
    const db = toWarehouseError(
      pgError('3D000', 'database "nope" does not exist'),
      'postgres://u@h:5432/nope',
    );
    expect(db.message).toMatch(/cannot connect to warehouse .*SQLSTATE 3D000\): create the database/);
    expect(db.exitCode).toBe(EXIT.usage);
    const auth = toWarehouseError(
      pgError('28P01', 'password authentication failed for user "u"'),
      'postgres://u@h:5432/db',
    );
    expect(auth.exitCode).toBe(EXIT.usage);
  });
  it('prints a URL without its password', () => {
    expect(describePostgresUrl('postgres://etl:s3cret@db.example:6543/movies?sslmode=require')).toBe(
      'postgres://etl@db.example:6543/movies',
    );
  });
});
