// `movalytics dag` as a user meets it: the text table, golden Mermaid and DOT renderings of the real pipeline graph,
// and usage errors. Set MOVALYTICS_UPDATE_GOLDEN=1 to rewrite the golden files after an intended graph change.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planPipeline } from '../src/pipeline/tasks/index.js';
import { EXIT } from '../src/core/errors.js';
import { repoRoot, runCli } from './support/helpers.js';

const golden = (name: string): string => join(repoRoot, 'test', 'dag-golden', name);

describe('movalytics dag', () => {
  it.each([
    ['mermaid', 'pipeline.mmd'],
    ['dot', 'pipeline.dot'],
  ])('prints the graph as %s, equal to the golden file', async (format, file) => {
    const r = await runCli(['dag', '--format', format]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr).toBe('');
    if (process.env.MOVALYTICS_UPDATE_GOLDEN === '1') writeFileSync(golden(file), r.stdout);
    expect(r.stdout).toBe(readFileSync(golden(file), 'utf8'));
  });

  it('the golden renderings hold every task and edge', () => {
    const base = 'pipeline';
    const plan = planPipeline();
    const mmd = readFileSync(golden(`${base}.mmd`), 'utf8');
    const dot = readFileSync(golden(`${base}.dot`), 'utf8');
    for (const id of plan.order) {
      expect(mmd).toContain(`["${id}<br/>`);
      for (const dep of plan.tasks.get(id)!.deps) {
        const node = (x: string): string => x.replace(/[.[]/g, '_').replace(/\]$/, '');
        expect(mmd).toContain(`  ${node(dep)} --> ${node(id)}\n`);
        expect(dot).toContain(`  "${dep}" -> "${id}";\n`);
      }
    }
    expect(mmd).toMatch(/subgraph publish_boundary/);
    expect(dot).toMatch(/subgraph "cluster_publish"/);
  });

  it('docs/dag.md shows the current graph', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'dag.md'), 'utf8');
    for (const file of ['pipeline.mmd'])
      expect(doc).toContain(`\`\`\`mermaid\n${readFileSync(golden(file), 'utf8')}\`\`\`\n`);
  });

  it('prints a table with one row per task by default', async () => {
    expect((await runCli(['dag'])).stdout).toMatch(
      /publish\s+clean\.movies, load\.ratings\[0\]\s+2\s+90 min\s+publish/,
    );
    const r = await runCli(['dag']);
    expect(r.code).toBe(EXIT.ok);
    const rows = r.stdout.trim().split('\n').slice(2);
    expect(rows.map((l) => l.trim().split(/\s+/)[1])).toEqual(planPipeline().order);
  });

  it('rejects an unknown format in one line with exit 2', async () => {
    const r = await runCli(['dag', '--format', 'yaml']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toBe(
      'movalytics: unknown --format "yaml": use one of text, json, mermaid, dot, airflow\n',
    );
  });

  it('is listed in --help', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/\bdag\b/);
  });
});
