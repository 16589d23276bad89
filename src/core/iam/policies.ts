// Managed policies: the system policies every service lists, and the service's custom policies.

import { and, asc, count, eq, inArray, notExists, sql } from "drizzle-orm";
import { isoSeconds } from "../../lib/time";
import { iamAttachments, iamPolicies, iamPolicyVersions, iamRoles, iamUsers } from "../../schema/iam.tables";
import type { Db } from "../../storage/db";
import { getSystemPolicy, SYSTEM_POLICIES, type SystemPolicy } from "../policy";
import { conflict, notFound, readOnly } from "../errors";
import { checkDescription, checkName, parseDocument, parseVersionId } from "./rules";
import { describeCounts, inUse, scope, write } from "./store";

export interface PolicyRecord {
  serviceUuid: string;
  name: string;
  description: string;
  defaultVersion: number;
  attachmentCount: number;
  system: boolean;
  createdAt: string;
  updatedAt: string;
  /** The default version's document as written (decoded), where the operation shows it. */
  document?: string;
}

/** When the built-in policies came to be; they never change. */
export const SYSTEM_POLICY_TIME = "2024-02-05T11:06:16Z";

function systemView(svc: string, p: SystemPolicy, attachments: number, withDocument: boolean): PolicyRecord {
  const v: PolicyRecord = {
    serviceUuid: svc,
    name: p.name,
    description: p.description,
    defaultVersion: 1,
    attachmentCount: attachments,
    system: true,
    createdAt: SYSTEM_POLICY_TIME,
    updatedAt: SYSTEM_POLICY_TIME,
  };
  if (withDocument) v.document = p.json;
  return v;
}

type PolicyRow = typeof iamPolicies.$inferSelect;

function customView(svc: string, r: PolicyRow, attachments: number, document?: string): PolicyRecord {
  const v: PolicyRecord = {
    serviceUuid: svc,
    name: r.name,
    description: r.description,
    defaultVersion: r.defaultVersion,
    attachmentCount: attachments,
    system: false,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
  if (document !== undefined) v.document = document;
  return v;
}

const attachmentCount = (svc: string) =>
  sql<number>`(select count(*) from ${iamAttachments} where ${iamAttachments.serviceUuid} = ${svc} and ${iamAttachments.policyName} = ${iamPolicies.name})`;

export async function listPolicies(env: Env, accountId: string, serviceUuid: string): Promise<PolicyRecord[]> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  const [custom, sys] = await d.batch([
    d
      .select({ row: iamPolicies, attachments: attachmentCount(svc) })
      .from(iamPolicies)
      .where(eq(iamPolicies.serviceUuid, svc))
      .orderBy(asc(iamPolicies.name)),
    d
      .select({ name: iamAttachments.policyName, n: count() })
      .from(iamAttachments)
      .where(
        and(
          eq(iamAttachments.serviceUuid, svc),
          inArray(
            iamAttachments.policyName,
            SYSTEM_POLICIES.map((p) => p.name),
          ),
        ),
      )
      .groupBy(iamAttachments.policyName),
  ]);
  const sysCounts = new Map(sys.map((r) => [r.name, r.n]));
  return [
    ...SYSTEM_POLICIES.map((p) => systemView(svc, p, sysCounts.get(p.name) ?? 0, false)),
    ...custom.map((c) => customView(svc, c.row, c.attachments)),
  ];
}

async function loadCustom(d: Db, svc: string, name: string) {
  const row = await d
    .select({ row: iamPolicies, attachments: attachmentCount(svc), document: iamPolicyVersions.document })
    .from(iamPolicies)
    .innerJoin(
      iamPolicyVersions,
      and(
        eq(iamPolicyVersions.serviceUuid, iamPolicies.serviceUuid),
        eq(iamPolicyVersions.policyName, iamPolicies.name),
        eq(iamPolicyVersions.version, iamPolicies.defaultVersion),
      ),
    )
    .where(and(eq(iamPolicies.serviceUuid, svc), eq(iamPolicies.name, name)))
    .get();
  if (!row) throw notFound("Policy");
  return row;
}

async function systemAttachments(d: Db, svc: string, name: string): Promise<number> {
  const r = await d
    .select({ n: count() })
    .from(iamAttachments)
    .where(and(eq(iamAttachments.serviceUuid, svc), eq(iamAttachments.policyName, name)))
    .get();
  return r?.n ?? 0;
}

export async function getPolicy(env: Env, accountId: string, serviceUuid: string, name: string): Promise<PolicyRecord> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  const sys = getSystemPolicy(name);
  if (sys) return systemView(svc, sys, await systemAttachments(d, svc, name), true);
  const r = await loadCustom(d, svc, name);
  return customView(svc, r.row, r.attachments, r.document);
}

const systemPolicy = (name: string) => readOnly(`"${name}" is a system policy and cannot be changed or deleted.`);

export async function createPolicy(
  env: Env,
  accountId: string,
  serviceUuid: string,
  input: { name: string; document: string; description?: string | undefined },
): Promise<PolicyRecord> {
  checkName("name", input.name, "policy");
  checkDescription("description", input.description);
  const doc = parseDocument("document", input.document, "identity");
  if (getSystemPolicy(input.name)) throw conflict(`"${input.name}" is the name of a system policy.`, "Policy");
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const now = isoSeconds();
  const row: PolicyRow = {
    serviceUuid: svc,
    name: input.name,
    description: input.description ?? "",
    defaultVersion: 1,
    nextVersion: 2,
    createdAt: now,
    updatedAt: now,
  };
  await write(
    () =>
      d.batch([
        d.insert(iamPolicies).values(row),
        d
          .insert(iamPolicyVersions)
          .values({ serviceUuid: svc, policyName: input.name, version: 1, document: doc.text, normalized: doc.normalized, createdAt: now }),
      ]),
    `Policy "${input.name}" already exists.`,
  );
  return customView(svc, row, 0, doc.text);
}

export async function setDefaultVersion(
  env: Env,
  accountId: string,
  serviceUuid: string,
  name: string,
  version: string,
): Promise<PolicyRecord> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  if (getSystemPolicy(name)) throw systemPolicy(name);
  const n = parseVersionId("version_id", version);
  const updated = await d
    .update(iamPolicies)
    .set({ defaultVersion: n, updatedAt: isoSeconds() })
    .where(
      and(
        eq(iamPolicies.serviceUuid, svc),
        eq(iamPolicies.name, name),
        sql`exists (select 1 from ${iamPolicyVersions} where ${iamPolicyVersions.serviceUuid} = ${svc} and ${iamPolicyVersions.policyName} = ${name} and ${iamPolicyVersions.version} = ${n})`,
      ),
    )
    .returning({ name: iamPolicies.name });
  if (!updated.length) {
    await loadCustom(d, svc, name);
    throw notFound("Policy version");
  }
  const r = await loadCustom(d, svc, name);
  return customView(svc, r.row, r.attachments, r.document);
}

/** Policies in use cannot go: attached anywhere, or the permissions boundary of a user or role. */
export async function deletePolicy(env: Env, accountId: string, serviceUuid: string, name: string): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  if (getSystemPolicy(name)) throw systemPolicy(name);
  const one = { one: sql`1` };
  const gone = await d
    .delete(iamPolicies)
    .where(
      and(
        eq(iamPolicies.serviceUuid, svc),
        eq(iamPolicies.name, name),
        notExists(
          d
            .select(one)
            .from(iamAttachments)
            .where(and(eq(iamAttachments.serviceUuid, svc), eq(iamAttachments.policyName, name))),
        ),
        notExists(
          d
            .select(one)
            .from(iamUsers)
            .where(and(eq(iamUsers.serviceUuid, svc), eq(iamUsers.permissionsBoundary, name))),
        ),
        notExists(
          d
            .select(one)
            .from(iamRoles)
            .where(and(eq(iamRoles.serviceUuid, svc), eq(iamRoles.permissionsBoundary, name))),
        ),
      ),
    )
    .returning({ name: iamPolicies.name });
  if (gone.length) return;
  const r = await loadCustom(d, svc, name);
  const [users, roles] = await d.batch([
    d
      .select({ n: count() })
      .from(iamUsers)
      .where(and(eq(iamUsers.serviceUuid, svc), eq(iamUsers.permissionsBoundary, name))),
    d
      .select({ n: count() })
      .from(iamRoles)
      .where(and(eq(iamRoles.serviceUuid, svc), eq(iamRoles.permissionsBoundary, name))),
  ]);
  const held = describeCounts([
    [r.attachments, "attachment", "attachments"],
    [(users[0]?.n ?? 0) + (roles[0]?.n ?? 0), "use as a permissions boundary", "uses as a permissions boundary"],
  ]);
  throw inUse(
    `Policy "${name}"`,
    held || "attachments",
    "Detach it from every user, group and role (and remove it as a permissions boundary) first.",
  );
}
