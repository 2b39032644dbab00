// The Airflow export read back without Airflow: `python3 -m py_compile`, then Python's own `ast` recovers the task
// ids, edges (`a >> b`), retries, delays, timeouts and schedule, which must equal `movalytics dag --format json`.
// The shell command is run through bash with a hostile run id to prove it arrives as one argument, unchanged.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/core/errors.js';
import { py } from '../src/dag/airflow.js';
import type { DagJson } from '../src/dag/render.js';
import { generateDataset } from '../src/generate/index.js';
import { repoRoot, runCli, tempDir } from './support/helpers.js';

/** Reads a generated DAG file with `ast` only (no Airflow import) and prints what it declares as JSON. */
const READ_DAG = String.raw`
import ast, json, sys

tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())

def kwargs(call):
    return {k.arg: k.value for k in call.keywords}

def td_ms(node):
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "timedelta", ast.dump(node)
    assert not node.args, "timedelta with positional arguments"
    unit = {"days": 86400000, "hours": 3600000, "minutes": 60000, "seconds": 1000, "milliseconds": 1}
    return round(sum(ast.literal_eval(v) * unit[k] for k, v in kwargs(node).items()))

dag = None
names = {}
tasks = []
edges = []
for node in ast.walk(tree):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "DAG":
        kw = kwargs(node)
        dag = {k: ast.literal_eval(kw[k]) for k in ("dag_id", "schedule", "catchup", "max_active_runs")}
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", None) == "BashOperator":
        kw = kwargs(node.value)
        task_id = ast.literal_eval(kw["task_id"])
        names[node.targets[0].id] = task_id
        tasks.append({
            "id": task_id,
            "bash_command": ast.literal_eval(kw["bash_command"]),
            "env": ast.literal_eval(kw["env"]),
            "append_env": ast.literal_eval(kw["append_env"]),
            "retries": ast.literal_eval(kw["retries"]),
            "retryDelayMs": td_ms(kw["retry_delay"]),
            "maxRetryDelayMs": td_ms(kw["max_retry_delay"]),
            "timeoutMs": td_ms(kw["execution_timeout"]),
            "exponential": ast.literal_eval(kw["retry_exponential_backoff"]),
        })
    # A mapped task: BashOperator.partial(task_id=NAME, ...).expand(bash_command=[...]) is NAME[0], NAME[1], ...
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and getattr(node.value.func, "attr", None) == "expand":
        partial = node.value.func.value
        assert isinstance(partial, ast.Call) and partial.func.attr == "partial" and partial.func.value.id == "BashOperator", ast.dump(partial)
        kw = kwargs(partial)
        name = ast.literal_eval(kw["task_id"])
        commands = ast.literal_eval(kwargs(node.value)["bash_command"])
        names[node.targets[0].id] = [f"{name}[{i}]" for i in range(len(commands))]
        for i, command in enumerate(commands):
            tasks.append({
                "id": f"{name}[{i}]",
                "bash_command": command,
                "env": ast.literal_eval(kw["env"]),
                "append_env": ast.literal_eval(kw["append_env"]),
                "retries": ast.literal_eval(kw["retries"]),
                "retryDelayMs": td_ms(kw["retry_delay"]),
                "maxRetryDelayMs": td_ms(kw["max_retry_delay"]),
                "timeoutMs": td_ms(kw["execution_timeout"]),
                "exponential": ast.literal_eval(kw["retry_exponential_backoff"]),
            })
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.BinOp) and isinstance(node.value.op, ast.RShift):
        edges.append([node.value.left.id, node.value.right.id])

def ids(var):
    return names[var] if isinstance(names[var], list) else [names[var]]

# An edge into or out of a mapped operator is an edge of each of its instances.
print(json.dumps({"dag": dag, "tasks": tasks, "edges": [[x, y] for a, b in edges for x in ids(a) for y in ids(b)]}))
`;

interface ReadBack {
  dag: { dag_id: string; schedule: string | null; catchup: boolean; max_active_runs: number };
  tasks: {
    id: string;
    bash_command: string;
    env: Record<string, string>;
    append_env: boolean;
    retries: number;
    retryDelayMs: number;
    maxRetryDelayMs: number;
    timeoutMs: number;
    exponential: boolean;
  }[];
  edges: [string, string][];
}

/** Renders a Jinja template the way Airflow renders templated fields (Jinja2 when present, else plain substitution). */
const RENDER = String.raw`
import sys
try:
    import jinja2
    print(jinja2.Environment().from_string(sys.argv[1]).render(run_id=sys.argv[2]), end="")
except ImportError:
    print(sys.argv[1].replace("{{ run_id }}", sys.argv[2]), end="")
`;

describe('movalytics dag --format airflow', () => {
  const dir = tempDir('dag-airflow');
  const script = join(dir, 'read_dag.py');
  writeFileSync(script, READ_DAG);
  // The interpreter itself, not a version-manager shim that re-resolves it on every call.
  const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
    encoding: 'utf8',
  }).trim();

  async function exportDag(args: string[]): Promise<{ file: string; read: ReadBack; json: DagJson }> {
    const py = await runCli(['dag', '--format', 'airflow', ...args]);
    expect(py.stderr).toBe('');
    expect(py.code).toBe(EXIT.ok);
    const file = join(dir, `movalytics_${Math.random().toString(36).slice(2)}.py`);
    writeFileSync(file, py.stdout);
    execFileSync(python, ['-m', 'py_compile', file]);
    const read = JSON.parse(execFileSync(python, [script, file], { encoding: 'utf8' })) as ReadBack;
    const keep = (flag: string): string[] =>
      args.includes(flag) ? [flag, args[args.indexOf(flag) + 1]!] : [];
    const json = await runCli(['dag', '--format', 'json', ...keep('--schedule'), ...keep('--shards')]);
    return { file, read, json: JSON.parse(json.stdout) as DagJson };
  }

  it.each([[[]], [['--schedule', '0 3 * * *']], [['--schedule', '@daily']], [['--shards', '4']]])(
    'declares exactly the tasks, edges, retries, timeouts and schedule of the JSON form (%j)',
    async (args) => {
      const { read, json } = await exportDag(args);
      expect(read.dag).toEqual({
        dag_id: json.dag,
        schedule: json.schedule,
        catchup: false,
        max_active_runs: 1,
      });
      expect(read.tasks.map((t) => t.id).sort()).toEqual(json.tasks.map((t) => t.id).sort());
      for (const t of json.tasks) {
        const r = read.tasks.find((x) => x.id === t.id)!;
        expect(r).toMatchObject({
          retries: t.retries,
          retryDelayMs: t.retryDelayMs,
          maxRetryDelayMs: t.maxRetryDelayMs,
          timeoutMs: t.timeoutMs,
          exponential: true,
          append_env: true,
        });
        // A mapped instance runs as its task with --shard (no brackets for the shell to glob).
        const mapped = /^(.+)\[(\d+)\]$/.exec(t.id);
        const task = mapped === null ? t.id : `${mapped[1]} --shard ${mapped[2]}`;
        const slots = json.tasks.filter((x) => x.id.startsWith('load.ratings[')).length;
        expect(r.bash_command).toBe(
          `movalytics task ${task} --shards ${slots} --run-id "$MOVALYTICS_RUN_ID"`,
        );
        expect(r.env).toEqual({ MOVALYTICS_RUN_ID: '{{ run_id }}' });
      }
      const jsonEdges = json.tasks.flatMap((t) => t.deps.map((d) => `${d} >> ${t.id}`)).sort();
      expect(read.edges.map(([a, b]) => `${a} >> ${b}`).sort()).toEqual(jsonEdges);
      expect(jsonEdges.length).toBeGreaterThanOrEqual(4);
    },
  );

  it('hands a hostile run id to the command as one unchanged argument', async () => {
    // printf stands in for movalytics on the worker: it prints each argument it receives on its own line.
    const { read } = await exportDag(['--command', String.raw`printf '%s\n'`]);
    const runId = `manual__2026-11-29T03:00:00+00:00'; touch "${dir}/pwned"; echo $(id) \`id\` "x`;
    const task = read.tasks.find((t) => t.id === 'publish')!;
    // What Airflow does: render the templated env with Jinja (no shell escaping), then bash -c the command.
    const env = Object.fromEntries(
      Object.entries(task.env).map(([k, v]) => [
        k,
        execFileSync(python, ['-c', RENDER, v, runId], { encoding: 'utf8' }),
      ]),
    );
    const out = execFileSync('bash', ['-c', task.bash_command], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(out.split('\n')).toEqual(['task', 'publish', '--shards', '1', '--run-id', runId, '']);
  });

  it('writes Python string literals that Python reads back exactly', () => {
    const corpus = [
      '',
      'plain',
      `it's "quoted"`,
      String.raw`back\slash \n not a newline`,
      'line\nbreak\ttab\rcr',
      '\u0000nul \u001f \u007f',
      `';DROP TABLE x;--`,
      '{{ run_id }} $(id) `id`',
      'émoji 🎬 → ✓',
      'x'.repeat(5000),
    ];
    const file = join(dir, 'literals.py');
    writeFileSync(file, `values = [${corpus.map(py).join(', ')}]\n`);
    const back = execFileSync(
      python,
      [
        '-c',
        'import ast, json, sys; print(json.dumps(ast.literal_eval(open(sys.argv[1], encoding="utf-8").read().split("=", 1)[1])))',
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(back)).toEqual(corpus);
  });

  it('runs the whole pipeline when its commands run in dependency order, as Airflow workers would', async () => {
    const data = join(dir, 'data');
    const work = join(dir, 'worker');
    mkdirSync(work);
    await generateDataset({ out: data, movies: 300, ratings: 5_000, seed: 7 });
    writeFileSync(
      join(work, 'movalytics.config.json'),
      // No "shards" here: the exported commands carry the count (--shards 2).
      JSON.stringify({ input: data, warehouse: 'w.duckdb', staging: 'staging' }),
    );
    // The worker's config sits in its working folder; the built CLI (npm test builds first) stands in for an install.
    const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = `cd ${q(work)} && ${q(process.execPath)} ${q(join(repoRoot, 'dist/cli/bin.js'))}`;
    const { read, json } = await exportDag(['--command', command, '--shards', '2']);
    expect(json.tasks.map((t) => t.id)).toContain('load.ratings[1]');
    const runId = 'scheduled__2026-11-29T03:00:00+00:00';
    for (const t of json.tasks) {
      const task = read.tasks.find((x) => x.id === t.id)!;
      const env = Object.fromEntries(
        Object.entries(task.env).map(([k, v]) => [
          k,
          execFileSync(python, ['-c', RENDER, v, runId], { encoding: 'utf8' }),
        ]),
      );
      const r = spawnSync('bash', ['-c', task.bash_command], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      expect(r.status, `${t.id}: ${r.stderr}`).toBe(EXIT.ok);
      expect(r.stdout.startsWith(`run 1 ${t.id}: done`), r.stdout).toBe(true);
      // The second shard has ratings: stage.files cut the file into the exported count, not the config's (1).
      if (t.id === 'load.ratings[1]') expect(r.stdout).toMatch(/ratings in 1 part/);
    }
    const answers = await runCli([
      'answers',
      'q1',
      '--format',
      'json',
      '--warehouse',
      join(work, 'w.duckdb'),
    ]);
    expect(answers.code, answers.stderr).toBe(EXIT.ok);
    expect((JSON.parse(answers.stdout) as { q1: { top: unknown[] } }).q1.top.length).toBeGreaterThan(0);
  });

  it('refuses a --command with Jinja markers or a bad --schedule, in one line with exit 2', async () => {
    for (const args of [
      ['--command', 'movalytics {{ var.value.x }}'],
      ['--schedule', 'every day'],
      ['--concurrency', '0'],
    ]) {
      const r = await runCli(['dag', '--format', 'airflow', ...args]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
});
