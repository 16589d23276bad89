/**
 * The purge of deleted buckets: the one code path behind the control plane's bucket deletion (a
 * JOBS queue message per bucket), the lifecycle's `cleanup-deleted-buckets` step and its
 * `delete-buckets` step.
 *
 * A bucket marked deleted (`buckets.deleted_at`) is invisible to S3 and keeps its name taken. Its
 * purge aborts every multipart upload in progress, deletes every object and checksum side record
 * (storage/objects.ts `purgeBucketStorage`, one page per turn), counts what the bucket held as
 * deleted in the usage meter and finally deletes the row, which frees the name.
 *
 * Bounded: a call does at most `pages` list pages and says `more` when work remains, so callers
 * resume it (the queue handler re-enqueues its message, the lifecycle sets another alarm).
 * Idempotent: every step is safe to repeat, so a redelivered message or a crash mid-way only
 * repeats work. Exclusive: a run holds a lease on the row (a random token and an expiry in D1's
 * clock), renews it before each destructive page and deletes the row only while holding it, so
 * two deliveries never purge at once and a stale run cannot delete objects of a bucket re-created
 * under the same name (it loses the lease first). A crashed run's lease expires after LEASE_SECONDS.
 */
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { isoMicro } from "../../lib/time";
import { buckets } from "../../schema/tables";
import { db } from "../../storage/db";
import { servicePrefix } from "../../storage/keys";
import { purgeBucketStorage } from "../../storage/objects";
import { purgePrefix } from "../purge";
import { usageMeter } from "../s3/usage";

const LEASE_SECONDS = 60;
/** List pages (up to 1000 keys each) per call when the caller does not say. */
export const DEFAULT_PURGE_PAGES = 10;

export type PurgeResult =
  /** The bucket's storage is empty and its row is gone. */
  | { state: "done" }
  /** The page budget ran out; call again. */
  | { state: "more" }
  /** Another run holds the lease; call again after `retryAfterSeconds`. */
  | { state: "busy"; retryAfterSeconds: number }
  /** No deleted bucket of that name (already purged, never deleted, or live again): nothing to do. */
  | { state: "absent" };

/** A page budget shared by the calls of one turn (one queue message, one alarm). */
export interface Budget {
  pages: number;
}

const nowSeconds = sql`unixepoch()`;

function rowOf(serviceUuid: string, name: string) {
  return and(eq(buckets.serviceUuid, serviceUuid), eq(buckets.name, name));
}

async function claim(env: Env, serviceUuid: string, name: string, token: string): Promise<PurgeResult | null> {
  const d = db(env);
  const res = await d
    .update(buckets)
    .set({ purgeLease: token, purgeLeaseUntil: sql`unixepoch() + ${LEASE_SECONDS}` })
    .where(
      and(
        rowOf(serviceUuid, name),
        isNotNull(buckets.deletedAt),
        sql`(${buckets.purgeLeaseUntil} IS NULL OR ${buckets.purgeLeaseUntil} <= ${nowSeconds})`,
      ),
    )
    .run();
  if (res.meta.changes) return null;
  const row = await d
    .select({ deletedAt: buckets.deletedAt, remaining: sql<number>`${buckets.purgeLeaseUntil} - ${nowSeconds}` })
    .from(buckets)
    .where(rowOf(serviceUuid, name))
    .get();
  if (!row || row.deletedAt === null) return { state: "absent" };
  return { state: "busy", retryAfterSeconds: Math.max(1, Math.min(LEASE_SECONDS, Number(row.remaining) || LEASE_SECONDS)) };
}

/** Extends the lease; false when it was lost (expired and taken, or the row changed). */
async function renew(env: Env, serviceUuid: string, name: string, token: string): Promise<boolean> {
  const res = await db(env)
    .update(buckets)
    .set({ purgeLeaseUntil: sql`unixepoch() + ${LEASE_SECONDS}` })
    .where(and(rowOf(serviceUuid, name), eq(buckets.purgeLease, token), sql`${buckets.purgeLeaseUntil} > ${nowSeconds}`))
    .run();
  return res.meta.changes > 0;
}

async function release(env: Env, serviceUuid: string, name: string, token: string): Promise<void> {
  await db(env)
    .update(buckets)
    .set({ purgeLease: null, purgeLeaseUntil: null })
    .where(and(rowOf(serviceUuid, name), eq(buckets.purgeLease, token)))
    .run();
}

const lost = (): PurgeResult => ({ state: "busy", retryAfterSeconds: LEASE_SECONDS });

/** One turn of the purge of one deleted bucket (see the module comment). */
export async function purgeBucket(
  env: Env,
  serviceUuid: string,
  name: string,
  budget: Budget = { pages: DEFAULT_PURGE_PAGES },
): Promise<PurgeResult> {
  const token = crypto.randomUUID();
  const refused = await claim(env, serviceUuid, name, token);
  if (refused) return refused;
  while (budget.pages > 0) {
    if (!(await renew(env, serviceUuid, name, token))) return lost();
    budget.pages--;
    if (!(await purgeBucketStorage(env, serviceUuid, name, 1)).done) continue;
    // Storage is empty: count what the bucket held as deleted, then free the name.
    if (!(await renew(env, serviceUuid, name, token))) return lost();
    await usageMeter(env, serviceUuid).dropBucket(serviceUuid, name, Date.now());
    const gone = await db(env)
      .delete(buckets)
      .where(and(rowOf(serviceUuid, name), eq(buckets.purgeLease, token), sql`${buckets.purgeLeaseUntil} > ${nowSeconds}`))
      .run();
    return gone.meta.changes ? { state: "done" } : lost();
  }
  await release(env, serviceUuid, name, token);
  return { state: "more" };
}

/**
 * The lifecycle's `cleanup-deleted-buckets`: purges every deleted bucket of the service; true when
 * none is left, false when another turn is needed.
 */
export async function purgeDeletedBuckets(
  env: Env,
  serviceUuid: string,
  budget: Budget = { pages: DEFAULT_PURGE_PAGES },
): Promise<boolean> {
  const gone = await db(env)
    .select({ name: buckets.name })
    .from(buckets)
    .where(and(eq(buckets.serviceUuid, serviceUuid), isNotNull(buckets.deletedAt)))
    .all();
  let finished = true;
  for (const b of gone) {
    if (budget.pages <= 0) return false;
    const r = await purgeBucket(env, serviceUuid, b.name, budget);
    // A bucket another run is purging is left to it; the step looks again next turn.
    if (r.state === "more" || r.state === "busy") finished = false;
  }
  return finished;
}

/**
 * The lifecycle's `delete-buckets`: every bucket of the service is marked deleted and purged like
 * any deleted bucket; then whatever else lies under the service's prefix is swept.
 */
export async function purgeAllBuckets(env: Env, serviceUuid: string, budget: Budget = { pages: DEFAULT_PURGE_PAGES }): Promise<boolean> {
  await db(env)
    .update(buckets)
    .set({ deletedAt: isoMicro() })
    .where(and(eq(buckets.serviceUuid, serviceUuid), isNull(buckets.deletedAt)))
    .run();
  if (!(await purgeDeletedBuckets(env, serviceUuid, budget))) return false;
  if (budget.pages <= 0) return false;
  return (await purgePrefix(env.OBJECTS, servicePrefix(serviceUuid), budget.pages)).done;
}
