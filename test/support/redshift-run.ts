// Test helper: the Redshift plan of a folder of inputs, run on the PostgreSQL stand-in (RedshiftWarehouse with
// emulate: 'postgres'), recording every statement sent — for the behaviour and parse-gate suites.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { META_TABLES, MODEL_VIEWS } from '../../src/model/schema.js';
import { martDdl } from '../../src/stages/answers/marts.js';
import { cleanMovies } from '../../src/stages/load/clean-movies.js';
import type { RedshiftWarehouse } from '../../src/warehouse/redshift/index.js';
import {
  planStatements,
  type RedshiftLoadInput,
  type StagingName,
  type StatementKind,
} from '../../src/stages/load/redshift-plan.js';
import { prepareModelLoad, type ModelLoadFiles } from '../../src/stages/load/redshift-load.js';
import type { LoadObject } from '../../src/warehouse/s3-copy.js';

export const TEST_ROLE = 'arn:aws:iam::123456789012:role/movalytics-load';

/** The model's input files in `dir` (as the stage finds them), the movies cleaned into `work`. */
export async function inputFiles(
  dir: string,
  work: string,
  ratings = ['ratings.csv'],
): Promise<ModelLoadFiles> {
  const clean = await cleanMovies(join(dir, 'movies_metadata.csv'), join(work, 'clean'));
  const cpi = readdirSync(dir)
    .filter((f) => /^(CUSR0000SS62031|CPIAUCNS)\.csv$/.test(f))
    .sort()
    .map((f) => ({ file: join(dir, f), series: f.replace(/\.csv$/, '') }));
  return {
    ratings: ratings.map((r) => join(dir, r)).filter((f) => existsSync(f)),
    links: join(dir, 'links.csv'),
    cpi,
    movies: { movies: clean.moviesFile, genres: clean.genresFile, movieGenres: clean.movieGenresFile },
  };
}

/** Runs the plan's statement kinds in order on `wh`; returns the statements sent, by kind. */
export async function runPlan(
  wh: RedshiftWarehouse,
  files: ModelLoadFiles,
  work: string,
  kinds: readonly StatementKind[],
  runStartedAt = new Date(),
): Promise<Record<string, string[]>> {
  const load = await prepareModelLoad(files, join(work, 'parts'), 4096);
  const objects: Partial<Record<StagingName, LoadObject>> = {};
  const local = new Map<string, readonly string[]>();
  for (const [name, parts] of Object.entries(load.parts) as [
    StagingName,
    NonNullable<(typeof load.parts)[StagingName]>,
  ][]) {
    const obj = await wh.s3Copy.upload(parts);
    objects[name] = obj;
    local.set(obj.manifestUrl, parts.files);
  }
  const input: RedshiftLoadInput = { objects, bytes: load.bytes, auth: { iamRole: TEST_ROLE }, runStartedAt };
  const out: Record<string, string[]> = {};
  for (const kind of kinds) {
    let answers: string[] = [];
    if (kind === 'answers') {
      const [g] = await wh.query<{ n: number }>('SELECT COUNT(*) AS n FROM movies.genre');
      answers = martDdl(Number(g?.n ?? 0), wh.dialect);
    }
    const sqls = planStatements(kind, input, { views: MODEL_VIEWS, metaDdl: META_TABLES, answers });
    await wh.s3Copy.run(sqls, local);
    out[kind] = sqls;
  }
  return out;
}
