// The end of an exhaustive switch over a union (engine kinds, formats, column types): one spelling of the check.

/** The compiler proves `value` cannot get here (it is `never`); at run time reaching it is a bug. */
export function unreachable(value: never, what: string): never {
  throw new Error(`unknown ${what} ${String(value)}`);
}
