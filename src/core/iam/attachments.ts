// Managed policies attached to users, groups and roles.

import { and, asc, count, eq, sql } from "drizzle-orm";
import { isoMicro } from "../../lib/time";
import { iamAttachments, iamGroups, iamRoles, iamUsers } from "../../schema/iam.tables";
import { limitExceeded, notFound } from "../errors";
import { LIMITS } from "./rules";
import { managedPolicyKnown, PRINCIPAL_LABEL, param, policyExists, type Principal, principalTable, requirePrincipal, scope } from "./store";
import { policyRef, type PolicyRef } from "./views";

const of = (svc: string, p: Principal) =>
  and(eq(iamAttachments.serviceUuid, svc), eq(iamAttachments.principalType, p.type), eq(iamAttachments.principalName, p.name));

export async function listAttachedPolicies(env: Env, accountId: string, serviceUuid: string, p: Principal): Promise<PolicyRef[]> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  await requirePrincipal(d, svc, p);
  const rows = await d
    .select({ name: iamAttachments.policyName })
    .from(iamAttachments)
    .where(of(svc, p))
    .orderBy(asc(iamAttachments.createdAt), asc(iamAttachments.policyName))
    .all();
  return rows.map((r) => policyRef(svc, r.name));
}

/**
 * Attaches a managed policy. Attaching an already attached policy succeeds without change, as in
 * AWS. Principal and policy existence and the per-principal limit are checked in the INSERT itself.
 */
export async function attachPolicy(env: Env, accountId: string, serviceUuid: string, p: Principal, policyName: string): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const t = principalTable(p.type);
  const held = d.select({ n: count() }).from(iamAttachments).where(of(svc, p));
  const inserted = await d
    .insert(iamAttachments)
    .select(
      d
        .select({
          serviceUuid: t.serviceUuid,
          principalType: param(p.type, "principal_type"),
          principalName: t.name,
          policyName: param(policyName, "policy_name"),
          createdAt: param(isoMicro(), "created_at"),
        })
        .from(t)
        .where(
          and(
            eq(t.serviceUuid, svc),
            eq(t.name, p.name),
            policyExists(d, svc, policyName),
            sql`(${held}) < ${LIMITS.attachedPerPrincipal}`,
          ),
        ),
    )
    .onConflictDoNothing()
    .returning({ name: iamAttachments.policyName });
  if (inserted.length) return;
  await requirePrincipal(d, svc, p);
  if (!(await managedPolicyKnown(d, svc, policyName))) throw notFound("Policy");
  const already = await d
    .select({ one: sql`1` })
    .from(iamAttachments)
    .where(and(of(svc, p), eq(iamAttachments.policyName, policyName)))
    .get();
  if (already) return;
  throw limitExceeded(
    `${PRINCIPAL_LABEL[p.type]} "${p.name}" already has ${LIMITS.attachedPerPrincipal} attached policies, the maximum.`,
    LIMITS.attachedPerPrincipal,
  );
}

export async function detachPolicy(env: Env, accountId: string, serviceUuid: string, p: Principal, policyName: string): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const gone = await d
    .delete(iamAttachments)
    .where(and(of(svc, p), eq(iamAttachments.policyName, policyName)))
    .returning({ name: iamAttachments.policyName });
  if (gone.length) return;
  await requirePrincipal(d, svc, p);
  throw notFound("Policy attachment", `Policy "${policyName}" is not attached to ${p.type} "${p.name}".`);
}

export interface PolicyEntities {
  users: { name: string; id: string }[];
  groups: { name: string }[];
  roles: { name: string; id: string }[];
}

/** Who a managed policy (custom or system) is attached to, each kind by name. */
export async function listPolicyEntities(env: Env, accountId: string, serviceUuid: string, policyName: string): Promise<PolicyEntities> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  if (!(await managedPolicyKnown(d, svc, policyName))) throw notFound("Policy");
  const attached = (type: "user" | "group" | "role") =>
    and(eq(iamAttachments.serviceUuid, svc), eq(iamAttachments.policyName, policyName), eq(iamAttachments.principalType, type));
  const [users, groups, roles] = await d.batch([
    d
      .select({ name: iamUsers.name, id: iamUsers.id })
      .from(iamAttachments)
      .innerJoin(iamUsers, and(eq(iamUsers.serviceUuid, svc), eq(iamUsers.name, iamAttachments.principalName)))
      .where(attached("user"))
      .orderBy(asc(iamUsers.name)),
    d
      .select({ name: iamGroups.name })
      .from(iamAttachments)
      .innerJoin(iamGroups, and(eq(iamGroups.serviceUuid, svc), eq(iamGroups.name, iamAttachments.principalName)))
      .where(attached("group"))
      .orderBy(asc(iamGroups.name)),
    d
      .select({ name: iamRoles.name, id: iamRoles.id })
      .from(iamAttachments)
      .innerJoin(iamRoles, and(eq(iamRoles.serviceUuid, svc), eq(iamRoles.name, iamAttachments.principalName)))
      .where(attached("role"))
      .orderBy(asc(iamRoles.name)),
  ]);
  return { users, groups, roles };
}
