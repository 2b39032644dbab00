// PostgreSQL's SQL: the Postgres-family base as written (the base is PostgreSQL 15's dialect; others override it).
import { PostgresFamilyDialect } from '../dialect.js';

export class PostgresDialect extends PostgresFamilyDialect {}

export const postgresDialect = new PostgresDialect();
