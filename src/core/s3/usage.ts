/**
 * Usage of a service's buckets, for the metrics dialects: exact current totals come from the
 * service's UsageMeter object; hourly rollups from D1, where the meter flushes them.
 */
import { and, asc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { BucketTotals, UsageEvent } from "../../durable/usage-meter";
import { s3UsageHourly } from "../../schema/s3.tables";
import { db } from "../../storage/db";

export type { BucketTotals, HourlyRow, OpClass, UsageEvent } from "../../durable/usage-meter";

export function usageMeter(env: Env, serviceUuid: string) {
  return env.USAGE_METER.get(env.USAGE_METER.idFromName(serviceUuid));
}

/** Events waiting to be sent, by service: requests that finish close together share one meter call. */
const pending = new Map<string, UsageEvent[]>();
/** How long the first event of a batch waits, after its response, for others to join its meter call. */
const COALESCE_MS = 20;
/** A batch this large takes no more events (the next one starts a new batch). */
const MAX_BATCH = 500;
/** Meter calls under way in this isolate (see usageSettled). */
const inFlight = new Set<Promise<void>>();

/**
 * Reports what a request did without delaying or failing it: the call runs after the response,
 * and a meter that cannot be reached only loses the counters, never the request.
 *
 * Events are batched per service in this isolate: the first event of a batch sends it, from its
 * own request's `waitUntil`, COALESCE_MS later; events of requests that finish meanwhile join it.
 * So every event is sent exactly once, by a request kept alive until the call is done, and a busy
 * service makes one meter call per batch instead of one per request (the meter is one object per
 * service: calls it cannot keep up with would queue and cost it more than their events). Only
 * data crosses requests, never an I/O object: the meter stub is made by the sending request.
 */
export function recordUsage(env: Env, ctx: ExecutionContext, serviceUuid: string, event: UsageEvent): void {
  const batch = pending.get(serviceUuid);
  if (batch) {
    batch.push(event);
    if (batch.length >= MAX_BATCH) pending.delete(serviceUuid);
    return;
  }
  const events = [event];
  pending.set(serviceUuid, events);
  const send = (async () => {
    await new Promise((r) => setTimeout(r, COALESCE_MS));
    if (pending.get(serviceUuid) === events) pending.delete(serviceUuid);
    await usageMeter(env, serviceUuid).record(serviceUuid, events);
  })()
    .catch((e: unknown) =>
      console.error(JSON.stringify({ level: "error", where: "usage-meter.record", message: e instanceof Error ? e.message : String(e) })),
    )
    .finally(() => inFlight.delete(send));
  inFlight.add(send);
  ctx.waitUntil(send);
}

/** Resolves once every meter call this isolate has started (and any they were joined by) is done. */
export async function usageSettled(): Promise<void> {
  while (inFlight.size) await Promise.allSettled([...inFlight]);
}

export interface ServiceUsage {
  totalObjects: number;
  totalBytes: number;
  buckets: BucketTotals[];
}

/** Exact, current object and byte counts of every bucket of the service. */
export async function getUsage(env: Env, serviceUuid: string): Promise<ServiceUsage> {
  const buckets = await usageMeter(env, serviceUuid).totals();
  return {
    totalObjects: buckets.reduce((n, b) => n + b.objects, 0),
    totalBytes: buckets.reduce((n, b) => n + b.bytes, 0),
    buckets,
  };
}

export async function getBucketUsage(env: Env, serviceUuid: string, bucket: string): Promise<BucketTotals> {
  const all = await usageMeter(env, serviceUuid).totals();
  return all.find((b) => b.bucket === bucket) ?? { bucket, objects: 0, bytes: 0 };
}

export interface HourlyQuery {
  /** Inclusive start hour, ISO 8601 (e.g. 2026-11-21T13:00:00Z). */
  from?: string;
  /** Exclusive end hour. */
  to?: string;
  bucket?: string;
}

/** Hourly rollups as of the meter's last flush, per bucket and access key ("" = anonymous). */
export async function getHourlyUsage(env: Env, serviceUuid: string, q: HourlyQuery = {}) {
  const conds: SQL[] = [eq(s3UsageHourly.serviceUuid, serviceUuid)];
  if (q.from) conds.push(gte(s3UsageHourly.hour, q.from));
  if (q.to) conds.push(lt(s3UsageHourly.hour, q.to));
  if (q.bucket) conds.push(eq(s3UsageHourly.bucket, q.bucket));
  return db(env)
    .select()
    .from(s3UsageHourly)
    .where(and(...conds))
    .orderBy(asc(s3UsageHourly.hour), asc(s3UsageHourly.bucket), asc(s3UsageHourly.accessKeyId))
    .all();
}
