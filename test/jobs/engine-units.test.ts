import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { copyObject, MiB, OBJECT_ATTEMPTS, partSize, Streams, targetLookup, type CopyContext } from "../../src/core/jobs/copy";
import { batches, tuning } from "../../src/core/jobs/engine";
import { addressableKey, encodeKey, normEtag, S3CallError, S3Client } from "../../src/core/jobs/s3client";
import { transport } from "../../src/core/jobs/transport";
import { localS3 } from "../../src/compose";
import { newTenant, policyDoc } from "../helpers/api";
import { createBucket, get, jobBody, JobQueue, jobRow, put, runJob, s3Keys, storage } from "./helpers";

afterEach(() => vi.restoreAllMocks());

const xml = (body: string, status = 200) =>
  new Response(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, { status, headers: { "content-type": "application/xml" } });
const creds = {
  endpointUrl: "https://s3.example.test",
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "very-secret-value",
  region: "us-east-1",
};

describe("S3Client", () => {
  it("pages ListObjectsV2 with url-encoded keys and continuation tokens", async () => {
    const seen: string[] = [];
    const client = new S3Client("source", creds, async (req) => {
      seen.push(req.url);
      const url = new URL(req.url);
      if (!url.searchParams.get("continuation-token")) {
        return xml(
          `<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextContinuationToken>tok+/=</NextContinuationToken>` +
            `<Contents><Key>a%20b/%C3%BC%2Bc</Key><Size>5</Size><ETag>&quot;ABC&quot;</ETag></Contents>` +
            `<Contents><Key>%20lead</Key><Size>0</Size><ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag></Contents></ListBucketResult>`,
        );
      }
      expect(url.searchParams.get("continuation-token")).toBe("tok+/=");
      return xml(
        `<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>last</Key><Size>12</Size><ETag>"x-2"</ETag></Contents></ListBucketResult>`,
      );
    });
    const p1 = await client.listObjects("bkt", null);
    expect(p1).toEqual({
      objects: [
        { key: "a b/ü+c", size: 5, etag: "abc" },
        { key: " lead", size: 0, etag: "d41d8cd98f00b204e9800998ecf8427e" },
      ],
      next: "tok+/=",
    });
    const p2 = await client.listObjects("bkt", p1.next);
    expect(p2).toEqual({ objects: [{ key: "last", size: 12, etag: "x-2" }], next: null });
    expect(seen[0]).toContain("encoding-type=url");
    expect(seen[1]).toContain("continuation-token=tok%2B%2F%3D");
  });

  it("a truncated listing without a token is an error, not an endless loop", async () => {
    const client = new S3Client("source", creds, async () => xml("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"));
    await expect(client.listObjects("b", null)).rejects.toThrow(/MissingContinuationToken/);
  });

  it("retries once in the region the store names (AuthorizationHeaderMalformed)", async () => {
    const scopes: string[] = [];
    const client = new S3Client("source", creds, async (req) => {
      scopes.push(/Credential=[^/]+\/\d+\/([^/]+)\//.exec(req.headers.get("authorization") ?? "")![1]!);
      if (scopes.length === 1) {
        return xml(
          "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region></Error>",
          400,
        );
      }
      return xml("<ListAllMyBucketsResult><Buckets><Bucket><Name>one</Name></Bucket></Buckets></ListAllMyBucketsResult>");
    });
    expect(await client.listBuckets()).toEqual(["one"]);
    expect(scopes).toEqual(["us-east-1", "eu-west-1"]);
  });

  it("maps failures: S3 errors with code and message, transient or not; network errors without secrets", async () => {
    const denied = new S3Client("target", creds, async () =>
      xml("<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", 403),
    );
    const e1 = await denied.listBuckets().catch((e) => e);
    expect(e1).toBeInstanceOf(S3CallError);
    expect(e1.message).toBe("target ListBuckets: AccessDenied (Access Denied)");
    expect(e1.transient).toBe(false);
    const busy = new S3Client("source", creds, async () => new Response(null, { status: 503 }));
    const e2 = await busy.headObject("b", "k").catch((e) => e);
    expect(e2.transient).toBe(true);
    const down = new S3Client("source", creds, async () => {
      throw new TypeError("connection refused");
    });
    const e3 = await down.listBuckets().catch((e) => e);
    expect(e3.code).toBe("NetworkError");
    expect(e3.transient).toBe(true);
    expect(e3.message).not.toContain(creds.secretAccessKey);
    const gone = new S3Client("source", creds, async () => new Response(null, { status: 404 }));
    expect(await gone.headObject("b", "k")).toBeNull();
    expect(await gone.headBucket("b")).toBe(false);
  });

  it("a CompleteMultipartUpload answered 200 with an <Error> body fails", async () => {
    const client = new S3Client("target", creds, async () =>
      xml("<Error><Code>InternalError</Code><Message>late failure</Message></Error>"),
    );
    await expect(client.completeMultipartUpload("b", "k", "u", ["e1"])).rejects.toThrow(/InternalError \(late failure\)/);
  });

  it("encodes keys for path-style URLs; refuses dot segments; normalises ETags", () => {
    expect(encodeKey("a b/ü+c?#%(x)*!'")).toBe("a%20b/%C3%BC%2Bc%3F%23%25%28x%29%2A%21%27");
    expect(addressableKey("a/./b")).toBe(false);
    expect(addressableKey("a/../b")).toBe(false);
    expect(addressableKey("a/.b/..c")).toBe(true);
    expect(normEtag('W/"ABC-2"')).toBe("abc-2");
  });
});

describe("transport", () => {
  it("serves this deployment's service hosts in-process and sends every other host out with fetch", async () => {
    const t = await newTenant();
    const st = await storage(t);
    const fetched: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      fetched.push(new Request(input as RequestInfo).url);
      return new Response("external");
    });
    const { send, drain } = transport(env, localS3);
    const local = await send(new Request(`${st.endpoint}/`));
    expect(local.status).toBe(403); // anonymous ListBuckets, answered by the S3 data plane itself
    expect(await local.text()).toContain("<Code>AccessDenied</Code>");
    expect(await (await send(new Request("https://s3.amazonaws.com/"))).text()).toBe("external");
    expect(await (await send(new Request("http://nosuchlabel.localhost:8787/"))).text()).toBe("external");
    await drain();
    expect(fetched).toEqual(["https://s3.amazonaws.com/", "http://nosuchlabel.localhost:8787/"]);
  });

  it("sends a streamed upload out whole, sized by its Content-Length", async () => {
    let received = -1;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      received = (await (input as Request).arrayBuffer()).byteLength;
      return new Response(null, { status: 200, headers: { etag: '"abc"' } });
    });
    const client = new S3Client("target", creds, transport(env, localS3).send);
    const body = new Blob([new Uint8Array(70_000)]).stream();
    expect(await client.putObject("b", "k", body, 70_000, new Headers())).toBe("abc");
    expect(received).toBe(70_000);
  });
});

describe("Streams", () => {
  it("never runs more than its limit at once, and runs everything", async () => {
    const streams = new Streams(2);
    let active = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const runs = Array.from({ length: 5 }, (_, i) =>
      streams.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((r) => gates.push(r));
        active--;
        return i;
      }),
    );
    const settle = async () => {
      for (let i = 0; i < 20; i++) await Promise.resolve();
    };
    await settle();
    while (gates.length) {
      expect(active).toBeLessThanOrEqual(2);
      gates.shift()!();
      await settle();
    }
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });
});

describe("streaming copies", () => {
  it("streams every object, small ones too, with at most `limit` source reads open and each opened only after its permit", async () => {
    const streams = new Streams(3);
    let open = 0;
    let peakOpen = 0;
    const puts: { key: string; body: unknown; length: number }[] = [];
    const source = {
      getObject: async (_b: string, key: string, opts: { range?: { offset: number; length: number } } = {}) => {
        open++;
        peakOpen = Math.max(peakOpen, open);
        const data = new TextEncoder().encode(opts.range ? `part ${opts.range.offset} of ${key}` : `body of ${key}`);
        const body = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(data), c.close()) });
        return new Response(body, {
          status: opts.range ? 206 : 200,
          headers: { "content-length": String(data.length), etag: '"e"', "content-type": "text/plain" },
        });
      },
      headObject: async () => ({ size: 40 * MiB, etag: "e", metadata: new Headers() }),
    };
    const consume = async (key: string, body: unknown, length: number) => {
      puts.push({ key, body, length });
      await new Promise((r) => setTimeout(r, 2));
      await new Response(body as ReadableStream).arrayBuffer();
      open--;
    };
    const target = {
      headObject: async () => null,
      putObject: async (_b: string, key: string, body: unknown, length: number) => (await consume(key, body, length), "t"),
      createMultipartUpload: async () => "u",
      uploadPart: async (_b: string, key: string, _u: string, n: number, body: unknown, length: number) => (
        await consume(`${key}#${n}`, body, length),
        `p${n}`
      ),
      completeMultipartUpload: async () => "m-5",
    };
    const c: CopyContext = {
      source: source as unknown as S3Client,
      target: target as unknown as S3Client,
      sourceBucket: "s",
      targetBucket: "t",
      ledger: async () => null,
      remember: async () => {},
      streams,
      multipartThreshold: 8 * MiB,
      pause: async () => {},
    };
    const objects = [
      ...Array.from({ length: 20 }, (_, i) => ({ key: `small/${i}`, size: 4096, etag: "e" })),
      { key: "big", size: 40 * MiB, etag: "e" },
    ];
    // All at once, more than the engine's 16: only the permits bound what is open.
    const outcomes = await Promise.all(objects.map((o) => copyObject(c, o)));
    expect(outcomes.every((o) => o.kind === "copied")).toBe(true);
    expect(puts.length).toBe(20 + 5);
    for (const p of puts) expect(p.body, p.key).toBeInstanceOf(ReadableStream);
    expect(peakOpen).toBe(3);
    expect(streams.peak).toBe(3);
    expect(open).toBe(0);
  });

  it("a write that fails without taking the body releases the source read", async () => {
    let cancelled = false;
    const source = {
      getObject: async () =>
        new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(10)), cancel: () => void (cancelled = true) }), {
          headers: { "content-length": "4096", etag: '"e"' },
        }),
    };
    const target = {
      headObject: async () => null,
      putObject: async () => {
        throw new S3CallError("PutObject", 403, "AccessDenied", "no", null, "target");
      },
    };
    const c = {
      source,
      target,
      sourceBucket: "s",
      targetBucket: "t",
      ledger: async () => null,
      remember: async () => {},
      streams: new Streams(3),
      pause: async () => {},
    };
    const out = await copyObject(c as unknown as CopyContext, { key: "k", size: 4096, etag: "e" });
    expect(out).toMatchObject({ kind: "failed", stage: "write" });
    expect(cancelled).toBe(true);
  });
});

describe("work units", () => {
  it("batches by object count and by bytes", () => {
    const saved = { ...tuning };
    Object.assign(tuning, { batchObjects: 3, batchBytes: 100 });
    try {
      const o = (key: string, size: number) => ({ key, size, etag: "" });
      const out = batches([o("a", 10), o("b", 10), o("c", 10), o("d", 10), o("e", 95), o("f", 200), o("g", 1)]);
      expect(out.map((b) => b.map((x) => x.key).join(""))).toEqual(["abc", "d", "e", "f", "g"]);
    } finally {
      Object.assign(tuning, saved);
    }
  });

  it("sizes parts at 8 MiB, larger when 10,000 parts would not cover the object", () => {
    expect(partSize(20 * MiB)).toBe(8 * MiB);
    const huge = 5 * 1024 * 1024 * MiB; // 5 TiB
    expect(Math.ceil(huge / partSize(huge))).toBeLessThanOrEqual(10_000);
    expect(partSize(huge) % MiB).toBe(0);
  });
});

describe("copyObject", () => {
  const fakeCtx = (over: Partial<CopyContext>): CopyContext =>
    ({
      sourceBucket: "s",
      targetBucket: "t",
      ledger: async () => null,
      remember: async () => {},
      streams: new Streams(2),
      pause: async () => {},
      ...over,
    }) as CopyContext;

  it("retries transient failures, then reports the object failed with the last error", async () => {
    let heads = 0;
    const target = {
      headObject: async () => {
        heads++;
        throw new S3CallError("HeadObject", 503, "SlowDown", "busy", null, "target");
      },
    };
    const out = await copyObject(fakeCtx({ target: target as unknown as S3Client }), { key: "k", size: 1, etag: "e" });
    expect(heads).toBe(OBJECT_ATTEMPTS);
    expect(out).toEqual({ kind: "failed", bytes: 1, stage: "write", error: "target HeadObject: SlowDown (busy)" });
  });

  it("does not retry permanent refusals; keys with dot segments fail without a request", async () => {
    let gets = 0;
    const target = { headObject: async () => null };
    const source = {
      getObject: async () => {
        gets++;
        throw new S3CallError("GetObject", 403, "AccessDenied", "no", null, "source");
      },
    };
    const out = await copyObject(fakeCtx({ source: source as unknown as S3Client, target: target as unknown as S3Client }), {
      key: "k",
      size: 1,
      etag: "e",
    });
    expect(gets).toBe(1);
    expect(out).toMatchObject({ kind: "failed", stage: "read" });
    const dots = await copyObject(fakeCtx({}), { key: "a/../b", size: 3, etag: "" });
    expect(dots).toMatchObject({ kind: "failed", stage: "read", bytes: 3 });
  });
});

describe("a source outside this deployment", () => {
  it("is reached with fetch, signed for the region its AWS host names, and copied like any other", async () => {
    const t = await newTenant();
    const dst = await storage(t);
    const objects: Record<string, string> = { "one.txt": "first object", "dir/two.txt": "second" };
    const auths: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init);
      auths.push(req.headers.get("authorization") ?? "");
      const url = new URL(req.url);
      expect(url.host).toBe("s3.eu-north-1.amazonaws.com");
      const [, bucket, ...rest] = url.pathname.split("/");
      const key = decodeURIComponent(rest.join("/"));
      if (bucket !== "ext") return xml("<Error><Code>NoSuchBucket</Code><Message>nope</Message></Error>", 404);
      if (!key) {
        const items = Object.entries(objects)
          .map(([k, v]) => `<Contents><Key>${encodeURIComponent(k)}</Key><Size>${v.length}</Size><ETag>"${k}-etag"</ETag></Contents>`)
          .join("");
        return xml(`<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>${items}</ListBucketResult>`);
      }
      const body = objects[key];
      if (body === undefined) return new Response(null, { status: 404 });
      return new Response(req.method === "HEAD" ? null : body, {
        headers: { "content-length": String(body.length), etag: `"${key}-etag"`, "content-type": "text/plain", "x-amz-meta-from": "aws" },
      });
    });
    const q = new JobQueue();
    const body = jobBody({ ...dst, endpoint: "https://s3.eu-north-1.amazonaws.com" }, dst, "ext", "ext-copy");
    body.source.access_key_id = "AKIAEXTERNAL";
    body.source.secret_access_key = "external-secret";
    const r = await t.api("POST", "/jobs", body);
    expect(r.status, r.text).toBe(201);
    const end = await runJob(t, q, r.json.uuid);
    expect(end.operational_state).toBe("completed");
    expect(await jobRow(r.json.uuid)).toMatchObject({ objects_copied: 2, bytes_copied: 18 });
    expect(auths.length).toBeGreaterThan(0);
    for (const a of auths) expect(a).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAEXTERNAL\/\d{8}\/eu-north-1\/s3\/aws4_request/);
    const g = await get(dst, "ext-copy", "dir/two.txt");
    expect(new TextDecoder().decode(g.body)).toBe("second");
    expect(g.headers.get("x-amz-meta-from")).toBe("aws");
    // ETags differ (the fake source's are no MD5): the ledger remembers them, so a rerun copies nothing.
    const again = await t.api("POST", "/jobs", body);
    await runJob(t, q, again.json.uuid);
    expect(await jobRow(again.json.uuid)).toMatchObject({ objects_copied: 0, objects_skipped: 2 });
  });
});

describe("targetLookup", () => {
  const listing = (pages: { keys: string[]; next: string | null }[]) => {
    const calls: { token: string | null; startAfter: string }[] = [];
    const client = {
      listObjects: async (_b: string, token: string | null, _m: number, _p: string, startAfter: string) => {
        calls.push({ token, startAfter });
        const page = pages[calls.length - 1]!;
        return { objects: page.keys.map((key) => ({ key, size: key.length, etag: `e-${key}` })), next: page.next };
      },
    } as unknown as S3Client;
    return { client, calls };
  };

  it("answers from one listing when it reaches the batch's last key", async () => {
    const { client, calls } = listing([{ keys: ["b", "c", "e"], next: "t1" }]);
    const look = await targetLookup(client, "bkt", "a", "d");
    expect(calls).toEqual([{ token: null, startAfter: "a" }]);
    expect(look("c")).toEqual({ size: 1, etag: "e-c" });
    expect(look("d")).toBeNull();
  });

  it("stops after two pages; keys beyond what was listed are left to HEAD", async () => {
    const { client, calls } = listing([
      { keys: ["k1", "k2"], next: "t1" },
      { keys: ["k3", "k4"], next: "t2" },
    ]);
    const look = await targetLookup(client, "bkt", null, "k9");
    expect(calls.map((c) => c.token)).toEqual([null, "t1"]);
    expect(look("k3")).toEqual({ size: 2, etag: "e-k3" });
    expect(look("k35")).toBeNull();
    expect(look("k5")).toBeUndefined();
  });

  it("orders keys by UTF-8 bytes as S3 does", async () => {
    // "\u{1F600}" (UTF-8 F0…) sorts after "\uFFFD" (EF…) in S3 but before it in UTF-16: a page
    // ending at "\uFFFD" has not reached "\u{1F600}" yet, so the next page is read.
    const { client, calls } = listing([
      { keys: ["\uFFFD"], next: "t" },
      { keys: ["\u{1F600}"], next: null },
    ]);
    const look = await targetLookup(client, "bkt", null, "\u{1F600}");
    expect(calls.length).toBe(2);
    expect(look("\u{1F600}")).toEqual({ size: 2, etag: "e-\u{1F600}" });
  });

  it("falls back to HEAD for every key when the target refuses to list", async () => {
    const client = {
      listObjects: async () => {
        throw new S3CallError("ListObjectsV2", 403, "AccessDenied", "", null, "target");
      },
    } as unknown as S3Client;
    const look = await targetLookup(client, "bkt", null, "z");
    expect(look("a")).toBeUndefined();
  });
});

describe("a target key that may not list", () => {
  it("still copies, and a rerun still skips (HEAD per object)", async () => {
    const t = await newTenant();
    const src = await storage(t);
    const dst = await storage(t);
    await createBucket(src, "nolist");
    for (const k of ["a", "b", "c"]) await put(src, "nolist", k, `body ${k}`);
    const writer = await s3Keys(t, dst.uuid, { nolist: JSON.parse(policyDoc("Deny", "s3:ListBucket")) });
    const q = new JobQueue();
    const first = await t.api("POST", "/jobs", jobBody(src, { ...dst, ...writer }, "nolist"));
    expect((await runJob(t, q, first.json.uuid)).operational_state).toBe("completed");
    expect(await jobRow(first.json.uuid)).toMatchObject({ objects_copied: 3 });
    const again = await t.api("POST", "/jobs", jobBody(src, { ...dst, ...writer }, "nolist"));
    expect((await runJob(t, q, again.json.uuid)).operational_state).toBe("completed");
    expect(await jobRow(again.json.uuid)).toMatchObject({ objects_copied: 0, objects_skipped: 3 });
  });
});
