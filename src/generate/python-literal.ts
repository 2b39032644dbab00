// Python-literal rendering (repr of str/int/None/bool, lists of dicts) as The Movies Dataset stores its list
// columns: genres, production_companies, keywords, cast … are `str(list_of_dicts)`, not JSON.

/** A value that can appear inside one of the dataset's Python-literal dicts. */
export type PyValue = string | number | boolean | null;

/**
 * Python's repr() of a str: single quotes unless the text contains a single quote and no double quote, in
 * which case double quotes; backslashes and control characters escaped, and `'` escaped when both kinds occur.
 */
export function pyStr(s: string): string {
  const useDouble = s.includes("'") && !s.includes('"');
  const q = useDouble ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return out + q;
}

/** Python's repr() of a scalar. */
export function pyValue(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  return pyStr(v);
}

/** Python's repr() of a dict with the given key order. */
export function pyDict(entries: readonly (readonly [string, PyValue])[]): string {
  return '{' + entries.map(([k, v]) => `${pyStr(k)}: ${pyValue(v)}`).join(', ') + '}';
}

/** Python's repr() of a list of already-rendered items. */
export function pyList(items: readonly string[]): string {
  return '[' + items.join(', ') + ']';
}
