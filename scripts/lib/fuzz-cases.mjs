// Malformed requests for every dialect's routes (descriptors as in traffic.mjs): UpCloud and
// operator paths from openapi.json with broken parameters, queries, bodies and credentials; S3 with
// bad signatures and broken sub-resource bodies; aws-chunked bodies with corrupted chunks,
// signatures and lengths; HTTP framing attacks over raw sockets (Transfer-Encoding with
// Content-Length, short and long bodies, a client that vanishes mid-upload, two refused requests
// on one keep-alive connection); the reserved mounts of the dialects to come and SigV4 scopes
// iam/sts/transporter. Only the loopback server is ever named (job endpoints included).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import path from "node:path";
import { requestBytes } from "./raw-http.mjs";
import {
  EMPTY_SHA256,
  amzDate,
  encodePath,
  presignQuery,
  queryString,
  sha256,
  signHeaders,
  signedChunks,
  unsignedChunks,
} from "./sigv4.mjs";
import { API, apiRequest, controlTraffic, objectKey, s3Request, s3Traffic } from "./traffic.mjs";
import { root } from "./live-server.mjs";

const crc32Base64 = (b) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b) >>> 0);
  return out.toString("base64");
};

let spec;
function openapi() {
  spec ??= JSON.parse(readFileSync(path.join(root, "openapi.json"), "utf8"));
  return spec;
}

/** [path template, method, operation] of every documented operation. */
function operations() {
  const out = [];
  for (const [p, item] of Object.entries(openapi().paths)) for (const [m, op] of Object.entries(item)) out.push([p, m.toUpperCase(), op]);
  return out;
}
let ops;

function resolve(schema) {
  let s = schema;
  while (s?.$ref) s = openapi().components.schemas[s.$ref.split("/").pop()];
  return s ?? {};
}

/** A value for a schema: valid most of the time, then broken in one of many ways. */
export function fromSchema(rng, schema, depth = 0, key = "") {
  const s = resolve(schema);
  if (/url|endpoint/i.test(key))
    return rng.pick([(ctx) => ctx.origin, () => "http://127.0.0.1:1", () => rng.junk(), () => "ftp://127.0.0.1/x"]);
  if (rng.chance(0.04)) return rng.pick([null, 0, -1, true, "", [], {}, rng.junk(), 1e308, "x".repeat(70000)]);
  if (s.anyOf || s.oneOf) return fromSchema(rng, rng.pick(s.anyOf ?? s.oneOf), depth, key);
  if (s.enum) return rng.chance(0.85) ? rng.pick(s.enum) : rng.junk();
  switch (s.type) {
    case "string":
      if (rng.chance(0.6) && s.example !== undefined) return s.example;
      return rng.chance(0.7) ? `f${rng.hex(rng.int(1, Math.min(s.maxLength ?? 20, 40)))}` : rng.junk();
    case "integer":
    case "number":
      return rng.pick([0, 1, rng.int(-10, 1000), 2 ** 53, -1, 3.5]);
    case "boolean":
      return rng.chance(0.9) ? rng.chance(0.5) : "yes";
    case "array": {
      if (depth > 4) return [];
      const n = rng.weighted([
        [5, rng.int(0, 3)],
        [1, rng.int(20, 200)],
      ]);
      return Array.from({ length: n }, () => fromSchema(rng, s.items, depth + 1, key));
    }
    case "object":
    default: {
      if (depth > 4) return {};
      const out = {};
      const required = new Set(s.required ?? []);
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        if (required.has(k) ? rng.chance(0.93) : rng.chance(0.4)) out[k] = fromSchema(rng, v, depth + 1, k);
      }
      if (rng.chance(0.08)) out[rng.junk() || "extra"] = rng.junk();
      return out;
    }
  }
}

/** Values produced by fromSchema may be functions of ctx (loopback URLs); this applies them. */
function materialise(v, ctx) {
  if (typeof v === "function") return v(ctx);
  if (Array.isArray(v)) return v.map((x) => materialise(x, ctx));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, materialise(x, ctx)]));
  return v;
}

const fuzzAuth = (ctx, rng) =>
  rng.weighted([
    [10, { authorization: `Bearer ${ctx.token}` }],
    [1, { authorization: `Basic ${Buffer.from(`${ctx.accountName}:${ctx.password ?? "x"}`).toString("base64")}` }],
    [1, { authorization: `Basic ${Buffer.from(`${ctx.accountName}:wrong`).toString("base64")}` }],
    [1, { authorization: `Bearer ucat_${rng.hex(24)}` }],
    [1, { authorization: rng.pick(["Bearer", "Bearer ", "Basic !!!", "Basic", "Digest x", `Bearer ${ctx.token} extra`, rng.junk()]) }],
    [1, {}],
  ]);

/** A documented operation of the UpCloud dialect or the operator API, with fuzzed parts. */
function documentedCall(ctx, rng, prefix) {
  ops ??= operations();
  const candidates = ops.filter(([p]) => p.startsWith(prefix));
  const [template, docMethod, op] = rng.pick(candidates);
  const method = rng.chance(0.85) ? docMethod : rng.pick(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]);
  const mutating = method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
  const params = {
    // The run's own service and account are only read; writes go to the scratch ones or nowhere.
    service_uuid: () =>
      rng.weighted([
        [mutating ? 0 : 5, ctx.service],
        [6, ctx.scratch],
        [1, rng.uuid()],
        [1, rng.junk()],
      ]),
    account_id: () =>
      rng.weighted([
        [mutating ? 0 : 3, ctx.accountId],
        [5, ctx.scratchAccountId ?? rng.uuid()],
        [1, rng.hex(26).toUpperCase()],
        [1, rng.junk()],
      ]),
    username: () =>
      rng.weighted([
        [mutating ? 0 : 3, ctx.username],
        [4, "fuzz-user"],
        [1, rng.junk()],
      ]),
    bucket_name: () =>
      rng.weighted([
        [mutating ? 0 : 3, ctx.buckets[0]],
        [3, "fuzz-cp-bucket"],
        [1, rng.junk()],
      ]),
    region_name: () => rng.pick(["europe-1", "europe-2", rng.junk()]),
  };
  const urlPath = template.replace(/\{(\w+)\}/g, (_, name) => {
    const v = params[name]
      ? params[name]()
      : rng.weighted([
          [4, `fuzz-${rng.hex(4)}`],
          [1, rng.junk()],
        ]);
    return rng.chance(0.05) ? String(v) : encodeURIComponent(String(v));
  });
  const query = [];
  for (const q of (op.parameters ?? []).filter((x) => x.in === "query")) {
    if (rng.chance(0.3)) query.push([q.name, String(rng.chance(0.6) ? fromSchema(rng, q.schema) : rng.junk())]);
  }
  if (rng.chance(0.1)) query.push([rng.pick(["limit", "offset", "x", "", "%"]), rng.junk()]);
  let headers = prefix.startsWith("/admin")
    ? rng.weighted([
        [4, { authorization: `Bearer ${ctx.adminToken}` }],
        [2, fuzzAuth(ctx, rng)],
      ])
    : fuzzAuth(ctx, rng);
  let body;
  const schema = op.requestBody?.content?.["application/json"]?.schema;
  if (schema || (mutating && rng.chance(0.3))) {
    const shape = rng.weighted([
      [8, "schema"],
      [1, "invalid-json"],
      [1, "wrong-type"],
      [1, "empty"],
      [1, "huge"],
      [1, "deep"],
    ]);
    headers = {
      ...headers,
      "content-type": rng.weighted([
        [9, "application/json"],
        [1, rng.pick(["text/plain", "application/json; charset=latin1", "multipart/form-data", ""])],
      ]),
    };
    if (shape === "schema") body = JSON.stringify(materialise(fromSchema(rng, schema ?? {}), ctx));
    else if (shape === "invalid-json") body = rng.pick(['{"name":', "{'a':1}", "[", "\u0000", '{"a":1}{"b":2}', "\ufeff{}"]);
    else if (shape === "wrong-type") body = JSON.stringify(rng.pick([[], 1, "s", null, true]));
    else if (shape === "empty") body = "";
    else if (shape === "huge") body = JSON.stringify({ name: "x".repeat(rng.int(100_000, 2_000_000)) });
    else body = "[".repeat(5000) + "]".repeat(5000);
  }
  const qs = queryString(query);
  return {
    family: prefix.startsWith("/admin") ? "admin" : "upcloud",
    name: `${method} ${template}`,
    client: "fetch",
    method,
    path: urlPath + (qs ? `?${qs}` : ""),
    headers,
    body: body === undefined ? undefined : Buffer.from(body),
  };
}

// ------------------------------------------------------------------ S3: signatures and bodies

const wrongKeys = (ctx, rng) =>
  rng.pick([
    { accessKeyId: ctx.keys.accessKeyId, secretAccessKey: "wrong" + ctx.keys.secretAccessKey.slice(5) },
    { accessKeyId: `AKIA${rng.hex(16).toUpperCase()}`, secretAccessKey: ctx.keys.secretAccessKey },
    { accessKeyId: "", secretAccessKey: "x" },
    { accessKeyId: rng.junk().replace(/[\r\n/]/g, ""), secretAccessKey: "x" },
  ]);

function s3BadAuth(ctx, rng) {
  const bucket = rng.pick(ctx.buckets);
  const p = encodePath([bucket, ...objectKey(rng).split("/")]);
  const method = rng.pick(["GET", "PUT", "HEAD", "DELETE", "POST"]);
  const body = method === "PUT" || method === "POST" ? rng.bytes(rng.int(0, 4096)) : undefined;
  const kind = rng.pick([
    "wrong-key",
    "old-date",
    "future-date",
    "bad-date",
    "payload-mismatch",
    "region",
    "mangled-header",
    "presigned",
    "sigv2",
    "double-auth",
    "unsigned-host",
  ]);
  const name = `S3 bad auth: ${kind}`;
  const past = amzDate(new Date(Date.now() - rng.pick([16 * 60_000, 86_400_000 * 8, 86_400_000 * 3650])));
  switch (kind) {
    case "wrong-key":
      return s3Request(ctx, { name, method, path: p, body, keys: wrongKeys(ctx, rng) });
    case "old-date":
      return s3Request(ctx, { name, method, path: p, body, datetime: past });
    case "future-date":
      return s3Request(ctx, { name, method, path: p, body, datetime: amzDate(new Date(Date.now() + 20 * 60_000)) });
    case "bad-date":
      return s3Request(ctx, { name, method, path: p, body, datetime: rng.pick(["20261301T000000Z", "notadate", "99999999T999999Z", ""]) });
    case "payload-mismatch":
      return s3Request(ctx, {
        name,
        method: "PUT",
        path: p,
        body: rng.bytes(100),
        payloadHash: rng.pick([EMPTY_SHA256, rng.hex(64), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "junk"]),
      });
    case "region":
      return s3Request(ctx, { name, method, path: p, body, region: rng.pick(["", "us-east-1", rng.junk().replace(/[/\s]/g, "") || "r"]) });
    case "mangled-header": {
      const r = s3Request(ctx, { name, method, path: p, body });
      const a = r.headers.authorization;
      r.headers.authorization = rng.pick([
        a.replace("Signature=", "Signature=0"),
        a.replace(/SignedHeaders=[^,]+,/, ""),
        a.replace("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA512 "),
        a.replace(/Credential=[^,]+/, "Credential=x"),
        a.replace(/, /g, ","),
        a + ", Signature=deadbeef",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=",
        a.slice(0, rng.int(0, a.length)),
      ]);
      return r;
    }
    case "presigned": {
      const q = presignQuery({ method, path: p, host: ctx.host, keys: ctx.keys, expires: rng.pick([1, 300, 604800]) });
      const broken = q.map(([k, v]) =>
        rng.chance(0.25) ? [k, rng.pick(["", rng.junk(), v + "0", k === "X-Amz-Expires" ? rng.pick(["-1", "604801", "abc"]) : v])] : [k, v],
      );
      const qs = queryString(rng.chance(0.2) ? q.slice(0, rng.int(1, q.length)) : broken);
      return { family: "s3", name, client: "fetch", method, path: `${p}?${qs}`, headers: {}, body };
    }
    case "sigv2":
      return {
        family: "s3",
        name,
        client: "fetch",
        method,
        path: rng.chance(0.5)
          ? p
          : `${p}?AWSAccessKeyId=${ctx.keys.accessKeyId}&Expires=${rng.pick(["1", "9999999999", "x"])}&Signature=${rng.pick(["", "abc%3D", rng.junk()])}`,
        headers: rng.chance(0.5)
          ? { authorization: `AWS ${ctx.keys.accessKeyId}:${rng.pick(["", "c2ln", rng.junk()])}`, date: new Date().toUTCString() }
          : {},
        body,
      };
    case "double-auth": {
      const r = s3Request(ctx, { name, method, path: p, body });
      r.path += (r.path.includes("?") ? "&" : "?") + `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${rng.hex(64)}`;
      return r;
    }
    case "unsigned-host": {
      const signed = signHeaders({
        method,
        path: p,
        headers: { "x-amz-content-sha256": body ? sha256(body) : EMPTY_SHA256 },
        keys: ctx.keys,
      });
      return { family: "s3", name, client: "fetch", method, path: p, headers: signed.headers, body };
    }
  }
}

function s3Malformed(ctx, rng) {
  const bucket = rng.pick(ctx.buckets);
  const p = encodePath([bucket, ...objectKey(rng).split("/")]);
  const kind = rng.weighted([
    [3, "subresource-body"],
    [2, "junk-headers"],
    [2, "junk-query"],
    [1, "junk-bucket"],
    [1, "checksum"],
    [1, "copy-source"],
    [1, "post-policy"],
  ]);
  const name = `S3 malformed: ${kind}`;
  const junkXml = () =>
    rng.pick([
      "",
      "<",
      "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]><x>&b;</x>",
      `<Delete>${"<Object><Key>k</Key></Object>".repeat(rng.int(1, 1200))}</Delete>`,
      "<Tagging><TagSet><Tag><Key></Key></Tag></TagSet></Tagging>",
      "<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant/></AccessControlList></AccessControlPolicy>",
      "<CORSConfiguration><CORSRule><AllowedMethod>EVIL</AllowedMethod></CORSRule></CORSConfiguration>",
      "<LifecycleConfiguration><Rule><Status>On</Status></Rule></LifecycleConfiguration>",
      `<CompleteMultipartUpload><Part><PartNumber>${rng.junk()}</PartNumber></Part></CompleteMultipartUpload>`,
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"',
      "<a>" + "<b>".repeat(3000) + "</b>".repeat(3000) + "</a>",
      rng.bytes(rng.int(1, 3000)).toString("latin1"),
    ]);
  switch (kind) {
    case "subresource-body": {
      const sub = rng.pick([
        "acl",
        "tagging",
        "cors",
        "lifecycle",
        "policy",
        "versioning",
        "website",
        "delete",
        "uploads",
        "uploadId",
        "restore",
        "select",
        "encryption",
        "object-lock",
        "legal-hold",
        "retention",
        "notification",
        "logging",
        "replication",
        "accelerate",
        "requestPayment",
        "ownershipControls",
        "publicAccessBlock",
      ]);
      const onObject = rng.chance(0.4);
      const query = [[sub, sub === "uploadId" ? rng.pick(["", rng.junk(), rng.hex(32)]) : ""]];
      if (sub === "select") query.push(["select-type", "2"]);
      if (rng.chance(0.3)) query.push(["partNumber", rng.pick(["0", "10001", "-1", "x", "1"])]);
      return s3Request(ctx, {
        name: `${name} ?${sub}`,
        method: rng.pick(["PUT", "POST", "DELETE", "GET"]),
        path: onObject ? p : `/${bucket}`,
        query,
        body: junkXml(),
      });
    }
    case "junk-headers": {
      const headers = {};
      for (let i = 0; i < rng.int(1, 6); i++) {
        const h = rng.pick([
          "range",
          "if-match",
          "if-none-match",
          "if-modified-since",
          "content-md5",
          "content-type",
          "x-amz-meta-a",
          "x-amz-storage-class",
          "x-amz-acl",
          "x-amz-tagging",
          "x-amz-server-side-encryption",
          "x-amz-website-redirect-location",
          "cache-control",
          "expires",
          "x-amz-object-lock-mode",
          "x-amz-grant-read",
          "x-amz-expected-bucket-owner",
          "x-amz-request-payer",
        ]);
        headers[h] = rng
          .pick([
            rng.junk(),
            "bytes=5-1",
            "bytes=-0",
            "bytes=0-0,1-1,2-2",
            "bytes=99999999999999999999-",
            "*",
            'W/"x"',
            "x".repeat(rng.int(3000, 9000)),
          ])
          .replace(/[\r\n\0]/g, "");
      }
      if (rng.chance(0.3)) headers["x-amz-meta-big"] = "v".repeat(rng.int(2000, 12000));
      const method = rng.pick(["PUT", "GET", "HEAD", "POST"]);
      return s3Request(ctx, { name, method, path: p, headers, body: method === "PUT" ? rng.bytes(rng.int(0, 2000)) : undefined });
    }
    case "junk-query": {
      const query = Array.from({ length: rng.int(1, 5) }, () => [
        rng.pick([
          "list-type",
          "max-keys",
          "prefix",
          "delimiter",
          "marker",
          "continuation-token",
          "start-after",
          "encoding-type",
          "versionId",
          "versions",
          "partNumber",
          "uploadId",
          "response-content-type",
          "fetch-owner",
          "max-uploads",
          rng.junk(),
        ]),
        rng.junk(),
      ]);
      return s3Request(ctx, { name, method: rng.pick(["GET", "HEAD", "DELETE"]), path: rng.chance(0.5) ? `/${bucket}` : p, query });
    }
    case "junk-bucket": {
      const b = rng.pick([
        "",
        "A",
        "ab",
        "a".repeat(64),
        "-bad",
        "bad-",
        "a..b",
        "192.168.0.1",
        ".cs",
        "xn--a",
        "has_underscore",
        rng.junk(),
      ]);
      return s3Request(ctx, {
        name,
        method: rng.pick(["PUT", "GET", "DELETE", "HEAD"]),
        path: `/${encodeURIComponent(b)}${rng.chance(0.5) ? "/k" : ""}`,
        body: rng.chance(0.3) ? junkXml() : undefined,
      });
    }
    case "checksum": {
      const body = rng.bytes(rng.int(0, 5000));
      const algo = rng.pick(["crc32", "crc32c", "sha1", "sha256", "crc64nvme", "md5"]);
      return s3Request(ctx, {
        name: `${name} ${algo}`,
        method: "PUT",
        path: p,
        headers: {
          [`x-amz-checksum-${algo}`]: rng.pick(["AAAAAA==", rng.junk(), ""]),
          ...(rng.chance(0.5) ? { "x-amz-sdk-checksum-algorithm": algo.toUpperCase() } : {}),
        },
        body,
      });
    }
    case "copy-source":
      return s3Request(ctx, {
        name,
        method: "PUT",
        path: p,
        query: rng.chance(0.3)
          ? [
              ["partNumber", "1"],
              ["uploadId", rng.hex(16)],
            ]
          : [],
        headers: {
          "x-amz-copy-source": rng.pick([
            "",
            "/",
            "nobucket",
            `${bucket}`,
            `/${bucket}/${"x".repeat(2000)}`,
            `${bucket}/k/1?versionId=${rng.junk()}`,
            "%ZZ",
          ]),
          ...(rng.chance(0.3) ? { "x-amz-copy-source-range": rng.pick(["bytes=0-", "bytes=9-1", rng.junk()]) } : {}),
        },
      });
    case "post-policy": {
      const boundary = `----fuzz${rng.hex(8)}`;
      const parts = [
        `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\n${rng.pick(["k/${filename}", "", rng.junk()])}\r\n`,
        rng.chance(0.5)
          ? `--${boundary}\r\nContent-Disposition: form-data; name="policy"\r\n\r\n${rng.pick(["e30=", rng.junk(), ""])}\r\n`
          : "",
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n${rng.hex(rng.int(0, 200))}\r\n`,
        rng.chance(0.8) ? `--${boundary}--\r\n` : "",
      ].join("");
      return {
        family: "s3",
        name,
        client: "fetch",
        method: "POST",
        path: `/${bucket}`,
        headers: { "content-type": rng.chance(0.8) ? `multipart/form-data; boundary=${boundary}` : "multipart/form-data" },
        body: Buffer.from(parts),
      };
    }
  }
}

// ------------------------------------------------------------------ aws-chunked bodies

/** A streaming-signed (or unsigned-trailer) PUT with its framing altered in one way. */
function chunkedUpload(ctx, rng) {
  const bucket = rng.pick(ctx.buckets);
  const p = encodePath([bucket, ...objectKey(rng).split("/")]);
  const chunks = Array.from({ length: rng.int(1, 4) }, () =>
    rng.bytes(
      rng.weighted([
        [3, rng.int(1, 9000)],
        [1, 65536],
      ]),
    ),
  );
  const decoded = chunks.reduce((n, c) => n + c.length, 0);
  const corruption = rng.weighted([
    [3, "none"],
    [2, "data-altered"],
    [1, "reordered"],
    [1, "decoded-length-short"],
    [1, "decoded-length-long"],
    [1, "size-not-hex"],
    [1, "signature-wrong"],
    [1, "no-final-chunk"],
    [1, "replayed"],
    [1, "huge-size"],
    [1, "size-mismatch"],
    [2, "unsigned-trailer"],
  ]);
  const name = `aws-chunked: ${corruption}`;
  if (corruption === "unsigned-trailer") {
    const algo = rng.pick(["crc32", "sha256"]);
    const all = Buffer.concat(chunks);
    const good = algo === "crc32" ? crc32Base64(all) : createHash("sha256").update(all).digest("base64");
    const value = rng.weighted([
      [3, good],
      [1, "AAAAAA=="],
      [1, ""],
      [1, rng.junk()],
    ]);
    const trailer = rng.weighted([
      [6, `x-amz-checksum-${algo}:${value}\r\n`],
      [1, ""],
      [1, "garbage\r\n"],
    ]);
    const body = Buffer.concat(unsignedChunks(chunks, trailer));
    return s3Request(ctx, {
      family: "s3-chunked",
      name: `${name}${value === good && trailer.includes(good) ? "" : " (bad trailer)"}`,
      method: "PUT",
      path: p,
      headers: {
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": String(decoded),
        "x-amz-trailer": `x-amz-checksum-${algo}`,
      },
      payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      body,
    });
  }
  let declared = decoded;
  if (corruption === "decoded-length-short") declared = Math.max(0, decoded - rng.int(1, 100));
  if (corruption === "decoded-length-long") declared = decoded + rng.int(1, 100);
  const headers = { host: ctx.host, "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(declared) };
  const signed = signHeaders({ method: "PUT", path: p, headers, payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", keys: ctx.keys });
  const seed = corruption === "replayed" ? rng.hex(64) : signed.signature;
  const frames = signedChunks(chunks, { seedSignature: seed, datetime: signed.datetime, scope: signed.scope, key: signed.key });
  let parts = frames.map((f) => f.bytes);
  switch (corruption) {
    case "data-altered": {
      const i = rng.int(0, chunks.length - 1);
      const b = Buffer.from(parts[i]);
      const at = b.indexOf("\r\n") + 2 + rng.int(0, chunks[i].length - 1);
      b[at] ^= 0xff;
      parts[i] = b;
      break;
    }
    case "reordered":
      if (parts.length > 2) [parts[0], parts[1]] = [parts[1], parts[0]];
      else parts = [parts[parts.length - 1], ...parts.slice(0, -1)];
      break;
    case "size-not-hex":
      parts[0] = Buffer.from(parts[0].toString("latin1").replace(/^[0-9a-f]+/, rng.pick(["zz", "-1", "", "0x10", " 10"])), "latin1");
      break;
    case "signature-wrong":
      parts[rng.int(0, parts.length - 1)] = Buffer.from(
        parts[0].toString("latin1").replace(/chunk-signature=[0-9a-f]+/, `chunk-signature=${rng.hex(64)}`),
        "latin1",
      );
      break;
    case "no-final-chunk":
      parts = parts.slice(0, -1);
      break;
    case "huge-size":
      parts[0] = Buffer.from(parts[0].toString("latin1").replace(/^[0-9a-f]+/, "ffffffff"), "latin1");
      break;
    case "size-mismatch":
      parts[0] = Buffer.from(
        parts[0].toString("latin1").replace(/^[0-9a-f]+/, (chunks[0].length + rng.pick([-1, 1, 7])).toString(16)),
        "latin1",
      );
      break;
  }
  delete signed.headers.host;
  return { family: "s3-chunked", name, client: "fetch", method: "PUT", path: p, headers: signed.headers, body: Buffer.concat(parts) };
}

// ------------------------------------------------------------------ raw HTTP framing

/** Header list of a signed S3 request for a raw socket (host included, content-length as given). */
function rawSigned(ctx, method, p, { body, headers = {}, payloadHash, query = [] } = {}) {
  const signed = signHeaders({
    method,
    path: p,
    query,
    headers: { host: ctx.host, ...headers },
    payloadHash: payloadHash ?? (body ? sha256(body) : EMPTY_SHA256),
    keys: ctx.keys,
  });
  const qs = queryString(query);
  return { target: p + (qs ? `?${qs}` : ""), headers: signed.headers };
}

function rawAttack(ctx, rng) {
  const bucket = rng.pick(ctx.buckets);
  const key = objectKey(rng);
  const p = encodePath([bucket, ...key.split("/")]);
  const kind = rng.weighted([
    [2, "te-and-cl"],
    [2, "truncated-body"],
    [2, "oversized-body"],
    [2, "disconnect-mid-upload"],
    [2, "acl-twice-keepalive"],
    [1, "pipelined"],
    [2, "bad-framing"],
    [1, "virtual-host"],
    [1, "expect-continue"],
    [1, "slow-body"],
  ]);
  const name = `raw: ${kind}`;
  const base = { family: "raw", name, client: "raw", followUp: true };
  switch (kind) {
    case "te-and-cl": {
      const body = rng.bytes(rng.int(10, 3000));
      const r = rawSigned(ctx, "PUT", p, { body, headers: { "content-length": String(body.length), "transfer-encoding": "chunked" } });
      return {
        ...base,
        steps: [{ write: requestBytes("PUT", r.target, r.headers, body), method: "PUT", awaitResponse: true }],
        finish: "close",
        // Transfer-Encoding wins (RFC 9112 §6.3): random bytes that read as a chunk-size line announce
        // data that never comes, and the runtime's parser rightly waits for it. The Worker answers
        // 400 when the request reaches it (framingError); the follow-up checks judge the server.
        mayStall: true,
      };
    }
    case "truncated-body": {
      const body = rng.bytes(rng.int(100, 200_000));
      const cut = rng.int(0, body.length - 1);
      const r = rawSigned(ctx, "PUT", p, { body, headers: { "content-length": String(body.length) } });
      return {
        ...base,
        steps: [{ write: requestBytes("PUT", r.target, r.headers, body.subarray(0, cut)), method: "PUT" }],
        finish: "half-close",
        mayStall: true,
      };
    }
    case "oversized-body": {
      const body = rng.bytes(rng.int(100, 100_000));
      const declared = rng.int(0, body.length - 1);
      const r = rawSigned(ctx, "PUT", p, { body: body.subarray(0, declared), headers: { "content-length": String(declared) } });
      return {
        ...base,
        steps: [{ write: requestBytes("PUT", r.target, r.headers, body), method: "PUT", awaitResponse: true }],
        finish: "close",
      };
    }
    case "disconnect-mid-upload": {
      const total = rng.int(64 * 1024, 8 * 1024 * 1024); // declared; at most 256 KiB are sent
      const chunked = rng.chance(0.3);
      const r = chunked
        ? rawSigned(ctx, "PUT", p, {
            headers: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(total), "transfer-encoding": "chunked" },
            payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
          })
        : rawSigned(ctx, "PUT", p, { headers: { "content-length": String(total) }, payloadHash: "UNSIGNED-PAYLOAD" });
      const sent = rng.bytes(rng.int(1, Math.min(total - 1, 256 * 1024)));
      const bodyStart = chunked ? Buffer.concat([Buffer.from(`${sent.length.toString(16)}\r\n`), sent]) : sent;
      return {
        ...base,
        steps: [{ write: requestBytes("PUT", r.target, r.headers, bodyStart), method: "PUT", pauseMs: rng.int(0, 50) }],
        finish: "destroy",
      };
    }
    case "acl-twice-keepalive": {
      const xml = Buffer.from(
        `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>o</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`,
      );
      const one = () => {
        const r = rawSigned(ctx, "PUT", `/${bucket}`, {
          body: xml,
          query: [["acl", ""]],
          headers: { "content-length": String(xml.length), "content-type": "application/xml" },
        });
        return { write: requestBytes("PUT", r.target, r.headers, xml), method: "PUT", awaitResponse: true };
      };
      return { ...base, steps: [one(), one(), ...(rng.chance(0.5) ? [one()] : [])], finish: "close" };
    }
    case "pipelined": {
      const reqs = Array.from({ length: rng.int(2, 5) }, () => {
        const r = rawSigned(ctx, "GET", p);
        return requestBytes("GET", r.target, r.headers);
      });
      return { ...base, steps: [{ write: Buffer.concat(reqs), method: "GET", awaitResponse: true }], finish: "close" };
    }
    case "bad-framing": {
      // [bytes, invalid]: invalid HTTP/1.1 is refused by the runtime's own parser before the Worker
      // runs (its 5xx is reported as 5xx-framing, a failure only with --strict-framing); the rest is
      // unusual but valid and is judged like any request.
      const h = `Host: ${ctx.host}`;
      const [raw, invalid] = rng.pick([
        [`GET /healthz HTTP/1.1\r\n${h}\r\nBad Header\r\n\r\n`, true],
        [`GET /healthz HTTP/1.1\r\n${h}\r\nX-Long: ${"a".repeat(rng.int(9000, 70000))}\r\n\r\n`, false],
        [
          `GET /healthz HTTP/1.1\r\n${h}\r\n${Array.from({ length: rng.int(150, 600) }, (_, i) => `X-H${i}: v`).join("\r\n")}\r\n\r\n`,
          false,
        ],
        [`GET /healthz HTTP/1.1\r\n${h}\r\nX-Fold: a\r\n b\r\n\r\n`, true],
        [`GET /healthz HTTP/1.1\n${h}\n\n`, true],
        [`GET /healthz HTTP/1.1\r\n${h}\r\nX-Nul: a\u0000b\r\n\r\n`, true],
        [`PUT /healthz HTTP/1.1\r\n${h}\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcdefg`, true],
        [`PUT /healthz HTTP/1.1\r\n${h}\r\nContent-Length: -1\r\n\r\n`, true],
        [`PUT /healthz HTTP/1.1\r\n${h}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, true],
        [`PUT /healthz HTTP/1.1\r\n${h}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`, true],
        [
          `PUT ${API} HTTP/1.1\r\n${h}\r\nAuthorization: Bearer ${ctx.token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"nam\r\n3\r\ne":1\r\n`,
          true,
        ],
        [`GET /healthz HTTP/1.0\r\n\r\n`, false],
        // Absolute-form is valid HTTP/1.1, but workerd's HTTP server (under wrangler dev's proxy) fails
        // to parse it as a URL and answers 500 before any JS runs (kj/compat/url.c++ "invalid URL"):
        // an upstream defect the Worker cannot see, counted with the runtime's framing refusals.
        [`GET http://${ctx.host}/healthz HTTP/1.1\r\n${h}\r\n\r\n`, true],
        [`GET /%%%zz HTTP/1.1\r\n${h}\r\n\r\n`, true],
        [`GET /${"a/".repeat(rng.int(2000, 9000))} HTTP/1.1\r\n${h}\r\n\r\n`, false],
        [`BREW /healthz HTTP/1.1\r\n${h}\r\n\r\n`, false],
        [`GET /healthz HTTP/9.9\r\n${h}\r\n\r\n`, true],
        [`GET /healthz\r\n\r\n`, true],
        [`\r\nGET /healthz HTTP/1.1\r\n${h}\r\n\r\n`, false],
        [rng.bytes(rng.int(1, 2000)).toString("latin1"), true],
      ]);
      return {
        ...base,
        steps: [{ write: Buffer.from(raw, "latin1"), method: "GET" }],
        finish: "half-close",
        mayStall: true,
        framing: invalid,
      };
    }
    case "virtual-host": {
      const host = rng.pick([
        `${bucket}.${ctx.endpointHost}`,
        ctx.endpointHost,
        `${ctx.endpointHost.split(".")[0]}-static.localhost`,
        `x.${bucket}.${ctx.endpointHost}`,
        "unknown.localhost",
        `${rng.junk().replace(/[\r\n:]/g, "")}.localhost`,
      ]);
      const signed = signHeaders({
        method: "GET",
        path: `/${encodeURIComponent(key)}`,
        headers: { host: `${host}:${ctx.port}` },
        keys: ctx.keys,
      });
      return {
        ...base,
        steps: [{ write: requestBytes("GET", `/${encodeURIComponent(key)}`, signed.headers), method: "GET", awaitResponse: true }],
        finish: "close",
        // A Host that is not a valid host name ("quoted", <xml>) is invalid HTTP, like bad framing.
        framing: !/^[A-Za-z0-9.-]+$/.test(host),
      };
    }
    case "expect-continue": {
      const body = rng.bytes(rng.int(1, 50_000));
      const r = rawSigned(ctx, "PUT", p, { body, headers: { "content-length": String(body.length), expect: "100-continue" } });
      const steps = [{ write: requestBytes("PUT", r.target, r.headers), method: "PUT", pauseMs: 50 }];
      if (rng.chance(0.5)) steps.push({ write: body, method: "PUT", awaitResponse: true });
      return { ...base, steps, finish: steps.length > 1 ? "close" : "destroy" };
    }
    case "slow-body": {
      const body = rng.bytes(rng.int(100, 3000));
      const r = rawSigned(ctx, "PUT", p, { body, headers: { "content-length": String(body.length) } });
      const head = requestBytes("PUT", r.target, r.headers);
      const n = rng.int(2, 5);
      const size = Math.ceil(body.length / n);
      const steps = [{ write: head, pauseMs: 30 }];
      for (let i = 0; i < n; i++)
        steps.push({
          write: body.subarray(i * size, (i + 1) * size),
          pauseMs: rng.int(10, 200),
          method: "PUT",
          ...(i === n - 1 ? { awaitResponse: true } : {}),
        });
      return { ...base, steps, finish: "close" };
    }
  }
}

// ------------------------------------------------------------------ reserved mounts and other SigV4 scopes

function reserved(ctx, rng) {
  const kind = rng.pick(["kos", "internal-kos", "yale", "whitelist", "ostor", "iam", "sts", "transporter"]);
  const name = `reserved: ${kind}`;
  const method = rng.pick(["GET", "POST", "PUT", "DELETE", "PATCH"]);
  const jsonBody = () =>
    Buffer.from(
      rng.pick([JSON.stringify({ name: rng.junk(), bucket: rng.junk() }), "{", "", "[]", JSON.stringify({ accountId: ctx.accountId })]),
    );
  const junkAuth = () =>
    rng.pick([
      {},
      { "x-account-id": rng.pick([ctx.accountId, rng.junk(), ""]).replace(/[\r\n]/g, "") },
      { "x-auth-token": rng.pick([ctx.token, rng.junk(), ""]).replace(/[\r\n]/g, "") },
      { authorization: `Bearer ${ctx.token}` },
    ]);
  const fetchReq = (path, headers, body) => ({
    family: "reserved",
    name,
    client: "fetch",
    method,
    path,
    headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
    body: method === "GET" || method === "HEAD" ? undefined : body,
  });
  switch (kind) {
    case "kos":
      return fetchReq(`/kos/v1/${rng.pick(["buckets", "buckets/" + rng.hex(6), "sessions", "keys", rng.junk()])}`, junkAuth(), jsonBody());
    case "internal-kos":
      return fetchReq(`/internal/kos/v1/${rng.pick(["accounts", "buckets", rng.junk()])}`, junkAuth(), jsonBody());
    case "yale":
      return fetchReq(
        `/v1/s3/${encodeURIComponent(rng.pick([ctx.accountId, rng.junk(), "acct"]))}/${rng.pick(["buckets", "users", "buckets/b/users", ""])}`,
        junkAuth(),
        jsonBody(),
      );
    case "whitelist":
      return fetchReq(`/api/whitelist${rng.pick(["", "/1.2.3.4", "?ip=" + rng.junk()])}`, junkAuth(), jsonBody());
    case "ostor": {
      const sub = rng.pick(["ostor-users", "ostor-accounts", "ostor-limits", "ostor-buckets", "ostor-usage"]);
      const query = [
        [sub, ""],
        ...(rng.chance(0.6) ? [[rng.pick(["emailAddress", "accountName", "bucket", "id", "disable", "enable"]), rng.junk()]] : []),
      ];
      if (rng.chance(0.7))
        return s3Request(ctx, {
          family: "reserved",
          name: `${name} ?${sub}`,
          method: rng.pick(["GET", "PUT", "POST", "DELETE"]),
          path: "/",
          query,
          keys: rng.chance(0.8) ? ctx.keys : wrongKeys(ctx, rng),
        });
      return fetchReq(`/?${queryString(query)}`, junkAuth());
    }
    case "iam":
    case "sts": {
      const actions =
        kind === "iam"
          ? ["ListUsers", "CreateUser", "CreateAccessKey", "GetUser", "DeleteUser", "ListAccessKeys", rng.junk()]
          : ["GetCallerIdentity", "AssumeRole", "GetSessionToken", rng.junk()];
      const form = new URLSearchParams({
        Action: rng.pick(actions),
        Version: rng.pick(["2010-05-08", "2011-06-15", ""]),
        ...(rng.chance(0.5) ? { UserName: rng.junk(), RoleArn: rng.junk(), DurationSeconds: rng.pick(["900", "-1", "x"]) } : {}),
      }).toString();
      const body = rng.chance(0.9) ? Buffer.from(form) : rng.bytes(rng.int(0, 500));
      return s3Request(ctx, {
        family: "reserved",
        name,
        method: rng.chance(0.85) ? "POST" : "GET",
        path: "/",
        query: rng.chance(0.2) ? [["Action", rng.pick(actions)]] : [],
        headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        body,
        service: kind,
        region: rng.pick(["us-east-1", "europe-1", ""]) || undefined,
        keys: rng.chance(0.8) ? ctx.keys : wrongKeys(ctx, rng),
      });
    }
    case "transporter":
      return s3Request(ctx, {
        family: "reserved",
        name,
        method,
        path: rng.pick(["/", "/v1/jobs", "/transporter/jobs", `/${rng.hex(8)}`]),
        headers: { "content-type": "application/json" },
        body: method === "GET" ? undefined : jsonBody(),
        service: "transporter",
        keys: rng.chance(0.8) ? ctx.keys : wrongKeys(ctx, rng),
      });
  }
}

/**
 * Request i of a fuzz run: malformed ones of every family, mixed with well-formed traffic (so
 * state exists for the broken requests to meet: objects, uploads, users).
 */
export function fuzzRequest(ctx, rng) {
  return rng.weighted([
    [14, () => documentedCall(ctx, rng, API)],
    [4, () => documentedCall(ctx, rng, "/admin/v1")],
    [10, () => s3Traffic(ctx, rng, { maxBody: 256 * 1024, maxParts: rng.chance(0.1) ? 2 : 1 })],
    [3, () => controlTraffic(ctx, rng)],
    [12, () => s3BadAuth(ctx, rng)],
    [12, () => s3Malformed(ctx, rng)],
    [12, () => chunkedUpload(ctx, rng)],
    [12, () => rawAttack(ctx, rng)],
    [8, () => reserved(ctx, rng)],
    [
      2,
      () =>
        apiRequest(ctx, rng.pick(["GET", "POST"]), rng.pick(["/", "/docs", "/openapi.json", `/${rng.junk()}`, "/healthz?x=" + rng.junk()])),
    ],
  ])();
}

/** The malformed requests alone (no well-formed traffic), for the soak's malformed share. */
export function malformedRequest(ctx, rng) {
  return rng.weighted([
    [3, () => documentedCall(ctx, rng, API)],
    [1, () => documentedCall(ctx, rng, "/admin/v1")],
    [2, () => s3BadAuth(ctx, rng)],
    [2, () => s3Malformed(ctx, rng)],
    [3, () => chunkedUpload(ctx, rng)],
    [3, () => rawAttack(ctx, rng)],
    [1, () => reserved(ctx, rng)],
  ])();
}
