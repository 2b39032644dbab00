// The monitor's one line per mapped task, from the latest attempt of each instance.
import { describe, expect, it } from 'vitest';
import type { RunDetail } from '../pipeline/run-history.js';
import { summariseMapped } from './queries.js';

const task = (name: string, state: string, ms: number | null): RunDetail['tasks'][number] =>
  ({ task: name, state, ms, attempts: 1 }) as RunDetail['tasks'][number];

describe('summariseMapped', () => {
  it('counts the instances done, names the slowest that ended, and says failed when any failed', () => {
    const tasks = [
      task('stage.files', 'success', 10),
      task('load.ratings[0]', 'success', 300),
      task('load.ratings[1]', 'failed', 900),
      task('load.ratings[2]', 'success', 500),
      task('load.ratings[3]', 'running', null),
    ];
    expect(summariseMapped(tasks, new Map([['load.ratings', 4]]))).toEqual([
      {
        task: 'load.ratings',
        done: 2,
        total: 4,
        state: 'failed',
        slowest: { task: 'load.ratings[1]', ms: 900 },
      },
    ]);
  });

  it('is running while any instance runs, success only when every one succeeded', () => {
    const counts = new Map([['load.ratings', 2]]);
    expect(
      summariseMapped(
        [task('load.ratings[0]', 'success', 5), task('load.ratings[1]', 'running', null)],
        counts,
      )[0],
    ).toMatchObject({ done: 1, total: 2, state: 'running', slowest: { task: 'load.ratings[0]', ms: 5 } });
    expect(
      summariseMapped(
        [task('load.ratings[0]', 'success', 5), task('load.ratings[1]', 'success', 7)],
        counts,
      )[0],
    ).toMatchObject({ done: 2, state: 'success', slowest: { task: 'load.ratings[1]', ms: 7 } });
    // Instances with no attempt yet (a run cut short): not success.
    expect(summariseMapped([task('load.ratings[0]', 'success', 5)], counts)[0]).toMatchObject({
      done: 1,
      total: 2,
      state: 'not_run',
    });
    expect(summariseMapped([], new Map())).toEqual([]);
  });
});
