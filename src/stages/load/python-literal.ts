// A parser for Python literals (what `repr()` of lists/dicts of str/int/float/None/True/False prints), as used by the
// list columns of movies_metadata.csv. Equivalent to Python's ast.literal_eval for those types. No library does this.

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** Thrown for text that is not a Python literal; `offset` is the 0-based character position. */
export class PyLiteralError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at character ${offset + 1}`);
    this.name = 'PyLiteralError';
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseAll(): PyValue {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) this.fail(`unexpected ${JSON.stringify(this.s[this.i])} after the value`);
    return v;
  }

  private fail(msg: string): never {
    throw new PyLiteralError(msg, this.i);
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private value(): PyValue {
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) this.fail('unexpected end of text');
    if (c === '[') return this.sequence('[', ']');
    if (c === '(') return this.sequence('(', ')');
    if (c === '{') return this.dict();
    if (c === "'" || c === '"') return this.string();
    if (c === '-' || c === '+' || c === '.' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [
      ['None', null],
      ['True', true],
      ['False', false],
    ] as const) {
      if (this.s.startsWith(word, this.i) && !/[A-Za-z0-9_]/.test(this.s[this.i + word.length] ?? '')) {
        this.i += word.length;
        return v;
      }
    }
    return this.fail(`unexpected ${JSON.stringify(c)}`);
  }

  private sequence(open: string, close: string): PyValue[] {
    const out: PyValue[] = [];
    this.items(open, close, () => out.push(this.value()));
    return out;
  }

  private dict(): { [key: string]: PyValue } {
    const out: { [key: string]: PyValue } = {};
    this.items('{', '}', () => {
      this.ws();
      const keyAt = this.i;
      const key = this.value();
      if (typeof key !== 'string' && typeof key !== 'number')
        throw new PyLiteralError('dict key must be a string or number', keyAt);
      this.ws();
      if (this.s[this.i] !== ':') this.fail(`expected ":" after dict key`);
      this.i++;
      out[String(key)] = this.value();
    });
    return out;
  }

  /** Reads `item`s separated by commas (a trailing one allowed) from `open`, where it stands, through `close`. */
  private items(open: string, close: string, item: () => void): void {
    this.i++; // open
    this.ws();
    if (this.s[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      item();
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        this.ws();
        if (this.s[this.i] === close) {
          this.i++;
          return;
        }
        continue;
      }
      if (c === close) {
        this.i++;
        return;
      }
      this.fail(
        c === undefined ? `unterminated ${open}` : `expected "," or "${close}", found ${JSON.stringify(c)}`,
      );
    }
  }

  private string(): string {
    const quote = this.s[this.i]!;
    const start = this.i;
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) throw new PyLiteralError('unterminated string', start);
      if (c === quote) {
        this.i++;
        break;
      }
      if (c === '\n') throw new PyLiteralError('line break inside a string', this.i);
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const e = this.s[this.i + 1];
      if (e === undefined) throw new PyLiteralError('unterminated string', start);
      if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = this.s.slice(this.i + 2, this.i + 2 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`bad \\${e} escape`);
        out += String.fromCodePoint(parseInt(hex, 16));
        this.i += 2 + len;
      } else if (e === '\n') {
        this.i += 2; // line continuation
      } else if (e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
        this.i += 2;
      } else {
        // Python keeps unknown escapes as written: '\d' is backslash + d.
        out += '\\' + e;
        this.i += 2;
      }
    }
    // Adjacent literals concatenate, as in Python: 'a' "b" == 'ab'.
    this.ws();
    const next = this.s[this.i];
    return next === "'" || next === '"' ? out + this.string() : out;
  }

  private number(): number {
    const m = /^[+-]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i));
    if (!m) this.fail('bad number');
    this.i += m[0].length;
    const n = Number(m[0].replace(/_/g, ''));
    if (!Number.isFinite(n)) this.fail('bad number');
    return n;
  }
}

/** Parses a Python literal (list, tuple, dict, str, int, float, None, True, False). Throws PyLiteralError. */
export function parsePyLiteral(text: string): PyValue {
  return new Parser(text).parseAll();
}

/** A `{'id': …, 'name': …}` item of a TMDB list column. */
export interface IdName {
  id: number;
  name: string;
}

/**
 * Parses a TMDB list column such as genres (`[{'id': 16, 'name': 'Animation'}]`) into id/name pairs.
 * Throws PyLiteralError when the text is not a list of such dicts.
 */
export function parseIdNameList(text: string): IdName[] {
  const v = parsePyLiteral(text);
  if (!Array.isArray(v)) throw new PyLiteralError('expected a list', 0);
  return v.map((item, k) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      throw new PyLiteralError(`item ${k + 1} is not a dict`, 0);
    const { id, name } = item;
    if (typeof id !== 'number' || !Number.isInteger(id))
      throw new PyLiteralError(`item ${k + 1} has no integer 'id'`, 0);
    if (typeof name !== 'string') throw new PyLiteralError(`item ${k + 1} has no string 'name'`, 0);
    return { id, name };
  });
}
