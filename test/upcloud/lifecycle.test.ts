import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectProblem, lifecycleStub, newService, newTenant, privateNet, publicNet, settle, unique } from "../helpers/api";

describe("service lifecycle", () => {
  it("walks pending → setup-* → running, with a state message while TLS is issued", async () => {
    const t = await newTenant();
    const s = await newService(t);
    expect(s.operational_state).toBe("pending");
    const seen: { state: string; messages: { code: string; message: string; operational_state: string }[] }[] = [];
    while (await runDurableObjectAlarm(lifecycleStub(s.uuid))) {
      const g = (await t.api("GET", `/${s.uuid}`)).json;
      seen.push({ state: g.operational_state, messages: g.state_messages });
    }
    expect(seen.map((x) => x.state)).toEqual([
      "setup-service",
      "setup-network",
      "setup-tls",
      "setup-public-endpoint",
      "setup-dns",
      "setup-iam",
      "cleanup-deleted-buckets",
      "setup-checkup",
      "running",
    ]);
    const tls = seen.find((x) => x.state === "setup-tls")!;
    const domain = s.endpoints[0]!.domain_name;
    expect(tls.messages).toEqual([
      expect.objectContaining({
        code: "waiting_certificate_issuing",
        operational_state: "setup-tls",
        message: `Certificate issuing is in progress for domains: ${domain}, *.${domain}.`,
      }),
    ]);
    expect(seen.at(-1)!.messages).toEqual([]);
  });

  it("includes setup-private-endpoint only with a private network, and ends stopped when configured stopped", async () => {
    const t = await newTenant();
    const priv = await newService(t, { networks: [publicNet, privateNet()] });
    expect(await settle(t, priv.uuid)).toContain("setup-private-endpoint");
    const stopped = await newService(t, { configured_status: "stopped" });
    expect(stopped.endpoints).toEqual([]);
    expect(await settle(t, stopped.uuid)).toEqual(["setup-service", "setup-network", "stopped"]);
  });

  it("restarts from pending when networks or status change, not for a rename", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await settle(t, s.uuid);
    const renamed = await t.api("PATCH", `/${s.uuid}`, { name: "just-a-rename" });
    expect(renamed.json.operational_state).toBe("running");
    const net = await t.api("POST", `/${s.uuid}/networks`, privateNet());
    expect(net.status).toBe(201);
    expect((await t.api("GET", `/${s.uuid}`)).json.operational_state).toBe("pending");
    expect((await settle(t, s.uuid)).at(-1)).toBe("running");
    const stop = await t.api("PATCH", `/${s.uuid}`, { configured_status: "stopped" });
    expect(stop.json).toMatchObject({ operational_state: "pending", endpoints: [] });
    expect((await settle(t, s.uuid)).at(-1)).toBe("stopped");
    const start = await t.api("PATCH", `/${s.uuid}`, { configured_status: "started" });
    expect(start.json.operational_state).toBe("pending");
    expect((await settle(t, s.uuid)).at(-1)).toBe("running");
  });

  it("deletes through the delete-* states, removing objects and rows, then answers 404", async () => {
    const t = await newTenant();
    const s = await newService(t, { networks: [publicNet, privateNet()], labels: [{ key: "env", value: "x" }] });
    await settle(t, s.uuid);
    // Objects and a bucket row the way the data plane stores them.
    await env.DB.prepare("INSERT INTO buckets (service_uuid, name, created_at) VALUES (?, 'b1', '2026-01-01T00:00:00Z')")
      .bind(s.uuid)
      .run();
    for (let i = 0; i < 5; i++) await env.OBJECTS.put(`s/${s.uuid}/b1/key-${i}`, "data");
    const keep = `s/${s.uuid}x/b1/other`; // a neighbouring prefix must survive
    await env.OBJECTS.put(keep, "keep");

    expectProblem(await t.api("DELETE", `/${s.uuid}`), 400, "SERVICE_ERROR");
    const del = await t.api("DELETE", `/${s.uuid}?force=true`);
    expect(del.status).toBe(204);
    expect(del.text).toBe("");
    const during = await t.api("GET", `/${s.uuid}`);
    expect(during.json).toMatchObject({ operational_state: "delete-public-endpoint", endpoints: [] });
    expectProblem(await t.api("PATCH", `/${s.uuid}`, { name: "late" }), 400, "SERVICE_ERROR");
    expect((await t.api("DELETE", `/${s.uuid}?force=true`)).status).toBe(204);

    const states = await settle(t, s.uuid);
    expect(states).toEqual([
      "delete-private-endpoint",
      "delete-buckets",
      "delete-iam",
      "delete-namespace",
      "delete-dns",
      "delete-tls",
      "delete-network",
      "delete-service",
      "gone",
    ]);
    expectProblem(await t.api("GET", `/${s.uuid}`), 404, "RESOURCE_NOT_FOUND");
    expect((await env.OBJECTS.list({ prefix: `s/${s.uuid}/` })).objects).toEqual([]);
    expect(await env.OBJECTS.get(keep)).not.toBeNull();
    for (const table of ["services", "service_networks", "service_labels", "buckets"]) {
      const col = table === "services" ? "uuid" : "service_uuid";
      const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${col} = ?`).bind(s.uuid).first<{ n: number }>();
      expect(row!.n, table).toBe(0);
    }
  });

  it("refuses to delete a protected service and deletes an empty one without force", async () => {
    const t = await newTenant();
    const s = await newService(t, { termination_protection: true });
    const r = await t.api("DELETE", `/${s.uuid}?force=true`);
    expectProblem(r, 400, "SERVICE_ERROR");
    expect(r.json.title).toMatch(/termination/);
    expectProblem(await t.api("DELETE", `/${s.uuid}?force=maybe`), 400, "INVALID_REQUEST");
    await t.api("PATCH", `/${s.uuid}`, { termination_protection: false });
    expect((await t.api("DELETE", `/${s.uuid}`)).status).toBe(204);
    expect((await settle(t, s.uuid)).at(-1)).toBe("gone");
  });
});

describe("hourly reconcile", () => {
  it("re-arms the alarm of a service stuck mid-plan, and leaves settled ones alone", async () => {
    const { env } = await import("cloudflare:workers");
    const { runInDurableObject } = await import("cloudflare:test");
    const { reconcileLifecycles } = await import("../../src/core/reconcile");
    const t = await newTenant();
    const stuck = await newService(t);
    const done = await newService(t);
    await settle(t, done.uuid);
    // Simulate a lost alarm on a service that has been pending for an hour: nothing would move it.
    await runInDurableObject(lifecycleStub(stuck.uuid), (_o, state) => state.storage.deleteAlarm());
    expect(await settle(t, stuck.uuid)).toEqual([]);
    const later = Date.now() + 60 * 60 * 1000;
    const resumed = await reconcileLifecycles(env, later);
    expect(resumed).toContain(stuck.uuid);
    expect(resumed).not.toContain(done.uuid);
    expect(await runInDurableObject(lifecycleStub(stuck.uuid), (_o, state) => state.storage.getAlarm())).not.toBeNull();
    expect((await settle(t, stuck.uuid)).at(-1)).toBe("running");
    expect(await reconcileLifecycles(env, later)).not.toContain(stuck.uuid);
  });
});

describe("setup-dns", () => {
  it("checks custom domains again, so a fixed DNS record clears the failure", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await settle(t, s.uuid);
    const domain = `${unique("site")}.example.com`;
    expect((await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: domain, type: "public" })).status).toBe(201);
    // As if the last check had failed (records not yet in place when it ran).
    await env.DB.prepare("UPDATE custom_domains SET verification = 'failed' WHERE domain_name = ?").bind(domain).run();
    const before = (await t.api("GET", `/${s.uuid}`)).json;
    expect(before.state_messages.map((m: { code: string }) => m.code)).toContain("failed_custom_domain_verification");
    await t.api("POST", `/${s.uuid}/networks`, privateNet());
    const states = await settle(t, s.uuid);
    expect(states).toContain("setup-dns");
    const row = await env.DB.prepare("SELECT verification FROM custom_domains WHERE domain_name = ?")
      .bind(domain)
      .first<{ verification: string }>();
    expect(row!.verification).toBe("verified");
    expect((await t.api("GET", `/${s.uuid}`)).json.state_messages).toEqual([]);
  });
});

describe("errors across the lifecycle object", () => {
  it("keep their reason and detail through the RPC Outcome", async () => {
    const t = await newTenant();
    const s = await newService(t, { termination_protection: true });
    const stub = lifecycleStub(s.uuid);
    const protectedOutcome = await stub.remove(t.accountId, s.uuid, true);
    expect(protectedOutcome).toMatchObject({ ok: false, code: "SERVICE_ERROR", reason: "service-state" });

    await t.api("PATCH", `/${s.uuid}`, { termination_protection: false });
    expect((await t.api("POST", `/${s.uuid}/users`, { username: "keeper" })).status).toBe(201);
    const held = await stub.remove(t.accountId, s.uuid, false);
    expect(held).toMatchObject({ ok: false, code: "SERVICE_ERROR", reason: "delete-conflict", detail: { remains: ["1 IAM entity"] } });

    const label = await stub.apply(t.accountId, s.uuid, { kind: "label-delete", key: "nope" });
    expect(label).toMatchObject({ ok: false, code: "NOT_FOUND", reason: "no-such-entity", detail: { entity: "Label" } });
  });
});
