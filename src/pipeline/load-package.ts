// A run's load package: what each task hands to the next, as files in the staging area (runs/<package_id>/), so any
// task can run in another process — or again — reading its inputs by run id instead of from memory (dlt's load
// packages). Each task's output file doubles as its completion marker.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { TaskError } from '../errors.js';
import type { CleanMovies } from '../stages/load/clean-movies.js';
import type { RatingsShadow } from '../stages/load/load-model.js';
import type { PackageManifest, StagedFile } from '../stages/stage/stage-files.js';
import type { StagingArea } from '../stages/stage/staging-area.js';

/** The files of a package, relative to runs/<package_id>/. */
export const PACKAGE_FILES = {
  manifest: 'manifest.json',
  clean: 'clean/movies.json',
  bulk: 'bulk/ratings-shadow.json',
} as const;

/** Reads and writes one run's package. */
export class LoadPackage {
  constructor(
    readonly staging: StagingArea,
    readonly packageId: string,
  ) {}

  get dir(): string {
    return this.staging.packageDir(this.packageId);
  }

  get cleanDir(): string {
    return this.staging.cleanDir(this.packageId);
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Writes `value` as JSON under `name`, atomically (temporary name, then rename). */
  async writeJson(name: string, value: unknown): Promise<void> {
    const file = this.file(name);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
    await rename(tmp, file);
  }

  /** The JSON under `name`, or null when the task that writes it has not finished. */
  async readJson<T>(name: string): Promise<T | null> {
    try {
      return JSON.parse(await readFile(this.file(name), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** The staged files, as stage.files recorded them; a TaskError when the stage has not run for this package. */
  async stagedFiles(): Promise<StagedFile[]> {
    const m = await this.readJson<PackageManifest>(PACKAGE_FILES.manifest);
    if (m === null)
      throw new TaskError(
        `load package ${this.packageId} has no manifest in ${this.staging.root}: run the stage.files task first`,
      );
    return m.files.map((f) => ({
      name: f.name,
      role: f.role,
      action: f.action,
      sourcePath: f.source,
      stagedPath: f.staged === null ? null : path.join(this.staging.root, f.staged),
      bytes: f.bytes,
      mtimeMs: f.mtimeMs,
      sha256: f.sha256,
      dataLines: f.dataLines,
      note: f.note,
      ...(f.seriesId === undefined ? {} : { seriesId: f.seriesId }),
    }));
  }

  /** The clean task's output, or null when there was nothing to clean (or it has not run). */
  readClean(): Promise<CleanMovies | null> {
    return this.readJson<CleanMovies>(PACKAGE_FILES.clean);
  }

  /** The bulk task's output: `undefined` when the task has not run, null when it had nothing to bulk-load. */
  async readBulk(): Promise<RatingsShadow | null | undefined> {
    const v = await this.readJson<{ shadow: RatingsShadow | null }>(PACKAGE_FILES.bulk);
    return v === null ? undefined : v.shadow;
  }
}
