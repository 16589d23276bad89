// Permissions boundaries of users and roles: a managed policy that caps identity permissions.

import { and, eq, isNotNull } from "drizzle-orm";
import { iamRoles, iamUsers } from "../../schema/iam.tables";
import { CoreError, notFound } from "../errors";
import { managedPolicyKnown, policyExists, PRINCIPAL_LABEL, type Principal, requirePrincipal, scope } from "./store";

export type Bounded = Principal & { type: "user" | "role" };

const tableOf = (p: Bounded) => (p.type === "user" ? iamUsers : iamRoles);

/** Sets the boundary; the policy (custom or system) must exist when the row is written. Returns its name. */
export async function setPermissionsBoundary(
  env: Env,
  accountId: string,
  serviceUuid: string,
  p: Bounded,
  policyName: string,
): Promise<string> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const t = tableOf(p);
  const updated = await d
    .update(t)
    .set({ permissionsBoundary: policyName })
    .where(and(eq(t.serviceUuid, svc), eq(t.name, p.name), policyExists(d, svc, policyName)))
    .returning({ name: t.name });
  if (!updated.length) {
    await requirePrincipal(d, svc, p);
    if (!(await managedPolicyKnown(d, svc, policyName))) throw notFound("Policy");
  }
  return policyName;
}

export async function deletePermissionsBoundary(env: Env, accountId: string, serviceUuid: string, p: Bounded): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const t = tableOf(p);
  const updated = await d
    .update(t)
    .set({ permissionsBoundary: null })
    .where(and(eq(t.serviceUuid, svc), eq(t.name, p.name), isNotNull(t.permissionsBoundary)))
    .returning({ name: t.name });
  if (updated.length) return;
  await requirePrincipal(d, svc, p);
  throw notFound("Permissions boundary", `${PRINCIPAL_LABEL[p.type]} "${p.name}" has no permissions boundary.`);
}
