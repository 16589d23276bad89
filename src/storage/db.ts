import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";

export type Db = DrizzleD1Database;

const cache = new WeakMap<D1Database, Db>();

export function db(env: Env): Db {
  let d = cache.get(env.DB);
  if (!d) {
    d = drizzle(env.DB);
    cache.set(env.DB, d);
  }
  return d;
}

/**
 * D1 reports constraint failures only in the message text, and drizzle wraps them (the D1 error is
 * the `cause`, maybe several levels down): whether any error of the chain says `pattern`.
 */
function causedBy(err: unknown, pattern: RegExp): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && !seen.has(e)) {
    seen.add(e);
    if (e instanceof Error && pattern.test(e.message)) return true;
    e = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
  }
  return false;
}

/** A unique-index (or primary-key) violation, told apart from other failures. */
export const isUniqueViolation = (err: unknown): boolean =>
  causedBy(err, /UNIQUE constraint failed|SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)/i);

/** A foreign-key failure: a row the write hangs off is gone. */
export const isForeignKeyViolation = (err: unknown): boolean =>
  causedBy(err, /FOREIGN KEY constraint failed|SQLITE_CONSTRAINT_FOREIGNKEY/i);
