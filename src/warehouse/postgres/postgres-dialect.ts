// PostgreSQL's SQL: the Postgres-family base as written (the base is PostgreSQL 15's dialect; others override it).
import { PostgresFamilyDialect } from '../dialect.js';

export class PostgresDialect extends PostgresFamilyDialect {
  /**
   * A btree on the key: an incremental merge finds the stored versions of its 260k keys by index in ~3 s instead of a
   * hash join over every row of the 26M-row table (~13-16 s at full scale), and the scoped key_unique check likewise. Unnamed: the
   * server names it, so building it on a shadow table never collides with the index of the table it replaces.
   */
  override keyIndex(table: string, columns: readonly string[]): string[] {
    return [`CREATE INDEX ON ${table} (${columns.join(', ')})`];
  }
}

export const postgresDialect = new PostgresDialect();
