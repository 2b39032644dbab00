// A run's load package: what each task hands to the next, as files in the staging area (runs/<package_id>/), so any
// task can run in another process — or again — reading its inputs by run id instead of from memory (dlt's load
// packages). Each task's output file doubles as its completion marker.
import path from 'node:path';
import { TaskError } from '../core/errors.js';
import type { CleanMovies } from '../stages/load/clean-movies.js';
import type { RatingsShadow } from '../stages/load/load-model.js';
import type { ManifestFile, PackageManifest, StagedFile } from '../stages/stage/stage-files.js';
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

  /** The store key of a package file. */
  key(name: string): string {
    return `runs/${this.packageId}/${name}`;
  }

  /** Writes `value` as JSON under `name`, atomically, and to the store when staging is one. */
  async writeJson(name: string, value: unknown): Promise<void> {
    await this.staging.putText(this.key(name), JSON.stringify(value, null, 2) + '\n');
  }

  /** The JSON under `name`, or null when the task that writes it has not finished. */
  async readJson<T>(name: string): Promise<T | null> {
    const text = await this.staging.getText(this.key(name));
    return text === null ? null : (JSON.parse(text) as T);
  }

  /** The staged files, as stage.files recorded them; a TaskError when the stage has not run for this package. */
  async stagedFiles(materialize?: (f: ManifestFile) => boolean): Promise<StagedFile[]> {
    const m = await this.readJson<PackageManifest>(PACKAGE_FILES.manifest);
    if (m === null)
      throw new TaskError(
        `load package ${this.packageId} has no manifest in ${this.staging.root}: run the stage.files task first`,
      );
    const out: StagedFile[] = [];
    for (const f of m.files) {
      // A staged file this machine lacks is fetched from the store, and only when the caller needs it.
      const local =
        f.staged !== null && (materialize?.(f) ?? true) ? await this.staging.localFile(f.staged) : null;
      out.push({
        name: f.name,
        role: f.role,
        action: f.action,
        sourcePath: f.source,
        stagedPath: local,
        bytes: f.bytes,
        mtimeMs: f.mtimeMs,
        sha256: f.sha256,
        dataLines: f.dataLines,
        note: f.note,
        ...(f.seriesId === undefined ? {} : { seriesId: f.seriesId }),
        ...(f.keyOrder === undefined ? {} : { keyOrder: f.keyOrder }),
        ...(f.mixedLineEndings === undefined ? {} : { mixedLineEndings: f.mixedLineEndings }),
      });
    }
    return out;
  }

  /** Records the clean task's output: its files go to the store (when staging is one) under clean/. */
  async writeClean(clean: CleanMovies): Promise<void> {
    const files = {
      moviesFile: path.basename(clean.moviesFile),
      genresFile: path.basename(clean.genresFile),
      movieGenresFile: path.basename(clean.movieGenresFile),
      quarantineFile: path.basename(clean.quarantineFile),
    };
    for (const name of Object.values(files)) await this.staging.pushFile(this.key(`clean/${name}`));
    await this.writeJson(PACKAGE_FILES.clean, { ...clean, ...files });
  }

  /** The clean task's output with local paths (fetched when this machine lacks them), or null when not there. */
  async readClean(): Promise<CleanMovies | null> {
    const c = await this.readJson<CleanMovies>(PACKAGE_FILES.clean);
    if (c === null) return null;
    const local = (name: string): Promise<string> =>
      this.staging.localFile(this.key(`clean/${path.basename(name)}`));
    return {
      ...c,
      moviesFile: await local(c.moviesFile),
      genresFile: await local(c.genresFile),
      movieGenresFile: await local(c.movieGenresFile),
      quarantineFile: await local(c.quarantineFile),
    };
  }

  /** The bulk task's output: `undefined` when the task has not run, null when it had nothing to bulk-load. */
  async readBulk(): Promise<RatingsShadow | null | undefined> {
    const v = await this.readJson<{ shadow: RatingsShadow | null }>(PACKAGE_FILES.bulk);
    return v === null ? undefined : v.shadow;
  }
}
