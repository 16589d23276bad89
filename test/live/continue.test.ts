// Issue 16, item 1: a request with `Expect: 100-continue` gets its interim `100 Continue` at once, not
// after the one second botocore and curl wait for it before sending the body anyway. Against a real
// server started on a free loopback port (scripts/lib/live-server.mjs: the front proxy of
// scripts/lib/front-proxy.mjs in front of wrangler dev, as under `npm run dev`).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LiveServer } from "../../scripts/lib/live-server.mjs";
import { chunkFrames, connect, EMPTY_SHA256, frameBytes, once, readResponse, s3Code, sha256, signV4, type Keys } from "./wire";

let server: LiveServer;
let host: string;
let keys: Keys;
const BUCKET = "continued";

beforeAll(async () => {
  server = await startServer({ tenant: "continue" });
  host = `127.0.0.1:${server.port}`;
  keys = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
  const path = `/${BUCKET}`;
  const made = await once(server.port, "PUT", path, signV4({ method: "PUT", host, path, payload: EMPTY_SHA256, keys }).headers);
  expect(made.status).toBe(200);
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

/** The first response head on `sock`: its status and how long after the call it arrived (0: none in time). */
function firstHead(sock: net.Socket, timeoutMs: number): Promise<{ status: number; ms: number; raw: string }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let buf = "";
    const timer = setTimeout(() => finish(0), timeoutMs);
    const onData = (d: Buffer) => {
      buf += d.toString("latin1");
      if (buf.includes("\r\n\r\n")) finish(Number(/^HTTP\/1\.1 (\d{3})/.exec(buf)?.[1] ?? -1));
    };
    const finish = (status: number) => {
      clearTimeout(timer);
      sock.off("data", onData);
      resolve({ status, ms: Date.now() - t0, raw: buf });
    };
    sock.on("data", onData);
  });
}

function head(method: string, path: string, headers: Record<string, string | number>) {
  return `${method} ${path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;
}

/** Sends the head with `Expect: 100-continue`, waits for the interim answer, then sends the body. */
async function expectContinue(sock: net.Socket, method: string, path: string, headers: Record<string, string | number>, body: Buffer) {
  const interim = firstHead(sock, 5000);
  sock.write(head(method, path, { ...headers, expect: "100-continue" }));
  const first = await interim;
  const final = readResponse(sock, 10_000);
  sock.write(body);
  return { interim: first, final: await final };
}

async function getObject(key: string) {
  const path = `/${BUCKET}/${key}`;
  return once(server.port, "GET", path, signV4({ method: "GET", host, path, payload: EMPTY_SHA256, keys }).headers);
}

describe("Expect: 100-continue", () => {
  it("a signed PUT gets 100 Continue before its body is sent, then 200; the bytes are stored", async () => {
    const body = Buffer.alloc(200_000, 0x31);
    const path = `/${BUCKET}/plain`;
    const sock = await connect(server.port);
    try {
      const h = signV4({ method: "PUT", host, path, payload: sha256(body), keys, headers: { "content-length": body.length } }).headers;
      const { interim, final } = await expectContinue(sock, "PUT", path, h, body);
      expect(interim.status, interim.raw).toBe(100);
      // botocore gives up waiting after 1 s and sends the body anyway: the answer must come well before.
      expect(interim.ms).toBeLessThan(1000);
      expect(final.status, final.body).toBe(200);
      expect(final.closed).toBeFalsy();
      // The same connection serves the next request.
      const again = readResponse(sock, 10_000);
      const get = signV4({ method: "GET", host, path, payload: EMPTY_SHA256, keys }).headers;
      sock.write(head("GET", path, get));
      const r = await again;
      expect(r.status).toBe(200);
      expect(r.body).toBe(body.toString("latin1"));
    } finally {
      sock.destroy();
    }
  });

  it("an aws-chunked PUT gets 100 Continue at once; the decoded bytes are stored", async () => {
    const data = Buffer.alloc(40_000, 0x32);
    const path = `/${BUCKET}/chunked`;
    const s = signV4({
      method: "PUT",
      host,
      path,
      payload: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      keys,
      headers: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": data.length },
    });
    const framed = Buffer.concat(chunkFrames(data, s.signing).map((f) => frameBytes(f)));
    const sock = await connect(server.port);
    try {
      const { interim, final } = await expectContinue(sock, "PUT", path, { ...s.headers, "content-length": framed.length }, framed);
      expect(interim.status).toBe(100);
      expect(interim.ms).toBeLessThan(1000);
      expect(final.status, final.body).toBe(200);
    } finally {
      sock.destroy();
    }
    const got = await getObject("chunked");
    expect(got.status).toBe(200);
    expect(got.body).toBe(data.toString("latin1"));
  });

  it("a refused PUT (bad signature) gets 100 Continue, then its S3 error; nothing stored; the connection stays usable", async () => {
    const body = Buffer.alloc(10_000, 0x33);
    const path = `/${BUCKET}/refused`;
    const h = signV4({
      method: "PUT",
      host,
      path,
      payload: sha256(body),
      keys: { ...keys, secretAccessKey: "wrong" + keys.secretAccessKey },
      headers: { "content-length": body.length },
    }).headers;
    const sock = await connect(server.port);
    try {
      const { interim, final } = await expectContinue(sock, "PUT", path, h, body);
      expect(interim.status).toBe(100);
      expect(final.status).toBe(403);
      expect(s3Code(final.body)).toBe("SignatureDoesNotMatch");
      expect(final.closed).toBeFalsy();
    } finally {
      sock.destroy();
    }
    expect((await getObject("refused")).status).toBe(404);
  });

  it("a JSON dialect's request with Expect gets 100 Continue too (every dialect sits behind the same front)", async () => {
    const body = Buffer.from(JSON.stringify({ name: "x" }));
    const sock = await connect(server.port);
    try {
      const { interim, final } = await expectContinue(
        sock,
        "POST",
        "/1.3/object-storage-2",
        { host, "content-type": "application/json", "content-length": body.length },
        body,
      );
      expect(interim.status).toBe(100);
      expect(interim.ms).toBeLessThan(1000);
      expect(final.status).toBe(401);
      expect(final.headers["content-type"]).toBe("application/problem+json");
    } finally {
      sock.destroy();
    }
  });
});

const AWS = "/root/.pyenv/shims/aws";
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("exit", (status) => resolve({ status, stderr }));
  });
}

describe("the aws CLI", () => {
  it("uploads without waiting for 100 Continue (botocore's debug log), and the files are stored", async (ctx) => {
    if (!existsSync(AWS)) {
      console.warn(`skipped: no aws CLI at ${AWS}`);
      ctx.skip();
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), "stowage-continue-"));
    try {
      for (let i = 0; i < 3; i++) writeFileSync(path.join(dir, `f${i}.txt`), `file ${i}\n`.repeat(500));
      const env = {
        ...process.env,
        AWS_ACCESS_KEY_ID: server.accessKeyId,
        AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
        AWS_DEFAULT_REGION: "europe-1",
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      };
      // Not spawnSync: the front proxy runs in this process (live-server.mjs) and must keep serving.
      const r = await run(AWS, ["--endpoint-url", server.origin, "s3", "cp", "--recursive", dir, `s3://${BUCKET}/cli/`, "--debug"], env);
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      const seen = r.stderr.match(/100 Continue response seen/g) ?? [];
      expect(seen.length).toBe(3);
      expect(r.stderr).not.toContain("No response seen from server");
      for (let i = 0; i < 3; i++) {
        const got = await getObject(`cli/f${i}.txt`);
        expect(got.status).toBe(200);
        expect(got.body).toBe(`file ${i}\n`.repeat(500));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
