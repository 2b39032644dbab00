// The model as data against what is derived from it: docs/data-model.md's table list and keys, and the DDL.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tableDdl } from '../core/table-spec.js';
import { MODEL_TABLES } from './tables.js';

/** The rows of the "Tables of `movies`" section: table name → key as written (`a` or (`a`, `b`)). */
function documentedTables(): Map<string, string> {
  const doc = readFileSync(new URL('../../docs/data-model.md', import.meta.url), 'utf8');
  const section = doc.split('## Tables of `movies`')[1]?.split('\n## ')[0] ?? '';
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\| `(\w+)` \| ([^|]+?) \|/gm)) rows.set(m[1]!, m[2]!.trim());
  return rows;
}

describe('the model', () => {
  it('is the table list and keys docs/data-model.md documents', () => {
    const documented = documentedTables();
    expect([...documented.keys()]).toEqual(MODEL_TABLES.map((t) => t.name));
    for (const t of MODEL_TABLES) {
      const key = t.key.length === 1 ? `\`${t.key[0]}\`` : `(${t.key.map((k) => `\`${k}\``).join(', ')})`;
      expect(documented.get(t.name), t.name).toMatch(new RegExp(`^${key.replace(/[()]/g, '\\$&')}`));
    }
  });

  it('names every key column and sort key among its columns, and declares NOT NULL keys', () => {
    for (const t of MODEL_TABLES) {
      const names = t.columns.map((c) => c.name);
      for (const k of [...t.key, ...t.sortKey]) expect(names, `${t.name}.${k}`).toContain(k);
      for (const k of t.key)
        expect(t.columns.find((c) => c.name === k)?.notNull, `${t.name}.${k}`).toBe(true);
      if (t.dist.style === 'KEY') expect(names).toContain(t.dist.key);
    }
  });

  it('renders DDL with the key declared only where the model declares it', () => {
    const ddl = Object.fromEntries(MODEL_TABLES.map((t) => [t.name, tableDdl(t)]));
    expect(ddl.cpi).toContain('PRIMARY KEY (series_id, month)');
    expect(ddl.rating).not.toContain('PRIMARY KEY');
    expect(ddl.movie).toMatch(/^CREATE TABLE IF NOT EXISTS movies\.movie \(\n {2}movie_id INTEGER NOT NULL,/);
  });
});
