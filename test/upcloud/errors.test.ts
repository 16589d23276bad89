import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BASE, call, expectProblem, newTenant } from "../helpers/api";

afterEach(() => vi.restoreAllMocks());

describe("unexpected failures", () => {
  it("answer 500 GENERAL_FAILURE with a correlation id, log it, and leak nothing", async () => {
    const t = await newTenant();
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ")));
    const real = env.DB.prepare.bind(env.DB);
    vi.spyOn(env.DB, "prepare").mockImplementation((query: string) => {
      if (query.includes('from "services"')) throw new Error("disk on fire at /var/secret/path");
      return real(query);
    });
    const r = await t.api("GET", "");
    expectProblem(r, 500, "GENERAL_FAILURE");
    expect(r.text).not.toContain("disk on fire");
    expect(r.text).not.toContain("/var/secret");
    expect(r.text).not.toMatch(/at .*\.ts:\d+/);
    expect(r.headers.get("x-request-id")).toBe(r.json.correlation_id);
    expect(logged.some((l) => l.includes(r.json.correlation_id) && l.includes("disk on fire"))).toBe(true);
  });
});

describe("unknown paths and methods", () => {
  it("answer the dialect's 404 after authentication, and 405 with Allow on a known path", async () => {
    const t = await newTenant();
    // Authentication still comes first: an unknown path without credentials is 401.
    expectProblem(await call("GET", `${BASE}/no/such/thing`), 401, "AUTHENTICATION_FAILED");
    const missing = await t.api("GET", "/no/such/thing");
    expectProblem(missing, 404, "RESOURCE_NOT_FOUND");
    expect(missing.json.title).toBe("No route for GET /1.3/object-storage-2/no/such/thing.");
    const wrong = await t.api("DELETE", "");
    expectProblem(wrong, 405, "METHOD_NOT_ALLOWED");
    expect(wrong.headers.get("allow")).toBe("GET, POST, HEAD");
    const users = await t.api("PUT", "/0c5e2ad8-7f4e-4c6b-9a7e-000000000000/users");
    expectProblem(users, 405, "METHOD_NOT_ALLOWED");
    expect(users.headers.get("allow")).toBe("GET, POST, HEAD");
  });
});
