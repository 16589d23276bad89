import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { call, BASE, expectProblem, invalidNames, newService, newTenant, privateNet, publicNet, type Tenant } from "../helpers/api";
import { createBucket, jobBody, JobQueue, jobRow, runJob, storage, type Storage } from "./helpers";

let t: Tenant;
let src: Storage;
let dst: Storage;

beforeAll(async () => {
  t = await newTenant();
  src = await storage(t);
  dst = await storage(t);
  await createBucket(src, "api-src");
});

afterEach(() => vi.restoreAllMocks());

describe("POST /jobs", () => {
  it("creates a pending job (201), echoes input without secrets, seals the secrets, queues configuration", async () => {
    const q = new JobQueue();
    const r = await t.api("POST", "/jobs", jobBody(src, dst, "api-src", "api-dst"));
    expect(r.status, r.text).toBe(201);
    expect(r.json).toEqual({
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
      input: {
        source: { access_key_id: src.accessKeyId, bucket: "api-src", endpoint_url: src.endpoint },
        target: { access_key_id: dst.accessKeyId, bucket: "api-dst", endpoint_url: dst.endpoint },
        type: "copy",
      },
      operational_state: "pending",
      output: { bytes: 0, error: "", total_bytes: 0, transfer_time: "0" },
      updated_at: expect.any(String),
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(r.text).not.toContain(src.secretAccessKey);
    expect(r.text).not.toContain(dst.secretAccessKey);
    const row = await jobRow(r.json.uuid);
    expect(JSON.stringify(row)).not.toContain(src.secretAccessKey);
    expect(JSON.stringify(row)).not.toContain(dst.secretAccessKey);
    expect(row!.source_secret_sealed).toMatch(/^k1\.[^.]+\.[^.]+$/);
    expect(q.log).toEqual([{ kind: "job-configure", job: r.json.uuid }]);
    // Neither GET nor the list shows a secret.
    const g = await t.api("GET", `/jobs/${r.json.uuid}`);
    expect(g.json).toEqual(r.json);
    const l = await t.api("GET", "/jobs");
    expect(l.text).not.toContain(src.secretAccessKey);
  });

  it("an empty or missing bucket means the whole storage; a bucket job defaults the target bucket to the source name", async () => {
    new JobQueue();
    const whole = await t.api("POST", "/jobs", jobBody(src, dst, ""));
    expect(whole.status, whole.text).toBe(201);
    expect(whole.json.input.source).toEqual({ access_key_id: src.accessKeyId, endpoint_url: src.endpoint });
    expect(whole.json.input.target).toEqual({ access_key_id: dst.accessKeyId, endpoint_url: dst.endpoint });
    const same = await t.api("POST", "/jobs", jobBody(src, dst, "api-src"));
    expect(same.json.input.target.bucket).toBe("api-src");
  });

  it("accepts the private endpoint of a service with a private network, and https or another port", async () => {
    new JobQueue();
    const svc = await newService(t, { networks: [publicNet, privateNet()] });
    const host = svc.endpoints.find((e: { type: string; mode: string }) => e.type === "private")!.domain_name;
    const body = jobBody(src, dst, "api-src");
    body.target.endpoint_url = `https://${host}:9443/`;
    const r = await t.api("POST", "/jobs", body);
    expect(r.status, r.text).toBe(201);
    expect(r.json.input.target.endpoint_url).toBe(`https://${host}:9443`);
  });

  it("names every missing field", async () => {
    const r = await t.api("POST", "/jobs", {});
    expectProblem(r, 400, "INVALID_REQUEST");
    expect(invalidNames(r)).toEqual(["source", "target", "type"]);
    const r2 = await t.api("POST", "/jobs", { type: "copy", source: {}, target: {} });
    expect(invalidNames(r2)).toEqual([
      "source.access_key_id",
      "source.endpoint_url",
      "source.secret_access_key",
      "target.access_key_id",
      "target.endpoint_url",
      "target.secret_access_key",
    ]);
    expect(r2.json.invalid_params.find((p: { name: string }) => p.name === "source.access_key_id").reason).toBe("is required");
  });

  it("enforces the vendor's lengths and types", async () => {
    const long = (n: number) => "x".repeat(n);
    const body = {
      type: "sync",
      source: { access_key_id: long(129), secret_access_key: "", endpoint_url: long(256), bucket: long(256) },
      target: { access_key_id: 5, secret_access_key: long(129), endpoint_url: "", bucket: null },
    };
    const r = await t.api("POST", "/jobs", body);
    expectProblem(r, 400, "INVALID_REQUEST");
    expect(invalidNames(r)).toEqual([
      "source.access_key_id",
      "source.bucket",
      "source.endpoint_url",
      "source.secret_access_key",
      "target.access_key_id",
      "target.bucket",
      "target.endpoint_url",
      "target.secret_access_key",
      "type",
    ]);
    const reasons = Object.fromEntries(r.json.invalid_params.map((p: { name: string; reason: string }) => [p.name, p.reason]));
    expect(reasons.type).toBe("must be copy");
    expect(reasons["source.access_key_id"]).toBe("must be 1-128 characters");
    expect(reasons["target.access_key_id"]).toBe("must be a string");
    expect(r.text).not.toContain(long(129));
  });

  it("refuses malformed JSON and wrong media types as validation errors", async () => {
    const raw = await call("POST", `${BASE}/jobs`, { headers: { ...t.auth, "Content-Type": "application/json" }, raw: "{" });
    expectProblem(raw, 400, "INVALID_REQUEST");
    const text = await call("POST", `${BASE}/jobs`, { headers: { ...t.auth, "Content-Type": "text/plain" }, raw: "{}" });
    expectProblem(text, 400, "INVALID_REQUEST");
  });

  it("refuses endpoint URLs that are not http(s), carry credentials or a query, and targets that are not the account's services", async () => {
    const other = await newTenant();
    const foreign = await newService(other);
    const stopped = await newService(t, { configured_status: "stopped" });
    const stoppedLabel = (await env.DB.prepare("SELECT endpoint_label FROM services WHERE uuid = ?")
      .bind(stopped.uuid)
      .first<{ endpoint_label: string }>())!.endpoint_label;
    const cases: [string, string, string][] = [
      ["source", "ftp://example.com", "source.endpoint_url"],
      ["source", "not a url", "source.endpoint_url"],
      ["source", "https://user:pw@example.com", "source.endpoint_url"],
      ["source", "https://example.com/?x=1", "source.endpoint_url"],
      ["target", "https://s3.amazonaws.com", "target.endpoint_url"],
      ["target", `http://${foreign.endpoints[0]!.domain_name}:8787`, "target.endpoint_url"],
      ["target", `http://${stoppedLabel}.localhost:8787`, "target.endpoint_url"],
      ["target", "http://nosuch.localhost:8787", "target.endpoint_url"],
      ["target", `http://${dst.host}:8787/some/path`, "target.endpoint_url"],
      ["target", `http://bucket.${dst.host}:8787`, "target.endpoint_url"],
      ["target", `http://${dst.host.replace(".", "-static.")}:8787`, "target.endpoint_url"],
    ];
    for (const [side, url, name] of cases) {
      const body = jobBody(src, dst, "api-src");
      body[side as "source" | "target"].endpoint_url = url;
      const r = await t.api("POST", "/jobs", body);
      expectProblem(r, 400, "INVALID_REQUEST");
      expect(invalidNames(r), url).toEqual([name]);
    }
  });

  it("target.bucket needs source.bucket and a valid bucket name", async () => {
    const r = await t.api("POST", "/jobs", jobBody(src, dst, undefined, "into-one"));
    expect(invalidNames(r)).toEqual(["target.bucket"]);
    const bad = await t.api("POST", "/jobs", jobBody(src, dst, "api-src", "Bad_Name"));
    expect(invalidNames(bad)).toEqual(["target.bucket"]);
    const legacy = await t.api("POST", "/jobs", jobBody(src, dst, "Legacy_Bucket"));
    expect(invalidNames(legacy)).toEqual(["target.bucket"]);
    const slash = await t.api("POST", "/jobs", jobBody(src, dst, "a/b", "ab-copy"));
    expect(invalidNames(slash)).toEqual(["source.bucket"]);
  });

  it("answers 500 without leaking when the queue refuses, and leaves no job behind", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(env.JOBS, "send").mockRejectedValue(new Error("queue down"));
    const before = (await t.api("GET", "/jobs")).json.length;
    const r = await t.api("POST", "/jobs", jobBody(src, dst, "api-src"));
    expectProblem(r, 500, "GENERAL_FAILURE");
    expect(r.text).not.toContain("queue down");
    expect(r.text).not.toContain(src.secretAccessKey);
    expect((await t.api("GET", "/jobs")).json.length).toBe(before);
  });
});

describe("GET /jobs, GET /jobs/{uuid}, cancel", () => {
  it("lists the account's jobs newest first; get and cancel answer 404 for unknown ids", async () => {
    new JobQueue();
    const a = await t.api("POST", "/jobs", jobBody(src, dst, "api-src"));
    const b = await t.api("POST", "/jobs", jobBody(src, dst, "api-src"));
    const l = await t.api("GET", "/jobs");
    expect(l.status).toBe(200);
    const ids = l.json.map((j: { uuid: string }) => j.uuid);
    expect(ids.indexOf(b.json.uuid)).toBeLessThan(ids.indexOf(a.json.uuid));
    expectProblem(await t.api("GET", "/jobs/00000000-0000-0000-0000-000000000000"), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("POST", "/jobs/nope/cancel"), 404, "RESOURCE_NOT_FOUND");
  });

  it("cancels a pending job (200, canceled), then refuses a second cancel with 400; the queued configuration does nothing", async () => {
    const q = new JobQueue();
    const r = await t.api("POST", "/jobs", jobBody(src, dst, "api-src"));
    const c = await t.api("POST", `/jobs/${r.json.uuid}/cancel`);
    expect(c.status, c.text).toBe(200);
    expect(c.json.operational_state).toBe("canceled");
    const again = await t.api("POST", `/jobs/${r.json.uuid}/cancel`);
    expectProblem(again, 400, "INVALID_REQUEST");
    expect(invalidNames(again)).toEqual(["job_uuid"]);
    const end = await runJob(t, q, r.json.uuid);
    expect(end.operational_state).toBe("canceled");
    expect(q.log.map((m) => m.kind)).toEqual(["job-configure"]);
  });

  it("refuses to cancel a completed job (400)", async () => {
    const q = new JobQueue();
    const r = await t.api("POST", "/jobs", jobBody(src, dst, "api-src"));
    expect((await runJob(t, q, r.json.uuid)).operational_state).toBe("completed");
    const c = await t.api("POST", `/jobs/${r.json.uuid}/cancel`);
    expectProblem(c, 400, "INVALID_REQUEST");
    expect(c.json.title).toContain("completed");
  });
});

describe("tenancy and routing", () => {
  it("another tenant's job is 404 on get and cancel and absent from its list", async () => {
    new JobQueue();
    const r = await t.api("POST", "/jobs", jobBody(src, dst, "api-src"));
    const other = await newTenant();
    expectProblem(await other.api("GET", `/jobs/${r.json.uuid}`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await other.api("POST", `/jobs/${r.json.uuid}/cancel`), 404, "RESOURCE_NOT_FOUND");
    expect((await other.api("GET", "/jobs")).json).toEqual([]);
    expect((await t.api("GET", `/jobs/${r.json.uuid}`)).json.operational_state).toBe("pending");
  });

  it("needs authentication", async () => {
    const r = await call("GET", `${BASE}/jobs`);
    expectProblem(r, 401, "AUTHENTICATION_FAILED");
    const p = await call("POST", `${BASE}/jobs`, { body: jobBody(src, dst, "api-src") });
    expectProblem(p, 401, "AUTHENTICATION_FAILED");
  });

  it("/jobs is never taken for a service uuid, and service routes still work beside it", async () => {
    const l = await t.api("GET", "/jobs");
    expect(Array.isArray(l.json)).toBe(true);
    const svc = await t.api("GET", `/${src.uuid}`);
    expect(svc.status).toBe(200);
    expect(svc.json.uuid).toBe(src.uuid);
    // Service-level paths with a "jobs" segment are not routes.
    expectProblem(await t.api("GET", `/${src.uuid}/jobs`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("DELETE", "/jobs"), 404, "RESOURCE_NOT_FOUND");
  });
});
