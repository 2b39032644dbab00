// The parse gate for generated Redshift SQL: a statement must parse with @polyglot-sql/sdk's Redshift dialect, then
// pass lint rules over its JSON AST for what that parser accepts but Redshift does not (docs/redshift.md lists them).
import { Dialect, parse } from '@polyglot-sql/sdk';

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A string field of a node, or '' when it is missing or not a string. */
const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** Every object node of the AST, depth first, with the key it sits under. */
function* walk(v: unknown, key = ''): Generator<[string, Node]> {
  if (Array.isArray(v)) for (const x of v) yield* walk(x, key);
  else if (isNode(v)) {
    yield [key, v];
    for (const [k, x] of Object.entries(v)) yield* walk(x, k);
  }
}

/** The AST without source positions and comments (for comparing two ORDER BYs). */
function shape(v: unknown): string {
  return JSON.stringify(v, (k, x: unknown) => (k === 'span' || k === 'trailing_comments' ? undefined : x));
}

const IAM_ROLE = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const DIST_STYLES = ['AUTO', 'EVEN', 'KEY', 'ALL'];

function lintMerge(m: Node): string[] {
  const out: string[] = [];
  const target = m.this as Node;
  if (!isNode(target.table)) out.push('MERGE: the target has an alias (Redshift allows none)');
  const using = m.using as Node;
  if (!isNode(using.table))
    out.push('MERGE: the source is not a plain table (no subquery or CTE on Redshift)');
  else if (using.table.alias) out.push('MERGE: the source has an alias (this project qualifies by name)');
  if (m.with_) out.push('MERGE: WITH is not allowed (no CTE as source on Redshift)');
  if (!m.on) out.push('MERGE: no ON clause');
  const whens = (((m.whens as Node | undefined)?.whens as Node | undefined)?.expressions ?? []) as Node[];
  let matched = 0;
  let notMatched = 0;
  for (const w of whens) {
    const when = w.when as Node;
    const isMatched = ((when.matched as Node).boolean as Node).value === true;
    const then = when.then as Node;
    const action = isNode(then.var)
      ? String(then.var.this)
      : String((((then.tuple as Node).expressions as Node[])[0]!.var as Node).this);
    if (isMatched) {
      matched++;
      if (when.condition) out.push('MERGE: WHEN MATCHED has a condition');
      if (action !== 'UPDATE' && action !== 'DELETE') out.push(`MERGE: WHEN MATCHED THEN ${action}`);
    } else {
      notMatched++;
      if (when.condition) out.push('MERGE: WHEN NOT MATCHED has a condition');
      if (action !== 'INSERT') out.push(`MERGE: WHEN NOT MATCHED THEN ${action}`);
    }
  }
  if (matched !== 1 || notMatched !== 1)
    out.push(`MERGE: needs one WHEN MATCHED and one WHEN NOT MATCHED (has ${matched} and ${notMatched})`);
  return out;
}

function lintCopy(c: Node): string[] {
  const out: string[] = [];
  const files = (c.files ?? []) as Node[];
  const from = String(((files[0]?.literal as Node | undefined)?.value as string | undefined) ?? '');
  if (!from.startsWith('s3://')) out.push(`COPY: FROM ${JSON.stringify(from)} is not an s3:// URL`);
  const params = (c.params ?? []) as Node[];
  const role = params.find((p) => p.name === 'IAM_ROLE');
  if (!role) out.push('COPY: no IAM_ROLE');
  else {
    const v = role.value as Node;
    const text = isNode(v.literal)
      ? String(v.literal.value)
      : isNode(v.column)
        ? String((v.column.name as Node).name)
        : '';
    if (!(IAM_ROLE.test(text) || (isNode(v.column) && text.toUpperCase() === 'DEFAULT')))
      out.push(`COPY: IAM_ROLE ${JSON.stringify(text)} is not a role ARN or DEFAULT`);
  }
  return out;
}

function lintCreate(t: Node): string[] {
  const out: string[] = [];
  const cols = new Set(((t.columns ?? []) as Node[]).map((c) => String((c.name as Node).name)));
  const check = cols.size > 0; // CREATE TABLE … AS: columns come from the query
  for (const c of (t.columns ?? []) as Node[]) {
    const dt = c.data_type as Node;
    if (dt.data_type === 'var_char' || dt.data_type === 'varchar') {
      const len = dt.length as number | null;
      if (len === null || len === undefined)
        out.push(
          `CREATE TABLE: ${String((c.name as Node).name)} VARCHAR has no size (Redshift makes it 256 bytes)`,
        );
      else if (len > 65535)
        out.push(`CREATE TABLE: ${String((c.name as Node).name)} VARCHAR(${len}) exceeds 65535`);
    }
    if (dt.data_type === 'text')
      out.push(`CREATE TABLE: ${String((c.name as Node).name)} TEXT becomes VARCHAR(256) on Redshift`);
  }
  for (const p of (t.properties ?? []) as Node[]) {
    if (isNode(p.dist_style_property)) {
      const s = text(((p.dist_style_property.this as Node).var as Node | undefined)?.this);
      if (!DIST_STYLES.includes(s.toUpperCase()))
        out.push(`CREATE TABLE: DISTSTYLE ${s} is not one of ${DIST_STYLES.join(', ')}`);
    }
    if (isNode(p.dist_key_property)) {
      const k = text(((p.dist_key_property.this as Node).identifier as Node | undefined)?.name);
      if (check && !cols.has(k)) out.push(`CREATE TABLE: DISTKEY(${k}) is not a column`);
    }
    if (isNode(p.sort_key_property)) {
      const th = p.sort_key_property.this as Node;
      const keys = isNode(th.tuple)
        ? (th.tuple.expressions as Node[]).map((e) => text((e.identifier as Node | undefined)?.name))
        : isNode(th.identifier)
          ? [String(th.identifier.name)]
          : [];
      if (keys.length === 0) out.push('CREATE TABLE: SORTKEY() names no column');
      for (const k of keys)
        if (check && !cols.has(k)) out.push(`CREATE TABLE: SORTKEY column ${k} is not a column`);
    }
  }
  return out;
}

/** Rules for any statement: no FILTER on aggregates; sort-based aggregates share one ORDER BY. */
function lintExpressions(ast: unknown): string[] {
  const out: string[] = [];
  const orders = new Set<string>();
  for (const [key, n] of walk(ast)) {
    if ('filter' in n && n.filter !== null && n.filter !== undefined && key !== 'join')
      out.push(`${key}: FILTER (WHERE …) on an aggregate (not on Redshift)`);
    // MEDIAN(x) is PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY x): the same ORDER BY as far as Redshift goes.
    if (key === 'within_group')
      orders.add(shape(((n.order_by ?? []) as Node[]).map((o) => ({ e: o.this, d: o.desc === true }))));
    if (key === 'median') orders.add(shape([{ e: n.this, d: false }]));
  }
  if (orders.size > 1)
    out.push('PERCENTILE_CONT/MEDIAN/LISTAGG calls with different ORDER BYs in one statement');
  return out;
}

/**
 * What the parser accepts but Redshift does not have, read from the text with string literals and comments blanked
 * (docs/redshift.md, "Not used on Redshift"). Each pattern names the construct and what to use instead.
 */
const TEXT_RULES: readonly [RegExp, string][] = [
  [/\barray_agg\s*\(/i, 'array_agg (no arrays on Redshift: ROW_NUMBER() OVER … = 1)'],
  [/\bstring_agg\s*\(/i, 'string_agg (Redshift has LISTAGG)'],
  [/\bconcat_ws\s*\(/i, 'concat_ws (not on Redshift: || with coalesce)'],
  [/\bON\s+CONFLICT\b/i, 'ON CONFLICT (not on Redshift: MERGE)'],
  [/\bADD\s+COLUMN\s+IF\s+NOT\s+EXISTS\b/i, 'ADD COLUMN IF NOT EXISTS (not on Redshift)'],
  [
    /\bALTER\s+COLUMN\s+\S+\s+(?:DROP|SET)\s+NOT\s+NULL\b/i,
    'ALTER COLUMN … DROP/SET NOT NULL (not on Redshift)',
  ],
  [
    /\bto_timestamp\s*\(\s*[^,()]*(?:\([^()]*\)[^,()]*)*\)/i,
    'to_timestamp(number) (Redshift takes only text and a format)',
  ],
  [/\bDELETE\s+FROM\s+[\w."]+\s+(?!USING\b|WHERE\b)\w+\s+USING\b/i, 'DELETE … USING with a target alias'],
  [/\b(?:arg_min|arg_max|try_cast|epoch_us|make_timestamp|regexp_matches)\s*\(/i, 'a DuckDB function'],
  [/\bCREATE\s+UNLOGGED\b/i, 'CREATE UNLOGGED TABLE (PostgreSQL only)'],
  [/\bpg_(?:try_)?advisory/i, 'advisory locks (not on Redshift)'],
];

/** The text with string literals and comments blanked, for the text rules. */
function code(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "''").replace(/--[^\n]*/g, '');
}

/** Problems of one statement: a parse error, or lint findings; empty when it passes. */
export function redshiftProblems(sql: string): string[] {
  const r = parse(sql, Dialect.Redshift);
  if (!r.success) return [`parse: ${String(r.error)}`];
  const out: string[] = [];
  // The parser drops an empty SORTKEY() from the AST, so this one rule reads the text.
  if (/\bSORTKEY\s*\(\s*\)/i.test(sql)) out.push('CREATE TABLE: SORTKEY() names no column');
  const c = code(sql);
  for (const [re, what] of TEXT_RULES) if (re.test(c)) out.push(what);
  for (const stmt of r.ast as Node[]) {
    if (isNode(stmt.merge)) out.push(...lintMerge(stmt.merge));
    if (isNode(stmt.copy)) out.push(...lintCopy(stmt.copy));
    if (isNode(stmt.create_table)) out.push(...lintCreate(stmt.create_table));
    out.push(...lintExpressions(stmt));
  }
  return out;
}
