// The Q2–Q4 drill-downs (issue 22) on every engine: for every genre, month and quarter the movies behind a figure
// add up to the figure the answers give — Q2 ratings, Q3 revenue movies and mean revenue, Q4 real and nominal
// revenue (with a CPI base month other than the default, as the dashboard may ask) — and an unknown genre is named.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../src/generate/index.js';
import {
  computeAnswers,
  drillQ2,
  drillQ3,
  drillQ4,
  DrillDownNotFound,
  type DrillChoice,
  type Q2DrillDown,
  type Q3DrillDown,
  type Q4DrillDown,
} from '../src/stages/answers/index.js';
import { openWarehouse } from '../src/warehouse/open.js';
import { engines, locationOf } from './support/engines.js';
import { runCli, tempDir } from './support/helpers.js';

const root = tempDir('drill');
const data = join(root, 'data');
beforeAll(async () => {
  await generateDataset({ out: data, movies: 400, ratings: 8_000, seed: 3 });
});

const isList = (x: unknown): x is DrillChoice[] => Array.isArray(x);

describe.each(engines.map((e) => [e.name, e] as const))('drill-downs on %s', (_name, engine) => {
  it('add up to every Q2, Q3 and Q4 figure', async () => {
    const dir = join(root, engine.name);
    mkdirSync(dir, { recursive: true });
    const warehouse = await engine.fresh(dir);
    const r = await runCli([
      'run',
      '--input',
      data,
      '--warehouse',
      warehouse,
      '--staging',
      engine.staging(dir),
    ]);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    const wh = await openWarehouse(locationOf(warehouse), { readOnly: true });
    try {
      const params = { cpiBase: '2010-01' };
      const a = await computeAnswers(wh, params);

      const q2 = await drillQ2(wh, null);
      if (!isList(q2)) throw new Error('Q2 without a genre lists the genres');
      expect(q2.map((c) => [c.value, c.figure])).toEqual(a.q2.genres.map((g) => [g.genre, g.ratings]));
      for (const g of a.q2.genres) {
        const d = (await drillQ2(wh, g.genre)) as Q2DrillDown;
        expect({ genre: g.genre, figure: d.ratings }).toEqual({ genre: g.genre, figure: g.ratings });
        const sum = d.movies.reduce((s, m) => s + m.ratings, 0) + d.rest.figure;
        expect({ genre: g.genre, sum }).toEqual({ genre: g.genre, sum: g.ratings });
      }

      const q3 = await drillQ3(wh, null);
      if (!isList(q3)) throw new Error('Q3 without a group lists the months and quarters');
      expect(q3).toHaveLength(16);
      for (const [dim, groups] of [
        ['month', a.q3.byMonth],
        ['quarter', a.q3.byQuarter],
      ] as const)
        for (const g of groups) {
          const d = (await drillQ3(
            wh,
            dim === 'month' ? { month: g.group } : { quarter: g.group },
          )) as Q3DrillDown;
          const total = d.movies.reduce((s, m) => s + m.revenue, 0) + d.rest.figure;
          expect({ dim, group: g.group, movies: d.revenueMovies, mean: d.meanRevenue, total }).toEqual({
            dim,
            group: g.group,
            movies: g.movies,
            mean: g.meanRevenue,
            total: g.meanRevenue === null ? 0 : d.totalRevenue,
          });
          expect(q3.find((c) => c.param === dim && c.value === g.group)?.figure).toBe(g.movies);
        }

      const q4 = await drillQ4(wh, null, params);
      if (!isList(q4)) throw new Error('Q4 without a genre lists the genres');
      for (const g of a.q4.genres) {
        const d = (await drillQ4(wh, g.genre, params)) as Q4DrillDown;
        expect({
          genre: g.genre,
          real: d.realRevenue,
          nominal: d.nominalRevenue,
          movies: d.movieCount,
        }).toEqual({
          genre: g.genre,
          real: g.realRevenue,
          nominal: g.nominalRevenue,
          movies: g.movies,
        });
        expect(d.cpiBase).toBe('2010-01');
        for (const m of d.movies) expect(m.realRevenue).toBeCloseTo(m.nominalRevenue * m.factor, 0);
        expect(q4.find((c) => c.value === g.genre)?.figure).toBe(g.realRevenue);
      }

      await expect(drillQ2(wh, 'No Such Genre')).rejects.toThrow(DrillDownNotFound);
      await expect(drillQ4(wh, 'No Such Genre')).rejects.toThrow(/no genre "No Such Genre": use one of /);
    } finally {
      await wh.close();
    }
  });
});
