// The engine-specific SQL the answers need: continuous quantiles. Pure text, no I/O.
import type { WarehouseKind } from '../../warehouse/warehouse.js';

/**
 * A continuous (linearly interpolated) quantile of `expr` at `p` as an aggregate expression. `p` is inlined as a
 * literal because Redshift's percentile_cont accepts only a constant; it is a validated finite number.
 */
export function quantileContSql(kind: WarehouseKind, expr: string, p: number): string {
  if (!Number.isFinite(p)) throw new Error(`quantile ${p} is not a finite number`);
  const lit = String(p);
  switch (kind) {
    case 'duckdb':
      return `quantile_cont(${expr}, ${lit})`;
    case 'postgres':
    case 'redshift':
      return `percentile_cont(${lit}) WITHIN GROUP (ORDER BY ${expr})`;
    default: {
      const never: never = kind;
      throw new Error(`unknown warehouse kind ${String(never)}`);
    }
  }
}
