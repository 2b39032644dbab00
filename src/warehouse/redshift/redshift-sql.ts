// Redshift's load SQL for any table, as pure text: physical DDL from a generic table spec (DISTSTYLE, DISTKEY,
// SORTKEY, VARCHARs sized in bytes), COPY from an S3 manifest, a plain MERGE, content-addressed load objects. It names
// no table of the model: the load plan that uses it is the load stage's (stages/load/redshift-plan.ts).
// docs/redshift.md explains every choice.
import { unreachable } from '../../core/unreachable.js';
import { createHash } from 'node:crypto';
import { ConfigError } from '../../core/errors.js';
import { IAM_ROLE_RE } from '../location.js';
import type { CopyAuth, CopyTable, LoadObject, VarcharBytes } from '../s3-copy.js';
import { quoteLiteral, type DistStyle, type TableSpec } from '../warehouse.js';

/** Redshift's widest VARCHAR, in bytes. */
export const REDSHIFT_MAX_VARCHAR = 65535;

/** Names Redshift's grammar (and the parse gate) will not take bare: type names such as "date". */
const QUOTED_NAMES = new Set(['date']);
/** A column or table name as Redshift takes it: reserved names quoted. */
export function rsIdent(name: string): string {
  return QUOTED_NAMES.has(name) ? `"${name}"` : name;
}

/** A table spec as Redshift declares it: reserved names quoted, the key declared only when the spec declares it. */
export function copyTable(t: TableSpec): CopyTable {
  return {
    name: `${t.schema}.${rsIdent(t.name)}`,
    columns: t.columns.map((c) => ({ name: rsIdent(c.name), type: c.type, notNull: c.notNull === true })),
    primaryKey: t.declareKey ? t.key.map(rsIdent) : [],
    dist: t.dist,
    sortKey: t.sortKey.map(rsIdent),
  };
}

/**
 * The declared size of a VARCHAR whose longest value is `maxBytes` bytes: twice that (room for later loads) rounded
 * up to a power of two, at least 32, at most 65535. Redshift counts bytes: 'é' is 2, an emoji 4.
 */
export function varcharSize(maxBytes: number): number {
  if (maxBytes > REDSHIFT_MAX_VARCHAR)
    throw new RangeError(
      `a value of ${maxBytes} bytes does not fit Redshift's widest VARCHAR (${REDSHIFT_MAX_VARCHAR} bytes)`,
    );
  let n = 32;
  while (n < maxBytes * 2 && n < REDSHIFT_MAX_VARCHAR) n *= 2;
  return Math.min(n, REDSHIFT_MAX_VARCHAR);
}

function columnType(table: CopyTable, c: CopyTable['columns'][number], bytes: VarcharBytes): string {
  if (c.type !== 'VARCHAR') return c.type;
  return `VARCHAR(${varcharSize(bytes[`${table.name}.${c.name}`] ?? 0)})`;
}

function distSql(dist: DistStyle): string[] {
  switch (dist.style) {
    case 'ALL':
    case 'EVEN':
    case 'AUTO':
      return [`DISTSTYLE ${dist.style}`];
    case 'KEY':
      return ['DISTSTYLE KEY', `DISTKEY(${dist.key})`];
    default:
      return unreachable(dist, 'dist style');
  }
}

/** Table attributes after the column list: dist style, dist key, sort key (compound when it has several columns). */
function tableAttributes(t: Pick<CopyTable, 'dist' | 'sortKey'>): string[] {
  const sort =
    t.sortKey.length === 0
      ? []
      : [`${t.sortKey.length > 1 ? 'COMPOUND ' : ''}SORTKEY(${t.sortKey.join(', ')})`];
  return [...distSql(t.dist), ...sort];
}

/**
 * CREATE TABLE with the physical design. No column names an ENCODE, so Redshift's ENCODE AUTO (its default when no
 * column does) chooses and changes every column's compression.
 */
export function createTableSql(t: CopyTable, bytes: VarcharBytes, ifNotExists = true): string {
  const cols = t.columns.map((c) => `  ${c.name} ${columnType(t, c, bytes)}${c.notNull ? ' NOT NULL' : ''}`);
  if (t.primaryKey.length > 0) cols.push(`  PRIMARY KEY (${t.primaryKey.join(', ')})`);
  return `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${t.name} (\n${cols.join(',\n')}\n)\n${tableAttributes(t).join('\n')}`;
}

/** Metadata DDL written with bare VARCHAR and `--` comments: each VARCHAR at Redshift's widest (tiny tables). */
export function metaTableSql(ddl: string): string {
  return ddl.replace(/\bVARCHAR\b(?!\()/g, `VARCHAR(${REDSHIFT_MAX_VARCHAR})`).replace(/ *--[^\n]*/g, '');
}

/** sha256 of a text, hex. */
function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Where parts with these sha256s go under the s3:// staging area: content-addressed, so a key names its bytes. */
export function loadObjectFor(
  sha256: readonly string[],
  staging: string,
): LoadObject & { partKeys: string[]; manifestKey: string; manifest: string } {
  const partKeys = sha256.map((h) => `redshift/${h}.csv`);
  const partUrls = partKeys.map((k) => `${staging.replace(/\/$/, '')}/${k}`);
  return { ...manifestFor(partUrls, staging), partUrls, partKeys };
}

/**
 * A manifest listing objects already in S3 (the staged files as they are), stored content-addressed next to the
 * parts' manifests under the staging area.
 */
export function manifestFor(
  objectUrls: readonly string[],
  staging: string,
): { manifestUrl: string; manifestKey: string; manifest: string } {
  const base = staging.replace(/\/$/, '');
  const manifest = manifestJson(objectUrls);
  const manifestKey = `redshift/${sha256Hex(manifest)}.manifest`;
  return { manifestUrl: `${base}/${manifestKey}`, manifestKey, manifest };
}

/** A COPY manifest: every part mandatory, so a missing object fails the load instead of loading less. */
function manifestJson(partUrls: readonly string[]): string {
  return JSON.stringify({ entries: partUrls.map((url) => ({ url, mandatory: true })) }, null, 2) + '\n';
}

/**
 * COPY from a manifest. Always a manifest, even for one part: COPY FROM 's3://b/p' loads every object whose key
 * starts with p (part-1 would take part-10 too). EMPTYASNULL: an unquoted empty field is NULL, as in PostgreSQL's CSV;
 * the load files quote every string, so an empty string stays one. The options are spelled with AS, in this order.
 */
export function copySql(table: CopyTable, manifestUrl: string, auth: CopyAuth): string {
  const cols = table.columns.map((c) => c.name).join(', ');
  const role = auth.iamRole === 'DEFAULT' ? 'DEFAULT' : quoteLiteral(auth.iamRole);
  const region = auth.region ? ` REGION AS ${quoteLiteral(auth.region)}` : '';
  return `COPY ${table.name} (${cols})
FROM ${quoteLiteral(manifestUrl)}
IAM_ROLE ${role}
FORMAT AS CSV IGNOREHEADER AS 1 EMPTYASNULL MANIFEST${region}`;
}

/** The delimiter of a COPY of whole lines: the unit separator (octal 037), which no text file of the inputs holds. */
export const LINE_DELIMITER = '\\037';

/**
 * COPY of whole lines into one VARCHAR column: Redshift's text format with a delimiter no input line holds and no
 * ESCAPE, so every line after the header (of each object) arrives as it is — a backslash stays one, and a CR before
 * the LF stays in the value (COPY ends a record at LF only). The plan splits and types the lines in SQL. Spelled
 * without AS: the parse gate's Redshift grammar takes `DELIMITER AS '…'` only as the last option.
 */
export function copyLinesSql(table: string, column: string, manifestUrl: string, auth: CopyAuth): string {
  const role = auth.iamRole === 'DEFAULT' ? 'DEFAULT' : quoteLiteral(auth.iamRole);
  const region = auth.region ? ` REGION AS ${quoteLiteral(auth.region)}` : '';
  return `COPY ${table} (${column})
FROM ${quoteLiteral(manifestUrl)}
IAM_ROLE ${role}
DELIMITER '${LINE_DELIMITER}' IGNOREHEADER 1 MANIFEST${region}`;
}

/**
 * A plain Redshift MERGE: no alias on the target, a table as source, the key equalities as ON, one WHEN MATCHED
 * UPDATE without a condition and one WHEN NOT MATCHED INSERT. Columns are qualified by table name (no aliases at all,
 * so the same text runs on PostgreSQL 15).
 */
export function plainMerge(
  target: string,
  source: string,
  columns: readonly string[],
  key: readonly string[],
): string {
  const on = key.map((k) => `${target}.${k} = ${source}.${k}`).join(' AND ');
  const rest = columns.filter((c) => !key.includes(c));
  // Redshift's MERGE takes both clauses; a key-only table updates its key to itself.
  const set = (rest.length > 0 ? rest : key).map((c) => `${c} = ${source}.${c}`).join(', ');
  return `MERGE INTO ${target}
USING ${source}
ON ${on}
WHEN MATCHED THEN UPDATE SET ${set}
WHEN NOT MATCHED THEN INSERT (${columns.join(', ')}) VALUES (${columns.map((c) => `${source}.${c}`).join(', ')})`;
}

/** plainMerge into the table of `t` by its key, of every column of it. */
export function specMerge(t: TableSpec, source: string): string {
  const c = copyTable(t);
  return plainMerge(
    c.name,
    source,
    c.columns.map((col) => col.name),
    t.key.map(rsIdent),
  );
}

/** The IAM role COPY uses: the location's, else MOVALYTICS_REDSHIFT_IAM_ROLE; a ConfigError naming both when neither. */
export function resolveIamRole(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  const role = explicit ?? env.MOVALYTICS_REDSHIFT_IAM_ROLE;
  if (role === undefined || role === '')
    throw new ConfigError(
      'Redshift needs an IAM role to COPY from S3: add ?iam_role=arn:aws:iam::ACCOUNT:role/NAME to the warehouse URL, "iamRole" to the config, or set MOVALYTICS_REDSHIFT_IAM_ROLE (DEFAULT uses the cluster default role)',
    );
  if (!IAM_ROLE_RE.test(role))
    throw new ConfigError(
      `IAM role "${role}" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME) or DEFAULT`,
    );
  return role;
}

/**
 * The same statement for PostgreSQL, where the two agree on everything else: the physical attributes (DISTSTYLE,
 * DISTKEY, SORTKEY, ENCODE) removed. COPY from S3 has no PostgreSQL form; the caller replaces it by COPY FROM STDIN.
 */
export function stripPhysical(sql: string): string {
  return sql
    .replace(/\n?\s*DISTSTYLE (?:ALL|EVEN|KEY|AUTO)\b/g, '')
    .replace(/\n?\s*DISTKEY\([^)]*\)/g, '')
    .replace(/\n?\s*(?:COMPOUND |INTERLEAVED )?SORTKEY\([^)]*\)/g, '')
    .replace(/\s+ENCODE \w+/g, '');
}

/** A COPY of this plan parsed back, as a PostgreSQL stand-in runs it. */
export interface ParsedCopy {
  table: string;
  columns: string[];
  manifestUrl: string;
  /** 'csv': the CSV parts of copySql; 'lines': whole lines (copyLinesSql). */
  format: 'csv' | 'lines';
}

/** A COPY of this plan parsed back: table, columns, manifest URL and format — what a PostgreSQL stand-in needs. */
export function parseCopy(sql: string): ParsedCopy | null {
  const m = /^COPY (\S+) \(([^)]*)\)\nFROM '([^']*)'/.exec(sql);
  if (!m) return null;
  const format = sql.includes(`\nDELIMITER '${LINE_DELIMITER}' `) ? 'lines' : 'csv';
  return { table: m[1]!, columns: m[2]!.split(', '), manifestUrl: m[3]!, format };
}
