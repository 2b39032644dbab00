// Which ratings file each stored rating came from, without a column on the 26M-row table: the file that built the
// table whole (the base: ratings.csv on a cold load) is one row of movalytics.rating_file, and only the ratings a
// later file wrote by merge are listed, by key, in movalytics.rating_source. A rating not listed there came from the
// base file. A cold load writes no per-rating row at all; an incremental file writes one per rating it wrote.
import { tablesExist, type Warehouse } from '../../warehouse/warehouse.js';
import type { StagedFile } from '../stage/stage-files.js';

type Db = Pick<Warehouse, 'exec' | 'query' | 'dialect'>;

export const RATING_FILE = 'movalytics.rating_file';
export const RATING_SOURCE = 'movalytics.rating_source';

const DDL = [
  `CREATE TABLE IF NOT EXISTS ${RATING_FILE} (
  file_id INTEGER NOT NULL PRIMARY KEY,
  file_name VARCHAR NOT NULL,
  sha256 VARCHAR,
  run_id INTEGER NOT NULL,                 -- the run whose load wrote this file's ratings
  is_base BOOLEAN NOT NULL                 -- true: the file the table was built from; its ratings are not listed
)`,
  `CREATE TABLE IF NOT EXISTS ${RATING_SOURCE} (
  user_id INTEGER NOT NULL,
  movielens_id INTEGER NOT NULL,
  file_id INTEGER NOT NULL                 -- movalytics.rating_file: the file whose merge wrote the stored rating
)`,
];

/**
 * Notes where the ratings `file` wrote came from; inside the publish transaction, right after that file's load.
 * `written`: the table of the rows its merge wrote (user_id, movielens_id), or null when it built movies.rating whole.
 */
export async function noteRatingSource(
  wh: Db,
  runId: number,
  file: StagedFile,
  written: string | null,
): Promise<void> {
  for (const sql of DDL) await wh.exec(wh.dialect.tableDdl(sql));
  const [last] = await wh.query<{ id: number | string | null }>(
    `SELECT max(file_id) AS id FROM ${RATING_FILE}`,
  );
  const id = Number(last?.id ?? 0) + 1;
  if (written === null) {
    // Every stored rating now comes from this file: the earlier files stay listed, as history, without ratings.
    await wh.exec(`DELETE FROM ${RATING_SOURCE}`);
    await wh.exec(`UPDATE ${RATING_FILE} SET is_base = false`);
  } else {
    await wh.exec(`DELETE FROM ${RATING_SOURCE} s USING ${written} w
WHERE s.user_id = w.user_id AND s.movielens_id = w.movielens_id`);
    await wh.exec(
      `INSERT INTO ${RATING_SOURCE} (user_id, movielens_id, file_id) SELECT user_id, movielens_id, ${id} FROM ${written}`,
    );
  }
  await wh.query(
    `INSERT INTO ${RATING_FILE} (file_id, file_name, sha256, run_id, is_base) VALUES ($1, $2, $3, $4, $5)`,
    [id, file.name, file.sha256, Math.trunc(runId), written === null],
  );
}

export interface RatingsFromFile {
  fileName: string;
  sha256: string | null;
  runId: number;
  ratings: number;
}

/**
 * The stored ratings of MovieLens ids `movielensIds` per file they came from, given their total (`total`, counted by
 * the caller): the listed ones by file, the rest from the base file. Null when this warehouse does not record it
 * (built before this was recorded, or by an engine that loads by plan).
 */
export async function ratingsByFile(
  wh: Pick<Warehouse, 'query'>,
  movielensIds: readonly number[],
  total: number,
): Promise<RatingsFromFile[] | null> {
  if (!(await tablesExist(wh, 'movalytics', 'rating_file'))) return null;
  const files = await wh.query<{
    file_id: number | string;
    file_name: string;
    sha256: string | null;
    run_id: number | string;
    is_base: boolean;
  }>(`SELECT file_id, file_name, sha256, run_id, is_base FROM ${RATING_FILE} ORDER BY file_id`);
  const listed =
    movielensIds.length === 0
      ? []
      : await wh.query<{ file_id: number | string; n: number | string }>(
          `SELECT file_id, count(*) AS n FROM ${RATING_SOURCE}
           WHERE movielens_id IN (${movielensIds.map((m) => Math.trunc(m)).join(', ')}) GROUP BY file_id`,
        );
  const byId = new Map(listed.map((r) => [Number(r.file_id), Number(r.n)]));
  const fromOthers = [...byId.values()].reduce((a, b) => a + b, 0);
  // Ratings no file lists and no base file to have come from: not recorded for this table.
  if (!files.some((f) => f.is_base) && total !== fromOthers) return null;
  const out: RatingsFromFile[] = [];
  for (const f of files) {
    const ratings = f.is_base ? total - fromOthers : (byId.get(Number(f.file_id)) ?? 0);
    if (ratings > 0) out.push({ fileName: f.file_name, sha256: f.sha256, runId: Number(f.run_id), ratings });
  }
  return out;
}
