// The sources seam: fetch Kaggle datasets and FRED series into a local folder, under one HTTP policy.
export { ExtractError } from './errors.js';
export type { FetchAction, SourceEvent, SourceKind, SourceListener } from './events.js';
export { SOURCE_KINDS } from './events.js';
export {
  DEFAULT_HTTP_POLICY,
  USER_AGENT,
  backoffMs,
  parseRetryAfter,
  type Authorization,
  type HttpPolicy,
} from './http.js';
export { downloadToFile, hashFile, type DownloadOptions, type DownloadResult } from './download.js';
export {
  resolveKaggleCredentials,
  KAGGLE_CREDENTIAL_HELP,
  type Env,
  type KaggleCredentials,
} from './kaggle-credentials.js';
export {
  DEFAULT_KAGGLE_API,
  fetchKaggleDataset,
  formatKaggleRef,
  kaggleDownloadUrl,
  parseKaggleRef,
  type KaggleDatasetRef,
  type KaggleFetchOptions,
  type KaggleFetchResult,
} from './kaggle.js';
export {
  DEFAULT_FRED_API_URL,
  DEFAULT_FRED_URL,
  checkFredCsv,
  fetchFredSeries,
  observationsToCsv,
  parseSeriesId,
  type FredFetchOptions,
  type FredFetchResult,
} from './fred.js';
export { SIDECAR_FILE, readSidecar, type SourceRecord } from './sidecar.js';
export { HTTP_POLICY_ENV, sourceSettingsFromEnv, type SourceSettings } from './settings.js';
export { redactLocation, redactSecrets } from './redact.js';
