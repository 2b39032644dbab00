// What changed between two runs: per input file (bytes, sha256, rows), per model table (rows), per answer (rank
// moves in Q1/Q2/Q4, the Q3 verdict and p-values, and every figure old → new). One JSON shape for the CLI and serve.
import { UsageError } from '../core/errors.js';
import type { Answers } from '../stages/answers/index.js';
import { isoUtc } from '../stages/answers/compute.js';
import { num, str, tablesExist, type Warehouse } from '../warehouse/warehouse.js';
import { readRunAnswers } from '../stages/answers/run-answers.js';
import { readRowChanges, type RowChanges } from '../stages/load/row-changes.js';

type Leaf = string | number | boolean | null;

export interface DiffRun {
  runId: number;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A file as of a run: the last load of it by a published run up to and including that run. */
export interface FileAsOf {
  bytes: number | null;
  sha256: string | null;
  /** Rows loaded from it (reconciliation), or its data lines when the load recorded no reconciliation. */
  rows: number | null;
  /** The run that loaded this version. */
  loadedInRun: number;
}

export const FILE_CHANGES = ['added', 'removed', 'changed', 'unchanged'] as const;
export type FileChange = (typeof FILE_CHANGES)[number];

export interface FileDiff {
  fileName: string;
  role: string;
  change: FileChange;
  a: FileAsOf | null;
  b: FileAsOf | null;
}

export interface TableDiff {
  table: string;
  a: number | null;
  b: number | null;
  /** b − a; null when either is unknown. */
  delta: number | null;
  /**
   * Rows added, updated (same key, another value) and deleted by the published runs after A up to B, as each
   * recorded at publish (movalytics.run_row_changes); null when a run in between did not record them.
   */
  added: number | null;
  updated: number | null;
  deleted: number | null;
}

export interface FigureChange {
  /** A stable path: list items are keyed by their id, e.g. `q1.top[movieId=862].weightedRating`. */
  path: string;
  a: Leaf;
  b: Leaf;
  /** b − a for numbers. */
  delta: number | null;
}

/** One item of a ranked list (a Q1 movie, a Q2/Q4 genre) in both runs. */
export interface RankMove {
  id: number;
  label: string;
  rankA: number | null;
  rankB: number | null;
  /** rankA − rankB: positive moved up; null when it is in one list only (entered or left). */
  move: number | null;
  /** The figure the list is ranked by, old → new. */
  valueA: number | null;
  valueB: number | null;
}

export interface Q3TestDiff {
  pA: number | null;
  pB: number | null;
  hA: number | null;
  hB: number | null;
  significantA: boolean | null;
  significantB: boolean | null;
}

export interface AnswersDiff {
  /** Whether both runs answered with the same parameters (else the figures differ for that reason too). */
  paramsEqual: boolean;
  paramsA: Answers['params'];
  paramsB: Answers['params'];
  q1: RankMove[];
  q2: RankMove[];
  q3: {
    verdictA: string;
    verdictB: string;
    verdictChanged: boolean;
    month: Q3TestDiff;
    quarter: Q3TestDiff;
  };
  q4: RankMove[];
  /** Every figure that differs (generatedAt, run and warehouse left out). */
  figures: FigureChange[];
}

export interface RunDiff {
  schemaVersion: 1;
  a: DiffRun;
  b: DiffRun;
  files: FileDiff[];
  /** Model table sizes after each run's publish; empty when either run recorded none. */
  tables: TableDiff[];
  /** Why rows added/updated/deleted are unknown or only summed (several runs in between); null when exact. */
  rowChangesNote: string | null;
  /** Null when either run's answers were not recorded (`answersNote` says which). */
  answers: AnswersDiff | null;
  answersNote: string | null;
}

async function readRun(wh: Warehouse, runId: number): Promise<DiffRun | null> {
  const [r] = await wh.query(
    `SELECT run_id, status, CAST(started_at AS VARCHAR) AS s, CAST(finished_at AS VARCHAR) AS f
     FROM movalytics.run WHERE run_id = $1`,
    [runId],
  );
  if (r === undefined) return null;
  const s = str(r.s);
  const f = str(r.f);
  return {
    runId,
    status: str(r.status) ?? '',
    startedAt: s === null ? null : isoUtc(s),
    finishedAt: f === null ? null : isoUtc(f),
  };
}

function parseRunRef(text: string, which: string): number {
  if (!/^\d{1,9}$/.test(text))
    throw new UsageError(`${which} ${JSON.stringify(text)} is not a run id (a number)`);
  return Number(text);
}

/**
 * The two runs to compare. Default B: the latest published (status success) run; default A: the published run
 * before B. A run id that does not exist is a UsageError naming the runs there are.
 */
export async function resolveDiffRuns(
  wh: Warehouse,
  refA?: string,
  refB?: string,
): Promise<{ a: DiffRun; b: DiffRun }> {
  if (!(await tablesExist(wh, 'movalytics', 'run')))
    throw new UsageError(`warehouse ${wh.displayName} has no runs: run \`movalytics run\` first`);
  const published = (
    await wh.query(`SELECT run_id FROM movalytics.run WHERE status = 'success' ORDER BY run_id`)
  ).map((r) => num(r.run_id) ?? 0);
  const pick = async (id: number, which: string): Promise<DiffRun> => {
    const run = await readRun(wh, id);
    if (run === null)
      throw new UsageError(
        `${which}: run ${id} not found in ${wh.displayName} (published runs: ${published.join(', ') || 'none'})`,
      );
    return run;
  };
  let b: number;
  if (refB !== undefined) b = parseRunRef(refB, 'RUN_B');
  else if (refA !== undefined) b = published[published.length - 1] ?? -1;
  else {
    const last = published[published.length - 1];
    if (last === undefined)
      throw new UsageError(`warehouse ${wh.displayName} has no published run to compare`);
    b = last;
  }
  let a: number;
  if (refA !== undefined) a = parseRunRef(refA, 'RUN_A');
  else {
    const before = published.filter((id) => id < b).pop();
    if (before === undefined)
      throw new UsageError(
        `no published run before run ${b} to compare with (published runs: ${published.join(', ') || 'none'}): name two runs, e.g. movalytics diff 1 2`,
      );
    a = before;
  }
  return { a: await pick(a, 'RUN_A'), b: await pick(b, 'RUN_B') };
}

/** Each input file as of run `runId`: its last load by a published run up to it (or by the run itself). */
async function filesAsOf(wh: Warehouse, runId: number): Promise<Map<string, { role: string; f: FileAsOf }>> {
  const rows = await wh.query(
    `SELECT m.run_id, m.file_name, m.role, m.bytes, m.sha256, m.data_lines, rc.rows_loaded
     FROM movalytics.manifest m
     JOIN movalytics.run r ON r.run_id = m.run_id
     LEFT JOIN movalytics.reconciliation rc ON rc.run_id = m.run_id AND rc.file_name = m.file_name
     WHERE m.action = 'loaded' AND m.run_id <= $1 AND (r.status = 'success' OR m.run_id = $1)
     ORDER BY m.run_id`,
    [runId],
  );
  const out = new Map<string, { role: string; f: FileAsOf }>();
  for (const r of rows) {
    out.set(str(r.file_name) ?? '', {
      role: str(r.role) ?? '',
      f: {
        bytes: num(r.bytes),
        sha256: str(r.sha256),
        rows: num(r.rows_loaded) ?? num(r.data_lines),
        loadedInRun: num(r.run_id) ?? 0,
      },
    });
  }
  return out;
}

function diffFiles(
  a: Map<string, { role: string; f: FileAsOf }>,
  b: Map<string, { role: string; f: FileAsOf }>,
): FileDiff[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.map((fileName) => {
    const fa = a.get(fileName);
    const fb = b.get(fileName);
    const change: FileChange =
      fa === undefined
        ? 'added'
        : fb === undefined
          ? 'removed'
          : fa.f.sha256 === fb.f.sha256 && fa.f.bytes === fb.f.bytes && fa.f.rows === fb.f.rows
            ? 'unchanged'
            : 'changed';
    return { fileName, role: (fb ?? fa)?.role ?? '', change, a: fa?.f ?? null, b: fb?.f ?? null };
  });
}

function diffTables(
  a: Record<string, number>,
  b: Record<string, number>,
  changes: (table: string) => RowChanges | null,
): TableDiff[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names.map((table) => {
    const x = a[table] ?? null;
    const y = b[table] ?? null;
    const c = changes(table);
    return {
      table,
      a: x,
      b: y,
      delta: x !== null && y !== null ? y - x : null,
      added: c?.added ?? null,
      updated: c?.updated ?? null,
      deleted: c?.deleted ?? null,
    };
  });
}

/**
 * The row changes from run A to run B: those of every published run after A up to B, summed per table. Exact for
 * two consecutive published runs; over several, a row changed in two runs counts in each (the note says so).
 */
async function rowChangesBetween(
  wh: Warehouse,
  a: number,
  b: number,
): Promise<{ of: (table: string) => RowChanges | null; note: string | null }> {
  const unknown = (note: string): { of: () => null; note: string } => ({ of: () => null, note });
  if (b <= a)
    return unknown(
      `run ${b} is not after run ${a}: rows added, updated and deleted are counted forward only`,
    );
  const runs = (
    await wh.query(
      `SELECT run_id FROM movalytics.run WHERE status = 'success' AND run_id > $1 AND run_id <= $2 ORDER BY run_id`,
      [a, b],
    )
  ).map((r) => num(r.run_id) ?? 0);
  const recorded = await readRowChanges(wh, runs);
  const missing = runs.filter((r) => !recorded.has(r));
  if (missing.length > 0)
    return unknown(
      `run ${missing.join(', ')} recorded no row changes (an older version published it): rows added, updated and deleted are not known`,
    );
  const of = (table: string): RowChanges | null => {
    const sum: RowChanges = { added: 0, updated: 0, deleted: 0 };
    for (const r of runs) {
      const c = recorded.get(r)?.[table];
      if (c === null || c === undefined) return null;
      sum.added += c.added;
      sum.updated += c.updated;
      sum.deleted += c.deleted;
    }
    return sum;
  };
  return {
    of,
    note:
      runs.length > 1
        ? `rows added, updated and deleted are summed over runs ${runs.join(', ')}: a row changed in two of them counts in each`
        : null,
  };
}

/** List items are keyed by their id so a reordering is a rank change, not every figure changing. */
const LIST_KEYS: Record<string, string> = {
  'q1.top': 'movieId',
  'q2.genres': 'genreId',
  'q3.byMonth': 'group',
  'q3.byQuarter': 'group',
  'q4.genres': 'genreId',
};
const SKIP = new Set(['generatedAt', 'run', 'warehouse']);

/** Every leaf of an answers value, by stable path. */
function flatten(value: unknown, path: string, out: Map<string, Leaf>): void {
  if (Array.isArray(value)) {
    const key = LIST_KEYS[path];
    value.forEach((item, i) => {
      const id =
        key !== undefined && item !== null && typeof item === 'object'
          ? (item as Record<string, unknown>)[key]
          : undefined;
      flatten(
        item,
        typeof id === 'number' || typeof id === 'string' ? `${path}[${key}=${id}]` : `${path}[${i}]`,
        out,
      );
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (path === '' && SKIP.has(k)) continue;
      flatten(v, path === '' ? k : `${path}.${k}`, out);
    }
  } else {
    out.set(path, (value ?? null) as Leaf);
  }
}

/** Every figure that differs between two answers, in the order of B (then those only in A). */
export function changedFigures(a: Answers, b: Answers): FigureChange[] {
  const fa = new Map<string, Leaf>();
  const fb = new Map<string, Leaf>();
  flatten(a, '', fa);
  flatten(b, '', fb);
  const paths = [...fb.keys(), ...[...fa.keys()].filter((p) => !fb.has(p))];
  const out: FigureChange[] = [];
  for (const path of paths) {
    const x = fa.has(path) ? fa.get(path)! : null;
    const y = fb.has(path) ? fb.get(path)! : null;
    if (Object.is(x, y) && fa.has(path) === fb.has(path)) continue;
    out.push({ path, a: x, b: y, delta: typeof x === 'number' && typeof y === 'number' ? y - x : null });
  }
  return out;
}

function rankMoves<T extends { rank: number }>(
  a: readonly T[],
  b: readonly T[],
  id: (x: T) => number,
  label: (x: T) => string,
  value: (x: T) => number | null,
): RankMove[] {
  const byA = new Map(a.map((x) => [id(x), x]));
  const byB = new Map(b.map((x) => [id(x), x]));
  const ids = [...b.map(id), ...a.map(id).filter((k) => !byB.has(k))];
  return ids.map((k) => {
    const x = byA.get(k);
    const y = byB.get(k);
    return {
      id: k,
      label: label((y ?? x)!),
      rankA: x?.rank ?? null,
      rankB: y?.rank ?? null,
      move: x !== undefined && y !== undefined ? x.rank - y.rank : null,
      valueA: x === undefined ? null : value(x),
      valueB: y === undefined ? null : value(y),
    };
  });
}

function testDiff(a: Answers['q3']['monthTest'], b: Answers['q3']['monthTest']): Q3TestDiff {
  return {
    pA: a.pValue,
    pB: b.pValue,
    hA: a.h,
    hB: b.h,
    significantA: a.significant,
    significantB: b.significant,
  };
}

/** The answers part of a diff (pure). */
export function diffAnswers(a: Answers, b: Answers): AnswersDiff {
  return {
    paramsEqual: JSON.stringify(a.params) === JSON.stringify(b.params),
    paramsA: a.params,
    paramsB: b.params,
    q1: rankMoves(
      a.q1.top,
      b.q1.top,
      (m) => m.movieId,
      (m) => m.title ?? `movie ${m.movieId}`,
      (m) => m.weightedRating,
    ),
    q2: rankMoves(
      a.q2.genres,
      b.q2.genres,
      (g) => g.genreId,
      (g) => g.genre,
      (g) => g.ratings,
    ),
    q3: {
      verdictA: a.q3.verdict,
      verdictB: b.q3.verdict,
      verdictChanged: a.q3.verdict !== b.q3.verdict,
      month: testDiff(a.q3.monthTest, b.q3.monthTest),
      quarter: testDiff(a.q3.quarterTest, b.q3.quarterTest),
    },
    q4: rankMoves(
      a.q4.genres,
      b.q4.genres,
      (g) => g.genreId,
      (g) => g.genre,
      (g) => g.realRevenue,
    ),
    figures: changedFigures(a, b),
  };
}

/** What changed between runs `refA` and `refB` (defaults: the last two published runs). */
export async function computeRunDiff(wh: Warehouse, refA?: string, refB?: string): Promise<RunDiff> {
  const { a, b } = await resolveDiffRuns(wh, refA, refB);
  const files = diffFiles(await filesAsOf(wh, a.runId), await filesAsOf(wh, b.runId));
  const ra = await readRunAnswers(wh, a.runId);
  const rb = await readRunAnswers(wh, b.runId);
  const missing = [ra === null ? a.runId : null, rb === null ? b.runId : null].filter(
    (x): x is number => x !== null,
  );
  const rows = await rowChangesBetween(wh, a.runId, b.runId);
  return {
    schemaVersion: 1,
    a,
    b,
    files,
    tables: ra !== null && rb !== null ? diffTables(ra.tableRows, rb.tableRows, rows.of) : [],
    rowChangesNote: rows.note,
    answers: ra !== null && rb !== null ? diffAnswers(ra.answers, rb.answers) : null,
    answersNote:
      missing.length === 0
        ? null
        : `run ${missing.join(' and run ')} recorded no answers (only a published run records them, in movalytics.run_answers): table and answer changes are not known`,
  };
}
