// Kaggle credentials, looked up in the order the official client uses: an API token (Bearer) from KAGGLE_API_TOKEN
// or ~/.kaggle/access_token, else a username and key (HTTP Basic) from the environment or kaggle.json.
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExtractError } from './errors.js';
import type { Authorization } from './http.js';

/** The environment variables the resolver reads (an object, so tests pass their own and never touch process.env). */
export type Env = Readonly<Record<string, string | undefined>>;

export interface KaggleCredentials {
  scheme: 'bearer' | 'basic';
  /** The header value and a printable description of where it came from. */
  authorization: Authorization;
  /** Raw secret values, for scrubbing any message. */
  secrets: readonly string[];
}

/** Where to get credentials, for every "none found" or "rejected" message. */
export const KAGGLE_CREDENTIAL_HELP =
  'create an API token at https://www.kaggle.com/settings (API → Create New Token) and put it in KAGGLE_API_TOKEN or ~/.kaggle/access_token, or set KAGGLE_USERNAME and KAGGLE_KEY, or save kaggle.json in ~/.kaggle';

function displayPath(file: string, home: string): string {
  const rel = path.relative(home, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? `~/${rel}` : file;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function readSecretFile(file: string, shown: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    throw new ExtractError(`Kaggle token file ${shown} cannot be read — check its permissions`);
  }
  if (text === '') throw new ExtractError(`Kaggle token file ${shown} is empty — ${KAGGLE_CREDENTIAL_HELP}`);
  return text;
}

function bearer(token: string, source: string): KaggleCredentials {
  return { scheme: 'bearer', authorization: { value: `Bearer ${token}`, source }, secrets: [token] };
}

function basic(username: string, key: string, source: string): KaggleCredentials {
  const encoded = Buffer.from(`${username}:${key}`).toString('base64');
  return { scheme: 'basic', authorization: { value: `Basic ${encoded}`, source }, secrets: [key, encoded] };
}

/**
 * Finds Kaggle credentials: `KAGGLE_API_TOKEN` (a token, or the path of a file holding one), `~/.kaggle/access_token`,
 * `KAGGLE_USERNAME` + `KAGGLE_KEY`, then `kaggle.json` in `$KAGGLE_CONFIG_DIR`, `~/.kaggle`, `~/.config/kaggle`.
 * Throws ExtractError (exit 2) when there are none or a file is malformed; messages name files, never values.
 */
export function resolveKaggleCredentials(
  env: Env,
  home: string = env.HOME ?? os.homedir(),
): KaggleCredentials {
  const token = env.KAGGLE_API_TOKEN?.trim();
  if (token !== undefined && token !== '') {
    const candidate = token.startsWith('~/') ? path.join(home, token.slice(2)) : token;
    if (isFile(candidate)) {
      const shown = displayPath(path.resolve(candidate), home);
      return bearer(readSecretFile(candidate, shown), `the token file ${shown} named by KAGGLE_API_TOKEN`);
    }
    return bearer(token, 'KAGGLE_API_TOKEN from the environment');
  }
  const accessToken = path.join(home, '.kaggle', 'access_token');
  if (isFile(accessToken)) {
    return bearer(readSecretFile(accessToken, '~/.kaggle/access_token'), '~/.kaggle/access_token');
  }
  const username = env.KAGGLE_USERNAME?.trim();
  const key = env.KAGGLE_KEY?.trim();
  if ((username ?? '') !== '' || (key ?? '') !== '') {
    if (!username || !key) {
      throw new ExtractError(
        `${username ? 'KAGGLE_USERNAME is set but KAGGLE_KEY is not' : 'KAGGLE_KEY is set but KAGGLE_USERNAME is not'} — set both, or neither to use kaggle.json`,
      );
    }
    return basic(username, key, 'KAGGLE_USERNAME/KAGGLE_KEY from the environment');
  }
  const dirs = [
    ...(env.KAGGLE_CONFIG_DIR ? [env.KAGGLE_CONFIG_DIR] : []),
    path.join(home, '.kaggle'),
    path.join(home, '.config', 'kaggle'),
  ];
  for (const dir of dirs) {
    const file = path.join(dir, 'kaggle.json');
    if (!existsSync(file)) continue;
    const shown = displayPath(path.resolve(file), home);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new ExtractError(
        `${shown} is not valid JSON — expected {"username": "…", "key": "…"} as downloaded from https://www.kaggle.com/settings`,
      );
    }
    const { username: u, key: k } = (parsed ?? {}) as { username?: unknown; key?: unknown };
    if (typeof u !== 'string' || u === '' || typeof k !== 'string' || k === '') {
      throw new ExtractError(
        `${shown} lacks "username" or "key" — download a fresh kaggle.json from https://www.kaggle.com/settings`,
      );
    }
    return basic(u, k, shown);
  }
  throw new ExtractError(`no Kaggle credentials found — ${KAGGLE_CREDENTIAL_HELP}`);
}
