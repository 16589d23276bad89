// Loading user records for many services at once: a fixed number of queries, however many users.
// Used by the user endpoints and by the service body's `users`. Never selects a sealed secret.

import { and, asc, eq, inArray, type SQL } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { iamAccessKeys, iamAttachments, iamTags, iamUsers } from "../../schema/iam.tables";
import type { Db } from "../../storage/db";
import { accessKeyRecord, policyRef, tagView, type UserRecord } from "./views";

/** The four queries behind user records; batch them with other reads (D1 runs a batch in one round trip). */
export function userQueries(d: Db, serviceUuids: string[], username?: string) {
  const only = (svcCol: AnySQLiteColumn, nameCol: AnySQLiteColumn, extra?: SQL) =>
    and(inArray(svcCol, serviceUuids), username === undefined ? undefined : eq(nameCol, username), extra);
  return [
    d.select().from(iamUsers).where(only(iamUsers.serviceUuid, iamUsers.name)).orderBy(asc(iamUsers.createdAt), asc(iamUsers.name)),
    d
      .select({
        serviceUuid: iamAccessKeys.serviceUuid,
        username: iamAccessKeys.username,
        accessKeyId: iamAccessKeys.accessKeyId,
        status: iamAccessKeys.status,
        createdAt: iamAccessKeys.createdAt,
        lastUsedAt: iamAccessKeys.lastUsedAt,
      })
      .from(iamAccessKeys)
      .where(only(iamAccessKeys.serviceUuid, iamAccessKeys.username))
      .orderBy(asc(iamAccessKeys.createdAt), asc(iamAccessKeys.accessKeyId)),
    d
      .select({ serviceUuid: iamAttachments.serviceUuid, username: iamAttachments.principalName, policyName: iamAttachments.policyName })
      .from(iamAttachments)
      .where(only(iamAttachments.serviceUuid, iamAttachments.principalName, eq(iamAttachments.principalType, "user")))
      .orderBy(asc(iamAttachments.createdAt), asc(iamAttachments.policyName)),
    d
      .select({
        serviceUuid: iamTags.serviceUuid,
        username: iamTags.principalName,
        key: iamTags.key,
        value: iamTags.value,
        position: iamTags.position,
      })
      .from(iamTags)
      .where(only(iamTags.serviceUuid, iamTags.principalName, eq(iamTags.principalType, "user")))
      .orderBy(asc(iamTags.position)),
  ] as const;
}

type Rows<Q> = Q extends PromiseLike<infer R> ? R : never;
type Queries = ReturnType<typeof userQueries>;
export type UserQueryResults = readonly [Rows<Queries[0]>, Rows<Queries[1]>, Rows<Queries[2]>, Rows<Queries[3]>];

/** service uuid → its users, in creation order. */
export function assembleUsers(serviceUuids: string[], [users, keys, attachments, tags]: UserQueryResults): Map<string, UserRecord[]> {
  const out = new Map<string, UserRecord[]>(serviceUuids.map((u) => [u, []]));
  const byUser = new Map<string, UserRecord>();
  const k = (svc: string, name: string) => `${svc}\u0000${name}`;
  for (const u of users) {
    const view: UserRecord = {
      serviceUuid: u.serviceUuid,
      name: u.name,
      id: u.id,
      createdAt: u.createdAt,
      accessKeys: [],
      policies: [],
      tags: [],
      permissionsBoundary: u.permissionsBoundary,
    };
    byUser.set(k(u.serviceUuid, u.name), view);
    out.get(u.serviceUuid)?.push(view);
  }
  for (const r of keys) byUser.get(k(r.serviceUuid, r.username))?.accessKeys.push(accessKeyRecord(r));
  for (const r of attachments) byUser.get(k(r.serviceUuid, r.username))?.policies.push(policyRef(r.serviceUuid, r.policyName));
  for (const r of tags) byUser.get(k(r.serviceUuid, r.username))?.tags.push(tagView(r));
  return out;
}

export async function loadUsers(d: Db, serviceUuids: string[], username?: string): Promise<Map<string, UserRecord[]>> {
  if (!serviceUuids.length) return new Map();
  return assembleUsers(serviceUuids, await d.batch(userQueries(d, serviceUuids, username)));
}
