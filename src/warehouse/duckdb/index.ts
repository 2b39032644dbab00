// DuckDB engine: the embedded default warehouse.
export { DuckDbWarehouse } from './duckdb-warehouse.js';
