// Public library API of movalytics. Anything not exported here is internal.
export * from './core/errors.js';
export { loadConfig, configSchema, type Config, type ConfigInput } from './config/config.js';
export { redactLocation } from './core/redact.js';
export { runPipeline, type RunSummary, type RunOptions } from './pipeline/run-pipeline.js';
export type { PipelineEvent, PipelineListener, RunStatus, StepName } from './pipeline/events.js';
export { generateDataset, type GenerateOptions, type Truth } from './generate/index.js';
export {
  computeAnswers,
  renderAnswers,
  renderHeadlines,
  refreshMarts,
  type Answers,
  type AnswerParamsInput,
} from './stages/answers/index.js';
export { buildReport, renderReportHtml, renderReportMarkdown } from './report/index.js';
export {
  parsePyLiteral,
  parseIdNameList,
  PyLiteralError,
  type PyValue,
} from './stages/load/python-literal.js';
export type { CheckResult } from './stages/check/checks.js';
export type { Warehouse, Capabilities, Row, SqlValue, WarehouseKind } from './warehouse/warehouse.js';
export { DuckDbWarehouse } from './warehouse/duckdb/index.js';
export * from './storage/index.js';
export { PostgresWarehouse } from './warehouse/postgres/index.js';
export { openWarehouse, warehouseExists, describeLocation } from './warehouse/open.js';
export { parseWarehouseLocation, type WarehouseLocation } from './warehouse/location.js';
export { PostgresFamilyDialect, type UpsertStrategy } from './warehouse/dialect.js';
