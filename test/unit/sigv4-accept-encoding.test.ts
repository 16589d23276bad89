/**
 * Cloudflare and wrangler dev replace the client's Accept-Encoding before the Worker sees it
 * ("br, gzip"), while rclone signs its "gzip" on every GET: such signatures must still verify.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { HttpRequest } from "@smithy/protocol-http";
import { describe, expect, it } from "vitest";
import { parseAuth, verify } from "../../src/core/sigv4";
import { WebSha256 } from "../helpers/web-sha256";

const AKID = "AKIAEXAMPLEKEY000001";
const SECRET = "s3cr3t-accept-encoding";
const NOW = new Date("2026-11-21T23:30:20Z");

async function signedGet(acceptEncoding: string): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: "s3",
    region: "us-east-1",
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
    sha256: WebSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const req = new HttpRequest({
    method: "GET",
    protocol: "http:",
    hostname: "127.0.0.1",
    port: 8787,
    path: "/bucket/key.txt",
    headers: {
      host: "127.0.0.1:8787",
      "accept-encoding": acceptEncoding,
      "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    },
  });
  const signed = await signer.sign(req, { signingDate: NOW });
  expect(signed.headers.authorization).toContain("accept-encoding");
  return signed.headers as Record<string, string>;
}

async function verifyAs(headers: Record<string, string>, seenAcceptEncoding: string) {
  const request = new Request("http://127.0.0.1:8787/bucket/key.txt", { headers: { ...headers, "accept-encoding": seenAcceptEncoding } });
  const url = new URL(request.url);
  const parsed = parseAuth(request, url);
  if (parsed === null || parsed instanceof Error) throw new Error("not parsed");
  return verify(parsed, request, url, SECRET, NOW);
}

describe("signed Accept-Encoding rewritten by the platform", () => {
  it.each(["gzip", "identity", "gzip, deflate"])('verifies a signature over %j when the Worker sees "br, gzip"', async (sent) => {
    const result = await verifyAs(await signedGet(sent), "br, gzip");
    expect(result.ok).toBe(true);
  });

  it("still verifies the value as received", async () => {
    expect((await verifyAs(await signedGet("gzip"), "gzip")).ok).toBe(true);
  });

  it("does not accept a signature made with another secret", async () => {
    const headers = await signedGet("gzip");
    const request = new Request("http://127.0.0.1:8787/bucket/key.txt", { headers: { ...headers, "accept-encoding": "br, gzip" } });
    const url = new URL(request.url);
    const parsed = parseAuth(request, url);
    if (parsed === null || parsed instanceof Error) throw new Error("not parsed");
    const result = await verify(parsed, request, url, SECRET + "x", NOW);
    expect(result.ok ? null : result.error.code).toBe("SignatureDoesNotMatch");
  });
});
