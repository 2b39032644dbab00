// Two real `movalytics run` processes started at the same moment on one warehouse: exactly one publishes, the other
// is refused (or, with --wait, runs after it), and the warehouse then equals a clean single run of the winner's
// input — whether the two share a staging folder or not. The inputs differ only in movie titles, so a mix-up of
// staged files would show as the wrong titles.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { EXIT } from '../src/core/errors.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { duckDbFingerprint, queryDuckDb, repoRoot, tempDir } from './support/helpers.js';

const VARIANTS = 3;
const TRIALS = 20;
/**
 * Trials at a time, each on its own warehouse: the pairs of runs still start together, and most of a trial is its
 * hold, so four at once take a quarter of the time (the suite's slowest file took 190 s one trial after another).
 */
const PARALLEL = 4;
/** Each run pauses after staging, so the two runs of a trial always overlap however slowly processes start. */
const HOLD_MS = 2000;

/** Prefixes every title (the field before video, vote_average, vote_count at a record's end) with `tag`. */
function retitle(csv: string, tag: string): string {
  const [header, ...lines] = csv.split('\n');
  const end = /,("(?:[^"]|"")*"|[^,"\r]*),(True|False),([^,\r]*),([^,\r]*)(\r?)$/;
  return [
    header,
    ...lines.map((l) =>
      l.replace(end, (_m, title: string, video: string, avg: string, count: string, cr: string) => {
        const t = title.startsWith('"') ? `"${tag} ${title.slice(1)}` : `${tag} ${title}`;
        return `,${t},${video},${avg},${count}${cr}`;
      }),
    ),
  ].join('\n');
}

interface Exit {
  code: number | null;
  stderr: string;
}

function runProcess(args: string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist/cli/bin.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, MOVALYTICS_FAILPOINT: `sleep-after:stage.files:${HOLD_MS}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('two runs started at the same moment on one warehouse', () => {
  const root = tempDir('concurrency');
  const inputs: string[] = [];
  const reference: Record<string, string>[] = [];
  const moviesSha: string[] = [];

  beforeAll(async () => {
    const base = join(root, 'base');
    await generateDataset({ out: base, movies: 120, ratings: 800, seed: 21 });
    for (let v = 0; v < VARIANTS; v++) {
      const dir = join(root, `input-${v}`);
      mkdirSync(dir);
      for (const f of readdirSync(base)) if (f.endsWith('.csv')) copyFileSync(join(base, f), join(dir, f));
      const movies = retitle(readFileSync(join(base, 'movies_metadata.csv'), 'utf8'), `V${v}`);
      writeFileSync(join(dir, 'movies_metadata.csv'), movies);
      moviesSha.push(createHash('sha256').update(movies).digest('hex'));
      inputs.push(dir);
      const ref = join(root, `reference-${v}`);
      await runPipeline(
        loadConfig({
          cwd: root,
          overrides: { input: dir, warehouse: `${ref}.duckdb`, staging: `${ref}-staging` },
        }),
      );
      reference.push(await duckDbFingerprint(`${ref}.duckdb`));
    }
    // The variants really differ (only) in titles.
    expect(new Set(reference.map((r) => r['movies.movie'])).size).toBe(VARIANTS);
    expect(new Set(reference.map((r) => r['movies.rating'])).size).toBe(1);
  });

  it(`exactly one of the two publishes, and the warehouse equals its input (${TRIALS} trials)`, async () => {
    const trial = async (t: number): Promise<void> => {
      const warehouse = join(root, `trial-${t}.duckdb`);
      const pick = [t % VARIANTS, (t + 1) % VARIANTS] as const;
      // Even trials share one staging folder between their two runs (the default case), odd ones name their own.
      const staging = (i: number): string =>
        join(root, t % 2 === 0 ? `staging-shared-${t % PARALLEL}` : `staging-${t}-${i}`);
      const exits = await Promise.all(
        pick.map((v, i) =>
          runProcess(['run', '--input', inputs[v]!, '--warehouse', warehouse, '--staging', staging(i)]),
        ),
      );
      const winners = exits.flatMap((e, i) => (e.code === EXIT.ok ? [i] : []));
      expect(winners, `trial ${t}: ${exits.map((e) => e.stderr).join('\n')}`).toHaveLength(1);
      const w = winners[0]!;
      const winner = pick[w === 0 ? 0 : 1];
      const loser = exits[1 - w]!;
      expect(loser.code, `trial ${t}`).toBe(EXIT.taskFailed);
      expect(loser.stderr).toMatch(/warehouse .*trial-\d+\.duckdb is locked by another process \(PID \d+/);
      expect(loser.stderr.trim().split('\n').pop()).toMatch(/^movalytics: /);
      expect(await duckDbFingerprint(warehouse), `trial ${t}`).toEqual(reference[winner]);
      // What the run records as loaded is what it loaded.
      const [lineage] = await queryDuckDb<{ sha256: string; runs: number }>(
        warehouse,
        `SELECT (SELECT sha256 FROM movalytics.manifest WHERE file_name = 'movies_metadata.csv') AS sha256,
                (SELECT count(*) FROM movalytics.run) AS runs`,
      );
      expect(lineage).toEqual({ sha256: moviesSha[winner], runs: 1 });
    };
    for (let t = 0; t < TRIALS; t += PARALLEL)
      await Promise.all(Array.from({ length: Math.min(PARALLEL, TRIALS - t) }, (_, k) => trial(t + k)));
  }, 900_000);

  it('with --wait the second run waits, then loads its own input over the first', async () => {
    const warehouse = join(root, 'wait.duckdb');
    const exits = await Promise.all(
      [0, 1].map((v) =>
        runProcess([
          'run',
          '--wait',
          '--input',
          inputs[v]!,
          '--warehouse',
          warehouse,
          '--staging',
          join(root, 'staging-wait'),
        ]),
      ),
    );
    expect(exits.map((e) => e.code)).toEqual([EXIT.ok, EXIT.ok]);
    expect(exits.some((e) => /waiting for PID \d+/.test(e.stderr))).toBe(true);
    const rows = await queryDuckDb<{ run_id: number; status: string; input: string }>(
      warehouse,
      `SELECT run_id, status, input FROM movalytics.run ORDER BY run_id`,
    );
    expect(rows.map((r) => r.status)).toEqual(['success', 'success']);
    const last = inputs.indexOf(rows[1]!.input);
    expect(await duckDbFingerprint(warehouse)).toEqual(reference[last]);
  }, 120_000);
});
