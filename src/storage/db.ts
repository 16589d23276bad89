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

/** D1 reports unique-index violations in the message text; this tells them apart from other failures. */
export function isUniqueViolation(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && !seen.has(e)) {
    seen.add(e);
    if (e instanceof Error && /UNIQUE constraint failed|SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)/i.test(e.message)) return true;
    e = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
  }
  return false;
}
