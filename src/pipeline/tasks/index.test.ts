// The task registry as a graph: the shape every consumer derives (dag --format, Airflow, movalytics task, BullMQ).
import { describe, expect, it } from 'vitest';
import { DagError } from '../../dag/errors.js';
import {
  expandTaskIds,
  findTask,
  pipelineGraph,
  planPipeline,
  planTask,
  REGISTRY,
  TASK_IDS,
} from './index.js';

describe('the task registry', () => {
  it('is stage.files → (clean.movies ∥ load.ratings[0]) → publish, with publish as the whole boundary', () => {
    const plan = planPipeline();
    expect(plan.levels).toEqual([['stage.files'], ['clean.movies', 'load.ratings[0]'], ['publish']]);
    expect(plan.order.filter((id) => plan.tasks.get(id)!.boundary === 'publish')).toEqual(['publish']);
    expect(TASK_IDS).toEqual(['stage.files', 'clean.movies', 'load.ratings', 'publish']);
  });

  it('maps load.ratings over the shard slots: one instance per shard, each a dependency of publish', () => {
    const plan = planPipeline({ shards: 4 });
    const mapped = ['load.ratings[0]', 'load.ratings[1]', 'load.ratings[2]', 'load.ratings[3]'];
    expect(plan.levels).toEqual([['stage.files'], ['clean.movies', ...mapped], ['publish']]);
    expect(plan.tasks.get('publish')!.deps).toEqual(['clean.movies', ...mapped]);
    for (const id of mapped) expect(plan.tasks.get(id)!.deps).toEqual(['stage.files']);
    expect(findTask('load.ratings[3]')!.id).toBe('load.ratings[3]');
    expect(findTask('load.ratings[3]')!.writes).toEqual(['parts/3.json']);
    expect(findTask('publish[3]')).toBeUndefined();
    expect(findTask('load.ratings[x]')).toBeUndefined();
    expect(expandTaskIds(['load.ratings', 'publish', 'load.ratings[1]'], 2)).toEqual([
      'load.ratings[0]',
      'load.ratings[1]',
      'publish',
      'load.ratings[1]',
    ]);
  });

  it('plans one task alone (movalytics task, a worker job), with only the boundary it commits in', () => {
    const one = planTask(findTask('load.ratings[7]')!, { 'load.ratings': { retries: 9 } });
    expect(one.order).toEqual(['load.ratings[7]']);
    expect(one.tasks.get('load.ratings[7]')!.retries).toBe(9);
    expect(one.spec.boundaries).toEqual([]);
    expect(planTask(findTask('publish')!).spec.boundaries.map((b) => b.id)).toEqual(['publish']);
  });

  it('puts the extract tasks in front of stage.files only when the run fetches its input', () => {
    const plan = planPipeline({ extract: true });
    expect(plan.levels[0]).toEqual(['extract.movielens', 'extract.fred']);
    expect(plan.tasks.get('stage.files')!.deps).toEqual(['extract.movielens', 'extract.fred']);
    expect(plan.order).toEqual(REGISTRY.map((t) => (t.instance === undefined ? t.id : `${t.id}[0]`)));
  });

  it('takes a schedule and rejects a bad one', () => {
    expect(planPipeline({ schedule: '@daily' }).spec.schedule).toBe('@daily');
    expect(pipelineGraph().schedule).toBeNull();
    expect(() => planPipeline({ schedule: 'every day' })).toThrow(DagError);
  });

  it('applies per-task overrides (a mapped task’s to each instance) and names an unknown task', () => {
    const plan = planPipeline({
      shards: 2,
      overrides: {
        '*': { retries: 5 },
        publish: { timeoutSeconds: 60 },
        'load.ratings': { retries: 3 },
        'load.ratings[1]': { retries: 4 },
      },
    });
    expect(plan.tasks.get('clean.movies')!.retries).toBe(5);
    expect(plan.tasks.get('load.ratings[0]')!.retries).toBe(3);
    expect(plan.tasks.get('load.ratings[1]')!.retries).toBe(4);
    expect(plan.tasks.get('publish')!.timeoutMs).toBe(60_000);
    expect(() => planPipeline({ overrides: { 'load.nothing': { retries: 1 } } })).toThrow(
      /there is no task "load.nothing"/,
    );
  });
});
