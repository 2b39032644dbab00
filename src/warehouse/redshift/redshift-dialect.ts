// Redshift's SQL: the Postgres family minus what Redshift lacks, each override with its reason. Pure text, no I/O.
// The physical design, COPY and MERGE text are in redshift-sql.ts; the load plan is the load stage's.
import { PostgresFamilyDialect, type UpsertSpec, type UpsertStrategy } from '../dialect.js';
import type { ColumnType } from '../warehouse.js';
import { REDSHIFT_MAX_VARCHAR, metaTableSql, plainMerge } from './redshift-sql.js';

/** A plain (optionally schema-qualified) table name: what Redshift's MERGE accepts as its source. */
const PLAIN_TABLE = /^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$/;

export class RedshiftDialect extends PostgresFamilyDialect {
  /** PERCENTILE_CONT, MEDIAN and LISTAGG calls in one statement must share one ORDER BY on Redshift. */
  override readonly sortAggregatesShareOrder: boolean = true;

  /** A bare VARCHAR is VARCHAR(256) on Redshift (bytes): staging text takes the widest instead. */
  override typeName(type: ColumnType): string {
    return type === 'VARCHAR' ? `VARCHAR(${REDSHIFT_MAX_VARCHAR})` : type;
  }

  /** A bare VARCHAR is VARCHAR(256) on Redshift: metadata text columns take the widest (the tables are tiny). */
  override tableDdl(ddl: string): string {
    return metaTableSql(ddl);
  }

  /**
   * Redshift has no ON CONFLICT, and its MERGE takes no target alias and no subquery or CTE as source: a source that
   * is not a plain table is materialised into a staging table first, then merged plainly.
   */
  override upsert(spec: UpsertSpec, strategy: UpsertStrategy): string[] {
    if (strategy !== 'merge') return super.upsert(spec, strategy);
    if (PLAIN_TABLE.test(spec.source)) return [plainMerge(spec.target, spec.source, spec.columns, spec.key)];
    const src = `staging.${spec.target.replace(/\W/g, '_')}__src`;
    return [
      `DROP TABLE IF EXISTS ${src}`,
      `CREATE TABLE ${src} AS SELECT ${spec.columns.join(', ')} FROM ${spec.source} s`,
      plainMerge(spec.target, src, spec.columns, spec.key),
      `DROP TABLE ${src}`,
    ];
  }

  /** Redshift has no row id a statement can use; its loads go through the load plan's MERGE (stages/load/redshift-plan.ts). */
  override rowId(alias: string): string {
    throw new Error(`Redshift has no row id (${alias}): its loads merge by key`);
  }

  override deleteByRowIds(table: string, select: string): string {
    throw new Error(`Redshift has no row id (${table}, ${select}): its loads merge by key`);
  }

  /** Redshift has no fillfactor: its blocks are immutable, an update writes new ones. */
  override storageClause(_fillFactor: number | undefined): string {
    return '';
  }

  /** Redshift analyzes new tables itself (automatic analyze); its plans here do not wait for it. */
  override analyze(_table: string): string[] {
    return [];
  }

  /** Redshift cannot add NOT NULL to an existing column: its tables are created with their DDL (the load plan, stages/load/redshift-plan.ts). */
  override setNotNull(table: string, columns: readonly string[]): string[] {
    throw new Error(
      `Redshift cannot ALTER COLUMN … SET NOT NULL (${table}: ${columns.join(', ')}): create the table from its DDL instead`,
    );
  }

  /** No FILTER clause on Redshift aggregates: a CASE inside the aggregate says the same. */
  override filteredAgg(
    agg: 'sum' | 'count' | 'min' | 'max' | 'avg',
    expr: string,
    condition: string,
  ): string {
    return `${agg}(CASE WHEN ${condition} THEN ${expr === '*' ? '1' : expr} END)`;
  }

  /** No to_timestamp(number) on Redshift: the epoch plus an interval, which is UTC and zone-less on both. */
  override timestampFromEpochSeconds(seconds: string): string {
    return `(TIMESTAMP 'epoch' + ${seconds} * INTERVAL '1 second')`;
  }
}

export const redshiftDialect = new RedshiftDialect();
