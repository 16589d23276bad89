/**
 * Conditional inserts: INSERT … SELECT … WHERE <condition> writes the row only if the condition
 * holds when the statement runs. D1 runs one statement at a time, so a count limit or a parent row
 * checked this way cannot be raced past by a concurrent request. Two spellings of the one rule:
 * `insertWhere` for a row of plain values, `param` for drizzle's `insert().select()` when the row
 * also takes columns of the selected rows.
 */
import { sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./db";

/** Inserts `values` into `table` only while `condition` holds; answers whether the row was inserted. */
export async function insertWhere(d: Db, table: SQLiteTable, values: [SQLiteColumn, unknown][], condition: SQL): Promise<boolean> {
  const cols = sql.join(
    values.map(([c]) => sql.identifier(c.name)),
    sql`, `,
  );
  const vals = sql.join(
    values.map(([c, v]) => sql.param(v, c)),
    sql`, `,
  );
  const res = await d.run(sql`insert into ${table} (${cols}) select ${vals} where ${condition}`);
  return (res.meta.changes ?? 0) > 0;
}

/** A bound value as a named column of an INSERT … SELECT. */
export const param = <T>(v: T, alias: string) => sql<T>`${v}`.as(alias);
