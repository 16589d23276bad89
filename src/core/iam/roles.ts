// Roles: a trust policy saying who may assume them, policies saying what a session may do.

import { and, asc, count, eq, exists, notExists, sql } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { isoSeconds } from "../../lib/time";
import { iamAttachments, iamInlinePolicies, iamRoles, iamTags } from "../../schema/iam.tables";
import type { Db } from "../../storage/db";
import { notFound } from "../errors";
import { checkDescription, checkMaxSession, checkName, checkTags, LIMITS, MAX_SESSION, newRoleId, parseDocument, type Tag } from "./rules";
import { describeCounts, inUse, policyExists, requirePrincipal, scope, write } from "./store";
import { insertTags } from "./tags";
import { byPosition, policyRef, type PolicyRef, tagView } from "./views";

export interface RoleRecord {
  serviceUuid: string;
  name: string;
  description: string;
  /** The trust policy as the client wrote it (decoded). */
  trustDocument: string;
  maxSessionDuration: number;
  permissionsBoundary: string | null;
  createdAt: string;
  inlinePolicies: string[];
  policies: PolicyRef[];
  tags: Tag[];
}

export interface RoleCreateInput {
  name: string;
  assume_role_policy_document: string;
  description?: string | undefined;
  max_session_duration?: number | undefined;
  permissions_boundary?: string | undefined;
  tags?: Tag[] | undefined;
}

const roleKey = (svc: string, name: string) => and(eq(iamRoles.serviceUuid, svc), eq(iamRoles.name, name));

async function loadRoles(d: Db, svc: string, name?: string): Promise<RoleRecord[]> {
  const only = (col: AnySQLiteColumn) => (name === undefined ? undefined : eq(col, name));
  const [roles, attached, inline, tags] = await d.batch([
    d
      .select()
      .from(iamRoles)
      .where(and(eq(iamRoles.serviceUuid, svc), name === undefined ? undefined : eq(iamRoles.name, name)))
      .orderBy(asc(iamRoles.name)),
    d
      .select({ role: iamAttachments.principalName, policy: iamAttachments.policyName })
      .from(iamAttachments)
      .where(and(eq(iamAttachments.serviceUuid, svc), eq(iamAttachments.principalType, "role"), only(iamAttachments.principalName)))
      .orderBy(asc(iamAttachments.createdAt), asc(iamAttachments.policyName)),
    d
      .select({ role: iamInlinePolicies.principalName, name: iamInlinePolicies.name })
      .from(iamInlinePolicies)
      .where(
        and(eq(iamInlinePolicies.serviceUuid, svc), eq(iamInlinePolicies.principalType, "role"), only(iamInlinePolicies.principalName)),
      )
      .orderBy(asc(iamInlinePolicies.name)),
    d
      .select({ role: iamTags.principalName, key: iamTags.key, value: iamTags.value, position: iamTags.position })
      .from(iamTags)
      .where(and(eq(iamTags.serviceUuid, svc), eq(iamTags.principalType, "role"), only(iamTags.principalName))),
  ]);
  const views = new Map<string, RoleRecord>();
  for (const r of roles) {
    views.set(r.name, {
      serviceUuid: svc,
      name: r.name,
      description: r.description,
      trustDocument: r.trustDocument,
      maxSessionDuration: r.maxSessionDuration,
      permissionsBoundary: r.permissionsBoundary,
      createdAt: r.createdAt,
      inlinePolicies: [],
      policies: [],
      tags: [],
    });
  }
  for (const a of attached) views.get(a.role)?.policies.push(policyRef(svc, a.policy));
  for (const i of inline) views.get(i.role)?.inlinePolicies.push(i.name);
  for (const t of tags.sort(byPosition)) views.get(t.role)?.tags.push(tagView(t));
  return [...views.values()];
}

async function loadRole(d: Db, svc: string, name: string): Promise<RoleRecord> {
  const [role] = await loadRoles(d, svc, name);
  if (!role) throw notFound("Role");
  return role;
}

export async function listRoles(env: Env, accountId: string, serviceUuid: string): Promise<RoleRecord[]> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  return loadRoles(d, svc);
}

export async function getRole(env: Env, accountId: string, serviceUuid: string, name: string): Promise<RoleRecord> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  return loadRole(d, svc, name);
}

const trust = (field: string, doc: string) => parseDocument(field, doc, "trust", LIMITS.trustDocumentChars);

export async function createRole(env: Env, accountId: string, serviceUuid: string, input: RoleCreateInput): Promise<RoleRecord> {
  checkName("name", input.name, "role");
  checkDescription("description", input.description);
  checkMaxSession("max_session_duration", input.max_session_duration);
  if (input.permissions_boundary !== undefined) checkName("permissions_boundary", input.permissions_boundary, "policy");
  const tags = input.tags ?? [];
  checkTags(tags, (i, f) => `tags[${i}].${f}`, "tags");
  const doc = trust("assume_role_policy_document", input.assume_role_policy_document);
  const { d, svc } = await scope(env, accountId, serviceUuid, true);

  const id = newRoleId();
  const now = isoSeconds();
  const boundary = input.permissions_boundary ?? null;
  const guard = boundary === null ? sql`1` : policyExists(d, svc, boundary);
  const insertRole = d
    .insert(iamRoles)
    .select(
      sql`select ${svc}, ${input.name}, ${id}, ${input.description ?? ""}, ${doc.text}, ${doc.normalized}, ${input.max_session_duration ?? MAX_SESSION.default}, ${boundary}, ${now}, ${now} where ${guard}`,
    )
    .returning({ name: iamRoles.name });
  const roleWritten = exists(
    d
      .select({ one: sql`1` })
      .from(iamRoles)
      .where(eq(iamRoles.id, id)),
  );
  const inserted = await write(async () => {
    if (!tags.length) return insertRole;
    const [rows] = await d.batch([insertRole, insertTags(d, svc, { type: "role", name: input.name }, tags, roleWritten)]);
    return rows;
  }, `Role "${input.name}" already exists.`);
  if (!inserted.length) throw notFound("Policy");
  return loadRole(d, svc, input.name);
}

export async function updateRole(
  env: Env,
  accountId: string,
  serviceUuid: string,
  name: string,
  patch: { description?: string | undefined; max_session_duration?: number | undefined },
): Promise<RoleRecord> {
  checkDescription("description", patch.description);
  checkMaxSession("max_session_duration", patch.max_session_duration);
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const set: Partial<typeof iamRoles.$inferInsert> = { updatedAt: isoSeconds() };
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.max_session_duration !== undefined) set.maxSessionDuration = patch.max_session_duration;
  const updated = await d.update(iamRoles).set(set).where(roleKey(svc, name)).returning({ name: iamRoles.name });
  if (!updated.length) throw notFound("Role");
  return loadRole(d, svc, name);
}

export async function replaceTrustPolicy(
  env: Env,
  accountId: string,
  serviceUuid: string,
  name: string,
  document: string,
): Promise<{ document: string }> {
  const doc = trust("document", document);
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const updated = await d
    .update(iamRoles)
    .set({ trustDocument: doc.text, trustNormalized: doc.normalized, updatedAt: isoSeconds() })
    .where(roleKey(svc, name))
    .returning({ name: iamRoles.name });
  if (!updated.length) throw notFound("Role");
  return { document: doc.text };
}

/** As in AWS, a role's policies must be detached or deleted first; its tags and boundary go with it. */
export async function deleteRole(env: Env, accountId: string, serviceUuid: string, name: string): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const one = { one: sql`1` };
  const attachedQ = d
    .select(one)
    .from(iamAttachments)
    .where(and(eq(iamAttachments.serviceUuid, svc), eq(iamAttachments.principalType, "role"), eq(iamAttachments.principalName, name)));
  const inlineQ = d
    .select(one)
    .from(iamInlinePolicies)
    .where(
      and(eq(iamInlinePolicies.serviceUuid, svc), eq(iamInlinePolicies.principalType, "role"), eq(iamInlinePolicies.principalName, name)),
    );
  const [gone] = await d.batch([
    d
      .delete(iamRoles)
      .where(and(roleKey(svc, name), notExists(attachedQ), notExists(inlineQ)))
      .returning({ name: iamRoles.name }),
    d
      .delete(iamTags)
      .where(
        and(
          eq(iamTags.serviceUuid, svc),
          eq(iamTags.principalType, "role"),
          eq(iamTags.principalName, name),
          notExists(d.select(one).from(iamRoles).where(roleKey(svc, name))),
        ),
      ),
  ]);
  if (gone.length) return;
  await requirePrincipal(d, svc, { type: "role", name });
  const [attached, inline] = await d.batch([
    d
      .select({ n: count() })
      .from(iamAttachments)
      .where(and(eq(iamAttachments.serviceUuid, svc), eq(iamAttachments.principalType, "role"), eq(iamAttachments.principalName, name))),
    d
      .select({ n: count() })
      .from(iamInlinePolicies)
      .where(
        and(eq(iamInlinePolicies.serviceUuid, svc), eq(iamInlinePolicies.principalType, "role"), eq(iamInlinePolicies.principalName, name)),
      ),
  ]);
  const held = describeCounts([
    [attached[0]?.n ?? 0, "attached policy", "attached policies"],
    [inline[0]?.n ?? 0, "inline policy", "inline policies"],
  ]);
  throw inUse(`Role "${name}"`, held || "policies", "Detach its managed policies and delete its inline policies first.");
}
