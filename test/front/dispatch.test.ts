// The front door's routing table (src/front.ts), branch by branch: host kind × authentication × path
// → the dialect that answers, recognised by its own response format.
import { AwsV4Signer } from "aws4fetch";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN } from "../helpers/api";
import { queryRequest } from "../query/helpers";
import { s3Service, s3User, type Keys, type S3Env } from "../s3/helpers";
import { presign, signedRequest, sigv2Presign, sigv2Request } from "../s3/sign";

type Dialect = "website" | "s3" | "iam" | "sts" | "ostor" | "transporter" | "whitelist" | "yale" | "kos" | "upcloud" | "app";

/** Which dialect wrote a response, from its format alone. */
async function dialectOf(res: Response): Promise<Dialect | string> {
  const type = res.headers.get("content-type") ?? "";
  const text = await res.text();
  if (res.headers.get("x-amzn-requestid")) {
    if (text.includes('xmlns="https://iam.amazonaws.com/doc/2010-05-08/"')) return "iam";
    if (text.includes('xmlns="https://sts.amazonaws.com/doc/2011-06-15/"')) return "sts";
    return `query? ${text}`;
  }
  if (res.headers.get("server") === "Stowage" && /^[0-9A-F]{16}$/.test(res.headers.get("x-amz-request-id") ?? "")) return "s3";
  if (type.startsWith("text/html")) return "website";
  if (type === "application/problem+json") return "upcloud";
  if (type.startsWith("text/plain")) return "yale";
  if (type === "application/json") {
    const j = JSON.parse(text) as Record<string, unknown>;
    const keys = Object.keys(j).sort().join(",");
    if (keys === "Code,Message") return "ostor";
    if (keys === "error" || keys === "details,error") return "transporter";
    if (keys === "errorDesc,ok") return "whitelist";
    if (keys === "code,message") return "kos";
    return "app";
  }
  return `unknown ${type}: ${text.slice(0, 80)}`;
}

let e: S3Env;
let keys: Keys;

beforeAll(async () => {
  e = await s3Service();
  keys = await s3User(e);
});

/** A SigV4 header-signed request for any credential-scope service. */
async function sigv4(service: string, method: string, url: string): Promise<Request> {
  const s = await new AwsV4Signer({
    method,
    url,
    accessKeyId: keys.accessKeyId,
    secretAccessKey: keys.secretAccessKey,
    service,
    region: "us-east-1",
  }).sign();
  return new Request(s.url, { method, headers: s.headers });
}

const malformed = (service: string, url: string) =>
  new Request(url, { headers: { Authorization: `AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/${service}/aws4_request` } });
const sts = (url = "http://api.test/") => queryRequest(keys, { Action: "GetCallerIdentity", Version: "2011-06-15" }, { url });
const iam = (url = "http://api.test/") => queryRequest(keys, { Action: "ListUsers", Version: "2010-05-08" }, { service: "iam", url });
const plain = (url: string, headers: Record<string, string> = {}) => new Request(url, { headers });
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

type Row = [name: string, request: () => Request | Promise<Request>, dialect: Dialect, status: number];

const rows = (): Row[] => {
  const ep = e.host;
  return [
    // 1. website hosts: nothing else is reachable there
    ["static host, anonymous", () => plain("http://zzzzzzzzzz-static.localhost/"), "website", 404],
    ["static host, SigV4 s3", () => signedRequest(keys, "GET", "http://zzzzzzzzzz-static.localhost/"), "website", 404],
    [
      "static host, X-Auth-Token on /v1/s3",
      () => plain("http://zzzzzzzzzz-static.localhost/v1/s3/a/buckets", { "x-auth-token": "t" }),
      "website",
      404,
    ],
    // 2. service endpoint hosts
    ["endpoint host, anonymous", () => plain(`http://${ep}/`), "s3", 403],
    ["endpoint host, anonymous, virtual-hosted", () => plain(`http://nosuchbucket.${ep}/`), "s3", 404],
    ["endpoint host, SigV4 s3", () => signedRequest(keys, "GET", `http://${ep}/`), "s3", 200],
    [
      "endpoint host, malformed SigV4 without a scope",
      () => plain(`http://${ep}/`, { Authorization: "AWS4-HMAC-SHA256 garbage" }),
      "s3",
      400,
    ],
    ["endpoint host, SigV4 sts", () => sts(`http://${ep}/`), "sts", 200],
    ["endpoint host, SigV4 iam", () => iam(`http://${ep}/iam`), "iam", 403],
    ["endpoint host, SigV2", () => sigv2Request(keys, "GET", `http://${ep}/`), "s3", 200],
    ["endpoint host, /?ostor-users anonymous", () => plain(`http://${ep}/?ostor-users`), "ostor", 403],
    ["endpoint host, Bearer → control plane", () => plain(`http://${ep}/1.3/object-storage-2/regions`, e.tenant.auth), "app", 200],
    // 2. shared host, by credential scope (before any path)
    ["shared, SigV4 s3", () => signedRequest(keys, "GET", "http://api.test/"), "s3", 200],
    ["shared, SigV4 s3 for a bucket named v1", () => signedRequest(keys, "GET", "http://api.test/v1/s3/acct/buckets"), "s3", 404],
    ["shared, SigV4 s3 under /kos/v1", () => signedRequest(keys, "GET", "http://api.test/kos/v1/buckets"), "s3", 404],
    [
      "shared, SigV4 s3 under /1.3/object-storage-2",
      () => signedRequest(keys, "GET", "http://api.test/1.3/object-storage-2/regions"),
      "s3",
      404,
    ],
    ["shared, presigned SigV4 s3", async () => plain(await presign(keys, "GET", "http://api.test/v1")), "s3", 404],
    ["shared, SigV2 header", () => sigv2Request(keys, "GET", "http://api.test/"), "s3", 200],
    ["shared, SigV2 presigned", async () => plain(await sigv2Presign(keys, "GET", "http://api.test/", inAnHour())), "s3", 200],
    ["shared, malformed SigV4 s3", () => malformed("s3", "http://api.test/b"), "s3", 400],
    ["shared, unknown endpoint-shaped host, SigV4 s3", () => signedRequest(keys, "GET", "http://unknown-label.localhost/"), "s3", 200],
    ["shared, SigV4 sts", () => sts(), "sts", 200],
    ["shared, SigV4 iam", () => iam(), "iam", 403],
    ["shared, malformed SigV4 sts", () => malformed("sts", "http://api.test/"), "sts", 400],
    ["shared, malformed SigV4 iam", () => malformed("iam", "http://api.test/"), "iam", 400],
    ["shared, SigV4 transporter", () => sigv4("transporter", "GET", "http://api.test/state/m1"), "transporter", 404],
    [
      "shared, SigV4 transporter on an UpCloud path",
      () => sigv4("transporter", "GET", "http://api.test/1.3/object-storage-2/regions"),
      "transporter",
      404,
    ],
    [
      "shared, SigV4 iam on /api/whitelist",
      () => sigv4("iam", "GET", "http://api.test/api/whitelist/RSWhitelistListRules"),
      "whitelist",
      404,
    ],
    [
      "shared, SigV4 of another service → by path",
      () => sigv4("execute-api", "GET", "http://api.test/1.3/object-storage-2/regions"),
      "upcloud",
      401,
    ],
    // 3. ostor, by query on the S3 endpoint
    ["shared, /?ostor-users SigV4 s3", () => signedRequest(keys, "GET", "http://api.test/?ostor-users"), "ostor", 404],
    [
      "shared, /?ostor-users SigV2",
      () => sigv2Request(keys, "GET", "http://api.test/?ostor-users", {}, null, "/?ostor-users"),
      "ostor",
      404,
    ],
    ["shared, /?ostor-users anonymous", () => plain("http://api.test/?ostor-users&emailAddress=a@b.c"), "ostor", 403],
    ["shared, /?ostor-limits Bearer", () => plain("http://api.test/?ostor-limits", e.tenant.auth), "ostor", 403],
    // 4. by header
    ["shared, X-Auth-Token on /v1/s3", () => plain("http://api.test/v1/s3/acct/buckets", { "x-auth-token": "t" }), "yale", 404],
    ["shared, X-Auth-Token elsewhere", () => plain("http://api.test/1.3/object-storage-2/regions", { "x-auth-token": "t" }), "yale", 404],
    ["shared, x-account-id elsewhere", () => plain("http://api.test/buckets", { "x-account-id": "k" }), "kos", 404],
    // 5. by path
    ["shared, /v1/s3 unauthenticated", () => plain("http://api.test/v1/s3/ping"), "yale", 404],
    ["shared, /kos/v1", () => plain("http://api.test/kos/v1/buckets", { "x-account-id": "k" }), "kos", 404],
    ["shared, /kos/v1 unauthenticated", () => plain("http://api.test/kos/v1"), "kos", 404],
    ["shared, /internal/kos/v1", () => plain("http://api.test/internal/kos/v1/policy"), "kos", 404],
    ["shared, /api/whitelist unsigned", () => plain("http://api.test/api/whitelist/RSWhitelistListRules?root=r"), "whitelist", 404],
    ["shared, /kos/v1x is not under /kos/v1", () => plain("http://api.test/kos/v1x"), "upcloud", 404],
    ["shared, UpCloud with Bearer", () => plain("http://api.test/1.3/object-storage-2/regions", e.tenant.auth), "app", 200],
    ["shared, UpCloud without credentials", () => plain("http://api.test/1.3/object-storage-2/regions"), "upcloud", 401],
    ["shared, operator API", () => plain("http://api.test/admin/v1/accounts", ADMIN), "app", 200],
    ["shared, /healthz", () => plain("http://api.test/healthz"), "app", 200],
    ["shared, unknown path", () => plain("http://api.test/nope"), "upcloud", 404],
    ["shared, anonymous / is not S3 on the shared host", () => plain("http://api.test/"), "upcloud", 404],
  ];
};

describe("front door", () => {
  it("has a row for every dialect", () => {
    const dialects = new Set(rows().map((r) => r[2]));
    expect([...dialects].sort()).toEqual([
      "app",
      "iam",
      "kos",
      "ostor",
      "s3",
      "sts",
      "transporter",
      "upcloud",
      "website",
      "whitelist",
      "yale",
    ]);
  });

  it("routes every branch to its dialect", async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const [name, request, dialect, status] of rows()) {
      const res = await exports.default.fetch(await request());
      got.push(`${name}: ${await dialectOf(res)} ${res.status}`);
      want.push(`${name}: ${dialect} ${status}`);
    }
    expect(got).toEqual(want);
  });

  it("answers reserved dialects in their own formats", async () => {
    const kos = await exports.default.fetch(plain("http://api.test/kos/v1/buckets"));
    expect(await kos.json()).toEqual({ code: "not_found", message: "No route for GET /kos/v1/buckets." });
    const transporter = await exports.default.fetch(await sigv4("transporter", "GET", "http://api.test/state/m1"));
    expect(await transporter.json()).toEqual({ error: "not found", details: "No route for GET /state/m1." });
    const whitelist = await exports.default.fetch(plain("http://api.test/api/whitelist/RSWhitelistListRules"));
    expect(await whitelist.json()).toEqual({ ok: false, errorDesc: "No route for GET /api/whitelist/RSWhitelistListRules." });
    const yale = await exports.default.fetch(plain("http://api.test/v1/s3/ping"));
    expect(yale.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await yale.text()).toBe("No route for GET /v1/s3/ping.");
    const ostor = await exports.default.fetch(plain("http://api.test/?ostor-users"));
    expect(await ostor.json()).toEqual({ Code: "AccessDenied", Message: "Access Denied" });
  });
});
