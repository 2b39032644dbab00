// Comparing the four answers of two warehouses: the one rule the conformance and Redshift suites share, so that
// "the same answers" means the same thing in each.
import { expect } from 'vitest';

/** When and where an answer was computed: never compared. */
const CIRCUMSTANCES = ['generatedAt', 'warehouse', 'startedAt', 'finishedAt'];

/**
 * Equal answers: integers exactly, other numbers to 1e-9 relative (a median of computed doubles may differ in the
 * last bit between engines), text exactly; `path` names the first difference. With `ignoreRun`, the `run` they
 * came from is not compared either (two warehouses with different run histories).
 */
export function expectSameAnswers(a: unknown, b: unknown, opts: { ignoreRun?: boolean } = {}): void {
  const skipped = opts.ignoreRun === true ? [...CIRCUMSTANCES, 'run'] : CIRCUMSTANCES;
  compare(a, b, 'answers', skipped);
}

function compare(a: unknown, b: unknown, path: string, skipped: readonly string[]): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) expect(b, path).toBe(a);
    else expect(Math.abs(a - b), path).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(a), Math.abs(b)));
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    expect(b.length, path).toBe(a.length);
    a.forEach((x, i) => compare(x, b[i], `${path}[${i}]`, skipped));
    return;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    expect(Object.keys(b).sort(), path).toEqual(ka);
    for (const k of ka) {
      if (skipped.includes(k)) continue;
      compare((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, skipped);
    }
    return;
  }
  expect(b, path).toEqual(a);
}
