// The FRED series CUSR0000SS62031 (CPI-U, admission to movies, theaters and concerts; monthly, SA) as
// fredgraph.csv writes it: `<date header>,CUSR0000SS62031`, values with 3 decimals, LF line endings.
import type { FredHeader } from './options.js';
import { Rng } from './prng.js';

export const CPI_SERIES = 'CUSR0000SS62031';
export const CPI_FILE = `${CPI_SERIES}.csv`;
/** Fixed end month, so output does not depend on today's date. */
const LAST_YEAR = 2026;
const LAST_MONTH = 10;

/** Renders the CPI file: 1999-01 to 2026-10, starting at 102.700 (the real first value), ≈3%/yr with noise. */
export function renderCpi(
  seed: number,
  header: FredHeader,
): { text: string; rows: number; first: string; last: string } {
  const rng = new Rng(seed, 4);
  const lines = [`${header},${CPI_SERIES}`];
  let value = 102.7;
  let first = '';
  let last = '';
  for (
    let y = 1999, m = 1;
    y < LAST_YEAR || (y === LAST_YEAR && m <= LAST_MONTH);
    m === 12 ? (y++, (m = 1)) : m++
  ) {
    const date = `${y}-${String(m).padStart(2, '0')}-01`;
    if (first === '') first = date;
    last = date;
    lines.push(`${date},${value.toFixed(3)}`);
    value *= 1 + 0.03 / 12 + rng.normal() * 0.004;
  }
  return { text: lines.join('\n') + '\n', rows: lines.length - 1, first, last };
}
