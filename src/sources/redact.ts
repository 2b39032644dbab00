// Redaction for anything this folder prints: URLs lose passwords and secret-looking query values, and known secret
// values are scrubbed from text. A stand-in for src/redact.ts (`redactLocation`) until that lands on main.

/** Query parameters whose values are credentials: FRED's api_key, signed-URL signatures and credentials. */
const SECRET_PARAM_RE = /(?:key|token|secret|signature|credential|password|auth|sig)/i;

/** A URL safe to print: no password, and secret-looking query values replaced by `***`. */
export function redactLocation(location: string): string {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return location.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
  }
  if (url.password !== '') url.password = '***';
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAM_RE.test(name)) url.searchParams.set(name, '***');
  }
  // URLSearchParams encodes `*`; keep the placeholder readable.
  return url.toString().replace(/%2A%2A%2A/g, '***');
}

/** `text` with every occurrence of each secret (of 4+ characters) replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}
