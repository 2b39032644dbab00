// The sources' settings from environment variables: endpoints (tests point them at local servers), the FRED API
// key, and the HTTP policy's numbers. The CLI passes process.env; the library never reads it.
import { ConfigError } from '../core/errors.js';
import { DEFAULT_FRED_API_URL, DEFAULT_FRED_URL } from './fred.js';
import { DEFAULT_HTTP_POLICY, type HttpPolicy } from './http.js';
import { DEFAULT_KAGGLE_API } from './kaggle.js';
import type { Env } from './kaggle-credentials.js';

export interface SourceSettings {
  kaggleApi: string;
  fredUrl: string;
  fredApiUrl: string;
  /** FRED_API_KEY: when set, FRED series come from the observations API. */
  fredApiKey: string | undefined;
  policy: HttpPolicy;
}

/** Environment variables that tune the HTTP policy, and the field each sets. */
export const HTTP_POLICY_ENV = {
  MOVALYTICS_HTTP_RETRIES: 'retries',
  MOVALYTICS_HTTP_BACKOFF_MS: 'backoffBaseMs',
  MOVALYTICS_HTTP_BACKOFF_MAX_MS: 'backoffMaxMs',
  MOVALYTICS_HTTP_RETRY_AFTER_MAX_MS: 'retryAfterMaxMs',
  MOVALYTICS_HTTP_CONNECT_TIMEOUT_MS: 'connectTimeoutMs',
  MOVALYTICS_HTTP_IDLE_TIMEOUT_MS: 'idleTimeoutMs',
} as const satisfies Record<string, keyof HttpPolicy>;

function checkedUrl(env: Env, name: string, fallback: string): string {
  const v = env[name]?.trim();
  if (v === undefined || v === '') return fallback;
  if (!/^https?:\/\/[^/]/i.test(v)) throw new ConfigError(`${name} "${v}" is not an http(s) URL`);
  return v;
}

/** Reads the sources' settings from `env`; a malformed value is a ConfigError naming the variable. */
export function sourceSettingsFromEnv(env: Env): SourceSettings {
  const policy: HttpPolicy = { ...DEFAULT_HTTP_POLICY };
  for (const [name, field] of Object.entries(HTTP_POLICY_ENV)) {
    const v = env[name]?.trim();
    if (v === undefined || v === '') continue;
    if (!/^\d+$/.test(v)) throw new ConfigError(`${name} "${v}" is not a whole number`);
    policy[field] = Number(v);
  }
  const key = env.FRED_API_KEY?.trim();
  return {
    kaggleApi: checkedUrl(env, 'MOVALYTICS_KAGGLE_API', DEFAULT_KAGGLE_API),
    fredUrl: checkedUrl(env, 'MOVALYTICS_FRED_URL', DEFAULT_FRED_URL),
    fredApiUrl: checkedUrl(env, 'MOVALYTICS_FRED_API_URL', DEFAULT_FRED_API_URL),
    fredApiKey: key === '' ? undefined : key,
    policy,
  };
}
