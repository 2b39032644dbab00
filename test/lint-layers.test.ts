// The layer rule (eslint.layers.js) catches what it is there for: a seeded import across a layer, and an engine
// folder imported outside src/warehouse. The real tree passes it through `npm run lint`.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { layerConfigs } from '../eslint.layers.js';
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

  it('refuses any import of an app (cli, serve) from below', async () => {
    expect(await lint('src/report/x.ts', `import { a } from '../cli/terminal.js';\n`)).toEqual([
      expect.stringMatching(/src\/report may not import src\/cli/),
    ]);
  });
});
