// The usage meter's flush when D1 refuses it (issue 12): a deleted service's meter drops its state
// and stops (no alarm, nothing logged as an error); any other failure backs off exponentially,
// capped, with one log line naming the service and how many rows wait.
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getHourlyUsage, type UsageEvent } from "../../src/core/s3/usage";
import { FLUSH_BACKOFF_MAX_MS, FLUSH_INTERVAL_MS, type UsageMeter } from "../../src/durable/usage-meter";
import { settle } from "../helpers/api";
import { meterOf, newBucket, s3Client, s3Service, s3User, settleMeter } from "./helpers";

const alarmOf = (uuid: string) => runInDurableObject(meterOf(uuid), (_o, state) => state.storage.getAlarm());
const put = (bucket: string, key: string, size: number): UsageEvent => ({
  bucket,
  accessKeyId: null,
  at: Date.now(),
  op: "put",
  bytesIn: size,
  wrote: { key, size },
});

/** A service with a bucket, an object and the meter's counters for them not yet flushed. */
async function serviceWithDirtyMeter() {
  const e = await s3Service();
  const keys = await s3User(e);
  const { client } = s3Client(e, keys);
  const bucket = newBucket();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "12345" }));
  await settleMeter();
  expect(await alarmOf(e.service.uuid)).not.toBeNull();
  return { e, bucket, client };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("usage meter flush failures", () => {
  it("stops the meter of a deleted service: state dropped, no alarm, no error logged", async () => {
    const { e } = await serviceWithDirtyMeter();
    const uuid = e.service.uuid;
    expect((await e.tenant.api("DELETE", `/${uuid}?force=true`)).status).toBe(204);
    expect((await settle(e.tenant, uuid)).at(-1)).toBe("gone");
    // The deletion's bucket purge counted the objects as deleted: still dirty, never flushed.
    expect((await meterOf(uuid).hourly()).length).toBeGreaterThan(0);
    expect(await alarmOf(uuid)).not.toBeNull();

    const errors = vi.spyOn(console, "error");
    expect(await runDurableObjectAlarm(meterOf(uuid))).toBe(true);
    expect(errors).not.toHaveBeenCalled();
    expect(await alarmOf(uuid)).toBeNull();
    expect(await meterOf(uuid).snapshot()).toEqual({ totals: [], hourly: [] });
    expect(await runDurableObjectAlarm(meterOf(uuid))).toBe(false);

    // A late event for the gone service costs one more round, then the meter is quiet again.
    await meterOf(uuid).record(uuid, [put("late", "k", 3)]);
    expect(await runDurableObjectAlarm(meterOf(uuid))).toBe(true);
    expect(errors).not.toHaveBeenCalled();
    expect(await alarmOf(uuid)).toBeNull();
    expect(await meterOf(uuid).totals()).toEqual([]);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM s3_usage_hourly WHERE service_uuid = ?").bind(uuid).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("keeps flushing a live service's meter while another service's meter stops", async () => {
    const live = await serviceWithDirtyMeter();
    const doomed = await serviceWithDirtyMeter();
    expect((await doomed.e.tenant.api("DELETE", `/${doomed.e.service.uuid}?force=true`)).status).toBe(204);
    expect((await settle(doomed.e.tenant, doomed.e.service.uuid)).at(-1)).toBe("gone");
    await runDurableObjectAlarm(meterOf(doomed.e.service.uuid));
    expect(await alarmOf(doomed.e.service.uuid)).toBeNull();

    const uuid = live.e.service.uuid;
    expect(await runDurableObjectAlarm(meterOf(uuid))).toBe(true);
    expect(await getHourlyUsage(env, uuid, { bucket: live.bucket })).toMatchObject([{ opsPut: 1, objectsCreated: 1, bytesCreated: 5 }]);
    expect(await alarmOf(uuid)).toBeNull(); // everything flushed: no alarm until new traffic
    await live.client.send(new PutObjectCommand({ Bucket: live.bucket, Key: "k2", Body: "123" }));
    await settleMeter();
    expect(await alarmOf(uuid)).not.toBeNull();
    expect(await runDurableObjectAlarm(meterOf(uuid))).toBe(true);
    expect(await getHourlyUsage(env, uuid, { bucket: live.bucket })).toMatchObject([{ opsPut: 2, objectsCreated: 2, bytesCreated: 8 }]);
  });

  it("backs off exponentially (capped) on any other failure, logging the service and the rows that wait", async () => {
    const { e, bucket } = await serviceWithDirtyMeter();
    const uuid = e.service.uuid;
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const delays = await runInDurableObject(meterOf(uuid), async (meter: UsageMeter, state) => {
      const batch = vi.spyOn((meter as unknown as { env: Env }).env.DB, "batch").mockRejectedValue(new Error("D1_ERROR: network lost"));
      const out: number[] = [];
      for (let i = 0; i < 6; i++) {
        const before = Date.now();
        await meter.alarm();
        out.push((await state.storage.getAlarm())! - before);
      }
      batch.mockRestore();
      return out;
    });
    // 10, 20, 40 minutes, then the cap (allowing for the time each try took).
    const expected = [2, 4, 8, 16, 32, 64].map((n) => Math.min(n * FLUSH_INTERVAL_MS, FLUSH_BACKOFF_MAX_MS));
    delays.forEach((d, i) => expect(Math.abs(d - expected[i]!)).toBeLessThan(5000));
    expect(errors).toHaveBeenCalledTimes(6);
    const line = JSON.parse(String(errors.mock.calls[0]![0]));
    // Waiting: the hour row, the bucket's totals, the key's last use.
    expect(line).toMatchObject({ level: "error", where: "usage-meter.flush", service: uuid, waiting_rows: 3, failures: 1 });
    expect(JSON.stringify(errors.mock.calls)).not.toContain(e.tenant.token);

    // D1 is back: the flush writes everything and the backoff starts over.
    expect(await runDurableObjectAlarm(meterOf(uuid))).toBe(true);
    expect(await getHourlyUsage(env, uuid, { bucket })).toMatchObject([{ opsPut: 1, bytesCreated: 5 }]);
    expect(await alarmOf(uuid)).toBeNull();
    const failures = await runInDurableObject(meterOf(uuid), (_o, state) =>
      state.storage.sql.exec("SELECT value FROM meta WHERE key = 'flush_failures'").toArray(),
    );
    expect(failures).toEqual([]);
  });
});
