// The schedule's up-front check: a mistake in --cron or --tz is a one-line usage error before anything starts.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { checkCron } from './scheduler.js';

describe('checkCron', () => {
  it('accepts five or six fields and a real time zone', () => {
    expect(() => checkCron('0 6 * * *', 'Europe/Paris')).not.toThrow();
    expect(() => checkCron('*/5 * * * * *')).not.toThrow();
  });

  it('refuses a time zone that does not exist, naming it', () => {
    expect(() => checkCron('0 6 * * *', 'Mars/Olympus')).toThrow(UsageError);
    expect(() => checkCron('0 6 * * *', 'Mars/Olympus')).toThrow(
      /--tz "Mars\/Olympus" is not an IANA time zone/,
    );
  });

  it('refuses an expression that never fires', () => {
    expect(() => checkCron('0 0 30 2 *')).toThrow(UsageError);
    expect(() => checkCron('0 0 30 2 *')).toThrow(/--cron "0 0 30 2 \*" never fires/);
  });

  it('refuses a malformed expression', () => {
    expect(() => checkCron('61 * * * *')).toThrow(/is not a valid schedule/);
  });
});
