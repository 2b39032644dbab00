// The DAG as data and its pure planner: validation (ids, unknown dependencies, cycles named, publish boundaries),
// topological levels, and the selections behind `--only`, `--from` and `--resume`. No I/O, no clock.
import { DagError, formatMs } from './errors.js';

/** Every state a task can be in. `queued` and `running` are live; the other four are final. */
export const TASK_STATES = ['queued', 'running', 'success', 'failed', 'skipped', 'not_run'] as const;
export type TaskState = (typeof TASK_STATES)[number];
/** The states a run ends with (the same four src/pipeline/events.ts declares). */
export const FINAL_STATES = ['success', 'failed', 'skipped', 'not_run'] as const;
export type FinalState = (typeof FINAL_STATES)[number];

/** One task of the graph: what it waits for and how hard the runner tries. */
export interface TaskSpec {
  /** `<stage>.<thing>`: lower case, digits, `_`, dots between parts (a valid Airflow task_id too). */
  readonly id: string;
  readonly deps: readonly string[];
  readonly description: string;
  /** Extra attempts after the first, for errors marked `retryable` only. */
  readonly retries: number;
  /** Backoff base: the delay before the first retry (doubled per retry, jittered, capped by maxRetryDelayMs). */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** Per-attempt limit, enforced with an AbortSignal. */
  readonly timeoutMs: number;
  /** The publish boundary the task belongs to, if any: its tasks commit together or not at all. */
  readonly boundary?: string;
}

/** A set of tasks whose effects become visible together (one transaction in-process; see docs/dag.md). */
export interface BoundarySpec {
  readonly id: string;
  readonly description: string;
}

export interface DagSpec {
  /** A valid Airflow dag_id. */
  readonly id: string;
  readonly description: string;
  /** A 5-field cron expression or an Airflow preset such as `@daily`; null = never scheduled, run by hand. */
  readonly schedule: string | null;
  readonly boundaries: readonly BoundarySpec[];
  readonly tasks: readonly TaskSpec[];
}

/** A validated graph, ready to run or render. */
export interface DagPlan {
  readonly spec: DagSpec;
  /** Topological order; within a level, declaration order. */
  readonly order: readonly string[];
  /** levels[n] = tasks whose longest dependency chain has n tasks (level 0 has no dependencies). */
  readonly levels: readonly (readonly string[])[];
  readonly tasks: ReadonlyMap<string, TaskSpec>;
  readonly dependants: ReadonlyMap<string, readonly string[]>;
}

const TASK_ID_RE = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*(?:\[\d+\])?$/;
const DAG_ID_RE = /^[A-Za-z0-9_.-]+$/;

/**
 * Validates a graph and orders it. Throws DagError naming the offending task: a duplicate or malformed id, an unknown
 * dependency, a cycle (as `a → b → a`), bad retry/timeout numbers, an undeclared boundary, or a boundary with an
 * outside task on a path between two of its tasks (it could not commit as one unit).
 */
export function planDag(spec: DagSpec): DagPlan {
  if (!DAG_ID_RE.test(spec.id))
    throw new DagError(`dag id ${JSON.stringify(spec.id)} may hold only letters, digits, "_", "." and "-"`);
  if (spec.schedule !== null) validateSchedule(spec.schedule);
  const tasks = new Map<string, TaskSpec>();
  const boundaries = new Set(spec.boundaries.map((b) => b.id));
  for (const t of spec.tasks) {
    if (!TASK_ID_RE.test(t.id))
      throw new DagError(
        `task id ${JSON.stringify(t.id)} is malformed: use <stage>.<thing> in lower case (letters, digits, "_")`,
      );
    if (tasks.has(t.id)) throw new DagError(`task ${t.id} is declared twice: task ids must be unique`);
    if (!Number.isInteger(t.retries) || t.retries < 0)
      throw new DagError(`task ${t.id}: retries ${t.retries} must be a whole number ≥ 0`);
    for (const [name, v] of [
      ['timeoutMs', t.timeoutMs],
      ['retryDelayMs', t.retryDelayMs],
      ['maxRetryDelayMs', t.maxRetryDelayMs],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new DagError(`task ${t.id}: ${name} ${v} must be a whole number > 0`);
    }
    if (t.maxRetryDelayMs < t.retryDelayMs)
      throw new DagError(
        `task ${t.id}: maxRetryDelayMs (${formatMs(t.maxRetryDelayMs)}) is below retryDelayMs (${formatMs(t.retryDelayMs)})`,
      );
    if (t.boundary !== undefined && !boundaries.has(t.boundary))
      throw new DagError(`task ${t.id}: boundary ${JSON.stringify(t.boundary)} is not declared in the graph`);
    tasks.set(t.id, t);
  }
  const dependants = new Map<string, string[]>(spec.tasks.map((t) => [t.id, []]));
  for (const t of spec.tasks) {
    const seen = new Set<string>();
    for (const d of t.deps) {
      if (!tasks.has(d))
        throw new DagError(
          `task ${t.id} depends on unknown task ${JSON.stringify(d)}: declare it or fix the name`,
        );
      if (d === t.id) throw new DagError(`task ${t.id} depends on itself (cycle ${t.id} → ${t.id})`);
      if (seen.has(d)) throw new DagError(`task ${t.id} lists dependency ${d} twice`);
      seen.add(d);
      dependants.get(d)!.push(t.id);
    }
  }
  const cycle = findCycle(spec.tasks, tasks);
  if (cycle)
    throw new DagError(`the graph has a cycle: ${cycle.join(' → ')} — remove one of these dependencies`);

  const level = new Map<string, number>();
  const levelOf = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    const deps = tasks.get(id)!.deps;
    const l = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(levelOf));
    level.set(id, l);
    return l;
  };
  const levels: string[][] = [];
  for (const t of spec.tasks) (levels[levelOf(t.id)] ??= []).push(t.id);
  const plan: DagPlan = { spec, order: levels.flat(), levels, tasks, dependants };

  for (const b of spec.boundaries) {
    const inside = spec.tasks.filter((t) => t.boundary === b.id).map((t) => t.id);
    if (inside.length === 0)
      throw new DagError(`boundary ${b.id} has no tasks: remove it or assign tasks to it`);
    const between = [...downstreamOf(plan, inside)].filter(
      (id) => !inside.includes(id) && upstreamOf(plan, inside).has(id),
    );
    if (between.length > 0)
      throw new DagError(
        `task ${between[0]} lies between tasks of boundary ${b.id} but outside it: move it into the boundary`,
      );
  }
  return plan;
}

/** A cycle as a closed path (first id repeated at the end), or null. Iterative DFS: graphs may be deep. */
function findCycle(specs: readonly TaskSpec[], tasks: ReadonlyMap<string, TaskSpec>): string[] | null {
  const colour = new Map<string, 'grey' | 'black'>();
  for (const root of specs) {
    if (colour.has(root.id)) continue;
    const stack: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
    colour.set(root.id, 'grey');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const deps = tasks.get(top.id)!.deps;
      if (top.next >= deps.length) {
        colour.set(top.id, 'black');
        stack.pop();
        continue;
      }
      const d = deps[top.next++]!;
      const c = colour.get(d);
      if (c === 'grey') {
        // The stack holds dependants before their dependencies; a cycle reads better in run order.
        const path = stack.slice(stack.findIndex((f) => f.id === d)).map((f) => f.id);
        return [...path, d].reverse();
      }
      if (c === undefined) {
        colour.set(d, 'grey');
        stack.push({ id: d, next: 0 });
      }
    }
  }
  return null;
}

/** The given tasks and everything that depends on them, transitively. */
export function downstreamOf(plan: DagPlan, ids: Iterable<string>): Set<string> {
  return closure(ids, (id) => plan.dependants.get(id) ?? []);
}

/** The given tasks and everything they depend on, transitively. */
export function upstreamOf(plan: DagPlan, ids: Iterable<string>): Set<string> {
  return closure(ids, (id) => plan.tasks.get(id)?.deps ?? []);
}

/** `ids` and every task reachable from them through `next`. */
function closure(ids: Iterable<string>, next: (id: string) => readonly string[]): Set<string> {
  const out = new Set<string>();
  const todo = [...ids];
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    todo.push(...next(id));
  }
  return out;
}

/** What a selection picked, in run order, and the tasks it had to add with the reason (for the CLI to say). */
export interface Selection {
  readonly tasks: readonly string[];
  readonly added: readonly { readonly task: string; readonly reason: string }[];
}

function requireKnown(plan: DagPlan, ids: readonly string[], flag: string): void {
  if (ids.length === 0) throw new DagError(`${flag} needs at least one task id`);
  for (const id of ids) {
    if (!plan.tasks.has(id))
      throw new DagError(
        `unknown task ${JSON.stringify(id)} in ${flag}: the tasks are ${plan.order.join(', ')}`,
      );
  }
}

/**
 * Adds every task of a boundary that has a selected task: a boundary commits as one unit, so running part of it would
 * either publish a partial model or redo work the commit then discards.
 */
export function closeOverBoundaries(plan: DagPlan, picked: ReadonlySet<string>): Selection {
  const all = new Set(picked);
  const added: { task: string; reason: string }[] = [];
  for (const b of plan.spec.boundaries) {
    const inside = plan.order.filter((id) => plan.tasks.get(id)!.boundary === b.id);
    const trigger = inside.find((id) => picked.has(id));
    if (trigger === undefined) continue;
    for (const id of inside) {
      if (all.has(id)) continue;
      all.add(id);
      added.push({ task: id, reason: `publish boundary ${b.id} commits as one unit (with ${trigger})` });
    }
  }
  return { tasks: plan.order.filter((id) => all.has(id)), added };
}

/** `--only a,b`: exactly these tasks (plus the rest of any boundary they touch). Their inputs come from the run. */
export function selectOnly(plan: DagPlan, ids: readonly string[]): Selection {
  requireKnown(plan, ids, '--only');
  return closeOverBoundaries(plan, new Set(ids));
}

/** `--from a`: these tasks and everything downstream of them (plus the rest of any boundary they touch). */
export function selectFrom(plan: DagPlan, ids: readonly string[]): Selection {
  requireKnown(plan, ids, '--from');
  return closeOverBoundaries(plan, downstreamOf(plan, ids));
}

/**
 * `--resume`: every task whose previous state is not `success` — failed ∪ skipped ∪ not_run, plus tasks a killed run
 * left `queued`/`running` and tasks the previous run did not know — then closed over boundaries. Since a failure
 * skips all its dependants, the result is already closed downstream.
 */
export function selectResume(
  plan: DagPlan,
  previous: Readonly<Record<string, TaskState | undefined>>,
): Selection {
  return closeOverBoundaries(plan, new Set(plan.order.filter((id) => previous[id] !== 'success')));
}

/** Every task: a full run. */
export function selectAll(plan: DagPlan): Selection {
  return { tasks: [...plan.order], added: [] };
}

const CRON_PRESETS = ['@once', '@hourly', '@daily', '@weekly', '@monthly', '@quarterly', '@yearly'] as const;
const CRON_FIELD_RE =
  /^(?:\*|\d+(?:-\d+)?)(?:\/\d+)?(?:,(?:\*|\d+(?:-\d+)?)(?:\/\d+)?)*$|^[A-Za-z]{3}(?:-[A-Za-z]{3})?$/;

/**
 * Checks a schedule's shape: five cron fields (minute hour day-of-month month day-of-week) or an Airflow preset.
 * Shape only — the scheduler that runs it (cron, Airflow) is the judge of ranges.
 */
export function validateSchedule(schedule: string): void {
  if ((CRON_PRESETS as readonly string[]).includes(schedule)) return;
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => CRON_FIELD_RE.test(f)))
    throw new DagError(
      `schedule ${JSON.stringify(schedule)} is not a cron expression: use five fields such as "0 3 * * *" or one of ${CRON_PRESETS.join(', ')}`,
    );
}
