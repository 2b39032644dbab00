// The FRED series CUSR0000SS62031 (CPI-U, admission to movies, theaters and concerts; monthly, SA) as
// fredgraph.csv writes it: `<date header>,CUSR0000SS62031`, values with 3 decimals, LF line endings.
import type { FredHeader } from './options.js';
import { Rng } from './prng.js';

export const CPI_SERIES = 'CUSR0000SS62031';
export const CPI_FILE = `${CPI_SERIES}.csv`;
/** Fixed default end month 'YYYY-MM', so output does not depend on today's date (`--fred-until` moves it). */
export const DEFAULT_FRED_UNTIL = '2026-10';

/** Which months the series covers and which of them the source marks missing. */
export interface SeriesSpan {
  /** Last month 'YYYY-MM' written. */
  until: string;
  /** Months 'YYYY-MM' written as "." (FRED's mark for a month without a value, e.g. 2025-10: BLS never collected it). */
  missing: readonly string[];
}

interface RenderedSeries {
  text: string;
  rows: number;
  first: string;
  last: string;
  /** Months 'YYYY-MM' written as "." (in the series' span). */
  missing: string[];
}

/**
 * A monthly FRED series from `fromYear`-01 to the fixed last month, as fredgraph.csv writes it: `<header>,<series>`,
 * values with 3 decimals, LF. `next` gives the following month's value from this one (and the PRNG).
 */
function renderMonthly(opts: {
  series: string;
  header: FredHeader;
  fromYear: number;
  start: number;
  rng: Rng;
  next: (value: number, year: number, rng: Rng) => number;
  span: SeriesSpan;
}): RenderedSeries {
  const lines = [`${opts.header},${opts.series}`];
  const [lastYear, lastMonth] = opts.span.until.split('-').map(Number) as [number, number];
  const missingSet = new Set(opts.span.missing);
  const missing: string[] = [];
  let value = opts.start;
  let first = '';
  let last = '';
  for (
    let y = opts.fromYear, m = 1;
    y < lastYear || (y === lastYear && m <= lastMonth);
    m === 12 ? (y++, (m = 1)) : m++
  ) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    const date = `${month}-01`;
    if (first === '') first = date;
    last = date;
    // The value still evolves through a missing month, so the months after it are the same with or without the gap.
    if (missingSet.has(month)) {
      lines.push(`${date},.`);
      missing.push(month);
    } else lines.push(`${date},${value.toFixed(3)}`);
    value = opts.next(value, y, opts.rng);
  }
  return { text: lines.join('\n') + '\n', rows: lines.length - 1, first, last, missing };
}

/** Renders the CPI file: 1999-01 to `span.until` (default 2026-10), starting at 102.700 (the real first value), ≈3%/yr with noise. */
export function renderCpi(seed: number, header: FredHeader, span: SeriesSpan): RenderedSeries {
  return renderMonthly({
    span,
    series: CPI_SERIES,
    header,
    fromYear: 1999,
    start: 102.7,
    rng: new Rng(seed, 4),
    next: (value, _year, rng) => value * (1 + 0.03 / 12 + rng.normal() * 0.004),
  });
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
export function renderCpiAllItems(seed: number, header: FredHeader, span: SeriesSpan): RenderedSeries {
  return renderMonthly({
    span,
    series: CPI_ALL_ITEMS_SERIES,
    header,
    fromYear: 1913,
    start: 9.8,
    rng: new Rng(seed, 6),
    next: (value, year, rng) => {
      const rate = ALL_ITEMS_ERAS.filter((e) => e.from <= year).at(-1)!.rate;
      return value * (1 + rate / 12 + rng.normal() * 0.002);
    },
  });
}
