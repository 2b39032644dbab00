// Redaction of secrets in locations (warehouse URLs, connection strings, presigned S3 URLs) before they are printed.
// Every message, log line and summary that shows a location passes it through redactLocation.

/** What a redacted secret is replaced with. */
export const REDACTED = '***';

/**
 * Parameter names whose value is a secret, in URL queries, JDBC `;key=value` lists, ODBC strings and libpq
 * `key=value` strings. Suffix forms catch sslpassword, client_secret, X-Amz-Security-Token, refresh_token and the
 * like; `sslkey`/`sslcert` are file paths and stay visible.
 */
const SECRET_KEY =
  /^(?:pass|pwd|key|sig|api[-_]?key|access[-_]?key|secret[-_]?key|[\w.-]*(?:password|passwd|secret|token|signature|credential))$/i;

/** Schemes where a bare userinfo (no colon) is usually a token, e.g. https://<token>@github.com/…. */
const TOKEN_USERINFO_SCHEMES = /^(?:https?|s3|gs|ftp|git\+https?)$/i;

// `key=value` preceded by a separator: `?`/`&` (URL query), `;` (JDBC, ODBC), whitespace or the start (libpq).
// A value is quoted ('…' with \' escapes, libpq), braced ({…}, SQL Server JDBC/ODBC) or runs to the next separator.
const KEY_VALUE = /(^|[?&;\s])([A-Za-z][\w.-]*)(\s*=\s*)('(?:[^'\\]|\\.)*'?|\{[^}]*\}?|[^\s&;#]*)/g;

// A URL: scheme:// then everything up to whitespace. Its userinfo is handled in code (see redactUserinfo).
const URL_TOKEN = /\b([a-z][a-z0-9+.-]*):\/\/(\S*)/gi;
// Oracle's thin driver puts credentials before the host: jdbc:oracle:thin:user/password@host:1521/db.
const ORACLE_THIN = /\b(jdbc:oracle:[a-z]+:)([^\s/@:]*)\/([^\s@]*)@/gi;

/**
 * Returns `text` with every secret in a location replaced by `***`: URL passwords (`postgres://u:***@h`), tokens
 * as userinfo of https/s3 URLs, secret query parameters (password, token, X-Amz-Signature …), JDBC `;password=`
 * forms, Oracle `user/password@`, and libpq `password=…` (quoted or not). Safe on any text; a no-op without secrets.
 */
export function redactLocation(text: string): string {
  let out = text
    .replace(ORACLE_THIN, (_m, pre: string, user: string) => `${pre}${user}/${REDACTED}@`)
    .replace(URL_TOKEN, (_m, scheme: string, rest: string) => `${scheme}://${redactUserinfo(scheme, rest)}`);
  out = out.replace(KEY_VALUE, (m: string, lead: string, key: string, eq: string, value: string) =>
    SECRET_KEY.test(key) && value !== '' && value !== REDACTED ? `${lead}${key}${eq}${REDACTED}` : m,
  );
  return out;
}

/**
 * The part of a URL after `scheme://` with the password (or a bare token) of its userinfo replaced. The userinfo
 * ends at the last '@' before the first '/', '?' or '#' (as WHATWG parses it); when that holds no '@' but a later
 * '@' follows `user:`, the password may hold a raw '/', so redact up to there (a port followed by a path with
 * an '@' is over-redacted: safer than leaking a password).
 */
function redactUserinfo(scheme: string, rest: string): string {
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  let at = authority.lastIndexOf('@');
  if (at === -1) {
    const beforeQuery = rest.split(/[?#]/, 1)[0] ?? '';
    const colon = authority.indexOf(':');
    const late = beforeQuery.lastIndexOf('@');
    if (colon === -1 || late === -1) return rest;
    at = late;
  }
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon !== -1) return `${userinfo.slice(0, colon)}:${REDACTED}${rest.slice(at)}`;
  return TOKEN_USERINFO_SCHEMES.test(scheme) ? `${REDACTED}${rest.slice(at)}` : rest;
}

/** `text` with every occurrence of each secret (of 4+ characters) replaced by `***` (known values: API keys, tokens). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  return out;
}

/** libpq connection keywords; a location made of `keyword=value` pairs is a connection string, not a path. */
const LIBPQ_KEYWORDS =
  /(?:^|\s)(?:host|hostaddr|port|dbname|user|password|passfile|service|sslmode|connect_timeout|options|application_name|target_session_attrs)\s*=/i;

/** True when `location` is a libpq `key=value` connection string (e.g. `host=db password=…`). */
export function isLibpqConnectionString(location: string): boolean {
  return LIBPQ_KEYWORDS.test(location.trim()) && /^\s*[A-Za-z_]+\s*=/.test(location);
}
