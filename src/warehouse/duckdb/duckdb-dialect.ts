// DuckDB's SQL: the Postgres family with DuckDB's native aggregates and casts where they are faster or needed.
import type { ColumnType } from '../warehouse.js';
import { PostgresFamilyDialect } from '../dialect.js';

export class DuckDbDialect extends PostgresFamilyDialect {
  /** DuckDB's row id. */
  override rowId(alias: string): string {
    return `${alias}.rowid`;
  }

  override deleteByRowIds(table: string, select: string): string {
    return `DELETE FROM ${table} WHERE rowid IN (${select})`;
  }

  /** DuckDB has no fillfactor: it rewrites the row groups an update touches. */
  override storageClause(_fillFactor: number | undefined): string {
    return '';
  }

  /** DuckDB keeps a table's statistics as it writes it; its ANALYZE would rescan the table for nothing. */
  override analyze(_table: string): string[] {
    return [];
  }

  /** DuckDB's ALTER TABLE takes one action per statement. */
  override setNotNull(table: string, columns: readonly string[]): string[] {
    return columns.map((c) => `ALTER TABLE ${table} ALTER COLUMN ${c} SET NOT NULL`);
  }

  /** Native arg_min over a tuple: one pass, several times faster than sorting an array per group. */
  override argMin(value: string, orderBy: readonly string[]): string {
    return `arg_min(${value}, ${orderBy.length === 1 ? orderBy[0]! : `(${orderBy.join(', ')})`})`;
  }

  /** Native arg_max, as argMin. */
  override argMax(value: string, orderBy: readonly string[]): string {
    return `arg_max(${value}, ${orderBy.length === 1 ? orderBy[0]! : `(${orderBy.join(', ')})`})`;
  }

  /** DuckDB has TRY_CAST, which also accepts any input type. */
  override safeCast(text: string, type: ColumnType): string {
    return `try_cast(${text} AS ${this.typeName(type)})`;
  }

  /** epoch() is native (a DOUBLE); the model stores whole seconds, so the cast is exact. */
  override epochSeconds(ts: string): string {
    return `CAST(epoch(${ts}) AS BIGINT)`;
  }

  /** Native integer microseconds: no DOUBLE round trip in the hot de-duplication path. */
  override epochMicros(ts: string): string {
    return `epoch_us(${ts})`;
  }

  /** DuckDB prints a whole DOUBLE as `4.0` where PostgreSQL prints `4`: the canonical form drops the `.0`. */
  override canonicalText(expr: string, type: ColumnType): string {
    return type === 'DOUBLE PRECISION'
      ? `regexp_replace(CAST(${expr} AS VARCHAR), '\\.0$', '')`
      : this.toText(expr);
  }

  /** to_timestamp gives TIMESTAMPTZ in DuckDB and AT TIME ZONE needs the ICU extension; make_timestamp is UTC. */
  override timestampFromEpochSeconds(seconds: string): string {
    return `make_timestamp(${seconds} * 1000000)`;
  }
}

export const duckDbDialect = new DuckDbDialect();
