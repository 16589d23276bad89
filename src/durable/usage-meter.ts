import { DurableObject } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { isoSeconds } from "../lib/time";
import { iamAccessKeys } from "../schema/iam.tables";
import { s3BucketUsage, s3UsageHourly } from "../schema/s3.tables";
import { db } from "../storage/db";

export type OpClass = "get" | "put" | "list" | "delete" | "other";

/** What one S3 request did, as the handler reports it after answering. */
export interface UsageEvent {
  bucket: string;
  /** null for anonymous requests. */
  accessKeyId: string | null;
  /** When the request was served (ms since epoch). */
  at: number;
  op: OpClass;
  bytesIn?: number;
  bytesOut?: number;
  /** Objects and bytes that now exist and did not before (a write's new object). */
  objectsCreated?: number;
  bytesCreated?: number;
  /** Objects and bytes that stopped existing: deleted, or replaced by an overwrite or a copy. */
  objectsDeleted?: number;
  bytesDeleted?: number;
}

export interface BucketTotals {
  bucket: string;
  objects: number;
  bytes: number;
}

export interface HourlyRow {
  bucket: string;
  hour: string;
  accessKeyId: string;
  objectsCreated: number;
  bytesCreated: number;
  objectsDeleted: number;
  bytesDeleted: number;
  bytesReceived: number;
  bytesSent: number;
  opsGet: number;
  opsPut: number;
  opsList: number;
  opsDelete: number;
  opsOther: number;
}

const SCHEMA_VERSION = 1;
const HOUR_MS = 3_600_000;
/** How often counters reach D1: frequent enough for last_used_at, never per request. */
export const FLUSH_INTERVAL_MS = 5 * 60_000;
/** Flushed hours older than this are dropped from the object's storage. */
const KEEP_HOURS = 3;

const COUNTERS = [
  "objects_created",
  "bytes_created",
  "objects_deleted",
  "bytes_deleted",
  "bytes_received",
  "bytes_sent",
  "ops_get",
  "ops_put",
  "ops_list",
  "ops_delete",
  "ops_other",
] as const;

const hourIso = (hour: number) => isoSeconds(new Date(hour * HOUR_MS));

/**
 * The usage meter of one service (one object per service, named by its uuid). It accumulates
 * per bucket, hour and access key in its own SQLite, keeps exact running totals per bucket, and
 * from its alarm writes the hourly rollups, bucket totals and access keys' last use to D1.
 */
export class UsageMeter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => this.migrate());
  }

  private migrate(): void {
    const sqlx = this.ctx.storage.sql;
    sqlx.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const v = sqlx.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0]?.value;
    if (v === undefined) {
      sqlx.exec(
        `CREATE TABLE hourly (bucket TEXT NOT NULL, hour INTEGER NOT NULL, access_key TEXT NOT NULL,
         ${COUNTERS.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(", ")},
         dirty INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (bucket, hour, access_key))`,
      );
      sqlx.exec("CREATE TABLE totals (bucket TEXT PRIMARY KEY, objects INTEGER NOT NULL, bytes INTEGER NOT NULL, dirty INTEGER NOT NULL DEFAULT 1)");
      sqlx.exec("CREATE TABLE key_use (access_key TEXT PRIMARY KEY, last_used INTEGER NOT NULL, dirty INTEGER NOT NULL DEFAULT 1)");
      sqlx.exec("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", String(SCHEMA_VERSION));
    }
  }

  /** Adds events. The service uuid is remembered for flushing (an object does not know its name). */
  async record(serviceUuid: string, events: UsageEvent[]): Promise<void> {
    const sqlx = this.ctx.storage.sql;
    sqlx.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('service_uuid', ?)", serviceUuid);
    for (const e of events) {
      const values = [
        e.objectsCreated ?? 0,
        e.bytesCreated ?? 0,
        e.objectsDeleted ?? 0,
        e.bytesDeleted ?? 0,
        e.bytesIn ?? 0,
        e.bytesOut ?? 0,
        e.op === "get" ? 1 : 0,
        e.op === "put" ? 1 : 0,
        e.op === "list" ? 1 : 0,
        e.op === "delete" ? 1 : 0,
        e.op === "other" ? 1 : 0,
      ];
      sqlx.exec(
        `INSERT INTO hourly (bucket, hour, access_key, ${COUNTERS.join(", ")}, dirty) VALUES (?, ?, ?, ${COUNTERS.map(() => "?").join(", ")}, 1)
         ON CONFLICT (bucket, hour, access_key) DO UPDATE SET ${COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}, dirty = 1`,
        e.bucket,
        Math.floor(e.at / HOUR_MS),
        e.accessKeyId ?? "",
        ...values,
      );
      const dObjects = (e.objectsCreated ?? 0) - (e.objectsDeleted ?? 0);
      const dBytes = (e.bytesCreated ?? 0) - (e.bytesDeleted ?? 0);
      if (dObjects !== 0 || dBytes !== 0) {
        sqlx.exec("INSERT OR IGNORE INTO totals (bucket, objects, bytes) VALUES (?, 0, 0)", e.bucket);
        // Clamped at zero: objects stored before metering began must not drive a total negative.
        sqlx.exec("UPDATE totals SET objects = max(objects + ?, 0), bytes = max(bytes + ?, 0), dirty = 1 WHERE bucket = ?", dObjects, dBytes, e.bucket);
      }
      if (e.accessKeyId) {
        sqlx.exec(
          `INSERT INTO key_use (access_key, last_used, dirty) VALUES (?, ?, 1)
           ON CONFLICT (access_key) DO UPDATE SET last_used = max(last_used, excluded.last_used), dirty = 1`,
          e.accessKeyId,
          e.at,
        );
      }
    }
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + FLUSH_INTERVAL_MS);
  }

  /** A bucket was created or deleted: its running totals start again from zero. */
  async resetBucket(serviceUuid: string, bucket: string): Promise<void> {
    const sqlx = this.ctx.storage.sql;
    sqlx.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('service_uuid', ?)", serviceUuid);
    sqlx.exec("INSERT INTO totals (bucket, objects, bytes, dirty) VALUES (?, 0, 0, 1) ON CONFLICT (bucket) DO UPDATE SET objects = 0, bytes = 0, dirty = 1", bucket);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + FLUSH_INTERVAL_MS);
  }

  /**
   * A bucket's objects were removed without S3 requests (the control plane's purge): everything
   * its totals still hold is counted as deleted at `at` (under access key "", no request) and
   * the totals drop to zero, so hourly rollups and totals stay consistent. A repeated call
   * counts nothing more.
   */
  async dropBucket(serviceUuid: string, bucket: string, at: number): Promise<BucketTotals> {
    const sqlx = this.ctx.storage.sql;
    sqlx.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('service_uuid', ?)", serviceUuid);
    const t = sqlx.exec<{ objects: number; bytes: number }>("SELECT objects, bytes FROM totals WHERE bucket = ?", bucket).toArray()[0];
    if (!t || (t.objects === 0 && t.bytes === 0)) return { bucket, objects: 0, bytes: 0 };
    sqlx.exec(
      `INSERT INTO hourly (bucket, hour, access_key, objects_deleted, bytes_deleted, dirty) VALUES (?, ?, '', ?, ?, 1)
       ON CONFLICT (bucket, hour, access_key) DO UPDATE SET objects_deleted = objects_deleted + excluded.objects_deleted, bytes_deleted = bytes_deleted + excluded.bytes_deleted, dirty = 1`,
      bucket,
      Math.floor(at / HOUR_MS),
      t.objects,
      t.bytes,
    );
    sqlx.exec("UPDATE totals SET objects = 0, bytes = 0, dirty = 1 WHERE bucket = ?", bucket);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + FLUSH_INTERVAL_MS);
    return { bucket, objects: t.objects, bytes: t.bytes };
  }

  /** Totals and every hour this object still holds, read at one instant (for metric series). */
  async snapshot(): Promise<{ totals: BucketTotals[]; hourly: HourlyRow[] }> {
    return { totals: await this.totals(), hourly: await this.hourly() };
  }

  async totals(): Promise<BucketTotals[]> {
    return this.ctx.storage.sql
      .exec<{ bucket: string; objects: number; bytes: number }>("SELECT bucket, objects, bytes FROM totals ORDER BY bucket")
      .toArray()
      .map((r) => ({ bucket: r.bucket, objects: r.objects, bytes: r.bytes }));
  }

  /** Hours not yet dropped from this object (flushed or not), for inspection and tests. */
  async hourly(): Promise<HourlyRow[]> {
    return this.ctx.storage.sql
      .exec<Record<string, SqlStorageValue>>(`SELECT bucket, hour, access_key, ${COUNTERS.join(", ")} FROM hourly ORDER BY hour, bucket, access_key`)
      .toArray()
      .map((r) => toHourly(r));
  }

  async lastUsed(accessKeyId: string): Promise<number | null> {
    const r = this.ctx.storage.sql.exec<{ last_used: number }>("SELECT last_used FROM key_use WHERE access_key = ?", accessKeyId).toArray()[0];
    return r?.last_used ?? null;
  }

  override async alarm(): Promise<void> {
    await this.flush();
  }

  /** Writes every changed counter to D1 (absolute values: a repeated flush is harmless). */
  async flush(): Promise<void> {
    const sqlx = this.ctx.storage.sql;
    const uuid = sqlx.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'service_uuid'").toArray()[0]?.value;
    if (!uuid) return;
    const d = db(this.env);
    const hours = sqlx
      .exec<Record<string, SqlStorageValue>>(`SELECT bucket, hour, access_key, ${COUNTERS.join(", ")} FROM hourly WHERE dirty = 1`)
      .toArray()
      .map((r) => toHourly(r));
    const totals = sqlx.exec<{ bucket: string; objects: number; bytes: number }>("SELECT bucket, objects, bytes FROM totals WHERE dirty = 1").toArray();
    const keys = sqlx.exec<{ access_key: string; last_used: number }>("SELECT access_key, last_used FROM key_use WHERE dirty = 1").toArray();
    const now = isoSeconds();
    const statements = [
      ...hours.map((h) =>
        d
          .insert(s3UsageHourly)
          .values({ serviceUuid: uuid, ...h })
          .onConflictDoUpdate({
            target: [s3UsageHourly.serviceUuid, s3UsageHourly.bucket, s3UsageHourly.hour, s3UsageHourly.accessKeyId],
            set: {
              objectsCreated: h.objectsCreated,
              bytesCreated: h.bytesCreated,
              objectsDeleted: h.objectsDeleted,
              bytesDeleted: h.bytesDeleted,
              bytesReceived: h.bytesReceived,
              bytesSent: h.bytesSent,
              opsGet: h.opsGet,
              opsPut: h.opsPut,
              opsList: h.opsList,
              opsDelete: h.opsDelete,
              opsOther: h.opsOther,
            },
          }),
      ),
      ...totals.map((t) =>
        d
          .insert(s3BucketUsage)
          .values({ serviceUuid: uuid, bucket: t.bucket, objects: t.objects, bytes: t.bytes, updatedAt: now })
          .onConflictDoUpdate({ target: [s3BucketUsage.serviceUuid, s3BucketUsage.bucket], set: { objects: t.objects, bytes: t.bytes, updatedAt: now } }),
      ),
      ...keys.map((k) =>
        d
          .update(iamAccessKeys)
          .set({ lastUsedAt: isoSeconds(new Date(k.last_used)) })
          .where(sql`${iamAccessKeys.accessKeyId} = ${k.access_key} AND ${iamAccessKeys.serviceUuid} = ${uuid} AND ${iamAccessKeys.lastUsedAt} < ${isoSeconds(new Date(k.last_used))}`),
      ),
    ];
    if (statements.length) {
      try {
        await d.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
      } catch (e) {
        // The service may be gone (its rows cascade away); otherwise try again later.
        console.error(JSON.stringify({ level: "error", where: "usage-meter.flush", message: e instanceof Error ? e.message : String(e) }));
        await this.ctx.storage.setAlarm(Date.now() + FLUSH_INTERVAL_MS);
        return;
      }
    }
    // Only what was read is marked clean; counters that moved since stay dirty (values compared).
    for (const h of hours) {
      sqlx.exec(
        `UPDATE hourly SET dirty = 0 WHERE bucket = ? AND hour = ? AND access_key = ? AND ${COUNTERS.map((c) => `${c} = ?`).join(" AND ")}`,
        h.bucket,
        Date.parse(h.hour) / HOUR_MS,
        h.accessKeyId,
        h.objectsCreated,
        h.bytesCreated,
        h.objectsDeleted,
        h.bytesDeleted,
        h.bytesReceived,
        h.bytesSent,
        h.opsGet,
        h.opsPut,
        h.opsList,
        h.opsDelete,
        h.opsOther,
      );
    }
    for (const t of totals) sqlx.exec("UPDATE totals SET dirty = 0 WHERE bucket = ? AND objects = ? AND bytes = ?", t.bucket, t.objects, t.bytes);
    for (const k of keys) sqlx.exec("UPDATE key_use SET dirty = 0 WHERE access_key = ? AND last_used = ?", k.access_key, k.last_used);
    sqlx.exec("DELETE FROM hourly WHERE dirty = 0 AND hour < ?", Math.floor(Date.now() / HOUR_MS) - KEEP_HOURS);
    const pending =
      sqlx.exec<{ n: number }>("SELECT (SELECT count(*) FROM hourly WHERE dirty = 1) + (SELECT count(*) FROM totals WHERE dirty = 1) + (SELECT count(*) FROM key_use WHERE dirty = 1) AS n").toArray()[0]?.n ?? 0;
    if (pending > 0) await this.ctx.storage.setAlarm(Date.now() + FLUSH_INTERVAL_MS);
  }
}

function toHourly(r: Record<string, SqlStorageValue>): HourlyRow {
  const n = (k: string) => Number(r[k] ?? 0);
  return {
    bucket: String(r.bucket),
    hour: hourIso(n("hour")),
    accessKeyId: String(r.access_key),
    objectsCreated: n("objects_created"),
    bytesCreated: n("bytes_created"),
    objectsDeleted: n("objects_deleted"),
    bytesDeleted: n("bytes_deleted"),
    bytesReceived: n("bytes_received"),
    bytesSent: n("bytes_sent"),
    opsGet: n("ops_get"),
    opsPut: n("ops_put"),
    opsList: n("ops_list"),
    opsDelete: n("ops_delete"),
    opsOther: n("ops_other"),
  };
}
