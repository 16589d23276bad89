import { sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "../../storage/db";

/**
 * INSERT … SELECT … WHERE <condition>: inserts the row only if the condition holds when the
 * statement runs. D1 runs one statement at a time, so a count limit or a parent row checked this
 * way cannot be raced past by a concurrent request. Returns whether the row was inserted.
 */
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
