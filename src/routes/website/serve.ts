/**
 * Static website hosting: requests whose Host is a primary static domain
 * (`<label>-static.<BASE_DOMAIN>`) or a verified static-website custom domain are answered here,
 * before any other dispatch, so no S3 or control-plane route is reachable on these hosts.
 * Objects stream from R2; nothing is buffered.
 */
import type { RequestContext } from "../../core/policy";
import { classifyHost } from "../../core/endpoints";
import { publiclyReadable, resolveSite, type Site } from "../../core/websites/site";
import { ulid } from "../../lib/ids";
import { objectKey } from "../../storage/keys";
import { ifRangeHolds, objectHeaders, parseRange, preconditionStatus, rangeBounds, satisfiable, type ByteRange } from "./http";
import { page, siteNotConfigured } from "./pages";
import { type Candidate, errorDocumentFor, planPath } from "./paths";

const ALLOW = "GET, HEAD";

/** The website's answer, or null when the request is not for a website host. */
export async function maybeServeWebsite(request: Request, env: Env, _ctx?: ExecutionContext): Promise<Response | null> {
  const url = new URL(request.url);
  const host = classifyHost(env, url.hostname);
  if (!host) return null;
  const readOnly = request.method === "GET" || request.method === "HEAD";
  try {
    // Primary static hosts are ours by name: refuse writes before any lookup.
    if (host.kind === "primary" && !readOnly) return page(405, request.method, { allow: ALLOW });
    const found = await resolveSite(env, host);
    if (found.kind === "none") return null;
    if (!readOnly) return page(405, request.method, { allow: ALLOW });
    if (found.kind === "unconfigured") return siteNotConfigured(request.method);
    return await serveSite(request, env, url, found.site);
  } catch (err) {
    const id = ulid();
    console.error(
      JSON.stringify({
        level: "error",
        request_id: id,
        host: url.hostname,
        path: url.pathname,
        name: err instanceof Error ? err.name : typeof err,
        message: err instanceof Error ? err.message : "",
      }),
    );
    return page(500, request.method, { "x-request-id": id });
  }
}

/** Condition keys a bucket policy may test for anonymous website reads. */
function policyContext(request: Request, url: URL): RequestContext {
  const now = new Date();
  return {
    "aws:SourceIp": request.headers.get("cf-connecting-ip") ?? undefined,
    "aws:SecureTransport": url.protocol === "https:" ? "true" : "false",
    "aws:UserAgent": request.headers.get("user-agent") ?? undefined,
    "aws:Referer": request.headers.get("referer") ?? undefined,
    "aws:CurrentTime": now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    "aws:EpochTime": String(Math.floor(now.getTime() / 1000)),
  };
}

type Outcome = { kind: "response"; response: Response } | { kind: "missing" } | { kind: "error"; status: number };

async function serveSite(request: Request, env: Env, url: URL, site: Site): Promise<Response> {
  const context = policyContext(request, url);
  const plan = planPath(url.pathname, site);
  if (!plan.ok) return errorResponse(request, env, site, context, 400);
  if (!site.bucketExists) return errorResponse(request, env, site, context, 404);
  for (const c of plan.candidates) {
    const out = await tryCandidate(request, env, url, site, context, c);
    if (out.kind === "response") return out.response;
    if (out.kind === "error") return errorResponse(request, env, site, context, out.status);
  }
  return errorResponse(request, env, site, context, 404);
}

async function tryCandidate(request: Request, env: Env, url: URL, site: Site, context: RequestContext, c: Candidate): Promise<Outcome> {
  // Decided before touching R2, so a private bucket never reveals which keys exist.
  if (!publiclyReadable(site, c.key, context)) return { kind: "error", status: 403 };
  const r2Key = objectKey(site.serviceUuid, site.bucket, c.key);
  if (c.redirect !== undefined) {
    if (!(await env.OBJECTS.head(r2Key))) return { kind: "missing" };
    return {
      kind: "response",
      response: new Response(null, { status: 302, headers: { location: c.redirect + url.search, "cache-control": "no-store" } }),
    };
  }
  const response = request.method === "HEAD" ? await headObject(request, env, r2Key, c.key) : await getObject(request, env, r2Key, c.key);
  return response ? { kind: "response", response } : { kind: "missing" };
}

function notModified(obj: R2Object, key: string, status: 304 | 412, method: string): Response {
  if (status === 412) return page(412, method);
  const h = objectHeaders(obj, key);
  // A 304 carries the validators and caching headers only.
  for (const name of ["content-type", "content-encoding", "content-language", "content-disposition"]) h.delete(name);
  return new Response(null, { status: 304, headers: h });
}

async function headObject(request: Request, env: Env, r2Key: string, key: string): Promise<Response | null> {
  const obj = await env.OBJECTS.head(r2Key);
  if (!obj) return null;
  const pre = preconditionStatus(obj, request.headers);
  if (pre !== 200) return notModified(obj, key, pre, "HEAD");
  const h = objectHeaders(obj, key);
  h.set("accept-ranges", "bytes");
  h.set("content-length", String(obj.size));
  return new Response(null, { status: 200, headers: h });
}

async function getObject(request: Request, env: Env, r2Key: string, key: string): Promise<Response | null> {
  let range: ByteRange | null = parseRange(request.headers.get("range"));
  if (range) {
    // R2 refuses ranges past the end; the object's size decides between 206 and 416 first.
    const meta = await env.OBJECTS.head(r2Key);
    if (!meta) return null;
    const pre = preconditionStatus(meta, request.headers);
    if (pre !== 200) return notModified(meta, key, pre, "GET");
    if (!ifRangeHolds(meta, request.headers.get("if-range"))) range = null;
    else if (!satisfiable(range, meta.size)) return page(416, "GET", { "content-range": `bytes */${meta.size}` });
  }
  const obj = await env.OBJECTS.get(r2Key, { onlyIf: request.headers, ...(range ? { range } : {}) });
  if (!obj) return null;
  if (!("body" in obj)) {
    const pre = preconditionStatus(obj, request.headers);
    return notModified(obj, key, pre === 412 ? 412 : 304, "GET");
  }
  const h = objectHeaders(obj, key);
  h.set("accept-ranges", "bytes");
  if (range) {
    const { start, end } = rangeBounds(range, obj.size);
    h.set("content-range", `bytes ${start}-${end}/${obj.size}`);
    h.set("content-length", String(end - start + 1));
    return new Response(obj.body, { status: 206, headers: h });
  }
  h.set("content-length", String(obj.size));
  return new Response(obj.body, { status: 200, headers: h });
}

/** The site's error page for the status (keeping the status), or the generated one. */
async function errorResponse(request: Request, env: Env, site: Site, context: RequestContext, status: number): Promise<Response> {
  const doc = site.bucketExists ? errorDocumentFor(site.errorPages, status) : null;
  if (doc !== null) {
    // Relative to bucket_prefix first, then from the bucket root ("within the bucket").
    const keys = [...new Set([site.prefix + doc, doc])];
    for (const key of keys) {
      if (!publiclyReadable(site, key, context)) continue;
      const r2Key = objectKey(site.serviceUuid, site.bucket, key);
      const obj: R2Object | null = request.method === "HEAD" ? await env.OBJECTS.head(r2Key) : await env.OBJECTS.get(r2Key);
      if (!obj) continue;
      const body = request.method === "HEAD" ? null : (obj as R2ObjectBody).body;
      const h = objectHeaders(obj, key);
      // The document stands in for an error: no validators, so nothing conditional applies to it.
      h.delete("etag");
      h.delete("last-modified");
      h.set("content-length", String(obj.size));
      return new Response(body, { status, headers: h });
    }
  }
  return page(status, request.method);
}
