// `movalytics sql --warehouse redshift://… [--statement ddl|load|merge|answers]`: prints the Redshift SQL of a load of
// the input folder — physical DDL, COPY from the S3 manifests (the staged ratings, links and CPI files as they are,
// the cleaned movies as parts), typing in SQL, de-duplicate + MERGE in one transaction, the answer marts — so it can
// be reviewed before a paid cluster runs it. Reads the input (to hash the staged files, size VARCHARs and name the
// content-addressed parts); touches no warehouse and uploads nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { UsageError } from '../../core/errors.js';
import { oneOf } from './options.js';
import { META_TABLES, MODEL_VIEWS } from '../../model/schema.js';
import { martDdl } from '../../stages/answers/marts.js';
import { cleanMovies } from '../../stages/load/clean-movies.js';
import { modelInputsIn, prepareModelLoad, type ModelLoadFiles } from '../../stages/load/redshift-load.js';
import {
  STATEMENT_KINDS,
  planStatements,
  type StagingName,
  type StatementKind,
} from '../../stages/load/redshift-plan.js';
import { hashFile, rawKey } from '../../storage/index.js';
import {
  loadObjectFor,
  manifestFor,
  redshiftDialect,
  resolveIamRole,
  type LoadObject,
} from '../../warehouse/s3-copy.js';

/** The staging tables a run fills from staged files as they are (never from parts). */
const RAW_LOADED: ReadonlySet<string> = new Set(['rating_in', 'link_in', 'cpi_in']);

interface SqlFlags {
  warehouse?: string;
  statement?: string;
  input?: string;
  staging?: string;
  config?: string;
}

export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('print the Redshift SQL a load of the input would send (DDL, COPY, MERGE, answer marts)')
    .option('-w, --warehouse <url>', 'redshift://USER@ENDPOINT:5439/DB?iam_role=ARN')
    .option('--statement <kind>', `${STATEMENT_KINDS.join(' | ')} (default: all, in that order)`)
    .option('-i, --input <dir>', "the input folder (default: the config's input)")
    .option('--staging <s3url>', "s3://BUCKET/PREFIX the load files go to (default: the config's staging)")
    .option('-c, --config <file>', 'config file (default ./movalytics.config.json when present)')
    .action(async (flags: SqlFlags) => {
      const kinds: StatementKind[] =
        flags.statement === undefined
          ? [...STATEMENT_KINDS]
          : [oneOf('--statement', flags.statement, STATEMENT_KINDS)];
      const config = loadConfig({
        ...(flags.config === undefined ? {} : { configPath: flags.config }),
        overrides: { warehouse: flags.warehouse, input: flags.input, staging: flags.staging },
      });
      const loc = config.warehouse;
      if (loc.kind !== 'redshift')
        throw new UsageError(
          'movalytics sql prints Redshift SQL: pass --warehouse redshift://USER@ENDPOINT:5439/DB?iam_role=ARN',
        );
      const iamRole = resolveIamRole(loc.iamRole, process.env);
      const staging = loc.staging;
      if (staging === undefined)
        throw new UsageError(
          'Redshift loads from S3: pass --staging s3://BUCKET/PREFIX (or "staging" in the config)',
        );
      const found = modelInputsIn(config.input);
      const work = await mkdtemp(path.join(tmpdir(), 'movalytics-sql-'));
      try {
        const files: ModelLoadFiles = { ...found };
        if (found.metadata !== undefined) {
          const clean = await cleanMovies(found.metadata, path.join(work, 'clean'));
          files.movies = {
            movies: clean.moviesFile,
            genres: clean.genresFile,
            movieGenres: clean.movieGenresFile,
          };
        }
        // The ratings are not read (a run COPYs them as they are); links and CPI only to size the model's VARCHARs.
        const load = await prepareModelLoad({ ...files, ratings: [] }, path.join(work, 'parts'));
        const objects: Partial<Record<StagingName, LoadObject>> = {};
        for (const [name, parts] of Object.entries(load.parts))
          if (parts && !RAW_LOADED.has(name))
            objects[name as StagingName] = loadObjectFor(parts.sha256, staging);
        // A run with this staging area COPYs each staged file from its raw/<sha256> object, by a manifest of one.
        const staged = async (file: string): Promise<LoadObject> => {
          const url = `${staging.replace(/\/?$/, '/')}${rawKey((await hashFile(file)).sha256)}`;
          return { manifestUrl: manifestFor([url], staging).manifestUrl, partUrls: [url] };
        };
        const raw = {
          ratings: await Promise.all((files.ratings ?? []).map(staged)),
          ...(files.links === undefined ? {} : { links: await staged(files.links) }),
          cpi: await Promise.all(
            (files.cpi ?? []).map(async (c) => ({ series: c.series, object: await staged(c.file) })),
          ),
        };
        const input = { objects, raw, bytes: load.bytes, auth: { iamRole }, runStartedAt: new Date() };
        const model = {
          views: MODEL_VIEWS,
          metaDdl: META_TABLES,
          answers: martDdl(load.parts.genre_in?.rows ?? 0, redshiftDialect),
        };
        const out: string[] = [];
        for (const kind of kinds) {
          out.push(`-- ${kind}`);
          for (const sql of planStatements(kind, input, model)) out.push(`${sql};\n`);
        }
        process.stdout.write(out.join('\n'));
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
}
