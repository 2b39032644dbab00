// PostgreSQL engine: a server warehouse loaded by COPY FROM STDIN.
export { PostgresWarehouse, POSTGRES_CAPABILITIES, type PostgresOptions } from './postgres-warehouse.js';
export { PostgresDialect, postgresDialect } from './postgres-dialect.js';
export { toWarehouseError as toPostgresWarehouseError, isTransient, sqlStateOf } from './postgres-errors.js';
