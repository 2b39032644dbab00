// DuckDB engine: the embedded default warehouse.
export { DuckDbWarehouse, DUCKDB_CAPABILITIES, type DuckDbOptions } from './duckdb-warehouse.js';
export { assertDuckDbFile } from './duckdb-file.js';
