// Renders a planned graph as JSON, Mermaid or Graphviz DOT. Pure text out; the Airflow export is in airflow.ts.
import { formatMs } from './errors.js';
import type { DagPlan, TaskSpec } from './graph.js';

export const DAG_FORMATS = ['text', 'json', 'mermaid', 'dot', 'airflow'] as const;
export type DagFormat = (typeof DAG_FORMATS)[number];

/** The graph as `movalytics dag --format json` prints it (durations in ms, as in TaskSpec). */
export interface DagJson {
  dag: string;
  description: string;
  schedule: string | null;
  boundaries: { id: string; description: string; tasks: string[] }[];
  tasks: {
    id: string;
    deps: string[];
    level: number;
    description: string;
    retries: number;
    retryDelayMs: number;
    maxRetryDelayMs: number;
    timeoutMs: number;
    boundary: string | null;
  }[];
}

export function toDagJson(plan: DagPlan): DagJson {
  const level = new Map<string, number>();
  plan.levels.forEach((ids, i) => ids.forEach((id) => level.set(id, i)));
  return {
    dag: plan.spec.id,
    description: plan.spec.description,
    schedule: plan.spec.schedule,
    boundaries: plan.spec.boundaries.map((b) => ({
      id: b.id,
      description: b.description,
      tasks: plan.order.filter((id) => plan.tasks.get(id)!.boundary === b.id),
    })),
    tasks: plan.order.map((id) => {
      const t = plan.tasks.get(id)!;
      return {
        id,
        deps: [...t.deps],
        level: level.get(id)!,
        description: t.description,
        retries: t.retries,
        retryDelayMs: t.retryDelayMs,
        maxRetryDelayMs: t.maxRetryDelayMs,
        timeoutMs: t.timeoutMs,
        boundary: t.boundary ?? null,
      };
    }),
  };
}

export function renderJson(plan: DagPlan): string {
  return `${JSON.stringify(toDagJson(plan), null, 2)}\n`;
}

/** Every edge as [dependency, dependant], in topological order of the dependant. */
export function edges(plan: DagPlan): [string, string][] {
  return plan.order.flatMap((id) => plan.tasks.get(id)!.deps.map((d): [string, string] => [d, id]));
}

/**
 * Identifiers for ids in languages that do not allow dots or brackets (Mermaid node ids, Python variables): dots
 * and a mapped task's brackets become "_" (`load.ratings[3]` → load_ratings_3), made unique and kept off `reserved` by
 * a numeric suffix.
 */
export function identifiers(plan: DagPlan, reserved: ReadonlySet<string> = new Set()): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const id of plan.order) {
    const base = id.replace(/[.[]/g, '_').replace(/\]$/, '');
    let name = base;
    for (let n = 2; used.has(name) || reserved.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    out.set(id, name);
  }
  return out;
}

function policy(t: TaskSpec): string {
  const retry = t.retries === 0 ? 'no retries' : `retries ${t.retries} from ${formatMs(t.retryDelayMs)}`;
  return `${retry}, timeout ${formatMs(t.timeoutMs)}`;
}

/** A Mermaid flowchart: one node per task (id, retries, timeout), boundaries as subgraphs. */
export function renderMermaid(plan: DagPlan): string {
  const ids = identifiers(plan);
  const node = (id: string): string =>
    `${ids.get(id)!}["${id}<br/><small>${policy(plan.tasks.get(id)!)}</small>"]`;
  const lines = ['flowchart LR'];
  for (const id of plan.order) if (plan.tasks.get(id)!.boundary === undefined) lines.push(`  ${node(id)}`);
  for (const b of plan.spec.boundaries) {
    lines.push(`  subgraph ${b.id}_boundary["boundary ${b.id}: commits as one unit"]`);
    for (const id of plan.order) if (plan.tasks.get(id)!.boundary === b.id) lines.push(`    ${node(id)}`);
    lines.push('  end');
  }
  for (const [from, to] of edges(plan)) lines.push(`  ${ids.get(from)!} --> ${ids.get(to)!}`);
  return `${lines.join('\n')}\n`;
}

/** A DOT quoted string: backslash and quote escaped, line breaks as DOT's `\n` (centred line). */
const dotString = (s: string): string =>
  `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** A Graphviz digraph: boxes labelled with id, retries and timeout; each boundary a cluster. */
export function renderDot(plan: DagPlan): string {
  const node = (id: string): string =>
    `${dotString(id)} [label=${dotString(`${id}\n${policy(plan.tasks.get(id)!)}`)}];`;
  const lines = [
    `digraph ${dotString(plan.spec.id)} {`,
    '  rankdir=LR;',
    '  node [shape=box, fontname="Helvetica"];',
  ];
  for (const id of plan.order) if (plan.tasks.get(id)!.boundary === undefined) lines.push(`  ${node(id)}`);
  for (const b of plan.spec.boundaries) {
    lines.push(`  subgraph ${dotString(`cluster_${b.id}`)} {`);
    lines.push(`    label=${dotString(`boundary ${b.id}: commits as one unit`)};`);
    lines.push('    style=dashed;');
    for (const id of plan.order) if (plan.tasks.get(id)!.boundary === b.id) lines.push(`    ${node(id)}`);
    lines.push('  }');
  }
  for (const [from, to] of edges(plan)) lines.push(`  ${dotString(from)} -> ${dotString(to)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** One row per task for a terminal: level, id, dependencies, retries, timeout, boundary. */
export function taskRows(plan: DagPlan): {
  level: number;
  task: string;
  deps: string;
  retries: number;
  timeout: string;
  boundary: string;
}[] {
  return toDagJson(plan).tasks.map((t) => ({
    level: t.level,
    task: t.id,
    deps: t.deps.length === 0 ? '—' : t.deps.join(', '),
    retries: t.retries,
    timeout: formatMs(t.timeoutMs),
    boundary: t.boundary ?? '',
  }));
}
