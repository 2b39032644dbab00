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

/** FRED CPIAUCNS: CPI-U, all items, U.S. city average, not seasonally adjusted (1982-84 = 100), monthly from 1913. */
export const CPI_ALL_ITEMS_SERIES = 'CPIAUCNS';
export const CPI_ALL_ITEMS_FILE = `${CPI_ALL_ITEMS_SERIES}.csv`;

/** Rough annual inflation by era, so the synthetic index climbs like the real one (9.8 in 1913, ≈308 in 2024). */
const ALL_ITEMS_ERAS: readonly { from: number; rate: number }[] = [
  { from: 1913, rate: 0.08 },
  { from: 1920, rate: -0.02 },
  { from: 1933, rate: 0.02 },
  { from: 1946, rate: 0.025 },
  { from: 1966, rate: 0.07 },
  { from: 1983, rate: 0.03 },
  { from: 2021, rate: 0.05 },
  { from: 2024, rate: 0.03 },
];

/**
 * Renders CPIAUCNS.csv: 1913-01 to the same last month as the movie CPI, starting at 9.800 (the real first value),
 * 3 decimals, LF. Its own PRNG stream (6), so adding it changes no other generated file.
 */
export function renderCpiAllItems(
  seed: number,
  header: FredHeader,
): { text: string; rows: number; first: string; last: string } {
  const rng = new Rng(seed, 6);
  const lines = [`${header},${CPI_ALL_ITEMS_SERIES}`];
  let value = 9.8;
  let first = '';
  let last = '';
  for (
    let y = 1913, m = 1;
    y < LAST_YEAR || (y === LAST_YEAR && m <= LAST_MONTH);
    m === 12 ? (y++, (m = 1)) : m++
  ) {
    const date = `${y}-${String(m).padStart(2, '0')}-01`;
    if (first === '') first = date;
    last = date;
    lines.push(`${date},${value.toFixed(3)}`);
    const rate = ALL_ITEMS_ERAS.filter((e) => e.from <= y).at(-1)!.rate;
    value *= 1 + rate / 12 + rng.normal() * 0.002;
  }
  return { text: lines.join('\n') + '\n', rows: lines.length - 1, first, last };
}
