// The DAG planner without a database: validation errors name the task, levels, and the --only/--from/--resume
// selections with their publish-boundary closure.
import { describe, expect, it } from 'vitest';
import { DagError } from './errors.js';
import {
  planDag,
  selectAll,
  selectFrom,
  selectOnly,
  selectResume,
  validateSchedule,
  type DagSpec,
  type TaskSpec,
} from './graph.js';

const t = (id: string, deps: string[] = [], extra: Partial<TaskSpec> = {}): TaskSpec => ({
  id,
  deps,
  description: id,
  retries: 0,
  retryDelayMs: 1000,
  maxRetryDelayMs: 1000,
  timeoutMs: 1000,
  ...extra,
});
const spec = (tasks: TaskSpec[], boundaries: DagSpec['boundaries'] = []): DagSpec => ({
  id: 'test',
  description: 'test graph',
  schedule: null,
  boundaries,
  tasks,
});
const plannerError = (s: DagSpec): string => {
  try {
    planDag(s);
  } catch (err) {
    expect(err).toBeInstanceOf(DagError);
    return (err as Error).message;
  }
  throw new Error('planDag accepted the graph');
};

describe('planDag', () => {
  it('orders tasks in topological levels, declaration order within a level', () => {
    const plan = planDag(
      spec([t('d.x', ['b.x', 'c.x']), t('b.x', ['a.x']), t('a.x'), t('c.x', ['a.x']), t('e.x')]),
    );
    expect(plan.levels).toEqual([['a.x', 'e.x'], ['b.x', 'c.x'], ['d.x']]);
    expect(plan.order).toEqual(['a.x', 'e.x', 'b.x', 'c.x', 'd.x']);
    expect(plan.dependants.get('a.x')).toEqual(['b.x', 'c.x']);
  });

  it('names the cycle in run order', () => {
    const msg = plannerError(spec([t('a.x', ['c.x']), t('b.x', ['a.x']), t('c.x', ['b.x']), t('z.x')]));
    expect(msg).toMatch(
      /cycle: (a\.x → b\.x → c\.x → a\.x|b\.x → c\.x → a\.x → b\.x|c\.x → a\.x → b\.x → c\.x)/,
    );
    expect(plannerError(spec([t('a.x', ['a.x'])]))).toMatch(/a\.x depends on itself/);
  });

  it('finds a cycle that is not reachable from the first task', () => {
    const msg = plannerError(spec([t('a.x'), t('b.x', ['a.x', 'c.x']), t('c.x', ['b.x'])]));
    expect(msg).toMatch(/cycle: (b\.x → c\.x → b\.x|c\.x → b\.x → c\.x)/);
  });

  it('names an unknown dependency and the task that wants it', () => {
    expect(plannerError(spec([t('a.x'), t('b.x', ['a.y'])]))).toMatch(
      /task b\.x depends on unknown task "a\.y"/,
    );
  });

  it.each([
    [[t('a.x'), t('a.x')], /a\.x is declared twice/],
    [[t('A.x')], /task id "A\.x" is malformed/],
    [[t('a x')], /malformed/],
    [[t('a.x', [], { retries: -1 })], /a\.x: retries -1/],
    [[t('a.x', [], { retries: 1.5 })], /a\.x: retries 1\.5/],
    [[t('a.x', [], { timeoutMs: 0 })], /a\.x: timeoutMs 0/],
    [[t('a.x', [], { retryDelayMs: 2000, maxRetryDelayMs: 1000 })], /maxRetryDelayMs .* below retryDelayMs/],
    [[t('a.x', [], { boundary: 'nope' })], /boundary "nope" is not declared/],
    [[t('a.x', ['b.x', 'b.x']), t('b.x')], /lists dependency b\.x twice/],
  ])('rejects a malformed task (%#)', (tasks, message) => {
    expect(plannerError(spec(tasks))).toMatch(message);
  });

  it('rejects a boundary with an outside task between two of its tasks', () => {
    const b = [{ id: 'pub', description: '' }];
    const msg = plannerError(
      spec([t('a.x', [], { boundary: 'pub' }), t('b.x', ['a.x']), t('c.x', ['b.x'], { boundary: 'pub' })], b),
    );
    expect(msg).toMatch(/b\.x lies between tasks of boundary pub/);
    expect(plannerError(spec([t('a.x')], b))).toMatch(/boundary pub has no tasks/);
  });

  it.each(['0 3 * * *', '*/15 * * * 1-5', '@daily', '0 0 1 jan *'])('accepts schedule %j', (s) => {
    expect(() => validateSchedule(s)).not.toThrow();
  });
  it.each(['daily', '0 3 * *', '* * * * * *', '0 3 * * * ; rm -rf /'])('rejects schedule %j', (s) => {
    expect(() => validateSchedule(s)).toThrow(/is not a cron expression/);
  });
});

describe('selection', () => {
  // a → b → [c → d] → e, and f independent; [c, d] is a boundary.
  const plan = planDag(
    spec(
      [
        t('a.x'),
        t('b.x', ['a.x']),
        t('c.x', ['b.x'], { boundary: 'pub' }),
        t('d.x', ['c.x'], { boundary: 'pub' }),
        t('e.x', ['d.x']),
        t('f.x'),
      ],
      [{ id: 'pub', description: '' }],
    ),
  );

  it('--only picks exactly the tasks named, in run order', () => {
    expect(selectOnly(plan, ['e.x', 'a.x'])).toEqual({ tasks: ['a.x', 'e.x'], added: [] });
  });

  it('--only a boundary task brings the whole boundary, saying why', () => {
    const s = selectOnly(plan, ['d.x']);
    expect(s.tasks).toEqual(['c.x', 'd.x']);
    expect(s.added).toEqual([
      {
        task: 'c.x',
        reason: expect.stringMatching(/boundary pub commits as one unit \(with d\.x\)/) as string,
      },
    ]);
  });

  it('--from takes the downstream closure', () => {
    expect(selectFrom(plan, ['b.x']).tasks).toEqual(['b.x', 'c.x', 'd.x', 'e.x']);
    expect(selectFrom(plan, ['e.x', 'f.x']).tasks).toEqual(['f.x', 'e.x']);
    expect(selectFrom(plan, ['d.x']).tasks).toEqual(['c.x', 'd.x', 'e.x']);
  });

  it('names an unknown task with the list of known ones', () => {
    expect(() => selectOnly(plan, ['nope.x'])).toThrow(
      /unknown task "nope\.x" in --only: the tasks are a\.x, f\.x, b\.x/,
    );
    expect(() => selectFrom(plan, [])).toThrow(/--from needs at least one task id/);
  });

  it('--resume re-runs failed ∪ skipped ∪ not_run, and a killed run’s running tasks', () => {
    const s = selectResume(plan, {
      'a.x': 'success',
      'b.x': 'success',
      'c.x': 'success',
      'd.x': 'failed',
      'e.x': 'skipped',
      'f.x': 'not_run',
    });
    // c.x succeeded, but inside the boundary that rolled back with d.x: it runs again.
    expect(s.tasks).toEqual(['f.x', 'c.x', 'd.x', 'e.x']);
    expect(selectResume(plan, { 'a.x': 'success', 'b.x': 'running' }).tasks).toEqual([
      'f.x',
      'b.x',
      'c.x',
      'd.x',
      'e.x',
    ]);
    const allGood = Object.fromEntries(plan.order.map((id) => [id, 'success' as const]));
    expect(selectResume(plan, allGood).tasks).toEqual([]);
  });

  it('selectAll is the whole graph', () => {
    expect(selectAll(plan).tasks).toEqual(plan.order);
  });
});
