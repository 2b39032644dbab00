// Redshift engine: the PostgreSQL adapter extended — COPY from S3 manifests, plain MERGE, Redshift's dialect.
export {
  RedshiftWarehouse,
  REDSHIFT_CAPABILITIES,
  redshiftToPostgresUrl,
  type RedshiftOptions,
} from './redshift-warehouse.js';
export { RedshiftDialect, redshiftDialect } from './redshift-dialect.js';
export { toRedshiftError } from './redshift-errors.js';
export * from './redshift-sql.js';
export { PartWriter, readCsvInto, readNdjsonInto } from './redshift-load-files.js';
