import { DurableObject } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { isoSeconds } from "../lib/time";
import { iamAccessKeys } from "../schema/iam.tables";
import { s3BucketUsage, s3UsageHourly } from "../schema/s3.tables";
import { services } from "../schema/tables";
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
  /**
   * A write that made `key` of `bucket` exist with `size` bytes (PutObject, CopyObject,
   * CompleteMultipartUpload). The meter's object index says what it replaced, if anything.
   */
  wrote?: { key: string; size: number };
  /** Keys of `bucket` this request deleted (present or not). */
  removed?: string[];
  /** Explicit counts, for changes the object index does not see (kept for events of older code). */
  objectsCreated?: number;
  bytesCreated?: number;
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

const SCHEMA_VERSION = 2;
const HOUR_MS = 3_600_000;
/** Deletion markers in the object index are kept this long (for events that arrive late). */
const TOMBSTONE_MS = HOUR_MS;
/** How often counters reach D1: frequent enough for last_used_at, never per request. */
export const FLUSH_INTERVAL_MS = 5 * 60_000;
/** After a failed flush the next try waits twice as long as the last one, up to this. */
export const FLUSH_BACKOFF_MAX_MS = 60 * 60_000;
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

const OBJECTS_TABLE =
  "CREATE TABLE objects (bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER, at INTEGER NOT NULL, PRIMARY KEY (bucket, key))";

/**
 * The usage meter of one service (one object per service, named by its uuid). It accumulates
 * per bucket, hour and access key in its own SQLite, keeps exact running totals per bucket, and
 * from its alarm writes the hourly rollups, bucket totals and access keys' last use to D1.
 *
 * Exact totals without a read before every write: the meter keeps an index of the service's
 * objects (bucket, key → size, and the time of the last write or deletion, deletions as markers
 * kept for TOMBSTONE_MS). A write event says only "key now has this size"; the index says whether
 * it created an object or replaced one (and how large that was), a deletion whether there was
 * anything to delete. So the S3 handlers never HEAD an object to meter it. Concurrent writes of
 * one key are ordered by when the gateway saw each one complete. Objects stored before the index
 * existed (meters of schema version 1) are not in it: overwriting or deleting one of those counts
 * as a new object / nothing until the bucket is re-created.
 */
export class UsageMeter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => this.migrate());
  }

  /** False once the object dropped its storage (its service is gone); the schema returns on next use. */
  private migrated = false;

  private migrate(): void {
    if (this.migrated) return;
    this.migrated = true;
    const sqlx = this.ctx.storage.sql;
    sqlx.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const v = sqlx.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0]?.value;
    if (v === undefined) {
      sqlx.exec(
        `CREATE TABLE hourly (bucket TEXT NOT NULL, hour INTEGER NOT NULL, access_key TEXT NOT NULL,
         ${COUNTERS.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(", ")},
         dirty INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (bucket, hour, access_key))`,
      );
      sqlx.exec(
        "CREATE TABLE totals (bucket TEXT PRIMARY KEY, objects INTEGER NOT NULL, bytes INTEGER NOT NULL, dirty INTEGER NOT NULL DEFAULT 1)",
      );
      sqlx.exec("CREATE TABLE key_use (access_key TEXT PRIMARY KEY, last_used INTEGER NOT NULL, dirty INTEGER NOT NULL DEFAULT 1)");
      sqlx.exec("INSERT INTO meta (key, value) VALUES ('schema_version', '1')");
    }
    if (Number(v ?? 1) < 2) {
      // v2: the object index. Objects stored before it existed are not in it (see the class comment).
      sqlx.exec(OBJECTS_TABLE);
      sqlx.exec("UPDATE meta SET value = ? WHERE key = 'schema_version'", String(SCHEMA_VERSION));
    }
  }

  /**
   * Applies a write or a deletion of one key to the object index; answers what it did to the
   * bucket's counts. Ordered by the event's time (`at`, the gateway's clock when the operation
   * had completed); an event no older than the key's entry applies (equal times: arrival order),
   * an older one was overtaken and changes nothing.
   */
  private applyToIndex(
    bucket: string,
    key: string,
    size: number | null,
    at: number,
  ): { created: number; bytesCreated: number; deleted: number; bytesDeleted: number } {
    const sqlx = this.ctx.storage.sql;
    const row = sqlx
      .exec<{ size: number | null; at: number }>("SELECT size, at FROM objects WHERE bucket = ? AND key = ?", bucket, key)
      .toArray()[0];
    const out = { created: 0, bytesCreated: 0, deleted: 0, bytesDeleted: 0 };
    if (row && row.at > at) return out;
    sqlx.exec("INSERT OR REPLACE INTO objects (bucket, key, size, at) VALUES (?, ?, ?, ?)", bucket, key, size, at);
    if (row && row.size !== null) {
      out.deleted = 1;
      out.bytesDeleted = row.size;
    }
    if (size !== null) {
      out.created = 1;
      out.bytesCreated = size;
    }
    return out;
  }

  /** Adds events. The service uuid is remembered for flushing (an object does not know its name). */
  async record(serviceUuid: string, events: UsageEvent[]): Promise<void> {
    this.migrate();
    const sqlx = this.ctx.storage.sql;
    sqlx.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('service_uuid', ?)", serviceUuid);
    // Summed per hour row, bucket and key first: one statement each per call, not per event.
    const hours = new Map<string, { bucket: string; hour: number; accessKey: string; values: number[] }>();
    const totals = new Map<string, { objects: number; bytes: number }>();
    const keyUse = new Map<string, number>();
    for (const e of events) {
      let created = e.objectsCreated ?? 0;
      let bytesCreated = e.bytesCreated ?? 0;
      let deleted = e.objectsDeleted ?? 0;
      let bytesDeleted = e.bytesDeleted ?? 0;
      const changes = [...(e.removed ?? []).map((key) => ({ key, size: null as number | null })), ...(e.wrote ? [e.wrote] : [])];
      for (const ch of changes) {
        const d = this.applyToIndex(e.bucket, ch.key, ch.size, e.at);
        created += d.created;
        bytesCreated += d.bytesCreated;
        deleted += d.deleted;
        bytesDeleted += d.bytesDeleted;
      }
      const values = [
        created,
        bytesCreated,
        deleted,
        bytesDeleted,
        e.bytesIn ?? 0,
        e.bytesOut ?? 0,
        e.op === "get" ? 1 : 0,
        e.op === "put" ? 1 : 0,
        e.op === "list" ? 1 : 0,
        e.op === "delete" ? 1 : 0,
        e.op === "other" ? 1 : 0,
      ];
      const hour = Math.floor(e.at / HOUR_MS);
      const accessKey = e.accessKeyId ?? "";
      const hk = `${hour}\n${accessKey}\n${e.bucket}`;
      const row = hours.get(hk);
      if (row) values.forEach((v, i) => (row.values[i]! += v));
      else hours.set(hk, { bucket: e.bucket, hour, accessKey, values });
      if (created !== deleted || bytesCreated !== bytesDeleted) {
        const t = totals.get(e.bucket) ?? { objects: 0, bytes: 0 };
        t.objects += created - deleted;
        t.bytes += bytesCreated - bytesDeleted;
        totals.set(e.bucket, t);
      }
      if (e.accessKeyId) keyUse.set(e.accessKeyId, Math.max(keyUse.get(e.accessKeyId) ?? 0, e.at));
    }
    for (const h of hours.values()) {
      sqlx.exec(
        `INSERT INTO hourly (bucket, hour, access_key, ${COUNTERS.join(", ")}, dirty) VALUES (?, ?, ?, ${COUNTERS.map(() => "?").join(", ")}, 1)
         ON CONFLICT (bucket, hour, access_key) DO UPDATE SET ${COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}, dirty = 1`,
        h.bucket,
        h.hour,
        h.accessKey,
        ...h.values,
      );
    }
    for (const [bucket, t] of totals) {
      if (t.objects === 0 && t.bytes === 0) continue;
      sqlx.exec("INSERT OR IGNORE INTO totals (bucket, objects, bytes) VALUES (?, 0, 0)", bucket);
      // Clamped at zero: objects stored before metering began must not drive a total negative.
      sqlx.exec(
        "UPDATE totals SET objects = max(objects + ?, 0), bytes = max(bytes + ?, 0), dirty = 1 WHERE bucket = ?",
        t.objects,
        t.bytes,
        bucket,
      );
    }
    for (const [accessKey, at] of keyUse) {
      sqlx.exec(
        `INSERT INTO key_use (access_key, last_used, dirty) VALUES (?, ?, 1)
         ON CONFLICT (access_key) DO UPDATE SET last_used = max(last_used, excluded.last_used), dirty = 1`,
        accessKey,
        at,
      );
    }
    await this.armFlush();
  }

  /** Whether this instance knows its flush alarm is set (saves a storage read per call). */
  private alarmArmed = false;

  private async armFlush(): Promise<void> {
    if (this.alarmArmed) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + FLUSH_INTERVAL_MS);
    this.alarmArmed = true;
  }

  /** A bucket was created or deleted: its running totals start again from zero. */
  async resetBucket(serviceUuid: string, bucket: string): Promise<void> {
    this.migrate();
    const sqlx = this.ctx.storage.sql;
    sqlx.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('service_uuid', ?)", serviceUuid);
    sqlx.exec(
      "INSERT INTO totals (bucket, objects, bytes, dirty) VALUES (?, 0, 0, 1) ON CONFLICT (bucket) DO UPDATE SET objects = 0, bytes = 0, dirty = 1",
      bucket,
    );
    sqlx.exec("DELETE FROM objects WHERE bucket = ?", bucket);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + FLUSH_INTERVAL_MS);
  }

  /**
   * A bucket's objects were removed without S3 requests (the control plane's purge): everything
   * its totals still hold is counted as deleted at `at` (under access key "", no request) and
   * the totals drop to zero, so hourly rollups and totals stay consistent. A repeated call
   * counts nothing more.
   */
  async dropBucket(serviceUuid: string, bucket: string, at: number): Promise<BucketTotals> {
    this.migrate();
    const sqlx = this.ctx.storage.sql;
    sqlx.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('service_uuid', ?)", serviceUuid);
    sqlx.exec("DELETE FROM objects WHERE bucket = ?", bucket);
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
    this.migrate();
    return this.ctx.storage.sql
      .exec<{ bucket: string; objects: number; bytes: number }>("SELECT bucket, objects, bytes FROM totals ORDER BY bucket")
      .toArray()
      .map((r) => ({ bucket: r.bucket, objects: r.objects, bytes: r.bytes }));
  }

  /** Hours not yet dropped from this object (flushed or not), for inspection and tests. */
  async hourly(): Promise<HourlyRow[]> {
    this.migrate();
    return this.ctx.storage.sql
      .exec<Record<string, SqlStorageValue>>(
        `SELECT bucket, hour, access_key, ${COUNTERS.join(", ")} FROM hourly ORDER BY hour, bucket, access_key`,
      )
      .toArray()
      .map((r) => toHourly(r));
  }

  override async alarm(): Promise<void> {
    this.alarmArmed = false;
    await this.flush();
  }

  /** Writes every changed counter to D1 (absolute values: a repeated flush is harmless). */
  async flush(): Promise<void> {
    this.migrate();
    const sqlx = this.ctx.storage.sql;
    const uuid = sqlx.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'service_uuid'").toArray()[0]?.value;
    if (!uuid) return;
    const d = db(this.env);
    const hours = sqlx
      .exec<Record<string, SqlStorageValue>>(`SELECT bucket, hour, access_key, ${COUNTERS.join(", ")} FROM hourly WHERE dirty = 1`)
      .toArray()
      .map((r) => toHourly(r));
    const totals = sqlx
      .exec<{ bucket: string; objects: number; bytes: number }>("SELECT bucket, objects, bytes FROM totals WHERE dirty = 1")
      .toArray();
    const keys = sqlx
      .exec<{ access_key: string; last_used: number }>("SELECT access_key, last_used FROM key_use WHERE dirty = 1")
      .toArray();
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
          .onConflictDoUpdate({
            target: [s3BucketUsage.serviceUuid, s3BucketUsage.bucket],
            set: { objects: t.objects, bytes: t.bytes, updatedAt: now },
          }),
      ),
      ...keys.map((k) =>
        d
          .update(iamAccessKeys)
          .set({ lastUsedAt: isoSeconds(new Date(k.last_used)) })
          .where(
            sql`${iamAccessKeys.accessKeyId} = ${k.access_key} AND ${iamAccessKeys.serviceUuid} = ${uuid} AND ${iamAccessKeys.lastUsedAt} < ${isoSeconds(new Date(k.last_used))}`,
          ),
      ),
    ];
    if (statements.length) {
      try {
        await d.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
      } catch (e) {
        await this.flushFailed(uuid, e, hours.length + totals.length + keys.length);
        return;
      }
    }
    sqlx.exec("DELETE FROM meta WHERE key = 'flush_failures'");
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
    for (const t of totals)
      sqlx.exec("UPDATE totals SET dirty = 0 WHERE bucket = ? AND objects = ? AND bytes = ?", t.bucket, t.objects, t.bytes);
    for (const k of keys) sqlx.exec("UPDATE key_use SET dirty = 0 WHERE access_key = ? AND last_used = ?", k.access_key, k.last_used);
    sqlx.exec("DELETE FROM hourly WHERE dirty = 0 AND hour < ?", Math.floor(Date.now() / HOUR_MS) - KEEP_HOURS);
    sqlx.exec("DELETE FROM objects WHERE size IS NULL AND at < ?", Date.now() - TOMBSTONE_MS);
    const pending =
      sqlx
        .exec<{ n: number }>(
          "SELECT (SELECT count(*) FROM hourly WHERE dirty = 1) + (SELECT count(*) FROM totals WHERE dirty = 1) + (SELECT count(*) FROM key_use WHERE dirty = 1) AS n",
        )
        .toArray()[0]?.n ?? 0;
    if (pending > 0) await this.ctx.storage.setAlarm(Date.now() + FLUSH_INTERVAL_MS);
  }

  /**
   * A flush that D1 refused. If the service is gone (deleted: its rows cascaded away, so the
   * batch failed on a foreign key), nothing here can ever be written: the object drops its
   * storage and sets no alarm, and a late event for the service only starts one more such round.
   * Otherwise (D1 unavailable, anything unexpected) the counters stay dirty and the next try
   * waits twice as long as the last one, up to FLUSH_BACKOFF_MAX_MS, with one log line per try.
   */
  private async flushFailed(uuid: string, error: unknown, waiting: number): Promise<void> {
    let gone = false;
    try {
      gone = !(await db(this.env).select({ uuid: services.uuid }).from(services).where(eq(services.uuid, uuid)).get());
    } catch {
      /* D1 itself failing: a transient failure like the batch's */
    }
    if (gone) {
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      this.migrated = false;
      this.alarmArmed = false;
      return;
    }
    const sqlx = this.ctx.storage.sql;
    const failures =
      Number(sqlx.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'flush_failures'").toArray()[0]?.value ?? 0) + 1;
    sqlx.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('flush_failures', ?)", String(failures));
    const retryInMs = Math.min(FLUSH_INTERVAL_MS * 2 ** failures, FLUSH_BACKOFF_MAX_MS);
    console.error(
      JSON.stringify({
        level: "error",
        where: "usage-meter.flush",
        service: uuid,
        waiting_rows: waiting,
        failures,
        retry_in_s: retryInMs / 1000,
        message: error instanceof Error ? error.message : String(error),
      }),
    );
    await this.ctx.storage.setAlarm(Date.now() + retryInMs);
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
