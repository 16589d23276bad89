// The IAM namespace as part of its service: what it holds, and removing it on deletion.
// (Kept free of ../services imports: that module imports this one.)

import { eq, sql } from "drizzle-orm";
import {
  iamAccessKeys,
  iamAttachments,
  iamGroupMembers,
  iamGroups,
  iamInlinePolicies,
  iamPolicies,
  iamPolicyVersions,
  iamRoles,
  iamTags,
  iamUsers,
} from "../../schema/iam.tables";
import type { Db } from "../../storage/db";

export { assembleUsers, userQueries, type UserQueryResults } from "./user-views";

/** Users, custom policies, groups and roles of a service (what blocks a deletion without force). */
export async function iamEntityCount(d: Db, serviceUuid: string): Promise<number> {
  const n = (t: typeof iamUsers | typeof iamPolicies | typeof iamGroups | typeof iamRoles) =>
    sql<number>`(select count(*) from ${t} where ${t.serviceUuid} = ${serviceUuid})`;
  const row = await d
    .select({ users: n(iamUsers), policies: n(iamPolicies), groups: n(iamGroups), roles: n(iamRoles) })
    .from(sql`(select 1)`)
    .get();
  return row ? Number(row.users) + Number(row.policies) + Number(row.groups) + Number(row.roles) : 0;
}

/** Removes every IAM row of a service in one transaction, dependents before what they hang off. */
export async function deleteServiceIam(d: Db, serviceUuid: string): Promise<void> {
  await d.batch([
    d.delete(iamTags).where(eq(iamTags.serviceUuid, serviceUuid)),
    d.delete(iamInlinePolicies).where(eq(iamInlinePolicies.serviceUuid, serviceUuid)),
    d.delete(iamAttachments).where(eq(iamAttachments.serviceUuid, serviceUuid)),
    d.delete(iamGroupMembers).where(eq(iamGroupMembers.serviceUuid, serviceUuid)),
    d.delete(iamAccessKeys).where(eq(iamAccessKeys.serviceUuid, serviceUuid)),
    d.delete(iamPolicyVersions).where(eq(iamPolicyVersions.serviceUuid, serviceUuid)),
    d.delete(iamUsers).where(eq(iamUsers.serviceUuid, serviceUuid)),
    d.delete(iamGroups).where(eq(iamGroups.serviceUuid, serviceUuid)),
    d.delete(iamRoles).where(eq(iamRoles.serviceUuid, serviceUuid)),
    d.delete(iamPolicies).where(eq(iamPolicies.serviceUuid, serviceUuid)),
  ]);
}
