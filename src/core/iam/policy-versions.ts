// Versions of custom managed policies: v1…vN, at most 5 kept, one of them the default.

import { and, count, desc, eq, ne, sql } from "drizzle-orm";
import { isoSeconds } from "../../lib/time";
import { iamPolicies, iamPolicyVersions } from "../../schema/iam.tables";
import type { Db } from "../../storage/db";
import { getSystemPolicy } from "../policy";
import { deleteConflict, limitExceeded, notFound, readOnly } from "../errors";
import { SYSTEM_POLICY_TIME } from "./policies";
import { LIMITS, parseDocument } from "./rules";
import { param, scope } from "./store";

export interface PolicyVersionRecord {
  version: number;
  /** As written (decoded). */
  document: string;
  isDefault: boolean;
  createdAt: string;
}

function view(version: number, document: string, isDefault: boolean, createdAt: string): PolicyVersionRecord {
  return { version, document, isDefault, createdAt };
}

async function policyRow(d: Db, svc: string, name: string) {
  const row = await d
    .select()
    .from(iamPolicies)
    .where(and(eq(iamPolicies.serviceUuid, svc), eq(iamPolicies.name, name)))
    .get();
  if (!row) throw notFound("Policy");
  return row;
}

/** A version id from a path: anything not shaped like "vN" simply does not exist. */
function pathVersion(id: string): number {
  const m = /^v([1-9]\d{0,8})$/.exec(id);
  if (!m) throw notFound("Policy version");
  return Number(m[1]);
}

const versionsOf = (svc: string, name: string) => and(eq(iamPolicyVersions.serviceUuid, svc), eq(iamPolicyVersions.policyName, name));

export async function listPolicyVersions(env: Env, accountId: string, serviceUuid: string, name: string): Promise<PolicyVersionRecord[]> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  const sys = getSystemPolicy(name);
  if (sys) return [view(1, sys.json, true, SYSTEM_POLICY_TIME)];
  const [policies, versions] = await d.batch([
    d
      .select()
      .from(iamPolicies)
      .where(and(eq(iamPolicies.serviceUuid, svc), eq(iamPolicies.name, name))),
    d.select().from(iamPolicyVersions).where(versionsOf(svc, name)).orderBy(desc(iamPolicyVersions.version)),
  ]);
  const p = policies[0];
  if (!p) throw notFound("Policy");
  return versions.map((v) => view(v.version, v.document, v.version === p.defaultVersion, v.createdAt));
}

export async function getPolicyVersion(
  env: Env,
  accountId: string,
  serviceUuid: string,
  name: string,
  id: string,
): Promise<PolicyVersionRecord> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  const sys = getSystemPolicy(name);
  if (sys) {
    if (id !== "v1") throw notFound("Policy version");
    return view(1, sys.json, true, SYSTEM_POLICY_TIME);
  }
  const n = pathVersion(id);
  const p = await policyRow(d, svc, name);
  const v = await d
    .select()
    .from(iamPolicyVersions)
    .where(and(versionsOf(svc, name), eq(iamPolicyVersions.version, n)))
    .get();
  if (!v) throw notFound("Policy version");
  return view(v.version, v.document, v.version === p.defaultVersion, v.createdAt);
}

const systemPolicy = (name: string) => readOnly(`"${name}" is a system policy and cannot be changed or deleted.`);

/**
 * Adds version N (N from the policy's counter) in one transaction: the insert happens only while
 * fewer than 5 versions exist, and the counter (and default) move only if that insert happened.
 */
export async function createPolicyVersion(
  env: Env,
  accountId: string,
  serviceUuid: string,
  name: string,
  input: { document: string; is_default?: boolean | undefined },
): Promise<PolicyVersionRecord> {
  const doc = parseDocument("document", input.document, "identity");
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  if (getSystemPolicy(name)) throw systemPolicy(name);
  const now = isoSeconds();
  const isDefault = input.is_default === true;
  const held = d.select({ n: count() }).from(iamPolicyVersions).where(versionsOf(svc, name));
  const [inserted] = await d.batch([
    d
      .insert(iamPolicyVersions)
      .select(
        d
          .select({
            serviceUuid: iamPolicies.serviceUuid,
            policyName: iamPolicies.name,
            version: iamPolicies.nextVersion,
            document: param(doc.text, "document"),
            normalized: param(doc.normalized, "normalized"),
            createdAt: param(now, "created_at"),
          })
          .from(iamPolicies)
          .where(and(eq(iamPolicies.serviceUuid, svc), eq(iamPolicies.name, name), sql`(${held}) < ${LIMITS.versionsPerPolicy}`)),
      )
      .returning({ version: iamPolicyVersions.version }),
    d
      .update(iamPolicies)
      .set({
        nextVersion: sql`${iamPolicies.nextVersion} + 1`,
        defaultVersion: isDefault ? sql`${iamPolicies.nextVersion}` : sql`${iamPolicies.defaultVersion}`,
        updatedAt: now,
      })
      .where(
        and(
          eq(iamPolicies.serviceUuid, svc),
          eq(iamPolicies.name, name),
          sql`exists (select 1 from ${iamPolicyVersions} v where v.service_uuid = ${svc} and v.policy_name = ${name} and v.version = ${iamPolicies.nextVersion})`,
        ),
      ),
  ]);
  const v = inserted[0];
  if (!v) {
    await policyRow(d, svc, name);
    throw limitExceeded(
      `Policy "${name}" already has ${LIMITS.versionsPerPolicy} versions, the maximum. Delete a non-default version first.`,
      LIMITS.versionsPerPolicy,
    );
  }
  return view(v.version, doc.text, isDefault, now);
}

export async function deletePolicyVersion(env: Env, accountId: string, serviceUuid: string, name: string, id: string): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  if (getSystemPolicy(name)) throw systemPolicy(name);
  const n = pathVersion(id);
  const gone = await d
    .delete(iamPolicyVersions)
    .where(
      and(
        versionsOf(svc, name),
        eq(iamPolicyVersions.version, n),
        ne(
          iamPolicyVersions.version,
          sql`(select ${iamPolicies.defaultVersion} from ${iamPolicies} where ${iamPolicies.serviceUuid} = ${svc} and ${iamPolicies.name} = ${name})`,
        ),
      ),
    )
    .returning({ version: iamPolicyVersions.version });
  if (gone.length) return;
  const p = await policyRow(d, svc, name);
  if (p.defaultVersion === n) {
    throw deleteConflict(
      `${id} is the default version of policy "${name}" and cannot be deleted. Make another version the default first.`,
      [`default version ${id}`],
    );
  }
  throw notFound("Policy version");
}
