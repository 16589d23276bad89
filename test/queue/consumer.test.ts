import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { retryDelaySeconds } from "../../src/queue/consumer";
import { queueHandlers } from "../../src/queue/handlers";
import { consume } from "../helpers/queue";

const seen: number[] = [];
const KIND = "test-consumer-kind";

afterEach(() => {
  delete queueHandlers[KIND];
  vi.restoreAllMocks();
});

describe("queue consumer", () => {
  it("validates, runs, acks; retries failures with backoff; acks poison messages", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    queueHandlers[KIND] = {
      schema: z.object({ kind: z.literal(KIND), n: z.number().int() }),
      async run(body: { n: number }) {
        if (body.n < 0) throw new Error("negative");
        seen.push(body.n);
      },
    };
    const result = await consume([
      { id: "ok", timestamp: new Date(), attempts: 1, body: { kind: KIND, n: 7 } },
      { id: "fails", timestamp: new Date(), attempts: 3, body: { kind: KIND, n: -1 } },
      { id: "bad-shape", timestamp: new Date(), attempts: 1, body: { kind: KIND, n: "seven" } },
      { id: "unknown", timestamp: new Date(), attempts: 1, body: { kind: "no-such-kind" } },
      { id: "not-object", timestamp: new Date(), attempts: 1, body: "hello" },
    ]);
    expect(seen).toEqual([7]);
    expect(result.explicitAcks.sort()).toEqual(["bad-shape", "not-object", "ok", "unknown"]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["fails"]);
    expect(retryDelaySeconds(1)).toBe(10);
    expect(retryDelaySeconds(3)).toBe(40);
    expect(retryDelaySeconds(20)).toBe(600);
  });
});
