// clean.movies: parses the staged movies_metadata.csv (when it is to be loaded) into the package's clean files.
import { formatNumber as fmt } from '../../core/format.js';
import { cleanMovies, type CleanMovies } from '../../stages/load/clean-movies.js';
import { PACKAGE_FILES } from '../load-package.js';
import { MINUTE, STORE, step, type DoneProbe, type PipelineTask, type TaskReport } from './task.js';

async function done({ pkg, runId }: Pick<DoneProbe, 'pkg' | 'runId'>): Promise<string | null> {
  return (await pkg.readJson(PACKAGE_FILES.clean)) === null ? null : `run ${runId}: movies already cleaned`;
}

export const cleanMoviesTask: PipelineTask = {
  id: 'clean.movies',
  deps: ['stage.files'],
  description: 'repair and quarantine movies_metadata records into the package’s clean files',
  profile: { ...STORE, timeoutMs: 30 * MINUTE },
  reads: [PACKAGE_FILES.manifest],
  writes: [PACKAGE_FILES.clean],
  done,
  async run(ctx) {
    const already = await ctx.pkg.readClean();
    if (already !== null) return report(already, 'already cleaned: ');
    const movies = (await ctx.pkg.stagedFiles((f) => f.role === 'movies_metadata')).find(
      (f) => f.action === 'load' && f.role === 'movies_metadata',
    );
    if (movies === undefined) return { detail: 'movies_metadata unchanged: nothing to clean' };
    const clean = await step(
      ctx,
      'clean.movies',
      () => cleanMovies(movies.stagedPath!, ctx.pkg.cleanDir),
      (r) => summary(r),
    );
    await ctx.pkg.writeClean(clean);
    // A quoted field the file never closes: the rest of the file was read as one record. Loud, not only a quarantine row.
    if (clean.stats.truncatedAtLine !== null)
      ctx.emit({
        type: 'run.warning',
        message: `${movies.name} ends inside a quoted field opened at line ${clean.stats.truncatedAtLine}: the file looks cut short (a truncated download?) — ${fmt(clean.stats.rowsLoaded)} movies loaded, that record quarantined; download it again`,
      });
    return report(clean, '');
  },
};

function summary({ stats: s }: CleanMovies): string {
  return `${fmt(s.rowsLoaded)} movies, ${fmt(s.quarantined)} quarantined, ${fmt(s.duplicatesCollapsed)} duplicates, ${fmt(s.recordsMerged)} repaired`;
}

function report(clean: CleanMovies, prefix: string): TaskReport {
  return {
    detail: `${prefix}${summary(clean)}`,
    counts: { rowsIn: clean.stats.recordsRead, rowsOut: clean.stats.rowsLoaded },
  };
}
