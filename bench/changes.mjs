// The model-only changes the benchmarks measure (issue 21: they must cost no more than before the incremental work):
// each replaces the input's link to a generated file with a changed copy.
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** CPIAUCNS.csv without its last month: a run that loads CPI and writes no rating. */
export function changeCpi(input) {
  const file = join(input, 'CPIAUCNS.csv');
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  rmSync(file);
  writeFileSync(file, lines.slice(0, -1).join('\n') + '\n');
}

/**
 * movies_metadata.csv with one new movie (TMDB adds movies every day): a run that loads movies and writes no rating.
 * The movie has a revenue, a genre and no link, so Q3/Q4 change and no rating moves between movies.
 */
export function changeMovies(input) {
  const file = join(input, 'movies_metadata.csv');
  const original = readFileSync(file);
  rmSync(file);
  writeFileSync(file, original);
  appendFileSync(
    file,
    `False,,1000000,"[{'id': 18, 'name': 'Drama'}]",,9999999,tt9999999,en,Bench Added,Added by the bench.,1.0,,[],[],2001-03-04,5000000,100.0,[],Released,,Bench Added,False,7.0,10\n`,
  );
}
