// Unit tests for answer parameters and the engine-specific quantile SQL.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { quantileContSql } from './dialect.js';
import { parseAnswerParams } from './params.js';

describe('parseAnswerParams', () => {
  it('fills the documented defaults', () => {
    expect(parseAnswerParams({})).toEqual({
      top: 10,
      quantile: 0.9,
      minVotes: null,
      alpha: 0.05,
      cpiBase: null,
      cpiSplice: null,
    });
  });
  it('rejects bad values with a UsageError naming the flag', () => {
    expect(() => parseAnswerParams({ top: 0 })).toThrow(UsageError);
    expect(() => parseAnswerParams({ quantile: 1.5 })).toThrow(/--quantile/);
    expect(() => parseAnswerParams({ alpha: 1 })).toThrow(/--alpha/);
    expect(() => parseAnswerParams({ minVotes: -1 })).toThrow(/--min-votes/);
    expect(() => parseAnswerParams({ cpiBase: '2017-7' })).toThrow(
      /cpiBase \(--cpi-base\) "2017-7": must be a month YYYY-MM/,
    );
    expect(() => parseAnswerParams({ cpiSplice: 'cpi; drop' })).toThrow(
      /cpiSplice \(--cpi-splice\) "cpi; drop": must be a FRED series id/,
    );
    expect(parseAnswerParams({ cpiSplice: 'CPIAUCNS' }).cpiSplice).toBe('CPIAUCNS');
  });
});

describe('quantileContSql', () => {
  it('uses quantile_cont on DuckDB and percentile_cont WITHIN GROUP on the Postgres family', () => {
    expect(quantileContSql('duckdb', 'v', 0.9)).toBe('quantile_cont(v, 0.9)');
    expect(quantileContSql('postgres', 'v', 0.5)).toBe('percentile_cont(0.5) WITHIN GROUP (ORDER BY v)');
    expect(quantileContSql('redshift', 'v', 0.5)).toBe('percentile_cont(0.5) WITHIN GROUP (ORDER BY v)');
  });
});
