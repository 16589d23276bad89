// What the data plane (S3, and later IAM/STS query APIs) needs from IAM: who signed with a key,
// and which policies decide for that identity. A couple of D1 queries each.

import { and, eq, inArray, isNull, or, type SQL } from "drizzle-orm";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { config } from "../../config";
import { decryptSecret } from "../../lib/crypto";
import { IsolateCache } from "../../lib/isolate-cache";
import {
  iamAccessKeys,
  iamAttachments,
  iamGroupMembers,
  iamInlinePolicies,
  iamPolicies,
  iamPolicyVersions,
  iamRoles,
  iamUsers,
  type IamPrincipalType,
} from "../../schema/iam.tables";
import { services } from "../../schema/tables";
import { db as getDb } from "../../storage/db";
import { getSystemPolicy, type NamedPolicy, type PolicyDocument } from "../policy";

/**
 * How the calling layer spells principals for the policy engine. src/routes/principals.ts decides
 * it once for every dialect; the core never spells an ARN itself.
 */
export interface PrincipalNaming {
  arn(p: { serviceUuid: string; type: IamPrincipalType; name: string }): string;
  /** The account id policies may name instead of an ARN. */
  account(serviceUuid: string): string;
}

export interface AccessKeyPrincipal {
  serviceUuid: string;
  /** The Stowage account (tenant) that owns the service. */
  accountId: string;
  username: string;
  /** Stable user id (AIDA…), for aws:userid and S3 owner ids. */
  userId: string;
  status: "Active" | "Inactive";
  /** The decrypted secret access key, for signature verification only. Never log or return it. */
  secret: string;
}

/**
 * Looks an access key up by id across all services. Null when unknown, or when its service is
 * being deleted (its keys stop working the moment deletion starts). Callers check `status`.
 */
export async function findAccessKey(env: Env, accessKeyId: string): Promise<AccessKeyPrincipal | null> {
  const d = getDb(env);
  const row = await d
    .select({
      serviceUuid: iamAccessKeys.serviceUuid,
      accountId: services.accountId,
      username: iamAccessKeys.username,
      userId: iamUsers.id,
      status: iamAccessKeys.status,
      sealed: iamAccessKeys.secretSealed,
    })
    .from(iamAccessKeys)
    .innerJoin(iamUsers, and(eq(iamUsers.serviceUuid, iamAccessKeys.serviceUuid), eq(iamUsers.name, iamAccessKeys.username)))
    .innerJoin(services, eq(services.uuid, iamAccessKeys.serviceUuid))
    .where(and(eq(iamAccessKeys.accessKeyId, accessKeyId), isNull(services.deletingSince)))
    .get();
  if (!row) return null;
  return {
    serviceUuid: row.serviceUuid,
    accountId: row.accountId,
    username: row.username,
    userId: row.userId,
    status: row.status,
    secret: await decryptSecret(config(env).MASTER_KEY, row.sealed),
  };
}

const keyCache = new IsolateCache<AccessKeyPrincipal | null>();

/**
 * findAccessKey for the data plane's hot path: a found key (with its decrypted secret) is kept in
 * this isolate's memory (see IsolateCache for when a change applies), so a busy key costs no D1
 * query and no decryption per request. Unknown keys are not cached: a key created a moment ago
 * works at once.
 */
export function findAccessKeyCached(env: Env, accessKeyId: string, now: number = Date.now()): Promise<AccessKeyPrincipal | null> {
  return keyCache.get(
    accessKeyId,
    () => findAccessKey(env, accessKeyId),
    (key) => key !== null,
    now,
  );
}

export interface IdentityPolicies {
  policies: NamedPolicy[];
  boundary: NamedPolicy | null;
}

/** A boundary naming a policy that no longer exists limits to nothing: fail closed. */
const DENY_NOTHING_ALLOWED: PolicyDocument = { Statement: [] };

function documentOf(policyName: string, normalized: string | null): PolicyDocument {
  const sys = getSystemPolicy(policyName);
  if (sys) return sys.document;
  return normalized === null ? DENY_NOTHING_ALLOWED : (JSON.parse(normalized) as PolicyDocument);
}

/** Managed policy name → its default version's normalized document (null when missing). */
function defaultVersionJoin(svc: string, nameCol: AnySQLiteColumn) {
  return {
    policies: and(eq(iamPolicies.serviceUuid, svc), eq(iamPolicies.name, nameCol)),
    versions: and(
      eq(iamPolicyVersions.serviceUuid, svc),
      eq(iamPolicyVersions.policyName, iamPolicies.name),
      eq(iamPolicyVersions.version, iamPolicies.defaultVersion),
    ),
  };
}

type Principal = { type: "user" | "role"; name: string };

/** The three queries of principalPolicies, to run in one D1 batch. */
function policyQueries(d: ReturnType<typeof getDb>, serviceUuid: string, principal: Principal) {
  const svc = serviceUuid;
  const { type, name } = principal;
  const groupsOfUser = d
    .select({ g: iamGroupMembers.groupName })
    .from(iamGroupMembers)
    .where(and(eq(iamGroupMembers.serviceUuid, svc), eq(iamGroupMembers.username, name)));
  const owners = (typeCol: AnySQLiteColumn, nameCol: AnySQLiteColumn): SQL =>
    or(and(eq(typeCol, type), eq(nameCol, name)), type === "user" ? and(eq(typeCol, "group"), inArray(nameCol, groupsOfUser)) : undefined)!;
  const bt = type === "user" ? iamUsers : iamRoles;
  const bj = defaultVersionJoin(svc, bt.permissionsBoundary);
  const aj = defaultVersionJoin(svc, iamAttachments.policyName);

  return [
    d
      .select({ id: bt.id, boundary: bt.permissionsBoundary, normalized: iamPolicyVersions.normalized })
      .from(bt)
      .leftJoin(iamPolicies, bj.policies)
      .leftJoin(iamPolicyVersions, bj.versions)
      .where(and(eq(bt.serviceUuid, svc), eq(bt.name, name))),
    d
      .select({
        type: iamAttachments.principalType,
        owner: iamAttachments.principalName,
        policy: iamAttachments.policyName,
        normalized: iamPolicyVersions.normalized,
      })
      .from(iamAttachments)
      .leftJoin(iamPolicies, aj.policies)
      .leftJoin(iamPolicyVersions, aj.versions)
      .where(and(eq(iamAttachments.serviceUuid, svc), owners(iamAttachments.principalType, iamAttachments.principalName))),
    d
      .select({
        type: iamInlinePolicies.principalType,
        owner: iamInlinePolicies.principalName,
        name: iamInlinePolicies.name,
        normalized: iamInlinePolicies.normalized,
      })
      .from(iamInlinePolicies)
      .where(and(eq(iamInlinePolicies.serviceUuid, svc), owners(iamInlinePolicies.principalType, iamInlinePolicies.principalName))),
  ] as const;
}

type PolicyRows = BatchResponse<ReturnType<typeof policyQueries>>;

function assemblePolicies({ type, name }: Principal, [boundaryRows, attached, inline]: PolicyRows): IdentityPolicies {
  const policies: NamedPolicy[] = [];
  for (const a of attached) {
    // An attachment whose custom policy vanished contributes nothing (deletes are refused while attached).
    if (!getSystemPolicy(a.policy) && a.normalized === null) continue;
    policies.push({ name: a.policy, source: `${a.type}:${a.owner}/managed:${a.policy}`, document: documentOf(a.policy, a.normalized) });
  }
  for (const i of inline) {
    policies.push({ name: i.name, source: `${i.type}:${i.owner}/inline:${i.name}`, document: JSON.parse(i.normalized) as PolicyDocument });
  }
  const b = boundaryRows[0];
  const boundary =
    b && b.boundary !== null
      ? { name: b.boundary, source: `${type}:${name}/boundary:${b.boundary}`, document: documentOf(b.boundary, b.normalized) }
      : null;
  return { policies, boundary };
}

/**
 * The identity policies of a user (attached managed policies through their default version, inline
 * policies, and the same for every group it is in) or of a role, and its permissions boundary.
 * Three queries in one D1 batch. An unknown principal has no policies.
 */
export async function principalPolicies(env: Env, serviceUuid: string, principal: Principal): Promise<IdentityPolicies> {
  const d = getDb(env);
  return assemblePolicies(principal, await d.batch(policyQueries(d, serviceUuid, principal)));
}

/**
 * A user's identity policies and the rows of one more query of the caller's, in the same D1 batch:
 * one round trip where two would be made (the S3 data plane reads a request's bucket this way).
 */
export async function identityPoliciesWith<Q extends BatchItem<"sqlite">>(
  env: Env,
  serviceUuid: string,
  username: string,
  query: (d: ReturnType<typeof getDb>) => Q,
): Promise<{ identity: IdentityPolicies; rows: BatchResponse<[Q]>[0] }> {
  const d = getDb(env);
  const principal: Principal = { type: "user", name: username };
  const [b, a, i] = policyQueries(d, serviceUuid, principal);
  const [rows, ...policyRows] = await d.batch([query(d), b, a, i]);
  return { identity: assemblePolicies(principal, policyRows as PolicyRows), rows: rows as BatchResponse<[Q]>[0] };
}

/**
 * A role's identity policies and boundary with its stable id, in the same one batch; null when the
 * role does not exist. What decides for sessions of the role (see sessions.ts).
 */
export async function rolePolicies(
  env: Env,
  serviceUuid: string,
  name: string,
): Promise<{ roleId: string; identity: IdentityPolicies } | null> {
  const d = getDb(env);
  const principal: Principal = { type: "role", name };
  const rows = await d.batch(policyQueries(d, serviceUuid, principal));
  const role = rows[0][0];
  return role ? { roleId: role.id, identity: assemblePolicies(principal, rows) } : null;
}

/** The identity policies of a user (see principalPolicies): what the S3 data plane evaluates. */
export function identityPolicies(env: Env, serviceUuid: string, username: string): Promise<IdentityPolicies> {
  return principalPolicies(env, serviceUuid, { type: "user", name: username });
}

/** Identity policies by `<service uuid>\n<username>`; filled here and by findBucketAndPoliciesCached. */
export const identityCache = new IsolateCache<IdentityPolicies>();
export const identityCacheKey = (serviceUuid: string, username: string) => `${serviceUuid}\n${username}`;

/** identityPolicies for the data plane's hot path, kept in this isolate's memory (see IsolateCache). */
export function identityPoliciesCached(
  env: Env,
  serviceUuid: string,
  username: string,
  now: number = Date.now(),
): Promise<IdentityPolicies> {
  return identityCache.get(identityCacheKey(serviceUuid, username), () => identityPolicies(env, serviceUuid, username), undefined, now);
}
