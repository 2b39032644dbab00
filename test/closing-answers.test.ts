// `movalytics run` closes with the answers its publish recorded for diff (computed once, under the run's lock), not
// with a second computation: the same numbers as `movalytics answers`, and fresh ones when the parameters differ.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../src/generate/index.js';
import { closingAnswers, type Answers } from '../src/stages/answers/index.js';
import { withWarehouse } from './support/engines.js';
import { runCli, tempDir } from './support/helpers.js';

const withoutTime = ({ generatedAt: _, ...rest }: Answers) => rest;

describe('the closing answers of a run', () => {
  it('are the recorded ones, equal to `movalytics answers`, and recomputed for other parameters', async () => {
    const dir = tempDir('closing-answers');
    const data = await generateDataset({ out: join(dir, 'data'), movies: 150, ratings: 3000, seed: 8 });
    const warehouse = join(dir, 'w.duckdb');
    const where = ['--warehouse', warehouse, '--staging', join(dir, 'staging')];
    const run = await runCli(['run', '--input', data.dir, ...where, '--json']);
    expect(run.code).toBe(0);
    const closing = (JSON.parse(run.stdout) as { answers: Answers }).answers;
    const asked = await runCli(['answers', '--warehouse', warehouse, '--format', 'json']);
    expect(asked.code).toBe(0);
    expect(withoutTime(closing)).toEqual(withoutTime(JSON.parse(asked.stdout) as Answers));
    expect(closing.run?.finishedAt).not.toBeNull();

    await withWarehouse(warehouse, async (wh) => {
      // What the publish recorded is what the run closes with: a marked record comes back as it is.
      const [row] = await wh.query<{ answers: string }>(
        `SELECT answers FROM movalytics.run_answers WHERE run_id = 1`,
      );
      const marked = JSON.parse(row!.answers) as Answers;
      marked.q1.top[0]!.title = 'recorded by the publish';
      await wh.exec(
        `UPDATE movalytics.run_answers SET answers = '${JSON.stringify(marked).replace(/'/g, "''")}'`,
      );
      expect((await closingAnswers(wh, 1)).q1.top[0]?.title).toBe('recorded by the publish');
      // Other parameters than the publish's (say a worker's config): computed afresh.
      const top3 = await closingAnswers(wh, 1, { top: 3 });
      expect(top3.q1.top.map((m) => m.title)).toEqual(closing.q1.top.slice(0, 3).map((m) => m.title));
      // A run that recorded nothing (an unchanged run): computed.
      expect(withoutTime(await closingAnswers(wh, 2))).toEqual(withoutTime(closing));
    });
  }, 120_000);
});
