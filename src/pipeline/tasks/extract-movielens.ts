// extract.movielens (`--source kaggle`): fetches The Movies Dataset from Kaggle into the input folder; the download
// resumes, is verified and is skipped when unchanged (the sources' HTTP policy retries the network).
import {
  fetchKaggleDataset,
  formatKaggleRef,
  parseKaggleRef,
  resolveKaggleCredentials,
  sourceSettingsFromEnv,
} from '../../sources/index.js';
import { EXTRACT_TASK, listen, sourceOf } from './extract-source.js';
import { MINUTE, NETWORK, type PipelineTask } from './task.js';

export const extractMovielens: PipelineTask = {
  id: 'extract.movielens',
  ...EXTRACT_TASK,
  description:
    'fetch The Movies Dataset from Kaggle into the input folder (resumable, verified, skipped when unchanged)',
  profile: { ...NETWORK, timeoutMs: 60 * MINUTE },
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
