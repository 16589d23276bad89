// Shared plumbing of the IAM core: tenant scoping, principals, and D1 error mapping.

import { and, eq, exists, notExists, sql, type SQL } from "drizzle-orm";
import {
  iamAttachments,
  iamGroups,
  iamInlinePolicies,
  iamPolicies,
  iamRoles,
  iamUsers,
  type IamPrincipalType,
} from "../../schema/iam.tables";
import { type Db, db as getDb, isForeignKeyViolation, isUniqueViolation } from "../../storage/db";
import { getSystemPolicy } from "../policy";
import { conflict, type CoreError, deleteConflict, notFound } from "../errors";
import { assertMutable, findService, type ServiceRow } from "../services";

export interface Scope {
  d: Db;
  service: ServiceRow;
  svc: string;
}

/**
 * Resolves the service for the calling account: another tenant's service answers 404, exactly like
 * an unknown one. Writes are refused while the service is being deleted.
 */
export async function scope(env: Env, accountId: string, serviceUuid: string, write = false): Promise<Scope> {
  const d = getDb(env);
  const service = await findService(d, accountId, serviceUuid);
  if (write) assertMutable(service);
  return { d, service, svc: service.uuid };
}

export interface Principal {
  type: IamPrincipalType;
  name: string;
}

export const PRINCIPAL_LABEL: Record<IamPrincipalType, string> = { user: "User", group: "Group", role: "Role" };

const TABLES = { user: iamUsers, group: iamGroups, role: iamRoles } as const;

export function principalTable(type: IamPrincipalType) {
  return TABLES[type];
}

/** `EXISTS (the principal)` for conditional writes. */
export function principalExists(d: Db, svc: string, p: Principal): SQL {
  const t = TABLES[p.type];
  return exists(
    d
      .select({ one: sql`1` })
      .from(t)
      .where(and(eq(t.serviceUuid, svc), eq(t.name, p.name))),
  );
}

/** No managed policy is attached to the principal and it has no inline policy (a delete's precondition). */
export function holdsNoPolicies(d: Db, svc: string, p: Principal): SQL {
  const one = { one: sql`1` };
  const attached = and(
    eq(iamAttachments.serviceUuid, svc),
    eq(iamAttachments.principalType, p.type),
    eq(iamAttachments.principalName, p.name),
  );
  const inline = and(
    eq(iamInlinePolicies.serviceUuid, svc),
    eq(iamInlinePolicies.principalType, p.type),
    eq(iamInlinePolicies.principalName, p.name),
  );
  return and(
    notExists(d.select(one).from(iamAttachments).where(attached)),
    notExists(d.select(one).from(iamInlinePolicies).where(inline)),
  )!;
}

export async function requirePrincipal(d: Db, svc: string, p: Principal): Promise<void> {
  const t = TABLES[p.type];
  const row = await d
    .select({ one: sql`1` })
    .from(t)
    .where(and(eq(t.serviceUuid, svc), eq(t.name, p.name)))
    .get();
  if (!row) throw notFound(PRINCIPAL_LABEL[p.type]);
}

/** `EXISTS (the managed policy)`: system policies always exist. */
export function policyExists(d: Db, svc: string, name: string): SQL {
  if (getSystemPolicy(name)) return sql`1`;
  return exists(
    d
      .select({ one: sql`1` })
      .from(iamPolicies)
      .where(and(eq(iamPolicies.serviceUuid, svc), eq(iamPolicies.name, name))),
  );
}

export async function managedPolicyKnown(d: Db, svc: string, name: string): Promise<boolean> {
  if (getSystemPolicy(name)) return true;
  const row = await d
    .select({ one: sql`1` })
    .from(iamPolicies)
    .where(and(eq(iamPolicies.serviceUuid, svc), eq(iamPolicies.name, name)))
    .get();
  return !!row;
}

/**
 * Runs a write; a unique violation becomes 409 with `onDuplicate`, a foreign-key failure means a row
 * it hangs off vanished concurrently (the service, a user, a group): 404.
 */
export async function write<T>(fn: () => Promise<T>, onDuplicate: string, onMissing = "Service"): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(onDuplicate);
    if (isForeignKeyViolation(e)) throw notFound(onMissing);
    throw e;
  }
}

/** "2 access keys, 1 attached policy" from counts, skipping zeros. */
export function describeCounts(parts: [number, string, string][]): string {
  return parts
    .filter(([n]) => n > 0)
    .map(([n, one, many]) => `${n} ${n === 1 ? one : many}`)
    .join(", ");
}

export function inUse(what: string, held: string, advice: string): CoreError {
  return deleteConflict(`${what} still has ${held}. ${advice}`, held.split(", "));
}

export { param } from "../../storage/sql";
