// The seam of a bulk load through object storage (`capabilities.bulkLoad === 's3-copy'`, Redshift): the load stage
// writes its files as CSV parts, has the warehouse upload them (content-addressed, with a manifest) and sends its own
// plan — DDL, COPY from the manifests, MERGE — through `run`. Everything here is generic: tables come as specs, no
// column of the model is named. The pure SQL text is the s3-copy engine's, re-exported so the stage and `movalytics
// sql` (which prints the plan without a connection) reach it through the seam, never through the engine folder.
import type { BulkReject, ColumnType, DistStyle } from './warehouse.js';

/** A table as COPY and the physical DDL take it: schema-qualified name, columns, declared key, physical design. */
export interface CopyTable {
  /** Schema-qualified. */
  readonly name: string;
  readonly columns: readonly {
    readonly name: string;
    readonly type: ColumnType;
    readonly notNull?: boolean;
  }[];
  readonly primaryKey: readonly string[];
  readonly dist: DistStyle;
  readonly sortKey: readonly string[];
}

/** Largest value in bytes (UTF-8) per VARCHAR column, keyed `schema.table.column`; measured from the load files. */
export type VarcharBytes = Readonly<Record<string, number>>;

/** Where one load file went in S3, after it was split into parts. */
export interface LoadObject {
  /** The manifest's s3:// URL. */
  manifestUrl: string;
  /** The parts' s3:// URLs, in order. */
  partUrls: readonly string[];
}

export interface CopyAuth {
  /** An IAM role ARN, or 'DEFAULT' (the cluster's default role). */
  iamRole: string;
  /** The bucket's region when it is not the cluster's. */
  region?: string;
}

/** Local CSV parts of one load file, as PartWriter writes them. */
export interface LoadParts {
  /** Local part files, in order, each with its header line. */
  files: string[];
  /** sha256 (hex) of each part. */
  sha256: string[];
  rows: number;
  rejects: BulkReject[];
  /** Longest value in bytes per VARCHAR column (by column name). */
  maxBytes: Record<string, number>;
}

/** What a warehouse with `bulkLoad: 's3-copy'` offers a stage that loads by its own plan. */
export interface S3CopyLoad {
  /** The credentials its COPY statements name. */
  readonly auth: CopyAuth;
  /** The size of the parts to write (undefined: the default, PART_BYTES). */
  readonly partBytes: number | undefined;
  /** Uploads parts and their manifest to the S3 staging area (content-addressed keys); returns their URLs. */
  upload(parts: LoadParts): Promise<LoadObject>;
  /**
   * Writes a manifest listing objects already in S3 (a staged file as it is: nothing is read or uploaded but the
   * manifest) to the staging area, content-addressed; returns its s3:// URL. The stand-in runs a COPY of whole lines
   * (copyLinesSql) from that manifest by reading it and the objects back from S3.
   */
  putManifest(objectUrls: readonly string[]): Promise<string>;
  /**
   * Runs statements in order, in the caller's transaction. On a PostgreSQL stand-in (emulation) the physical
   * attributes are dropped and a COPY from a manifest of `localParts` (manifest URL → local part files) is run as
   * COPY FROM STDIN of those files.
   */
  run(statements: readonly string[], localParts?: ReadonlyMap<string, readonly string[]>): Promise<void>;
}

export {
  copySql,
  copyLinesSql,
  copyTable,
  createTableSql,
  loadObjectFor,
  manifestFor,
  REDSHIFT_MAX_VARCHAR,
  resolveIamRole,
  specMerge,
} from './redshift/redshift-sql.js';
export { PartWriter, readCsvInto, readNdjsonInto } from './redshift/redshift-load-files.js';
export { redshiftDialect } from './redshift/redshift-dialect.js';
