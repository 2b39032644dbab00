// Unit tests for Python repr rendering and CSV field formatting: the quote rules the real files follow.
import { describe, expect, it } from 'vitest';
import { csvField, pyFloat } from './csv-format.js';
import { pyDict, pyList, pyStr, pyValue } from './python-literal.js';

describe('pyStr', () => {
  it('uses single quotes by default', () => {
    expect(pyStr('Animation')).toBe("'Animation'");
  });
  it("switches to double quotes for a string with only an apostrophe, as Python's repr does", () => {
    expect(pyStr("based on children's book")).toBe('"based on children\'s book"');
  });
  it('keeps single quotes and escapes the apostrophe when both quote kinds occur', () => {
    expect(pyStr(`The "Big" Bob's`)).toBe(`'The "Big" Bob\\'s'`);
  });
  it('escapes backslashes and line breaks', () => {
    expect(pyStr('a\\b\nc')).toBe("'a\\\\b\\nc'");
  });
});

describe('pyDict / pyList', () => {
  it('renders the genres shape of the real file', () => {
    const g = pyList([
      pyDict([
        ['id', 16],
        ['name', 'Animation'],
      ]),
      pyDict([
        ['id', 35],
        ['name', 'Comedy'],
      ]),
    ]);
    expect(g).toBe("[{'id': 16, 'name': 'Animation'}, {'id': 35, 'name': 'Comedy'}]");
    expect(pyList([])).toBe('[]');
  });
  it('renders None, True and False', () => {
    expect([pyValue(null), pyValue(true), pyValue(false)]).toEqual(['None', 'True', 'False']);
  });
});

describe('csvField', () => {
  it('quotes only when needed and doubles quotes', () => {
    expect(csvField('Toy Story')).toBe('Toy Story');
    expect(csvField('Harbor, Island')).toBe('"Harbor, Island"');
    expect(csvField('"based on children\'s book"')).toBe('"""based on children\'s book"""');
    expect(csvField('a\nb')).toBe('"a\nb"');
    expect(csvField('')).toBe('');
  });
});

describe('pyFloat', () => {
  it('prints floats the way Python does for these columns', () => {
    expect(pyFloat(81, 1)).toBe('81.0');
    expect(pyFloat(11.7129, 6)).toBe('11.7129');
    expect(pyFloat(21.946943, 6)).toBe('21.946943');
    expect(pyFloat(3, 6)).toBe('3.0');
  });
});
