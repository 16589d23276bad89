// Groups and their members.

import { and, asc, count, eq, notExists, sql } from "drizzle-orm";
import { isoSeconds } from "../../lib/time";
import { iamAttachments, iamGroupMembers, iamGroups, iamInlinePolicies, iamUsers } from "../../schema/iam.tables";
import type { Db } from "../../storage/db";
import { limitExceeded, notFound } from "../errors";
import { checkName, LIMITS } from "./rules";
import { describeCounts, holdsNoPolicies, inUse, param, requirePrincipal, scope, write } from "./store";

export interface GroupRecord {
  serviceUuid: string;
  name: string;
  createdAt: string;
}

const view = (svc: string, r: { name: string; createdAt: string }): GroupRecord => ({
  serviceUuid: svc,
  name: r.name,
  createdAt: r.createdAt,
});

const groupKey = (svc: string, name: string) => and(eq(iamGroups.serviceUuid, svc), eq(iamGroups.name, name));

export async function listGroups(env: Env, accountId: string, serviceUuid: string): Promise<GroupRecord[]> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  const rows = await d.select().from(iamGroups).where(eq(iamGroups.serviceUuid, svc)).orderBy(asc(iamGroups.name)).all();
  return rows.map((r) => view(svc, r));
}

export async function getGroup(env: Env, accountId: string, serviceUuid: string, name: string): Promise<GroupRecord> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  const row = await d.select().from(iamGroups).where(groupKey(svc, name)).get();
  if (!row) throw notFound("Group");
  return view(svc, row);
}

export async function createGroup(env: Env, accountId: string, serviceUuid: string, name: string): Promise<GroupRecord> {
  checkName("name", name, "group");
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const row = { serviceUuid: svc, name, createdAt: isoSeconds() };
  await write(() => d.insert(iamGroups).values(row), `Group "${name}" already exists.`);
  return view(svc, row);
}

function groupIsEmpty(d: Db, svc: string, name: string) {
  const one = { one: sql`1` };
  return and(
    notExists(
      d
        .select(one)
        .from(iamGroupMembers)
        .where(and(eq(iamGroupMembers.serviceUuid, svc), eq(iamGroupMembers.groupName, name))),
    ),
    holdsNoPolicies(d, svc, { type: "group", name }),
  );
}

/** As in AWS, a group must be emptied (members, attached and inline policies) before it goes. */
export async function deleteGroup(env: Env, accountId: string, serviceUuid: string, name: string): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const gone = await d
    .delete(iamGroups)
    .where(and(groupKey(svc, name), groupIsEmpty(d, svc, name)))
    .returning({ name: iamGroups.name });
  if (gone.length) return;
  await requirePrincipal(d, svc, { type: "group", name });
  const [members, attached, inline] = await d.batch([
    d
      .select({ n: count() })
      .from(iamGroupMembers)
      .where(and(eq(iamGroupMembers.serviceUuid, svc), eq(iamGroupMembers.groupName, name))),
    d
      .select({ n: count() })
      .from(iamAttachments)
      .where(and(eq(iamAttachments.serviceUuid, svc), eq(iamAttachments.principalType, "group"), eq(iamAttachments.principalName, name))),
    d
      .select({ n: count() })
      .from(iamInlinePolicies)
      .where(
        and(
          eq(iamInlinePolicies.serviceUuid, svc),
          eq(iamInlinePolicies.principalType, "group"),
          eq(iamInlinePolicies.principalName, name),
        ),
      ),
  ]);
  const held = describeCounts([
    [members[0]?.n ?? 0, "member", "members"],
    [attached[0]?.n ?? 0, "attached policy", "attached policies"],
    [inline[0]?.n ?? 0, "inline policy", "inline policies"],
  ]);
  throw inUse(`Group "${name}"`, held || "members or policies", "Remove its users and delete or detach its policies first.");
}

/** Adding a member twice succeeds without change, as in AWS. A user can be in at most 10 groups. */
export async function addUserToGroup(env: Env, accountId: string, serviceUuid: string, groupName: string, username: string): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const held = d
    .select({ n: count() })
    .from(iamGroupMembers)
    .where(and(eq(iamGroupMembers.serviceUuid, svc), eq(iamGroupMembers.username, username)));
  const inserted = await write(
    () =>
      d
        .insert(iamGroupMembers)
        .select(
          d
            .select({
              serviceUuid: iamGroups.serviceUuid,
              groupName: iamGroups.name,
              username: iamUsers.name,
              createdAt: param(isoSeconds(), "created_at"),
            })
            .from(iamGroups)
            .innerJoin(iamUsers, and(eq(iamUsers.serviceUuid, iamGroups.serviceUuid), eq(iamUsers.name, username)))
            .where(and(groupKey(svc, groupName), sql`(${held}) < ${LIMITS.groupsPerUser}`)),
        )
        .onConflictDoNothing()
        .returning({ name: iamGroupMembers.groupName }),
    "Already a member.",
    "User",
  );
  if (inserted.length) return;
  await requirePrincipal(d, svc, { type: "group", name: groupName });
  await requirePrincipal(d, svc, { type: "user", name: username });
  const already = await d
    .select({ one: sql`1` })
    .from(iamGroupMembers)
    .where(and(eq(iamGroupMembers.serviceUuid, svc), eq(iamGroupMembers.groupName, groupName), eq(iamGroupMembers.username, username)))
    .get();
  if (already) return;
  throw limitExceeded(`User "${username}" is already in ${LIMITS.groupsPerUser} groups, the maximum.`, LIMITS.groupsPerUser);
}

export async function removeUserFromGroup(
  env: Env,
  accountId: string,
  serviceUuid: string,
  groupName: string,
  username: string,
): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const gone = await d
    .delete(iamGroupMembers)
    .where(and(eq(iamGroupMembers.serviceUuid, svc), eq(iamGroupMembers.groupName, groupName), eq(iamGroupMembers.username, username)))
    .returning({ name: iamGroupMembers.username });
  if (gone.length) return;
  await requirePrincipal(d, svc, { type: "group", name: groupName });
  await requirePrincipal(d, svc, { type: "user", name: username });
  throw notFound("Group member", `User "${username}" is not a member of group "${groupName}".`);
}
