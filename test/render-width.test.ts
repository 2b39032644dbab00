// Every text table the CLI prints fits the terminal: the run summary (with a long key_unique note and long file
// notes), all four answers including the Kruskal–Wallis verdicts, and the generate summary, at 80 and 100 columns.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderRunSummary } from '../src/cli/commands/run.js';
import { displayWidth } from '../src/core/format.js';
import { loadConfig } from '../src/config/config.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline, type RunSummary } from '../src/pipeline/run-pipeline.js';
import { computeAnswers, renderAnswers, renderHeadlines, type Answers } from '../src/stages/answers/index.js';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/index.js';
import { repoRoot, tempDir } from './support/helpers.js';

const WIDTHS = [80, 100] as const;
const bin = join(repoRoot, 'dist', 'cli', 'bin.js');

function overWide(text: string, width: number): string[] {
  return text.split('\n').filter((l) => displayWidth(l) > width);
}

describe('text output fits the width', () => {
  const dir = tempDir('width');
  const warehouse = join(dir, 'w.duckdb');
  let summary: RunSummary;
  let answers: Answers;

  beforeAll(async () => {
    const data = await generateDataset({ out: join(dir, 'data'), movies: 400, ratings: 12_000, seed: 3 });
    summary = await runPipeline(
      loadConfig({ cwd: dir, overrides: { input: data.dir, warehouse, staging: join(dir, 'staging') } }),
    );
    const wh = await DuckDbWarehouse.open({ path: warehouse });
    try {
      answers = await computeAnswers(wh, {});
    } finally {
      await wh.close();
    }
  }, 120_000);

  it.each(WIDTHS)('run summary at %i columns, with long notes', (width) => {
    // The longest notes a real run can carry: the key_unique scope of a bulk load and long file notes.
    const long: RunSummary = {
      ...summary,
      files: summary.files.map((f, i) =>
        i === 0
          ? {
              ...f,
              note: 'ignored: not used by any answer — the Kaggle layout ships it, so it is staged and hashed but never loaded into the warehouse',
            }
          : f,
      ),
      checks: summary.checks.map((c) =>
        c.name === 'key_unique.rating'
          ? {
              ...c,
              // Failed, so the summary lists it (a passed check is only counted).
              passed: false,
              observed:
                '0 duplicated keys (every key was grouped when load.bulk built the table in this run; the 1,234,567 duplicated rows it collapsed re-checked)',
            }
          : c,
      ),
    };
    expect(long.checks.some((c) => c.name === 'key_unique.rating')).toBe(true);
    const text = renderRunSummary(long, width);
    expect(overWide(text, width)).toEqual([]);
    expect(text).toContain('Quality checks');
    expect(text.replace(/\s+/g, ' ')).toContain('duplicated rows it collapsed re-checked');
    // Numbers are never split across lines.
    expect(text).toMatch(/\b\d{1,3}(,\d{3})+\b/);
  });

  it.each(WIDTHS)('all four answers as tables at %i columns, headlines too', (width) => {
    const text = renderAnswers(answers, 'table', 'all', { width });
    expect(overWide(text, width)).toEqual([]);
    for (const q of ['Q1', 'Q2', 'Q3', 'Q4', 'Kruskal–Wallis']) expect(text).toContain(q);
    // The verdicts wrap but keep every word.
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain(answers.q3.monthTest.verdict.split(' ').slice(0, 4).join(' '));
    expect(overWide(renderHeadlines(answers, { width }), width)).toEqual([]);
  });

  it.each(WIDTHS)(
    'answers and generate from the CLI at COLUMNS=%i (not a TTY)',
    (width) => {
      const env = { ...process.env, COLUMNS: String(width) };
      const a = spawnSync(process.execPath, [bin, 'answers', '--warehouse', warehouse], {
        encoding: 'utf8',
        env,
      });
      expect(a.status).toBe(0);
      expect(a.stdout).toContain('Q4');
      expect(overWide(a.stdout, width)).toEqual([]);
      const g = spawnSync(
        process.execPath,
        [bin, 'generate', '--out', join(dir, `gen-${width}`), '--movies', '100', '--ratings', '500'],
        { encoding: 'utf8', env },
      );
      expect(g.status).toBe(0);
      expect(g.stdout).toContain('ratings.csv');
      expect(overWide(g.stdout, width)).toEqual([]);
    },
    60_000,
  );

  it('JSON output is complete, never fitted', () => {
    const json = renderAnswers(answers, 'json');
    expect(JSON.parse(json)).toMatchObject({ q3: { monthTest: { verdict: answers.q3.monthTest.verdict } } });
  });
});
