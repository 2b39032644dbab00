// load.bulk: builds the first ratings load into a shadow table, outside the publish transaction.
import { formatNumber as fmt } from '../../core/format.js';
import { buildRatingsShadow, type RatingsShadow } from '../../stages/load/load-model.js';
import { PACKAGE_FILES } from '../load-package.js';
import { finishedRun } from './publish.js';
import { MINUTE, step, WAREHOUSE, type PipelineTask } from './task.js';

export const loadBulk: PipelineTask = {
  id: 'load.bulk',
  deps: ['stage.files'],
  description: 'bulk-build the first ratings load into a shadow table',
  profile: { ...WAREHOUSE, timeoutMs: 60 * MINUTE },
  reads: [PACKAGE_FILES.manifest],
  writes: [PACKAGE_FILES.bulk],
  // The shadow is a warehouse table the publish consumes: once the run published, there is nothing to build.
  done: finishedRun,
  async run(ctx) {
    const files = await ctx.pkg.stagedFiles((f) => f.role === 'ratings');
    const shadow = await step(
      ctx,
      'load.bulk',
      () => buildRatingsShadow(ctx.wh, files, ctx.runStartedAt),
      summary,
    );
    await ctx.pkg.writeJson(PACKAGE_FILES.bulk, { shadow });
    return shadow === null
      ? { detail: summary(shadow) }
      : {
          detail: summary(shadow),
          counts: { rowsIn: shadow.rowsRead + shadow.rejects.length, rowsOut: shadow.rowsRead },
        };
  },
};

function summary(shadow: RatingsShadow | null): string {
  return shadow === null
    ? 'nothing to bulk-load'
    : `${fmt(shadow.rowsRead)} ratings from ${shadow.fileName} into a shadow table`;
}
