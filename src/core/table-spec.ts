// A table described as data (drizzle's schema-as-data): columns, key, physical hints. Generic — it names no table of
// the model — so the warehouse seam takes these specs and every engine renders them in its own DDL.

export const COLUMN_TYPES = [
  'INTEGER',
  'BIGINT',
  'DOUBLE PRECISION',
  'VARCHAR',
  'DATE',
  'BOOLEAN',
  'TIMESTAMP',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** A column as a bulk load reads it: name and type. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
}

/** A column of a table: a ColumnSpec with its constraint and what it holds. */
export interface TableColumn extends ColumnSpec {
  readonly notNull?: boolean;
  /** What the column holds, for the docs (not rendered into DDL). */
  readonly comment?: string;
}

/** How a table's rows are spread over the slices of an MPP engine (Redshift); other engines ignore it. */
export type DistStyle =
  { style: 'ALL' } | { style: 'KEY'; key: string } | { style: 'EVEN' } | { style: 'AUTO' };

export interface TableSpec {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly TableColumn[];
  /** The columns that identify a row: the checks (NULL keys, uniqueness) and upserts use it. */
  readonly key: readonly string[];
  /** Whether the key is declared as PRIMARY KEY; false when the loader guarantees it and a check verifies it. */
  readonly declareKey: boolean;
  /** Physical design on an engine that has one (Redshift); ignored elsewhere. */
  readonly dist: DistStyle;
  readonly sortKey: readonly string[];
  /**
   * The percent of each page a bulk write fills (PostgreSQL's fillfactor), leaving room for later updates to rewrite
   * a row on its own page; unset = full pages. Engines without the notion ignore it.
   */
  readonly fillFactor?: number;
}

/** `schema.name`. */
export function qualifiedName(t: Pick<TableSpec, 'schema' | 'name'>): string {
  return `${t.schema}.${t.name}`;
}

/** CREATE TABLE IF NOT EXISTS in the SQL the Postgres family shares (DuckDB, PostgreSQL), no physical design. */
export function tableDdl(t: TableSpec): string {
  const cols = t.columns.map((c) => `  ${c.name} ${c.type}${c.notNull === true ? ' NOT NULL' : ''}`);
  if (t.declareKey) cols.push(`  PRIMARY KEY (${t.key.join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName(t)} (\n${cols.join(',\n')}\n)`;
}

/** The column specs of `t` named in `names` (all of them by default), in the table's order. */
export function columnSpecs(t: TableSpec, names?: readonly string[]): ColumnSpec[] {
  return t.columns
    .filter((c) => names === undefined || names.includes(c.name))
    .map((c) => ({ name: c.name, type: c.type }));
}
