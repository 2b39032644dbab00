// The sources seam: fetch Kaggle datasets and FRED series into a local folder, under one HTTP policy.
export { ExtractError } from './errors.js';
export type { FetchAction, SourceEvent, SourceKind } from './events.js';
export { DEFAULT_HTTP_POLICY, backoffMs, parseRetryAfter, type HttpPolicy } from './http.js';
export { downloadToFile } from './download.js';
export { resolveKaggleCredentials, type KaggleCredentials } from './kaggle-credentials.js';
export { fetchKaggleDataset, formatKaggleRef, parseKaggleRef } from './kaggle.js';
export { checkFredCsv, fetchFredSeries, observationsToCsv, parseSeriesId } from './fred.js';
export { SIDECAR_FILE, readSidecar } from './sidecar.js';
export { sourceSettingsFromEnv } from './settings.js';
export { redactLocation, redactSecrets } from '../core/redact.js';
