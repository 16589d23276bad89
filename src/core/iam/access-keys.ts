// Access keys: the secret is returned once, at creation, and stored only sealed under MASTER_KEY.

import { and, asc, count, eq, sql } from "drizzle-orm";
import { config } from "../../config";
import { encryptSecret } from "../../lib/crypto";
import { isoMicro } from "../../lib/time";
import { iamAccessKeys, iamUsers, NEVER_USED } from "../../schema/iam.tables";
import { type Db, isUniqueViolation } from "../../storage/db";
import { limitExceeded, notFound } from "../errors";
import { LIMITS, newAccessKeyId, newSecret } from "./rules";
import { param, requirePrincipal, scope } from "./store";
import { accessKeyRecord, type AccessKeyRecord } from "./views";

/** A key as issued: the only time its secret leaves the core. */
export interface NewAccessKey extends AccessKeyRecord {
  secretAccessKey: string;
}

const keyColumns = {
  accessKeyId: iamAccessKeys.accessKeyId,
  status: iamAccessKeys.status,
  createdAt: iamAccessKeys.createdAt,
  lastUsedAt: iamAccessKeys.lastUsedAt,
};

/**
 * Issues a key. The limit check and the insert are one statement (INSERT … SELECT … WHERE count < 2),
 * so two concurrent creates for a user holding one key cannot both succeed.
 */
export async function createAccessKey(
  env: Env,
  accountId: string,
  serviceUuid: string,
  username: string,
  attempt = 0,
): Promise<NewAccessKey> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const secret = newSecret();
  const sealed = await encryptSecret(config(env).MASTER_KEY, secret);
  const id = newAccessKeyId();
  const createdAt = isoMicro();
  const held = d
    .select({ n: count() })
    .from(iamAccessKeys)
    .where(and(eq(iamAccessKeys.serviceUuid, svc), eq(iamAccessKeys.username, username)));
  let inserted: { id: string }[];
  try {
    inserted = await d
      .insert(iamAccessKeys)
      .select(
        d
          .select({
            accessKeyId: param(id, "access_key_id"),
            serviceUuid: iamUsers.serviceUuid,
            username: iamUsers.name,
            secretSealed: param(sealed, "secret_sealed"),
            status: param<"Active">("Active", "status"),
            createdAt: param(createdAt, "created_at"),
            lastUsedAt: param(NEVER_USED, "last_used_at"),
          })
          .from(iamUsers)
          .where(and(eq(iamUsers.serviceUuid, svc), eq(iamUsers.name, username), sql`(${held}) < ${LIMITS.keysPerUser}`)),
      )
      .returning({ id: iamAccessKeys.accessKeyId });
  } catch (e) {
    // 64 random bits collided with another key id: try once more with a fresh id.
    if (isUniqueViolation(e) && attempt === 0) return createAccessKey(env, accountId, serviceUuid, username, 1);
    throw e;
  }
  if (!inserted.length) {
    await requirePrincipal(d, svc, { type: "user", name: username });
    throw limitExceeded(
      `User "${username}" already has ${LIMITS.keysPerUser} access keys, the maximum. Delete one before creating another.`,
      LIMITS.keysPerUser,
    );
  }
  return { accessKeyId: id, status: "Active", createdAt, lastUsedAt: NEVER_USED, secretAccessKey: secret };
}

export async function listAccessKeys(env: Env, accountId: string, serviceUuid: string, username: string): Promise<AccessKeyRecord[]> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  await requirePrincipal(d, svc, { type: "user", name: username });
  const rows = await d
    .select(keyColumns)
    .from(iamAccessKeys)
    .where(and(eq(iamAccessKeys.serviceUuid, svc), eq(iamAccessKeys.username, username)))
    .orderBy(asc(iamAccessKeys.createdAt), asc(iamAccessKeys.accessKeyId))
    .all();
  return rows.map(accessKeyRecord);
}

const keyOf = (svc: string, username: string, id: string) =>
  and(eq(iamAccessKeys.serviceUuid, svc), eq(iamAccessKeys.username, username), eq(iamAccessKeys.accessKeyId, id));

async function missing(d: Db, svc: string, username: string): Promise<never> {
  await requirePrincipal(d, svc, { type: "user", name: username });
  throw notFound("Access key");
}

export async function getAccessKey(
  env: Env,
  accountId: string,
  serviceUuid: string,
  username: string,
  id: string,
): Promise<AccessKeyRecord> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  const row = await d
    .select(keyColumns)
    .from(iamAccessKeys)
    .where(keyOf(svc, username, id))
    .get();
  return row ? accessKeyRecord(row) : missing(d, svc, username);
}

export async function setAccessKeyStatus(
  env: Env,
  accountId: string,
  serviceUuid: string,
  username: string,
  id: string,
  status: "Active" | "Inactive" | undefined,
): Promise<AccessKeyRecord> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const [row] =
    status === undefined
      ? await d
          .select(keyColumns)
          .from(iamAccessKeys)
          .where(keyOf(svc, username, id))
          .all()
      : await d
          .update(iamAccessKeys)
          .set({ status })
          .where(keyOf(svc, username, id))
          .returning(keyColumns);
  return row ? accessKeyRecord(row) : missing(d, svc, username);
}

export async function deleteAccessKey(env: Env, accountId: string, serviceUuid: string, username: string, id: string): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const gone = await d
    .delete(iamAccessKeys)
    .where(keyOf(svc, username, id))
    .returning({ id: iamAccessKeys.accessKeyId });
  if (!gone.length) await missing(d, svc, username);
}
