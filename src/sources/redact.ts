// Redaction for anything this folder prints: locations go through the one shared `redactLocation` (src/redact.ts);
// known secret values are scrubbed from free text here.
export { redactLocation } from '../core/redact.js';

/** `text` with every occurrence of each secret (of 4+ characters) replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}
