/**
 * Buckets of a service as the S3 data plane sees them: rows of the `buckets` table (so the control
 * plane sees the same buckets), invisible once `deleted_at` is set.
 */
import { and, asc, eq, isNull } from "drizzle-orm";
import { isoMicro } from "../../lib/time";
import { buckets } from "../../schema/tables";
import { db, isUniqueViolation } from "../../storage/db";
import { bucketPrefix } from "../../storage/keys";
import { purgeBucketStorage } from "../../storage/objects";
import { identityPoliciesWith, type IdentityPolicies } from "../iam/principal";

export type BucketRow = typeof buckets.$inferSelect;

const bucketQuery = (d: ReturnType<typeof db>, serviceUuid: string, name: string) =>
  d.select().from(buckets).where(and(eq(buckets.serviceUuid, serviceUuid), eq(buckets.name, name)));
const live = (rows: BucketRow[]): BucketRow | null => (rows[0] && rows[0].deletedAt === null ? rows[0] : null);

/** The live bucket, or null (absent or deleted). */
export async function findBucket(env: Env, serviceUuid: string, name: string): Promise<BucketRow | null> {
  return live(await bucketQuery(db(env), serviceUuid, name));
}

/**
 * The live bucket (or null) and the identity policies of the user who asks, in one D1 round trip:
 * what every bucket or object request of a key needs before it is authorized.
 */
export async function findBucketAndPolicies(env: Env, serviceUuid: string, name: string, username: string): Promise<{ row: BucketRow | null; identity: IdentityPolicies }> {
  const { identity, rows } = await identityPoliciesWith(env, serviceUuid, username, (d) => bucketQuery(d, serviceUuid, name));
  return { row: live(rows), identity };
}

export async function listBuckets(env: Env, serviceUuid: string): Promise<BucketRow[]> {
  return db(env)
    .select()
    .from(buckets)
    .where(and(eq(buckets.serviceUuid, serviceUuid), isNull(buckets.deletedAt)))
    .orderBy(asc(buckets.name))
    .all();
}

/**
 * `exists`: the service already has it. `deleting`: a deleted bucket of that name still waits for
 * its purge, and its name is not available again until then.
 */
export type CreateBucketResult = { kind: "created"; row: BucketRow } | { kind: "exists" } | { kind: "deleting" };

export async function createBucket(env: Env, serviceUuid: string, name: string): Promise<CreateBucketResult> {
  try {
    // Only the columns this layer owns: every other column keeps its default.
    const [row] = await db(env).insert(buckets).values({ serviceUuid, name, createdAt: isoMicro() }).returning();
    return { kind: "created", row: row! };
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const existing = await db(env)
      .select({ deletedAt: buckets.deletedAt })
      .from(buckets)
      .where(and(eq(buckets.serviceUuid, serviceUuid), eq(buckets.name, name)))
      .get();
    return existing?.deletedAt ? { kind: "deleting" } : { kind: "exists" };
  }
}

export type DeleteBucketResult = "deleted" | "not-empty" | "missing";

/**
 * Deletes an empty bucket at once: the row goes, incomplete multipart uploads are aborted, and the
 * (empty) prefix and the bucket's checksum side records are swept in case a write raced the check.
 */
export async function deleteBucket(env: Env, serviceUuid: string, name: string): Promise<DeleteBucketResult> {
  const prefix = bucketPrefix(serviceUuid, name);
  const probe = await env.OBJECTS.list({ prefix, limit: 1 });
  if (probe.objects.length > 0) return "not-empty";
  const res = await db(env)
    .delete(buckets)
    .where(and(eq(buckets.serviceUuid, serviceUuid), eq(buckets.name, name), isNull(buckets.deletedAt)))
    .run();
  if (!res.meta.changes) return "missing";
  await purgeBucketStorage(env, serviceUuid, name);
  return "deleted";
}

export type MarkDeletedResult = "marked" | "already" | "missing";

/**
 * Deletes a bucket with its contents (the control plane's delete): the bucket is gone for S3 at
 * once (`deleted_at` set) and its name stays taken until the purge (core/buckets/purge.ts) has
 * removed every object and upload and then the row. `already`: a purge of it is pending.
 */
export async function markBucketDeleted(env: Env, serviceUuid: string, name: string): Promise<MarkDeletedResult> {
  const d = db(env);
  const res = await d
    .update(buckets)
    .set({ deletedAt: isoMicro() })
    .where(and(eq(buckets.serviceUuid, serviceUuid), eq(buckets.name, name), isNull(buckets.deletedAt)))
    .run();
  if (res.meta.changes) return "marked";
  const row = await d.select({ name: buckets.name }).from(buckets).where(and(eq(buckets.serviceUuid, serviceUuid), eq(buckets.name, name))).get();
  return row ? "already" : "missing";
}

export async function setBucketPolicy(env: Env, serviceUuid: string, name: string, policy: string | null): Promise<boolean> {
  const res = await db(env)
    .update(buckets)
    .set({ policy })
    .where(and(eq(buckets.serviceUuid, serviceUuid), eq(buckets.name, name), isNull(buckets.deletedAt)))
    .run();
  return res.meta.changes > 0;
}
