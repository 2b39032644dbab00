// PostgreSQL engine: a server warehouse loaded by COPY FROM STDIN.
export { PostgresWarehouse } from './postgres-warehouse.js';
