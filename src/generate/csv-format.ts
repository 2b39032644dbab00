// CSV field formatting as pandas' to_csv writes it (QUOTE_MINIMAL, RFC 4180 quote doubling), and the number
// formats The Movies Dataset uses.

const NEEDS_QUOTES = /[",\n\r]/;

/** A CSV field, quoted only when it holds a comma, a quote or a line break. */
export function csvField(s: string): string {
  return NEEDS_QUOTES.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
}

/** A float the way Python prints it: shortest decimal with at least one fraction digit (`81.0`, `11.7129`). */
export function pyFloat(x: number, maxDigits: number): string {
  const s = x.toFixed(maxDigits);
  if (!s.includes('.')) return s + '.0';
  const t = s.replace(/0+$/, '');
  return t.endsWith('.') ? t + '0' : t;
}
