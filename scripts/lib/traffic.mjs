// Well-formed traffic, as stock clients send it: S3 (real signatures: PUT/GET/HEAD/LIST/copy/
// multipart/DELETE, bucket sub-resources) and control-plane reads and writes. Used by the soak as
// its steady load and by the fuzzer as the background the malformed requests mix with.
//
// A request is a plain descriptor that scripts/lib/exec.mjs sends:
//   { family, name, client: "fetch", method, path, headers, body }          one fetch request
//   { family, name, client: "raw", steps, finish, mayStall? }               a raw exchange (raw-http.mjs)
//   { family, name, client: "flow", run: async (send) => {...} }            several requests in order
// `ctx` is what the run knows about its server: origin, port, token, adminToken, service (uuid),
// scratch (a service the fuzzer may break), endpointHost, keys, buckets, username.
import { createHash } from "node:crypto";
import { EMPTY_SHA256, encodePath, queryString, sha256, signHeaders } from "./sigv4.mjs";

export const API = "/1.3/object-storage-2";
const md5b64 = (b) => createHash("md5").update(b).digest("base64");

/** A SigV4-signed S3 request (path-style on the shared host) as a fetch descriptor. */
export function s3Request(ctx, o) {
  const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body);
  const query = o.query ?? [];
  const headers = { host: ctx.host, ...(o.headers ?? {}) };
  const payloadHash = o.payloadHash ?? (body ? sha256(body) : EMPTY_SHA256);
  const signed = signHeaders({
    method: o.method,
    path: o.path,
    query,
    headers,
    payloadHash,
    keys: o.keys ?? ctx.keys,
    service: o.service ?? "s3",
    region: o.region,
    datetime: o.datetime,
  });
  delete signed.headers.host; // fetch sets it (the same value)
  const qs = queryString(query);
  return {
    family: o.family ?? "s3",
    name: o.name,
    client: "fetch",
    method: o.method,
    path: o.path + (qs ? `?${qs}` : ""),
    headers: signed.headers,
    body,
    sign: signed,
  };
}

export const objectKey = (rng) => rng.pick(["k/", "dir/sub/", "x", "spaces and+plus/", "ünï/"]) + rng.int(0, 199);

function bodyOfSize(rng, max) {
  const n = rng.weighted([
    [3, rng.int(0, 1024)],
    [3, rng.int(1024, 64 * 1024)],
    [1, rng.int(64 * 1024, max)],
  ]);
  return rng.bytes(n);
}

/** One well-formed S3 operation. */
export function s3Traffic(ctx, rng, { maxBody = 1024 * 1024, maxParts = 3 } = {}) {
  const bucket = rng.pick(ctx.buckets);
  const key = objectKey(rng);
  const p = encodePath([bucket, ...key.split("/")]);
  const op = rng.weighted([
    [6, "put"],
    [8, "get"],
    [2, "head"],
    [3, "list"],
    [2, "delete"],
    [1, "delete-many"],
    [1, "copy"],
    [1, "multipart"],
    [1, "list-buckets"],
    [1, "bucket-get"],
    [1, "tagging"],
    [1, "create-bucket"],
  ]);
  switch (op) {
    case "put": {
      const body = bodyOfSize(rng, maxBody);
      const headers = { "content-type": rng.pick(["application/octet-stream", "text/plain", "image/png"]) };
      if (rng.chance(0.3)) headers["content-md5"] = md5b64(body);
      if (rng.chance(0.2)) headers["x-amz-meta-fuzz"] = rng.hex(8);
      const unsigned = rng.chance(0.2);
      return s3Request(ctx, {
        name: "PutObject",
        method: "PUT",
        path: p,
        headers,
        body,
        ...(unsigned ? { payloadHash: "UNSIGNED-PAYLOAD" } : {}),
      });
    }
    case "get": {
      const headers = rng.chance(0.2) ? { range: `bytes=${rng.int(0, 100)}-${rng.int(100, 5000)}` } : {};
      return s3Request(ctx, { name: "GetObject", method: "GET", path: p, headers });
    }
    case "head":
      return s3Request(ctx, { name: "HeadObject", method: "HEAD", path: p });
    case "list": {
      const v2 = rng.chance(0.6);
      const query = [
        ...(v2 ? [["list-type", "2"]] : []),
        ...(rng.chance(0.5) ? [["prefix", rng.pick(["k/", "dir/", "", "x"])]] : []),
        ...(rng.chance(0.4) ? [["delimiter", "/"]] : []),
        ...(rng.chance(0.3) ? [[v2 ? "max-keys" : "max-keys", String(rng.int(1, 50))]] : []),
      ];
      return s3Request(ctx, { name: v2 ? "ListObjectsV2" : "ListObjects", method: "GET", path: `/${bucket}`, query });
    }
    case "delete":
      return s3Request(ctx, { name: "DeleteObject", method: "DELETE", path: p });
    case "delete-many": {
      const keys = Array.from({ length: rng.int(1, 5) }, () => objectKey(rng));
      const xml = `<Delete>${keys.map((k) => `<Object><Key>${k.replace(/&/g, "&amp;")}</Key></Object>`).join("")}</Delete>`;
      return s3Request(ctx, {
        name: "DeleteObjects",
        method: "POST",
        path: `/${bucket}`,
        query: [["delete", ""]],
        headers: { "content-md5": md5b64(Buffer.from(xml)), "content-type": "application/xml" },
        body: xml,
      });
    }
    case "copy": {
      const src = `${bucket}/${objectKey(rng)}`;
      return s3Request(ctx, { name: "CopyObject", method: "PUT", path: p, headers: { "x-amz-copy-source": encodeURI(src) } });
    }
    case "multipart":
      return multipartFlow(ctx, rng, bucket, p, maxParts);
    case "list-buckets":
      return s3Request(ctx, { name: "ListBuckets", method: "GET", path: "/" });
    case "bucket-get": {
      const sub = rng.pick([
        "location",
        "versioning",
        "tagging",
        "cors",
        "policy",
        "acl",
        "lifecycle",
        "website",
        "uploads",
        "encryption",
        "object-lock",
      ]);
      return s3Request(ctx, { name: `GetBucket ?${sub}`, method: "GET", path: `/${bucket}`, query: [[sub, ""]] });
    }
    case "tagging": {
      const xml = `<Tagging><TagSet><Tag><Key>t</Key><Value>${rng.hex(6)}</Value></Tag></TagSet></Tagging>`;
      return s3Request(ctx, { name: "PutObjectTagging", method: "PUT", path: p, query: [["tagging", ""]], body: xml });
    }
    case "create-bucket":
      // Re-creating one of the run's buckets (200/409) keeps them alive if something deleted one.
      return s3Request(ctx, { name: "CreateBucket", method: "PUT", path: `/${bucket}` });
  }
}

/** Initiate, upload 1–maxParts parts (5 MiB except the last, or one small part), complete or abort. */
function multipartFlow(ctx, rng, bucket, p, maxParts) {
  const parts = rng.int(1, maxParts);
  const sizes = Array.from({ length: parts }, (_, i) => (i < parts - 1 ? 5 * 1024 * 1024 : rng.int(1, 64 * 1024)));
  const abort = rng.chance(0.2);
  return {
    family: "s3",
    name: "Multipart",
    client: "flow",
    run: async (send) => {
      const init = await send(s3Request(ctx, { name: "CreateMultipartUpload", method: "POST", path: p, query: [["uploads", ""]] }));
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text ?? "")?.[1];
      if (init.status !== 200 || !uploadId) return;
      const etags = [];
      for (let i = 0; i < sizes.length; i++) {
        const body = rng.bytes(sizes[i]);
        const r = await send(
          s3Request(ctx, {
            name: "UploadPart",
            method: "PUT",
            path: p,
            query: [
              ["partNumber", String(i + 1)],
              ["uploadId", uploadId],
            ],
            body,
          }),
        );
        if (r.status !== 200) return;
        etags.push(r.headers?.etag ?? "");
      }
      if (abort) {
        await send(s3Request(ctx, { name: "AbortMultipartUpload", method: "DELETE", path: p, query: [["uploadId", uploadId]] }));
        return;
      }
      const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
      await send(s3Request(ctx, { name: "CompleteMultipartUpload", method: "POST", path: p, query: [["uploadId", uploadId]], body: xml }));
    },
  };
}

/** A control-plane request with the tenant's token (JSON body when given). */
export function apiRequest(ctx, method, path, body, headers = {}) {
  const h = { authorization: `Bearer ${ctx.token}`, ...headers };
  let b;
  if (body !== undefined) {
    b = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    h["content-type"] ??= "application/json";
  }
  return {
    family: "upcloud",
    name: `${method} ${path.replace(/[0-9a-f-]{36}/g, "{uuid}")}`,
    client: "fetch",
    method,
    path,
    headers: h,
    body: b,
  };
}

/** One well-formed control-plane call: reads of the tenant's resources, label and user churn on the scratch service. */
export function controlTraffic(ctx, rng) {
  const s = `${API}/${ctx.service}`;
  const x = `${API}/${ctx.scratch}`;
  return rng.weighted([
    [4, () => apiRequest(ctx, "GET", API)],
    [4, () => apiRequest(ctx, "GET", s)],
    [2, () => apiRequest(ctx, "GET", `${s}/buckets`)],
    [2, () => apiRequest(ctx, "GET", `${s}/users`)],
    [1, () => apiRequest(ctx, "GET", `${s}/users/${ctx.username}/access-keys`)],
    [1, () => apiRequest(ctx, "GET", `${s}/metrics`)],
    [1, () => apiRequest(ctx, "GET", `${s}/policies`)],
    [1, () => apiRequest(ctx, "GET", `${API}/regions`)],
    [1, () => apiRequest(ctx, "PATCH", x, { labels: [{ key: "soak", value: rng.hex(6) }] })],
    [1, () => apiRequest(ctx, "POST", `${x}/users`, { username: `u-${rng.hex(8)}` })],
    [1, () => apiRequest(ctx, "GET", `${x}/users?limit=${rng.int(1, 100)}`)],
    [1, () => apiRequest(ctx, "POST", `${s}/policy-simulations`, { action_names: ["s3:GetObject"], resource_arns: ["*"] })],
    [1, () => ({ family: "meta", name: "GET /healthz", client: "fetch", method: "GET", path: "/healthz", headers: {} })],
  ])();
}
