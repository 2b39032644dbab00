// `npm run bench -- --scale N`: does the embedded pipeline scale past one machine's memory? The same cold DuckDB run
// on the full dataset (1×) and on N× its ratings (same movies and links; generated once into bench/data/scale<N>/
// and cached), each in its own process. Reports the time ratio (target ≤ 1.1·N, e.g. ≤ 11× at N = 10) and the
// peak RSS of the whole process at N× (target ≤ 2 GiB: DuckDB's memory limit plus Node's own heap).
// Writes bench/results-scale.json.
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ensureFullDataset, FULL_OPTIONS } from './generate.mjs';

const TARGET_RSS_MIB = 2048;

/** A cold run of `dir` into a fresh DuckDB file and staging folder under `work`. */
function coldRun(step, work, name, dir) {
  const input = join(work, `${name}-input`);
  rmSync(input, { recursive: true, force: true });
  mkdirSync(input, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.csv')) symlinkSync(join(dir, f), join(input, f));
  const wh = join(work, `${name}.duckdb`);
  const staging = join(work, `${name}-staging`);
  try {
    return step('run', input, wh, staging);
  } finally {
    // The N× warehouse and its staged copy are several GB: never left behind.
    rmSync(wh, { force: true });
    rmSync(`${wh}.wal`, { force: true });
    rmSync(`${wh}.tmp`, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
    rmSync(input, { recursive: true, force: true });
  }
}

export async function benchScale({ here, work, step, scale }) {
  if (!Number.isInteger(scale) || scale < 2) {
    console.error('bench: --scale takes a whole number ≥ 2, e.g. --scale 10');
    process.exit(2);
  }
  const log = (m) => console.error(m);
  mkdirSync(work, { recursive: true });
  const one = await ensureFullDataset({ log });
  const big = await ensureFullDataset({
    dir: join(here, 'data', `scale${scale}`),
    options: { ...FULL_OPTIONS, ratings: FULL_OPTIONS.ratings * scale },
    log,
  });
  const bytes = (t) => Object.values(t.files).reduce((a, f) => a + f.bytes, 0);
  console.error(`measuring the 1× cold run (${one.truth.ratings.count.toLocaleString('en-US')} ratings) …`);
  const base = coldRun(step, work, 'scale1', one.dir);
  console.error(
    `measuring the ${scale}× cold run (${big.truth.ratings.count.toLocaleString('en-US')} ratings) …`,
  );
  const scaled = coldRun(step, work, `scale${scale}`, big.dir);
  if (base.status !== 'success' || scaled.status !== 'success')
    throw new Error(`a run did not succeed: 1× ${base.status}, ${scale}× ${scaled.status}`);
  const ratio = Math.round((scaled.ms / base.ms) * 100) / 100;
  const targetRatio = Math.round(1.1 * scale * 10) / 10;
  const out = {
    measuredAt: new Date().toISOString(),
    cpus: cpus().length,
    scale,
    dataset: {
      one: { ratings: one.truth.ratings.count, csvBytes: bytes(one.truth) },
      scaled: {
        ratings: big.truth.ratings.count,
        csvBytes: bytes(big.truth),
        generateSeconds: big.seconds,
        generateMaxRssMiB: big.maxRssMiB,
      },
    },
    one: base,
    scaled: { ...scaled, ratio, targetRatio, targetRssMiB: TARGET_RSS_MIB },
  };
  writeFileSync(join(here, 'results-scale.json'), JSON.stringify(out, null, 2) + '\n');
  const met = (ok) => (ok ? 'met' : 'MISSED');
  console.log(
    `1× cold run        ${(base.ms / 1000).toFixed(1).padStart(7)} s  peak RSS ${base.maxRssMiB} MiB  tasks ${JSON.stringify(base.tasks)}`,
  );
  console.log(
    `${`${scale}× cold run`.padEnd(18)} ${(scaled.ms / 1000).toFixed(1).padStart(7)} s  peak RSS ${scaled.maxRssMiB} MiB  tasks ${JSON.stringify(scaled.tasks)}`,
  );
  console.log(
    `time ${ratio}× the 1× run (target ≤ ${targetRatio}×, ${met(ratio <= targetRatio)}); peak RSS ${scaled.maxRssMiB} MiB (target ≤ ${TARGET_RSS_MIB} MiB, ${met(scaled.maxRssMiB <= TARGET_RSS_MIB)})`,
  );
  console.log('written: bench/results-scale.json');
}
