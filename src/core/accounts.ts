import { and, desc, eq, isNull } from "drizzle-orm";
import { hashPassword, sha256Hex, verifyPassword } from "../lib/crypto";
import { randomToken, uuid } from "../lib/ids";
import { isoMicro } from "../lib/time";
import { accounts, apiTokens } from "../schema/tables";
import { type Db, isUniqueViolation } from "../storage/db";
import { conflict, forbidden, invalid, notFound, unauthenticated } from "./errors";

export interface Account {
  id: string;
  name: string;
  status: "active" | "disabled";
  parentId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ApiTokenInfo {
  id: string;
  name: string;
  /** The first characters of the token, to recognise it by. */
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export const ACCOUNT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,63}$/;

function toAccount(row: typeof accounts.$inferSelect): Account {
  return { id: row.id, name: row.name, status: row.status, parentId: row.parentId, createdAt: row.createdAt, updatedAt: row.updatedAt };
}

function checkPassword(password: string): void {
  if (password.length < 8 || password.length > 256) throw invalid("password", "must be 8-256 characters");
}

export async function createAccount(
  d: Db,
  input: { name: string; password?: string | undefined; parentId?: string | undefined },
): Promise<Account> {
  if (!ACCOUNT_NAME.test(input.name))
    throw invalid("name", "must be 1-64 characters of letters, digits, _ . @ - starting with a letter or digit");
  if (input.password !== undefined) checkPassword(input.password);
  if (input.parentId) await getAccount(d, input.parentId);
  const now = isoMicro();
  const row = {
    id: uuid(),
    name: input.name,
    status: "active" as const,
    passwordHash: input.password !== undefined ? await hashPassword(input.password) : null,
    parentId: input.parentId ?? null,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await d.insert(accounts).values(row);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`Account name "${input.name}" is already taken.`, "Account");
    throw e;
  }
  return toAccount(row);
}

export async function getAccount(d: Db, id: string): Promise<Account> {
  const row = await d.select().from(accounts).where(eq(accounts.id, id)).get();
  if (!row) throw notFound("Account");
  return toAccount(row);
}

export async function findAccountByName(d: Db, name: string): Promise<Account | null> {
  const row = await d.select().from(accounts).where(eq(accounts.name, name)).get();
  return row ? toAccount(row) : null;
}

export async function listAccounts(d: Db, limit: number, offset: number): Promise<Account[]> {
  const rows = await d.select().from(accounts).orderBy(accounts.createdAt, accounts.id).limit(limit).offset(offset).all();
  return rows.map(toAccount);
}

export async function updateAccount(
  d: Db,
  id: string,
  patch: { status?: "active" | "disabled" | undefined; password?: string | null | undefined },
): Promise<Account> {
  await getAccount(d, id);
  const set: Partial<typeof accounts.$inferInsert> = { updatedAt: isoMicro() };
  if (patch.status) set.status = patch.status;
  if (patch.password === null) set.passwordHash = null;
  else if (patch.password !== undefined) {
    checkPassword(patch.password);
    set.passwordHash = await hashPassword(patch.password);
  }
  await d.update(accounts).set(set).where(eq(accounts.id, id));
  return getAccount(d, id);
}

/**
 * Issues an API token. The plaintext is returned once; only its SHA-256 is stored. `prefix` is the
 * dialect's spelling of its tokens, so a token shows which API it is for.
 */
export async function issueToken(
  d: Db,
  accountId: string,
  input: { name: string; expiresAt?: string | undefined },
  prefix: string,
): Promise<{ token: string; info: ApiTokenInfo }> {
  await getAccount(d, accountId);
  if (input.name.length < 1 || input.name.length > 64) throw invalid("name", "must be 1-64 characters");
  if (input.expiresAt !== undefined && !(Date.parse(input.expiresAt) > Date.now()))
    throw invalid("expires_at", "must be an RFC 3339 time in the future");
  const token = prefix + randomToken(24);
  const info: ApiTokenInfo = {
    id: uuid(),
    name: input.name,
    prefix: token.slice(0, 12),
    createdAt: isoMicro(),
    expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
    revokedAt: null,
  };
  await d.insert(apiTokens).values({
    id: info.id,
    accountId,
    name: info.name,
    tokenHash: await sha256Hex(token),
    prefix: info.prefix,
    createdAt: info.createdAt,
    expiresAt: info.expiresAt,
    revokedAt: null,
  });
  return { token, info };
}

function toTokenInfo(r: typeof apiTokens.$inferSelect): ApiTokenInfo {
  return { id: r.id, name: r.name, prefix: r.prefix, createdAt: r.createdAt, expiresAt: r.expiresAt, revokedAt: r.revokedAt };
}

export async function listTokens(d: Db, accountId: string): Promise<ApiTokenInfo[]> {
  await getAccount(d, accountId);
  const rows = await d.select().from(apiTokens).where(eq(apiTokens.accountId, accountId)).orderBy(desc(apiTokens.createdAt)).all();
  return rows.map(toTokenInfo);
}

export async function revokeToken(d: Db, accountId: string, tokenId: string): Promise<void> {
  const res = await d
    .update(apiTokens)
    .set({ revokedAt: isoMicro() })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.accountId, accountId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (!res.length) throw notFound("Token");
}

function ensureActive(a: Account): Account {
  if (a.status !== "active") throw forbidden("Account is disabled.");
  return a;
}

/** The account a token belongs to; a revoked, expired or unknown token is refused alike. */
export async function authenticateToken(d: Db, token: string): Promise<Account> {
  const row = await d
    .select({ account: accounts, token: apiTokens })
    .from(apiTokens)
    .innerJoin(accounts, eq(apiTokens.accountId, accounts.id))
    .where(eq(apiTokens.tokenHash, await sha256Hex(token)))
    .get();
  if (!row || row.token.revokedAt) throw unauthenticated();
  if (row.token.expiresAt && Date.parse(row.token.expiresAt) <= Date.now()) throw unauthenticated();
  return ensureActive(toAccount(row.account));
}

export async function authenticatePassword(d: Db, name: string, password: string): Promise<Account> {
  const row = await d.select().from(accounts).where(eq(accounts.name, name)).get();
  // Hash anyway when the account is unknown, so timing does not reveal which names exist.
  const ok = await verifyPassword(password, row?.passwordHash ?? "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAA");
  if (!row || !row.passwordHash || !ok) throw unauthenticated();
  return ensureActive(toAccount(row));
}
