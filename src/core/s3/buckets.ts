/**
 * Buckets of a service as the S3 data plane sees them: rows of the `buckets` table (so the control
 * plane sees the same buckets), invisible once `deleted_at` is set.
 */
import { and, asc, eq, isNull } from "drizzle-orm";
import { isoMicro } from "../../lib/time";
import { buckets } from "../../schema/tables";
import { db, isUniqueViolation } from "../../storage/db";
import { anyObject } from "../../storage/objects";
import { cacheGeneration, IsolateCache, ISOLATE_CACHE_MS } from "../../lib/isolate-cache";
import { purgeMessage } from "../buckets/queue";
import { usageMeter } from "./usage";
import { identityCache, identityCacheKey, identityPoliciesWith, type IdentityPolicies } from "../iam/principal";

export type BucketRow = typeof buckets.$inferSelect;

const bucketQuery = (d: ReturnType<typeof db>, serviceUuid: string, name: string) =>
  d
    .select()
    .from(buckets)
    .where(and(eq(buckets.serviceUuid, serviceUuid), eq(buckets.name, name)));
const live = (rows: BucketRow[]): BucketRow | null => (rows[0] && rows[0].deletedAt === null ? rows[0] : null);

/** The live bucket, or null (absent or deleted). */
async function findBucket(env: Env, serviceUuid: string, name: string): Promise<BucketRow | null> {
  return live(await bucketQuery(db(env), serviceUuid, name));
}

/**
 * The live bucket (or null) and the identity policies of the user who asks, in one D1 round trip:
 * what every bucket or object request of a key needs before it is authorized.
 */
export async function findBucketAndPolicies(
  env: Env,
  serviceUuid: string,
  name: string,
  username: string,
): Promise<{ row: BucketRow | null; identity: IdentityPolicies }> {
  const { identity, rows } = await identityPoliciesWith(env, serviceUuid, username, (d) => bucketQuery(d, serviceUuid, name));
  return { row: live(rows), identity };
}

const bucketCache = new IsolateCache<BucketRow | null>();
const bucketCacheKey = (serviceUuid: string, name: string) => `${serviceUuid}\n${name}`;
const found = (row: BucketRow | null) => row !== null;

/**
 * findBucket for the data plane's hot path: a live bucket is kept in this isolate's memory (see
 * IsolateCache: changes through this isolate apply at once, others within ISOLATE_CACHE_MS).
 * "No such bucket" is never cached, so a bucket created anywhere is usable at once.
 */
export function findBucketCached(env: Env, serviceUuid: string, name: string, now: number = Date.now()): Promise<BucketRow | null> {
  return bucketCache.get(bucketCacheKey(serviceUuid, name), () => findBucket(env, serviceUuid, name), found, now);
}

/** findBucketAndPolicies from this isolate's caches when both are there; else one D1 batch that fills both. */
export async function findBucketAndPoliciesCached(
  env: Env,
  serviceUuid: string,
  name: string,
  username: string,
  now: number = Date.now(),
): Promise<{ row: BucketRow | null; identity: IdentityPolicies }> {
  const bk = bucketCacheKey(serviceUuid, name);
  const ik = identityCacheKey(serviceUuid, username);
  const row = bucketCache.peek(bk, now);
  const identity = identityCache.peek(ik, now);
  if (row && identity) return { row: row.value, identity: identity.value };
  const before = cacheGeneration();
  const fresh = await findBucketAndPolicies(env, serviceUuid, name, username);
  if (fresh.row) bucketCache.put(bk, fresh.row, before, now);
  identityCache.put(ik, fresh.identity, before, now);
  return fresh;
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

/**
 * Usage counting starts from zero for a bucket just created (as S3's CreateBucket does; a deleted
 * bucket of the same name may have left totals) and for an empty bucket just deleted. With `ctx`
 * (the data plane) the meter is told after the response; without, before the caller answers.
 */
async function resetUsage(env: Env, serviceUuid: string, name: string, ctx?: ExecutionContext): Promise<void> {
  const reset = usageMeter(env, serviceUuid).resetBucket(serviceUuid, name);
  if (ctx) ctx.waitUntil(reset.catch(() => {}));
  else await reset;
}

export async function createBucket(env: Env, serviceUuid: string, name: string, ctx?: ExecutionContext): Promise<CreateBucketResult> {
  let row: BucketRow | undefined;
  try {
    // Only the columns this layer owns: every other column keeps its default.
    [row] = await db(env).insert(buckets).values({ serviceUuid, name, createdAt: isoMicro() }).returning();
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const existing = await db(env)
      .select({ deletedAt: buckets.deletedAt })
      .from(buckets)
      .where(and(eq(buckets.serviceUuid, serviceUuid), eq(buckets.name, name)))
      .get();
    return existing?.deletedAt ? { kind: "deleting" } : { kind: "exists" };
  }
  await resetUsage(env, serviceUuid, name, ctx);
  return { kind: "created", row: row! };
}

export type DeleteBucketResult = "deleted" | "not-empty" | "missing";

/**
 * How long after a deletion its purge starts. Other isolates may still hold the bucket's row in
 * their cache (ISOLATE_CACHE_MS) and accept a write into it until then; the purge must come after
 * every such write, so nothing written into a deleted bucket outlives it or shows up in a bucket
 * re-created under the same name. The name stays taken until the purge has run.
 */
export const PURGE_DELAY_SECONDS = Math.ceil(ISOLATE_CACHE_MS / 1000) + 1;

/** Queues the purge of a bucket just marked deleted (see PURGE_DELAY_SECONDS). */
export async function queuePurge(env: Env, serviceUuid: string, name: string): Promise<void> {
  await env.JOBS.send(purgeMessage(serviceUuid, name), { delaySeconds: PURGE_DELAY_SECONDS });
}

/**
 * S3 DeleteBucket: refuses a bucket that holds objects; otherwise the bucket is gone for S3 at once
 * (marked deleted, like the control plane's delete) and the purge queued after PURGE_DELAY_SECONDS
 * aborts multipart uploads in progress, sweeps anything a stale isolate wrote meanwhile and frees
 * the name.
 */
export async function deleteBucket(env: Env, serviceUuid: string, name: string, ctx?: ExecutionContext): Promise<DeleteBucketResult> {
  if (await anyObject(env, serviceUuid, name)) return "not-empty";
  if ((await markBucketDeleted(env, serviceUuid, name)) !== "marked") return "missing";
  await queuePurge(env, serviceUuid, name);
  await resetUsage(env, serviceUuid, name, ctx);
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
  const row = await d
    .select({ name: buckets.name })
    .from(buckets)
    .where(and(eq(buckets.serviceUuid, serviceUuid), eq(buckets.name, name)))
    .get();
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
