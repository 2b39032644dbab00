// stage.files: checks the input and stages new or changed files into the run's load package (manifest + raw copies).
import { stageInputs, type StagedFile } from '../../stages/stage/stage-files.js';
import { PACKAGE_FILES } from '../load-package.js';
import { MINUTE, STORE, step, type DoneProbe, type PipelineTask } from './task.js';

async function done({ pkg, runId }: Pick<DoneProbe, 'pkg' | 'runId'>): Promise<string | null> {
  return (await pkg.readJson(PACKAGE_FILES.manifest)) === null
    ? null
    : `run ${runId} is already staged (package ${pkg.packageId})`;
}

export const stageFiles: PipelineTask = {
  id: 'stage.files',
  deps: ['extract.movielens', 'extract.fred'],
  description: 'verify the input files and stage new or changed ones into the run’s load package',
  profile: { ...STORE, timeoutMs: 30 * MINUTE },
  reads: [],
  writes: [PACKAGE_FILES.manifest],
  done,
  async run(ctx) {
    if ((await done(ctx)) !== null) {
      const files = await ctx.pkg.stagedFiles(() => false);
      return { detail: `already staged in package ${ctx.pkg.packageId}`, counts: stageCounts(files), files };
    }
    const staged = await step(
      ctx,
      'stage.files',
      () =>
        stageInputs({
          input: ctx.config.input,
          staging: ctx.pkg.staging,
          packageId: ctx.pkg.packageId,
          previous: ctx.previous,
          verify: ctx.config.verify,
          maxLineBytes: ctx.config.maxLineBytes,
          shards: ctx.config.shards,
        }),
      (r) => summary(r.files),
    );
    for (const file of staged.files) ctx.emit({ type: 'file.staged', file });
    return {
      detail: summary(staged.files),
      counts: stageCounts(staged.files),
      files: staged.files,
      unpackedDir: staged.unpackedDir,
    };
  },
};

function summary(files: readonly StagedFile[]): string {
  const n = (a: string): number => files.filter((f) => f.action === a).length;
  return `${n('load')} to load, ${n('unchanged')} unchanged, ${n('ignored')} ignored`;
}

function stageCounts(files: readonly StagedFile[]): Record<string, number> {
  const load = files.filter((f) => f.action === 'load');
  return {
    rowsIn: load.reduce((a, f) => a + (f.dataLines ?? 0), 0),
    bytes: load.reduce((a, f) => a + f.bytes, 0),
  };
}
