// A run's load package: what each task hands to the next, as files in the staging area (runs/<package_id>/), so any
// task can run in another process — or again — reading its inputs by run id instead of from memory (dlt's load
// packages). Each task's output file doubles as its completion marker.
import path from 'node:path';
import { TaskError } from '../core/errors.js';
import type { CleanMovies } from '../stages/load/clean-movies.js';
import { ratingsInLoadOrder, type RatingsShadow } from '../stages/load/load-model.js';
import type { RatingsPart } from '../stages/load/ratings-parts.js';
import type { Shard } from '../stages/stage/shards.js';
import {
  fileFacts,
  type ManifestFile,
  type PackageManifest,
  type StagedFile,
} from '../stages/stage/stage-files.js';
import type { StagingArea } from '../stages/stage/staging-area.js';

/** The files of a package, relative to runs/<package_id>/. */
export const PACKAGE_FILES = {
  manifest: 'manifest.json',
  clean: 'clean/movies.json',
  /** The reduce of the first ratings file's parts into the shadow table (written by publish before it commits). */
  shadow: 'parts/ratings-shadow.json',
} as const;

/** The output of load.ratings[i]: the parts it loaded, one per ratings file with an i-th shard. */
export function partsFile(index: number): string {
  return `parts/${index}.json`;
}

/** A ratings file to load with where its bytes are in the staging area (for ranged reads of its shards). */
export interface RatingsSource {
  file: StagedFile;
  /** The staged copy's key (raw/<sha256>). */
  key: string;
  /** Bytes [0, headerBytes) are its header line. */
  headerBytes: number;
  shards: readonly Shard[];
}

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
      out.push({ ...fileFacts(f), sourcePath: f.source, stagedPath: local });
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

  /** The reduced shadow, or null when publish has not reduced it yet. */
  readShadow(): Promise<RatingsShadow | null> {
    return this.readJson<RatingsShadow>(PACKAGE_FILES.shadow);
  }

  /**
   * The ratings files to load, in load order, with their shards (a file staged before shards existed is one shard
   * of all its data). Nothing is fetched: a shard task reads only its byte range.
   */
  async ratingsSources(): Promise<RatingsSource[]> {
    const m = await this.readJson<PackageManifest>(PACKAGE_FILES.manifest);
    const staged = new Map((m?.files ?? []).map((f) => [f.name, f.staged]));
    const files = ratingsInLoadOrder(await this.stagedFiles(() => false));
    return files.map((file) => {
      const key = staged.get(file.name);
      if (key === null || key === undefined)
        throw new TaskError(`load package ${this.packageId}: ${file.name} is to load but was not staged`);
      const cut = file.shards;
      return {
        file,
        key: key.split(path.sep).join('/'),
        headerBytes: cut?.headerBytes ?? 0,
        shards: cut?.shards ?? [],
      };
    });
  }

  /**
   * A local CSV with the file's header and shard `shard`'s bytes, for the engine to read: the staged copy itself when
   * the shard is the whole file and this machine has it (one shard, the embedded default: no copy of 745 MB), else a
   * new file (`temporary`: the caller removes it) written from the local copy or by ranged GETs of the store.
   */
  async shardCsv(src: RatingsSource, shard: Shard | null): Promise<{ path: string; temporary: boolean }> {
    const whole = shard === null || (shard.start <= src.headerBytes && shard.end >= src.file.bytes);
    if (whole) {
      const local = await this.staging.localCopy(src.key);
      if (local !== null) return { path: local, temporary: false };
    }
    const dest = path.join(
      this.dir,
      'parts',
      `${src.file.sha256 ?? src.file.name}.${shard?.index ?? 'all'}.csv`,
    );
    const ranges =
      shard === null
        ? [{ start: 0, end: src.file.bytes }]
        : [
            { start: 0, end: src.headerBytes },
            { start: shard.start, end: shard.end },
          ];
    await this.staging.writeRanges(src.key, ranges, dest);
    return { path: dest, temporary: true };
  }

  /** How many shard slots the ratings files to load use (the most shards of any file; 0 when none is to load). */
  async shardSlots(): Promise<number> {
    const sources = await this.ratingsSources();
    return sources.reduce((n, s) => Math.max(n, Math.max(1, s.shards.length)), 0);
  }

  /** shardSlots() of a staged package, 0 when stage.files has not run for it. */
  async shardSlotsIfStaged(): Promise<number> {
    return (await this.readJson(PACKAGE_FILES.manifest)) === null ? 0 : this.shardSlots();
  }

  /** What load.ratings[i] loaded, or null when it has not finished. */
  async readParts(index: number): Promise<RatingsPart[] | null> {
    return (await this.readJson<{ parts: RatingsPart[] }>(partsFile(index)))?.parts ?? null;
  }
}
