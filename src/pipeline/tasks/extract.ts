// The extract tasks (`--source kaggle`): fetch The Movies Dataset from Kaggle and the FRED series into the input
// folder. Downloads resume, are verified and are skipped when unchanged; the sources' HTTP policy retries the network.
import { formatNumber as fmt } from '../../core/format.js';
import { TaskError } from '../../core/errors.js';
import type { TaskContext as AttemptContext } from '../../dag/runner.js';
import {
  fetchFredSeries,
  fetchKaggleDataset,
  formatKaggleRef,
  parseKaggleRef,
  parseSeriesId,
  resolveKaggleCredentials,
  sourceSettingsFromEnv,
  type SourceEvent,
} from '../../sources/index.js';
import { MINUTE, NETWORK, neverDone, type PipelineTask, type RunSource, type TaskContext } from './task.js';

/** The source of a run that fetches its input; a bug if an extract task runs without one. */
function sourceOf(ctx: TaskContext): RunSource {
  if (ctx.source === null) throw new TaskError(`${ctx.attempt.task} runs only with --source kaggle`);
  return ctx.source;
}

/** A download's events as the task's log lines and progress. */
const listen =
  (attempt: AttemptContext) =>
  (e: SourceEvent): void => {
    switch (e.type) {
      case 'download.start':
        attempt.log(
          `${e.file} ← ${e.url}${e.resumeFrom > 0 ? ` (resuming at ${fmt(e.resumeFrom)} bytes)` : ''}`,
        );
        return;
      case 'download.progress':
        attempt.progress({ done: e.bytes, ...(e.total !== null ? { total: e.total } : {}), unit: 'bytes' });
        return;
      case 'download.retry':
        attempt.log(`${e.file}: ${e.reason} — retry ${e.attempt} in ${(e.delayMs / 1000).toFixed(1)} s`);
        return;
      case 'download.restart':
        attempt.log(`${e.file}: ${e.reason} — starting over`);
        return;
      case 'file.end':
        attempt.log(
          `${e.file} ${e.action === 'unchanged' ? 'is up to date' : 'downloaded'} (${fmt(e.bytes)} bytes)`,
        );
        return;
      case 'unpack.end':
        attempt.log(
          `${e.file}: ${e.skipped ? 'already unpacked' : 'unpacked'} ${e.files.length} CSV file(s)`,
        );
        return;
    }
  };

export const extractMovielens: PipelineTask = {
  id: 'extract.movielens',
  deps: [],
  description:
    'fetch The Movies Dataset from Kaggle into the input folder (resumable, verified, skipped when unchanged)',
  profile: { ...NETWORK, timeoutMs: 60 * MINUTE },
  extract: true,
  reads: [],
  writes: [],
  done: neverDone,
  async run(ctx) {
    const source = sourceOf(ctx);
    const dataset = parseKaggleRef(source.kaggle);
    const s = sourceSettingsFromEnv(process.env);
    const r = await fetchKaggleDataset({
      dataset,
      dir: source.dir,
      credentials: resolveKaggleCredentials(process.env),
      apiBase: s.kaggleApi,
      policy: s.policy,
      onEvent: listen(ctx.attempt),
    });
    return {
      detail: `${formatKaggleRef(dataset)}: ${r.action === 'unchanged' ? 'up to date' : 'downloaded'}, ${r.files.length} CSV files`,
      counts: { bytes: r.bytes },
    };
  },
};

export const extractFred: PipelineTask = {
  id: 'extract.fred',
  deps: [],
  description: 'fetch the FRED CPI series into the input folder',
  profile: { ...NETWORK, timeoutMs: 10 * MINUTE },
  extract: true,
  reads: [],
  writes: [],
  done: neverDone,
  async run(ctx) {
    const source = sourceOf(ctx);
    const s = sourceSettingsFromEnv(process.env);
    let bytes = 0;
    const done: string[] = [];
    for (const id of source.fred) {
      const r = await fetchFredSeries({
        series: parseSeriesId(id),
        dir: source.dir,
        fredUrl: s.fredUrl,
        apiUrl: s.fredApiUrl,
        ...(s.fredApiKey !== undefined ? { apiKey: s.fredApiKey } : {}),
        policy: s.policy,
        onEvent: listen(ctx.attempt),
      });
      bytes += r.bytes;
      done.push(`${id} ${r.action === 'unchanged' ? 'up to date' : 'downloaded'}`);
    }
    return { detail: done.join(', '), counts: { bytes } };
  },
};
