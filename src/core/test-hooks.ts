// Test hooks: the one place production code asks "did a test ask me to misbehave here?". Nothing in this file acts
// unless a test set a switch; each section is self-contained and documents its own switch.

// ── Redshift emulation and statement observer (warehouse/redshift) ───────────────────────────────────────────────
//   MOVALYTICS_REDSHIFT_EMULATE=postgres   a redshift:// location runs on the PostgreSQL it names: physical attributes
//                                          stripped, COPY from S3 replaced by COPY FROM STDIN of the local parts
//   MOVALYTICS_REDSHIFT_PART_BYTES=<n>     the size of the CSV parts a Redshift load writes (small: manifests of
//                                          several parts)
//   observeRedshiftStatements(fn)          fn sees every statement a Redshift warehouse and its sessions send, as
//                                          Redshift would receive it (the parse gate)
// The Redshift warehouse reads the switches when it opens and reports each statement to reportRedshiftStatement.

let statementObserver: ((sql: string) => void) | null = null;

/** Whether a redshift:// location should run on the PostgreSQL it names (`MOVALYTICS_REDSHIFT_EMULATE=postgres`). */
export function redshiftEmulation(env: NodeJS.ProcessEnv = process.env): 'postgres' | undefined {
  return env.MOVALYTICS_REDSHIFT_EMULATE === 'postgres' ? 'postgres' : undefined;
}

/** The part size `MOVALYTICS_REDSHIFT_PART_BYTES` asks for, or undefined for the default. */
export function redshiftPartBytes(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const n = Number(env.MOVALYTICS_REDSHIFT_PART_BYTES);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * `fn` receives every statement any Redshift warehouse and its sessions send from now on, as Redshift would receive
 * it (before a PostgreSQL stand-in strips physical attributes or replaces COPY). Returns the function that stops it.
 */
export function observeRedshiftStatements(fn: (sql: string) => void): () => void {
  statementObserver = fn;
  return () => {
    if (statementObserver === fn) statementObserver = null;
  };
}

/** Called by the Redshift warehouse with each statement it sends. */
export function reportRedshiftStatement(sql: string): void {
  statementObserver?.(sql);
}
