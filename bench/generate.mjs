// Full-scale dataset for the benchmarks: generates The Movies Dataset at real size (45,466 movies, 26,024,289
// ratings) into bench/data/full/ with the built generator, reusing it when truth.json already matches.
// Run `npm run build` first. Usage: node bench/generate.mjs [--force]
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const FULL_DIR = join(here, 'data', 'full');
/** Time and peak RSS of the generation that wrote the cache. */
const STATS_FILE = 'generate-stats.json';
export const FULL_OPTIONS = Object.freeze({
  movies: 45_466,
  ratings: 26_024_289,
  seed: 42,
  zip: false,
  fredHeader: 'observation_date',
});

/** True when `dir` holds a complete dataset generated with exactly `options` (sizes as truth.json records). */
function isCached(dir, options) {
  const truthPath = join(dir, 'truth.json');
  if (!existsSync(truthPath)) return false;
  let truth;
  try {
    truth = JSON.parse(readFileSync(truthPath, 'utf8'));
  } catch {
    return false;
  }
  const o = truth.options ?? {};
  if (Object.entries(options).some(([k, v]) => o[k] !== v)) return false;
  return Object.values(truth.files ?? {}).every(
    (f) => existsSync(join(dir, f.file)) && statSync(join(dir, f.file)).size === f.bytes,
  );
}

/**
 * Makes sure the full-scale dataset exists (cache keyed by truth.json's options) and returns where it is.
 * Returns { dir, truth, generated, seconds, maxRssMiB }; seconds/maxRssMiB describe this call's generation.
 */
export async function ensureFullDataset({
  dir = FULL_DIR,
  force = false,
  log = (m) => process.stderr.write(`${m}\n`),
  options = FULL_OPTIONS,
} = {}) {
  if (!force && isCached(dir, options)) {
    log(`bench: reusing ${dir} (truth.json matches)`);
    // The figures of the generation that made the cache, when it recorded them.
    const stats = existsSync(join(dir, STATS_FILE))
      ? JSON.parse(readFileSync(join(dir, STATS_FILE), 'utf8'))
      : {};
    return {
      dir,
      truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')),
      generated: false,
      seconds: stats.seconds ?? null,
      maxRssMiB: stats.maxRssMiB ?? null,
    };
  }
  const distEntry = join(here, '..', 'dist', 'generate', 'index.js');
  if (!existsSync(distEntry)) throw new Error(`bench: ${distEntry} is missing; run \`npm run build\` first`);
  const { generateDataset } = await import(pathToFileURL(distEntry).href);
  rmSync(dir, { recursive: true, force: true });
  const t0 = process.hrtime.bigint();
  const result = await generateDataset({ out: dir, ...options, onProgress: (m) => log(`generate: ${m}`) });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // maxRSS is in KiB and covers the whole process so far (generation dominates when run directly).
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  writeFileSync(
    join(dir, STATS_FILE),
    JSON.stringify({ seconds, maxRssMiB, at: new Date().toISOString() }) + '\n',
  );
  return { dir, truth: result.truth, generated: true, seconds, maxRssMiB };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await ensureFullDataset({ force: process.argv.includes('--force') });
  const bytes = Object.values(r.truth.files).reduce((a, f) => a + f.bytes, 0);
  if (r.generated) {
    console.log(
      `generated ${(bytes / 1e6).toFixed(0)} MB in ${r.dir}: ${r.seconds.toFixed(1)} s, peak RSS ${r.maxRssMiB.toFixed(0)} MiB`,
    );
  } else {
    console.log(`cached ${(bytes / 1e6).toFixed(0)} MB in ${r.dir}`);
  }
}
