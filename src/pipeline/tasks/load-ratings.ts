// load.ratings: the map of the ratings load, one instance per shard slot (`load.ratings[3]`). Instance i reads only
// the bytes of shard i of each ratings file staged for load (a ranged read of the store, or of the local copy) and
// loads them into one typed part table, applying every load rule; publish reduces the parts. Any worker can run any
// instance; the parts live in the warehouse, the accounting in the load package (parts/<i>.json).
import { rm } from 'node:fs/promises';
import { formatNumber as fmt } from '../../core/format.js';
import { afterStep } from '../../core/test-hooks.js';
import { buildRatingsPart, type RatingsPart } from '../../stages/load/ratings-parts.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { PACKAGE_FILES, partsFile } from '../load-package.js';
import { finishedRun } from './publish.js';
import {
  mappedId,
  MINUTE,
  step,
  WAREHOUSE,
  type DoneProbe,
  type PipelineTask,
  type TaskContext,
  type TaskReport,
} from './task.js';

const ID = 'load.ratings';

/**
 * One statement at a time per open warehouse: instances running in one process share its connection (DuckDB and
 * PostgreSQL run one statement per connection). Across processes (workers) they run in parallel.
 */
const busy = new WeakMap<Warehouse, Promise<unknown>>();
function oneAtATime<T>(wh: Warehouse, fn: () => Promise<T>): Promise<T> {
  const prev = busy.get(wh) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  busy.set(
    wh,
    next.catch(() => undefined),
  );
  return next;
}

/** Loads shard `index` of every ratings file to load (files with fewer shards have none here). */
async function runShard(ctx: TaskContext, index: number): Promise<TaskReport> {
  const already = await ctx.pkg.readParts(index);
  if (already !== null) return { detail: `already loaded (${summary(already)})`, counts: counts(already) };
  // An engine that loads the model by its own plan (Redshift) takes the ratings files whole, inside the publish.
  if (ctx.wh.capabilities.bulkLoad === 's3-copy') {
    await ctx.pkg.writeJson(partsFile(index), { parts: [] });
    return { detail: `${ctx.wh.displayName} loads the ratings by its own plan (one shard)` };
  }
  const parts: RatingsPart[] = [];
  for (const [fileIndex, src] of (await ctx.pkg.ratingsSources()).entries()) {
    // A file staged before shards were recorded is one shard of all its data.
    const shard = src.shards.length === 0 ? (index === 0 ? null : undefined) : src.shards[index];
    if (shard === undefined) continue;
    const part = await step(
      ctx,
      'load.ratings',
      async () => {
        const csv = await ctx.pkg.shardCsv(src, shard);
        try {
          return await oneAtATime(ctx.wh, () =>
            buildRatingsPart(ctx.wh, {
              file: src.file,
              fileIndex,
              shard,
              csv: csv.path,
              runStartedAt: ctx.runStartedAt,
            }),
          );
        } finally {
          if (csv.temporary) await rm(csv.path, { force: true });
        }
      },
      (p) => `${src.file.name} shard ${index}: ${summary([p])}`,
    );
    parts.push(part);
  }
  // A failpoint for this one instance (the test of a worker killed inside a shard, of --resume of one failed shard).
  await afterStep(mappedId(ID, index), ctx.attempt.signal);
  await ctx.pkg.writeJson(partsFile(index), { parts });
  await afterStep(`${mappedId(ID, index)}/recorded`, ctx.attempt.signal); // a worker lost before its attempt is
  return { detail: parts.length === 0 ? 'no shard here' : summary(parts), counts: counts(parts) };
}

/** Done once the run finished, or once this slot's parts are recorded. */
async function slotDone(probe: DoneProbe, index: number): Promise<string | null> {
  const finished = await finishedRun(probe);
  if (finished !== null) return finished;
  return (await probe.pkg.readParts(index)) === null
    ? null
    : `shard ${index} of run ${probe.runId} is already loaded`;
}

export const loadRatings: PipelineTask = {
  id: ID,
  deps: ['stage.files'],
  description: 'load each ratings shard into a typed part (mapped: one instance per shard)',
  profile: { ...WAREHOUSE, timeoutMs: 60 * MINUTE },
  reads: [PACKAGE_FILES.manifest],
  writes: ['parts/<i>.json'],
  async done(probe) {
    const finished = await finishedRun(probe);
    if (finished !== null) return finished;
    const slots = await probe.pkg.shardSlots();
    for (let i = 0; i < slots; i++) if ((await probe.pkg.readParts(i)) === null) return null;
    return `every shard of run ${probe.runId} is already loaded`;
  },
  // Without a shard index (`movalytics task load.ratings`): every slot, one after the other.
  async run(ctx) {
    const slots = await ctx.pkg.shardSlots();
    const all: RatingsPart[] = [];
    for (let i = 0; i < slots; i++) {
      await runShard(ctx, i);
      all.push(...((await ctx.pkg.readParts(i)) ?? []));
    }
    return { detail: `${slots} shard(s): ${summary(all)}`, counts: counts(all) };
  },
  instance: (index) => ({
    ...loadRatings,
    id: mappedId(ID, index),
    description: `load shard ${index} of each ratings file into a typed part`,
    writes: [partsFile(index)],
    done: (probe) => slotDone(probe, index),
    run: (ctx) => runShard(ctx, index),
    instance: undefined,
  }),
};

function summary(parts: readonly RatingsPart[]): string {
  const n = (f: (p: RatingsPart) => number): number => parts.reduce((a, p) => a + f(p), 0);
  return `${fmt(n((p) => p.rows - p.collapsed))} ratings in ${parts.length} part(s), ${fmt(n((p) => p.rejects.length + p.invalid))} to quarantine, ${fmt(n((p) => p.collapsed))} duplicates collapsed`;
}

function counts(parts: readonly RatingsPart[]): Record<string, number> {
  const n = (f: (p: RatingsPart) => number): number => parts.reduce((a, p) => a + f(p), 0);
  return {
    rowsIn: n((p) => p.rows + p.invalid + p.rejects.length),
    rowsOut: n((p) => p.rows - p.collapsed),
  };
}
