// Tests of the Python-literal parser against what Python's repr() prints for the TMDB list columns.
import { describe, expect, it } from 'vitest';
import { PyLiteralError, parseIdNameList, parsePyLiteral } from './python-literal.js';

describe('parsePyLiteral', () => {
  it('parses the genres of Toy Story', () => {
    expect(parsePyLiteral("[{'id': 16, 'name': 'Animation'}, {'id': 35, 'name': 'Comedy'}]")).toEqual([
      { id: 16, name: 'Animation' },
      { id: 35, name: 'Comedy' },
    ]);
  });

  it('reads double-quoted strings holding an apostrophe, as repr() writes them', () => {
    expect(parsePyLiteral(`[{'id': 15101, 'name': "based on children's book"}]`)).toEqual([
      { id: 15101, name: "based on children's book" },
    ]);
  });

  it('handles escapes: both quote kinds, backslash, \\x, \\u, unknown escapes kept', () => {
    expect(parsePyLiteral(`'It\\'s "quoted"'`)).toBe(`It's "quoted"`);
    expect(parsePyLiteral(`'a\\\\b'`)).toBe('a\\b');
    expect(parsePyLiteral(`'caf\\xe9 \\u00e9\\n'`)).toBe('café é\n');
    expect(parsePyLiteral(`'C:\\d'`)).toBe('C:\\d');
    expect(parsePyLiteral(`'a' "b"`)).toBe('ab');
  });

  it('reads None, True, False, numbers, tuples, nesting and trailing commas', () => {
    expect(
      parsePyLiteral("{'a': None, 'b': True, 'c': False, 'd': -1.5e3, 'e': (1, 2,), 'f': [[]], 'g': 1_000}"),
    ).toEqual({
      a: null,
      b: true,
      c: false,
      d: -1500,
      e: [1, 2],
      f: [[]],
      g: 1000,
    });
    expect(parsePyLiteral('[]')).toEqual([]);
    expect(parsePyLiteral(' [ ] ')).toEqual([]);
  });

  it('keeps non-ASCII and emoji as they are', () => {
    expect(parsePyLiteral("[{'iso_639_1': 'fr', 'name': 'Français'}, 'Ørnås 🎬']")).toEqual([
      { iso_639_1: 'fr', name: 'Français' },
      'Ørnås 🎬',
    ]);
  });

  it.each([
    ["[{'id': 35, 'name': 'Comedy'} GATORADE", /expected "," or "]"/],
    ["[{'id': 1, 'name': 'x'}", /unterminated|expected/],
    ["'abc", /unterminated string/],
    ['[null]', /unexpected "n"/],
    ["{'a' 1}", /expected ":"/],
    ['[1] 2', /after the value/],
    ['', /unexpected end/],
    ['[Nonesuch]', /unexpected "N"/],
    ['[{[1]: 2}]', /dict key/],
  ])('rejects %j with a position', (text, re) => {
    expect(() => parsePyLiteral(text)).toThrow(re);
    expect(() => parsePyLiteral(text)).toThrow(PyLiteralError);
  });

  it('does not confuse JSON-style double quotes with swapped quotes', () => {
    // A naive "replace ' with \"" approach breaks on this; the parser must not.
    expect(parsePyLiteral(`["Don't", 'say "no"']`)).toEqual(["Don't", 'say "no"']);
  });
});

describe('parseIdNameList', () => {
  it('returns id/name pairs', () => {
    expect(parseIdNameList("[{'id': 10751, 'name': 'Family'}]")).toEqual([{ id: 10751, name: 'Family' }]);
    expect(parseIdNameList('[]')).toEqual([]);
  });

  it('rejects wrong shapes', () => {
    expect(() => parseIdNameList("{'id': 1}")).toThrow(/expected a list/);
    expect(() => parseIdNameList("[{'name': 'x'}]")).toThrow(/integer 'id'/);
    expect(() => parseIdNameList("[{'id': 1, 'name': None}]")).toThrow(/string 'name'/);
    expect(() => parseIdNameList("[{'id': 1.5, 'name': 'x'}]")).toThrow(/integer 'id'/);
    expect(() => parseIdNameList('[1]')).toThrow(/not a dict/);
  });
});
