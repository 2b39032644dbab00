// Start-up cost of the CLI, against a bare `node -e 0` measured in the same breath: `--version`, `--help`, and (with
// a warehouse) `answers`. Medians of interleaved runs, so a busy minute hits both sides alike. Target: --version and
// --help within 2× bare node. `npm run bench -- --startup` runs this step alone.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'dist/cli/bin.js');
export const STARTUP_TARGET = 2.0;

function timeMs(args) {
  const t0 = process.hrtime.bigint();
  try {
    execFileSync(process.execPath, args, { stdio: 'ignore' });
  } catch {
    // an exit code other than 0 still measures the start-up
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median ms of each command and its ratio to bare node; `warehouse` adds `answers --format json` on it. */
export function measureStartup({ warehouse = null, rounds = 9 } = {}) {
  const cases = {
    bare: ['-e', '0'],
    version: [bin, '--version'],
    help: [bin, '--help'],
    ...(warehouse === null
      ? {}
      : { answers: [bin, 'answers', '--warehouse', warehouse, '--format', 'json'] }),
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) for (const [k, args] of Object.entries(cases)) times[k].push(timeMs(args));
  const bare = median(times.bare);
  const out = { bareMs: Math.round(bare), target: STARTUP_TARGET };
  for (const k of Object.keys(cases).filter((k) => k !== 'bare')) {
    const ms = median(times[k]);
    out[k] = { ms: Math.round(ms), ratio: Math.round((ms / bare) * 100) / 100 };
  }
  return out;
}

/** One line per command for the bench's printout. */
export function startupLines(s) {
  return Object.entries(s)
    .filter(([, v]) => typeof v === 'object')
    .map(
      ([k, v]) =>
        `start-up ${k.padEnd(8)} ${String(v.ms).padStart(5)} ms  ${v.ratio.toFixed(2)}× bare node (${s.bareMs} ms)${k === 'version' || k === 'help' ? ` (target ≤ ${s.target}×${v.ratio <= s.target ? ', met' : ', MISSED'})` : ''}`,
    );
}
