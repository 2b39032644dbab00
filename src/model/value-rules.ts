// The value rules of the input records and the quarantine reason of each broken rule, defined once: every engine's
// load renders its validity conditions and reasons from here (over its own column expressions), so the same defect
// is quarantined with the same words on DuckDB, PostgreSQL and Redshift.

/** The first MovieLens rating is from 1995-01-09; nothing can be rated after the run that loads it started. */
export const FIRST_RATING_DAY = '1995-01-01';
const FIRST_RATING_EPOCH = Date.parse(`${FIRST_RATING_DAY}T00:00:00Z`) / 1000;

/** Every quarantine reason ends so, whatever the rule. */
export const QUARANTINED = ' — row quarantined';

/** SQL expressions (Postgres family) over one incoming rating row, as the engine's staging table has it. */
export interface RatingRow {
  userId: string;
  movieId: string;
  rating: string;
  /** The timestamp as epoch seconds (BIGINT). */
  epoch: string;
  /**
   * The rating, the epoch seconds and the UTC day of the timestamp as text. `dayText` is read only where
   * `epochDatable(epoch)` holds (years 1-9999): outside them the engines overflow or print the day each its own way.
   */
  ratingText: string;
  epochText: string;
  dayText: string;
}

/** The plausible rating times, in epoch seconds, and the last as text for a reason. Epoch seconds are whole. */
function ratingTimeBounds(runStartedAt: Date): { first: number; last: number; lastText: string } {
  const last = Math.floor(runStartedAt.getTime() / 1000);
  const lastText = new Date(last * 1000).toISOString().replace('T', ' ').replace('.000Z', '');
  return { first: FIRST_RATING_EPOCH, last, lastText };
}

/** The epoch seconds of 0001-01-01 and 9999-12-31 23:59:59 UTC: the times every engine's TIMESTAMP holds. */
const FIRST_DATABLE_EPOCH = Date.parse('0001-01-01T00:00:00Z') / 1000;
const LAST_DATABLE_EPOCH = Date.parse('9999-12-31T23:59:59Z') / 1000;

/**
 * Whether epoch seconds `epoch` fall in years 1-9999, where every engine makes the same TIMESTAMP of them. Beyond, a
 * BIGINT epoch overflows the conversion (DuckDB's microseconds from ~9.2e12 s, PostgreSQL's to_timestamp, Redshift's
 * interval) or prints a day each engine writes differently (`11476-08-15`, `0001-12-31 BC`): guard it with this.
 */
export function epochDatable(epoch: string): string {
  return `${epoch} BETWEEN ${FIRST_DATABLE_EPOCH} AND ${LAST_DATABLE_EPOCH}`;
}

const RATING_STEP_OK = (r: string): string => `${r} BETWEEN 0.5 AND 5.0 AND ${r} * 2 = floor(${r} * 2)`;

/** Whether a rating row keeps every value rule (NULL when a field is empty: wrap it in coalesce(…, false)). */
export function ratingValidSql(
  r: Pick<RatingRow, 'userId' | 'movieId' | 'rating' | 'epoch'>,
  runStartedAt: Date,
): string {
  const { first, last } = ratingTimeBounds(runStartedAt);
  return `${r.userId} > 0 AND ${r.movieId} > 0 AND ${RATING_STEP_OK(r.rating)} AND ${r.epoch} BETWEEN ${first} AND ${last}`;
}

/**
 * The reason of a rating row that breaks a value rule: the first it breaks, in this order — an empty field, the
 * rating, the ids, the timestamp (a line cut inside its timestamp, "…,12", would otherwise load as a 1970 rating).
 */
export function ratingReasonSql(r: RatingRow, runStartedAt: Date): string {
  const { first, lastText } = ratingTimeBounds(runStartedAt);
  const day = `CASE WHEN ${epochDatable(r.epoch)} THEN ' (' || ${r.dayText} || ')' ELSE '' END`;
  const ts = `'timestamp ' || ${r.epochText} || ${day} || ' is '`;
  return `CASE WHEN ${r.userId} IS NULL THEN 'userId is empty' WHEN ${r.movieId} IS NULL THEN 'movieId is empty'
    WHEN ${r.rating} IS NULL THEN 'rating is empty' WHEN ${r.epoch} IS NULL THEN 'timestamp is empty'
    WHEN NOT (${RATING_STEP_OK(r.rating)}) THEN 'rating ' || ${r.ratingText} || ' is not one of 0.5, 1.0 … 5.0'
    WHEN ${r.userId} <= 0 OR ${r.movieId} <= 0 THEN 'userId/movieId must be positive'
    WHEN ${r.epoch} < ${first} THEN ${ts} || 'before ${FIRST_RATING_DAY}, the first MovieLens rating'
    ELSE ${ts} || 'after ${lastText} UTC, when this run started' END || '${QUARANTINED}'`;
}

/** SQL expressions over one incoming links.csv row. */
export interface LinkRow {
  movieId: string;
  movieIdText: string;
}

/** Whether a link row keeps the value rule: a positive movieId. */
export function linkValidSql(l: Pick<LinkRow, 'movieId'>): string {
  return `${l.movieId} > 0`;
}

/** The reason of a link row whose movieId is empty or not positive. */
export function linkReasonSql(l: LinkRow): string {
  return `'movieId ' || coalesce('"' || ${l.movieIdText} || '"', 'is empty') || ' is not a positive id${QUARANTINED}'`;
}

/** SQL over one incoming FRED row: its fields as text and the engine's test of each. */
export interface CpiRow {
  date: string;
  value: string;
  /** The date is the first day of a month (YYYY-MM-01). */
  dateOk: string;
  /** The value is a positive number. */
  valueOk: string;
}

/** FRED writes "." (or nothing) for a month it has no value for — a fact of the source, kept as a NULL value. */
export function cpiMissingSql(value: string): string {
  return `trim(coalesce(${value}, '')) IN ('', '.')`;
}

/** Whether a FRED row keeps the value rules (NULL tests count as broken through coalesce). */
export function cpiValidSql(c: CpiRow): string {
  return `coalesce(${c.dateOk}, false) AND (${cpiMissingSql(c.value)} OR coalesce(${c.valueOk}, false))`;
}

/** The reason of a FRED row that breaks a value rule: the date first, then the value. */
export function cpiReasonSql(c: CpiRow): string {
  return `CASE WHEN NOT coalesce(${c.dateOk}, false) THEN 'date ' || coalesce('"' || ${c.date} || '"', 'is empty') || ' is not the first day of a month (YYYY-MM-01)'
    ELSE 'value ' || coalesce('"' || ${c.value} || '"', 'is empty') || ' is not a positive number (nor FRED''s "." for a missing month)' END || '${QUARANTINED}'`;
}

/**
 * The reason of a record whose field count is not the file's (the words every engine's CSV reader gives it), over a
 * SQL expression of the count found: for an engine that splits the records itself (Redshift's load of raw lines).
 */
export function columnCountReasonSql(expected: number, foundText: string): string {
  return `'Expected Number of Columns: ${expected} Found: ' || ${foundText} || '${QUARANTINED}'`;
}

/** The reason of a field that is not a value of its column's type, over SQL expressions of the field's text. */
export function conversionReasonSql(column: string, type: string, fieldText: string): string {
  return `'Error when converting column "${column}". Could not convert string "' || ${fieldText} || '" to ''${type}''${QUARANTINED}'`;
}
