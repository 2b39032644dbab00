// A generated dataset loaded cold into a fresh warehouse of one engine: the start of every test that checks what a
// later run or command does to a published warehouse.
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/config.js';
import { generateDataset } from '../../src/generate/index.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import type { Engine } from './engines.js';
import { tempDir } from './helpers.js';

export interface ColdLoad {
  /** The test's temp folder; the dataset is in `dataDir` under it. */
  dir: string;
  dataDir: string;
  /** The `--warehouse` text of the loaded warehouse. */
  warehouse: string;
  /** The config of the first run: run it again after changing `dataDir`. */
  config: Config;
  first: Awaited<ReturnType<typeof runPipeline>>;
}

/** Generates `size` into a temp folder named after `name` and the engine, and runs the pipeline on it once. */
export async function coldLoad(
  engine: Engine,
  name: string,
  size: { movies: number; ratings: number; seed: number },
): Promise<ColdLoad> {
  const dir = tempDir(`${name}-${engine.name}`);
  const data = await generateDataset({ out: join(dir, 'data'), ...size });
  const warehouse = await engine.fresh(dir);
  const config = loadConfig({
    cwd: dir,
    overrides: { input: data.dir, warehouse, staging: engine.staging(dir) },
  });
  return { dir, dataDir: data.dir, warehouse, config, first: await runPipeline(config) };
}
