// The task registry as a graph: the shape every consumer derives (dag --format, Airflow, movalytics task, BullMQ).
import { describe, expect, it } from 'vitest';
import { DagError } from '../../dag/errors.js';
import { pipelineGraph, planPipeline, REGISTRY, TASK_IDS } from './index.js';

describe('the task registry', () => {
  it('is stage.files → (clean.movies ∥ load.bulk) → publish, with publish as the whole boundary', () => {
    const plan = planPipeline();
    expect(plan.levels).toEqual([['stage.files'], ['clean.movies', 'load.bulk'], ['publish']]);
    expect(plan.order.filter((id) => plan.tasks.get(id)!.boundary === 'publish')).toEqual(['publish']);
    expect(TASK_IDS).toEqual(plan.order);
  });

  it('puts the extract tasks in front of stage.files only when the run fetches its input', () => {
    const plan = planPipeline({ extract: true });
    expect(plan.levels[0]).toEqual(['extract.movielens', 'extract.fred']);
    expect(plan.tasks.get('stage.files')!.deps).toEqual(['extract.movielens', 'extract.fred']);
    expect(plan.order).toEqual(REGISTRY.map((t) => t.id));
  });

  it('takes a schedule and rejects a bad one', () => {
    expect(planPipeline({ schedule: '@daily' }).spec.schedule).toBe('@daily');
    expect(pipelineGraph().schedule).toBeNull();
    expect(() => planPipeline({ schedule: 'every day' })).toThrow(DagError);
  });

  it('applies per-task overrides and names an unknown task', () => {
    const plan = planPipeline({ overrides: { '*': { retries: 5 }, publish: { timeoutSeconds: 60 } } });
    expect(plan.tasks.get('load.bulk')!.retries).toBe(5);
    expect(plan.tasks.get('publish')!.timeoutMs).toBe(60_000);
    expect(() => planPipeline({ overrides: { 'load.nothing': { retries: 1 } } })).toThrow(
      /there is no task "load.nothing"/,
    );
  });
});
