/**
 * Buckets as the control plane (UpCloud dialect) manages them. The rows and their rules are the S3
 * data plane's (core/s3/buckets.ts): one `buckets` table, one uniqueness rule, one deletion path.
 *
 * Names: the vendor allows 1–254 characters of letters, digits, ".", "-" and "_"; S3's own
 * CreateBucket is stricter (3–63 lower-case characters). A bucket created here with a name S3
 * would refuse (upper case, "_", long) is still a bucket of the service: S3 requests reach it
 * path-style (`/<name>/<key>`; its rows are found by exact name) but not virtual-hosted, because a
 * Host is case-folded and such names are not DNS labels — as with AWS's legacy bucket names. One
 * restriction is ours: a name must not begin with ".", because "." and ".." cannot travel in a URL
 * path and the service's internal records live under names beginning with "." (storage/objects.ts).
 */
import { asc, eq } from "drizzle-orm";
import { buckets } from "../../schema/tables";
import { db } from "../../storage/db";
import { conflict, CoreError, invalid, notFound } from "../errors";
import { createBucket, markBucketDeleted, queuePurge } from "../s3/buckets";
import { usageMeter } from "../s3/usage";
import { assertMutable, findService } from "../services";

export const BUCKET_NAME_MAX = 254;
const BUCKET_NAME_PATTERN = /^[A-Za-z0-9._-]+$/;

/** The control plane's naming rule; null when the name is acceptable. */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 1 || name.length > BUCKET_NAME_MAX) return `must be 1-${BUCKET_NAME_MAX} characters long`;
  if (!BUCKET_NAME_PATTERN.test(name)) return "may contain only letters, digits, '.', '-' and '_'";
  if (name.startsWith(".")) return "must not begin with '.'";
  return null;
}

export interface BucketView {
  name: string;
  deleted: boolean;
  total_objects: number;
  total_size_bytes: number;
}

export async function createServiceBucket(env: Env, accountId: string, serviceUuid: string, name: string): Promise<BucketView> {
  const problem = bucketNameProblem(name);
  if (problem) throw invalid("name", problem);
  assertMutable(await findService(db(env), accountId, serviceUuid));
  const result = await createBucket(env, serviceUuid, name);
  if (result.kind === "exists") throw conflict(`Bucket "${name}" already exists in this service.`, "Bucket");
  if (result.kind === "deleting")
    throw new CoreError(
      "CONFLICT",
      `Bucket "${name}" is being deleted; its name is available again once its objects are purged.`,
      [],
      "service-state",
    );
  return { name, deleted: false, total_objects: 0, total_size_bytes: 0 };
}

/** Live buckets and deleted ones still being purged, by name, with the meter's exact totals. */
export async function listServiceBuckets(
  env: Env,
  accountId: string,
  serviceUuid: string,
  page: { limit: number; offset: number },
): Promise<BucketView[]> {
  const d = db(env);
  await findService(d, accountId, serviceUuid);
  if (page.limit === 0) return [];
  const [rows, totals] = await Promise.all([
    d
      .select({ name: buckets.name, deletedAt: buckets.deletedAt })
      .from(buckets)
      .where(eq(buckets.serviceUuid, serviceUuid))
      .orderBy(asc(buckets.name))
      .limit(page.limit)
      .offset(page.offset)
      .all(),
    usageMeter(env, serviceUuid).totals(),
  ]);
  const byName = new Map(totals.map((t) => [t.bucket, t]));
  return rows.map((r) => ({
    name: r.name,
    deleted: r.deletedAt !== null,
    total_objects: byName.get(r.name)?.objects ?? 0,
    total_size_bytes: byName.get(r.name)?.bytes ?? 0,
  }));
}

/**
 * Deletes a bucket and everything in it. S3 sees it gone at once; the purge runs from the JOBS
 * queue. Deleting a bucket whose purge is pending again is not an error: it sends another purge
 * message (harmless, and a way to restart a purge whose messages were lost).
 */
export async function deleteServiceBucket(env: Env, accountId: string, serviceUuid: string, name: string): Promise<void> {
  assertMutable(await findService(db(env), accountId, serviceUuid));
  const r = await markBucketDeleted(env, serviceUuid, name);
  if (r === "missing") throw notFound("Bucket");
  await queuePurge(env, serviceUuid, name);
}
