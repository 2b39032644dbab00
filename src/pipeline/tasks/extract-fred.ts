// extract.fred (`--source kaggle`): fetches the FRED CPI series into the input folder, each skipped when unchanged.
import { fetchFredSeries, parseSeriesId, sourceSettingsFromEnv } from '../../sources/index.js';
import { EXTRACT_TASK, listen, sourceOf } from './extract-source.js';
import { MINUTE, NETWORK, type PipelineTask } from './task.js';

export const extractFred: PipelineTask = {
  id: 'extract.fred',
  ...EXTRACT_TASK,
  description: 'fetch the FRED CPI series into the input folder',
  profile: { ...NETWORK, timeoutMs: 10 * MINUTE },
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
