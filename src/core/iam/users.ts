// IAM users of a service.

import { and, count, eq, notExists, sql } from "drizzle-orm";
import { iamAccessKeys, iamGroupMembers, iamInlinePolicies, iamTags, iamUsers } from "../../schema/iam.tables";
import type { Db } from "../../storage/db";
import { isoMicro } from "../../lib/time";
import { notFound } from "../errors";
import { checkName, newUserId } from "./rules";
import { describeCounts, holdsNoPolicies, inUse, scope, write } from "./store";
import { loadUsers } from "./user-views";
import type { UserRecord } from "./views";

export async function listUsers(env: Env, accountId: string, serviceUuid: string): Promise<UserRecord[]> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  return (await loadUsers(d, [svc])).get(svc) ?? [];
}

export async function getUser(env: Env, accountId: string, serviceUuid: string, username: string): Promise<UserRecord> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  const user = (await loadUsers(d, [svc], username)).get(svc)?.[0];
  if (!user) throw notFound("User");
  return user;
}

export async function createUser(env: Env, accountId: string, serviceUuid: string, username: string): Promise<UserRecord> {
  checkName("username", username, "user");
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const createdAt = isoMicro();
  const id = newUserId();
  await write(() => d.insert(iamUsers).values({ serviceUuid: svc, name: username, id, createdAt }), `User "${username}" already exists.`);
  return { serviceUuid: svc, name: username, id, createdAt, accessKeys: [], policies: [], tags: [], permissionsBoundary: null };
}

/** Conditions under which a user may be deleted: nothing hangs off it but tags and a boundary. */
function userIsBare(d: Db, svc: string, username: string) {
  const one = { one: sql`1` };
  return and(
    notExists(
      d
        .select(one)
        .from(iamAccessKeys)
        .where(and(eq(iamAccessKeys.serviceUuid, svc), eq(iamAccessKeys.username, username))),
    ),
    holdsNoPolicies(d, svc, { type: "user", name: username }),
    notExists(
      d
        .select(one)
        .from(iamGroupMembers)
        .where(and(eq(iamGroupMembers.serviceUuid, svc), eq(iamGroupMembers.username, username))),
    ),
  );
}

/**
 * Deletes a user that holds no access keys, policies or group memberships (as AWS and Lyve refuse
 * otherwise). The check and the delete are one statement, so a key created concurrently either
 * lands first (and the delete is refused) or finds no user.
 */
export async function deleteUser(env: Env, accountId: string, serviceUuid: string, username: string): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const [deleted] = await d.batch([
    d
      .delete(iamUsers)
      .where(and(eq(iamUsers.serviceUuid, svc), eq(iamUsers.name, username), userIsBare(d, svc, username)))
      .returning({ name: iamUsers.name }),
    d.delete(iamTags).where(
      and(
        eq(iamTags.serviceUuid, svc),
        eq(iamTags.principalType, "user"),
        eq(iamTags.principalName, username),
        notExists(
          d
            .select({ one: sql`1` })
            .from(iamUsers)
            .where(and(eq(iamUsers.serviceUuid, svc), eq(iamUsers.name, username))),
        ),
      ),
    ),
  ]);
  if (deleted.length) return;
  const user = (await loadUsers(d, [svc], username)).get(svc)?.[0];
  if (!user) throw notFound("User");
  const [inline, groups] = await d.batch([
    d
      .select({ n: count() })
      .from(iamInlinePolicies)
      .where(
        and(
          eq(iamInlinePolicies.serviceUuid, svc),
          eq(iamInlinePolicies.principalType, "user"),
          eq(iamInlinePolicies.principalName, username),
        ),
      ),
    d
      .select({ n: count() })
      .from(iamGroupMembers)
      .where(and(eq(iamGroupMembers.serviceUuid, svc), eq(iamGroupMembers.username, username))),
  ]);
  const held = describeCounts([
    [user.accessKeys.length, "access key", "access keys"],
    [user.policies.length, "attached policy", "attached policies"],
    [inline[0]?.n ?? 0, "inline policy", "inline policies"],
    [groups[0]?.n ?? 0, "group membership", "group memberships"],
  ]);
  throw inUse(
    `User "${username}"`,
    held || "dependent entities",
    "Delete its access keys and inline policies, detach its policies and remove it from its groups first.",
  );
}
