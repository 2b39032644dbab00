// The input layout: which file plays which role, which headers are expected, and which files are left out and why.

export const FILE_ROLES = ['movies_metadata', 'links', 'ratings', 'cpi', 'ignored'] as const;
export type FileRole = (typeof FILE_ROLES)[number];

import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { OPTIONAL_CPI_SERIES, PRIMARY_CPI_SERIES } from '../model/schema.js';

/** FRED series the model stores: the required one first, then the optional ones (CPIAUCNS, for --cpi-splice). */
export const CPI_SERIES_KNOWN: readonly string[] = [PRIMARY_CPI_SERIES, ...OPTIONAL_CPI_SERIES];

/** Expected header of each role (CPI accepts FRED's old `DATE` and current `observation_date` forms). */
export const EXPECTED_HEADERS: Record<Exclude<FileRole, 'ignored' | 'cpi'>, string> = {
  movies_metadata:
    'adult,belongs_to_collection,budget,genres,homepage,id,imdb_id,original_language,original_title,overview,popularity,poster_path,production_companies,production_countries,release_date,revenue,runtime,spoken_languages,status,tagline,title,video,vote_average,vote_count',
  links: 'movieId,imdbId,tmdbId',
  ratings: 'userId,movieId,rating,timestamp',
};
export const CPI_HEADER_RE = /^(?:observation_date|DATE),([A-Z0-9]+)$/;

export interface Classified {
  role: FileRole;
  /** For ignored files: why they are left out. */
  reason?: string;
}

/**
 * Classifies a file of the input folder by name.
 * Every `ratings*.csv` is a ratings file (incremental drops such as ratings_2026-11.csv) except ratings_small.csv:
 * the Kaggle download ships it as a separate 100k-rating sample with its own user numbering, so merging it would
 * double-count and mix two user id spaces.
 */
export function classifyFile(name: string): Classified {
  const lower = name.toLowerCase();
  if (lower === 'movies_metadata.csv') return { role: 'movies_metadata' };
  if (lower === 'links.csv') return { role: 'links' };
  if (lower === 'ratings_small.csv' || lower === 'links_small.csv') {
    return {
      role: 'ignored',
      reason: 'separate MovieLens sample with its own user numbering (not more ratings)',
    };
  }
  if (/^ratings.*\.csv$/.test(lower)) return { role: 'ratings' };
  // A FRED file: named after a series we use, or FRED's download name. The header says which series it holds;
  // the stage ignores (with a reason) a series the model does not use.
  if (CPI_SERIES_KNOWN.some((id) => lower === `${id.toLowerCase()}.csv`) || /^fredgraph.*\.csv$/.test(lower))
    return { role: 'cpi' };
  if (lower === 'keywords.csv' || lower === 'credits.csv')
    return { role: 'ignored', reason: 'not used by the model' };
  return { role: 'ignored', reason: 'not part of the Kaggle/FRED layout' };
}

/**
 * Why a FRED file is left out, or null when its series is one the model stores. The file's header names the series.
 */
export function cpiSeriesIgnoredReason(series: string): string | null {
  if (CPI_SERIES_KNOWN.includes(series)) return null;
  return `FRED series ${series} is not used (Movalytics reads ${CPI_SERIES_KNOWN.join(' and optionally ')})`;
}

/** Roles that must be present, with the file name to ask the user for. */
export const REQUIRED: readonly { role: FileRole; name: string }[] = [
  { role: 'movies_metadata', name: 'movies_metadata.csv' },
  { role: 'links', name: 'links.csv' },
  { role: 'ratings', name: 'ratings.csv' },
  { role: 'cpi', name: `${PRIMARY_CPI_SERIES}.csv` },
];

/** A file of an input folder with its role (a CPI file's series read from its header). */
export interface InputFile {
  name: string;
  path: string;
  role: FileRole;
  /** The FRED series of a CPI file. */
  series?: string;
}

/**
 * The files of an input folder by the layout's rules, by name: what a run would stage, without staging it (a CPI
 * file whose header names no series, or a series the model does not use, is left out as the stage leaves it out).
 * InputError when `dir` is not a folder.
 */
export function inputFilesIn(dir: string): InputFile[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    names = readdirSync(dir).sort();
  } catch {
    throw new InputError(`input ${dir} is not a folder: pass --input with the Kaggle CSVs and the FRED file`);
  }
  const out: InputFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const { role } = classifyFile(name);
    if (role === 'ignored') continue;
    if (role !== 'cpi') {
      out.push({ name, path: file, role });
      continue;
    }
    const header = (readFileSync(file, 'utf8').split(/\r?\n/, 1)[0] ?? '').replace(/^\uFEFF/, '');
    const series = CPI_HEADER_RE.exec(header)?.[1];
    if (series !== undefined && cpiSeriesIgnoredReason(series) === null)
      out.push({ name, path: file, role, series });
  }
  return out;
}
