// Redshift engine: the PostgreSQL adapter extended — COPY from S3 manifests, plain MERGE, Redshift's dialect.
export { RedshiftWarehouse, REDSHIFT_CAPABILITIES, redshiftToPostgresUrl } from './redshift-warehouse.js';
export { redshiftDialect } from './redshift-dialect.js';
export { resolveIamRole, varcharSize } from './redshift-sql.js';
