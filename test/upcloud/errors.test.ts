import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { expectProblem, newTenant } from "../helpers/api";

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
