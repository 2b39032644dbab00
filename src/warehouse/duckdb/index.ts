// DuckDB engine: the embedded default warehouse.
export { DuckDbWarehouse, DUCKDB_CAPABILITIES, type DuckDbOptions } from './duckdb-warehouse.js';
export { assertDuckDbFile } from './duckdb-file.js';
export { DuckDbDialect, duckDbDialect } from './duckdb-dialect.js';
export { toWarehouseError as toDuckDbWarehouseError } from './duckdb-errors.js';
