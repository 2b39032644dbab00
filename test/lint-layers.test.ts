// The layer rule (eslint.layers.js) catches what it is there for: a seeded import across a layer, and an engine
// folder imported outside src/warehouse. The real tree passes it through `npm run lint`. And the seam names no column
// of the model.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { layerConfigs } from '../eslint.layers.js';
import { MODEL_TABLES } from '../src/model/tables.js';
import { repoRoot } from './support/helpers.js';

async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: repoRoot,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: (await import('typescript-eslint')).parser } },
      ...layerConfigs,
    ],
  });
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${file}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? ''}: ${m.message}`);
}

describe('layers', () => {
  it('refuses an engine importing a stage, and a stage importing the pipeline', async () => {
    expect(
      await lint('src/warehouse/x.ts', `import { loadModel } from '../stages/load/load-model.js';\n`),
    ).toEqual([expect.stringMatching(/no-restricted-imports: .*src\/warehouse may not import src\/stages/)]);
    expect(
      await lint('src/stages/load/x.ts', `import type { X } from '../../pipeline/run-session.js';\n`),
    ).toEqual([expect.stringMatching(/src\/stages may not import src\/pipeline/)]);
  });

  it('refuses an engine folder outside src/warehouse, and allows the seam', async () => {
    expect(await lint('src/serve/x.ts', `import { a } from '../warehouse/duckdb/duckdb-lock.js';\n`)).toEqual(
      [expect.stringMatching(/engine folder is private to src\/warehouse/)],
    );
    expect(await lint('src/serve/x.ts', `import { openWarehouse } from '../warehouse/open.js';\n`)).toEqual(
      [],
    );
  });

  it('refuses the seam importing the model, the model importing the seam, and the CLI importing an engine', async () => {
    expect(await lint('src/warehouse/x.ts', `import { MODEL_TABLES } from '../model/tables.js';\n`)).toEqual([
      expect.stringMatching(/src\/warehouse may not import src\/model/),
    ]);
    expect(
      await lint('src/model/x.ts', `import type { Warehouse } from '../warehouse/warehouse.js';\n`),
    ).toEqual([expect.stringMatching(/src\/model may not import src\/warehouse/)]);
    expect(
      await lint('src/cli/commands/x.ts', `import { a } from '../../warehouse/redshift/redshift-sql.js';\n`),
    ).toEqual([expect.stringMatching(/engine folder is private to src\/warehouse/)]);
  });

  it('refuses any import of an app (cli, serve) from below', async () => {
    expect(await lint('src/report/x.ts', `import { a } from '../cli/terminal.js';\n`)).toEqual([
      expect.stringMatching(/src\/report may not import src\/cli/),
    ]);
  });
});

/** Column names of the model that are ordinary words (a date, a name, a year …), not the domain's. */
const GENERIC = new Set([
  'date',
  'day',
  'week',
  'month',
  'quarter',
  'year',
  'name',
  'status',
  'timestamp',
  'title',
  'value',
]);
const DOMAIN_COLUMNS = [...new Set(MODEL_TABLES.flatMap((t) => t.columns.map((c) => c.name)))].filter(
  (c) => !GENERIC.has(c),
);

/** The domain column names `text` mentions, as whole words. */
function domainColumnsIn(text: string): string[] {
  return DOMAIN_COLUMNS.filter((c) => new RegExp(`\\b${c}\\b`).test(text));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

describe('the seam names no column of the model', () => {
  it('finds a domain column where one is written (the check can fail)', () => {
    expect(DOMAIN_COLUMNS).toEqual(expect.arrayContaining(['movielens_id', 'user_id', 'tmdb_id', 'rating']));
    expect(domainColumnsIn(`const key = 'movielens_id'; // the user_id too`)).toEqual([
      'movielens_id',
      'user_id',
    ]);
    expect(domainColumnsIn(`const ratings = 'a rating_x';`)).toEqual([]);
  });

  it('src/warehouse (engines included, tests left out) mentions none', () => {
    const found = sourceFiles(join(repoRoot, 'src/warehouse')).flatMap((f) =>
      domainColumnsIn(readFileSync(f, 'utf8')).map((c) => `${f.slice(repoRoot.length + 1)}: ${c}`),
    );
    expect(found).toEqual([]);
  });
});
