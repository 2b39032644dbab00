// Unit tests for answer parameters (the engine-specific quantile SQL is tested with each dialect).
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.js';
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
