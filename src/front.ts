/**
 * The front door: the one routing table of the Worker (design §4). In this order:
 *
 * 1. Static website hosts (`<label>-static.<BASE_DOMAIN>`, verified static-website custom domains):
 *    the website, and nothing else is reachable there.
 * 2. Signed the AWS way, by credential scope (authentication scheme before path: a SigV4 request for
 *    a bucket named `v1` is S3, never Yale):
 *    - `s3` → the S3 pipeline (`/?ostor-…` → the ostor admin API, which S3-signs its requests);
 *    - `iam` → the AWS Query layer as Lyve IAM (`/api/whitelist/…` → Lyve's whitelist JSON API);
 *    - `sts` → the AWS Query layer as Lyve STS;
 *    - `transporter` → the Lyve Transporter's JSON router;
 *    SigV2 (header, or presigned with `AWSAccessKeyId`) and presigned SigV4 go the same way.
 *    On a service endpoint host (`<label>[-private].<BASE_DOMAIN>`, `<bucket>.<label>…`, api-mode
 *    custom domains) unsigned requests are S3 too (anonymous, decided by bucket policies).
 * 3. `/?ostor-…` by any other scheme → ostor (its 403), never another dialect's 404.
 * 4. By header: `X-Auth-Token` → Yale s3-api; `x-account-id` → KOS.
 * 5. By path: `/1.3/object-storage-2` (UpCloud) and `/admin/v1` (operator) in the root app,
 *    `/kos/v1` and `/internal/kos/v1` (KOS), `/v1/s3` (Yale), `/api/whitelist` (Lyve whitelist);
 *    everything else (`/openapi.json`, `/docs`, `/healthz`, unknown paths) → the root app.
 *
 * test/front/dispatch.test.ts pins every branch.
 */
import { buildApp, dialectApp } from "./app";
import { endpointHost, type EndpointHost, type ServiceInfo } from "./core/endpoints";
import { authKind, AuthError, parseAuth, type ParsedAuth, type ParsedSigV4 } from "./core/sigv4";
import { invalidateIsolateCaches } from "./lib/isolate-cache";
import { settleRequestBody } from "./lib/request-body";
import { handleQuery } from "./routes/aws-query";
import { KOS_INTERNAL_MOUNT, KOS_MOUNT, kosInternalRouter, kosRouter } from "./routes/kos/router";
import { kosNotFound, kosUnexpected } from "./routes/kos/errors";
import { LYVE_IAM } from "./routes/lyve/iam";
import { LYVE_STS } from "./routes/lyve/sts";
import { whitelistNotFound, whitelistUnexpected } from "./routes/lyve/whitelist/errors";
import { WHITELIST_MOUNT, whitelistRouter } from "./routes/lyve/whitelist/router";
import { handleOstor, ostorCommand } from "./routes/ostor";
import { framingError, handleS3 } from "./routes/s3";
import type { S3Target } from "./routes/s3/dispatch";
import { transporterNotFound, transporterUnexpected } from "./routes/transporter/errors";
import { transporterRouter } from "./routes/transporter/router";
import { maybeServeWebsite } from "./routes/website/serve";
import { YALE_MOUNT, yaleRouter } from "./routes/yale/router";
import { yaleNotFound, yaleUnexpected } from "./routes/yale/errors";

/** Where a request goes once website hosts are ruled out. */
export type Route =
  | { to: "s3"; target: S3Target }
  | { to: "iam" | "sts"; auth: ParsedSigV4 | AuthError; hostService: ServiceInfo | null }
  | { to: "ostor"; auth: ParsedAuth | AuthError | null }
  | { to: "transporter" | "whitelist" | "yale" | "kos" | "app" };

/** The credential-scope service of a SigV4 request, also when its authentication is malformed. */
function scopeOf(request: Request, url: URL, auth: ParsedAuth | AuthError | null): string | null {
  if (auth && !(auth instanceof AuthError)) return auth.version === 4 ? auth.scope.service : null;
  const raw = request.headers.get("authorization") ?? url.searchParams.get("X-Amz-Credential") ?? "";
  return /\/([a-z0-9-]+)\/aws4_request/.exec(raw)?.[1] ?? null;
}

const under = (path: string, mount: string) => path === mount || path.startsWith(`${mount}/`);

/** The signed-the-AWS-way branch: null when the scheme or scope is not one of ours. */
function bySignature(request: Request, url: URL, host: EndpointHost): Route | null {
  const kind = authKind(request, url);
  if (kind === "none" || kind === "other") return null;
  const auth = parseAuth(request, url);
  const service = host.kind === "service" ? host.service : null;
  const s3: Route = { to: "s3", target: { service, hostBucket: host.kind === "service" ? host.bucket : null, auth } };
  if (kind === "sigv2-header" || kind === "sigv2-query") {
    // `Signature` alone is not S3's presigned form on the shared host (any path may carry one).
    if (kind === "sigv2-query" && host.kind !== "service" && !url.searchParams.has("AWSAccessKeyId")) return null;
    return ostorCommand(url) ? { to: "ostor", auth } : s3;
  }
  const v4 = auth instanceof AuthError || (auth !== null && auth.version === 4) ? auth : null;
  switch (scopeOf(request, url, auth)) {
    case "s3":
      return ostorCommand(url) ? { to: "ostor", auth } : s3;
    case "iam":
      if (under(url.pathname, WHITELIST_MOUNT)) return { to: "whitelist" };
      return v4 ? { to: "iam", auth: v4, hostService: service } : null;
    case "sts":
      return v4 ? { to: "sts", auth: v4, hostService: service } : null;
    case "transporter":
      return { to: "transporter" };
    default:
      // Unreadable authentication on an endpoint host is the S3 pipeline's to refuse; a scope of
      // no dialect of ours goes on by path.
      return host.kind === "service" && auth instanceof AuthError ? s3 : null;
  }
}

/** The routing table (see the top of this file). */
export async function route(request: Request, env: Env, url: URL): Promise<Route> {
  const host = await endpointHost(env, url);
  if (host.kind !== "static") {
    const signed = bySignature(request, url, host);
    if (signed) return signed;
    const kind = authKind(request, url);
    if (host.kind === "service" && kind === "none") {
      return ostorCommand(url)
        ? { to: "ostor", auth: null }
        : { to: "s3", target: { service: host.service, hostBucket: host.bucket, auth: null } };
    }
  }
  if (ostorCommand(url)) return { to: "ostor", auth: null };
  if (request.headers.has("x-auth-token")) return { to: "yale" };
  if (request.headers.has("x-account-id")) return { to: "kos" };
  const path = url.pathname;
  if (under(path, KOS_MOUNT) || under(path, KOS_INTERNAL_MOUNT)) return { to: "kos" };
  if (under(path, YALE_MOUNT)) return { to: "yale" };
  if (under(path, WHITELIST_MOUNT)) return { to: "whitelist" };
  // `/1.3/object-storage-2` (UpCloud), `/admin/v1` (operator), /openapi.json, /docs, /healthz, 404.
  return { to: "app" };
}

const app = buildApp();
const kos = dialectApp(
  [
    [KOS_MOUNT, kosRouter()],
    [KOS_INTERNAL_MOUNT, kosInternalRouter()],
  ],
  kosNotFound,
  kosUnexpected,
);
const yale = dialectApp([[YALE_MOUNT, yaleRouter()]], yaleNotFound, yaleUnexpected);
const whitelist = dialectApp([[WHITELIST_MOUNT, whitelistRouter()]], whitelistNotFound, whitelistUnexpected);
const transporter = dialectApp([["/", transporterRouter()]], transporterNotFound, transporterUnexpected);

/** A JSON dialect's write may change what the data plane caches; this isolate sees it at once. */
async function controlPlane(fetcher: typeof app, request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const res = await fetcher.fetch(request, env, ctx);
  if (request.method !== "GET" && request.method !== "HEAD") invalidateIsolateCaches();
  return res;
}

/**
 * Serves one request of the Worker's `fetch`. Two rules hold for every dialect: a request whose
 * framing is ambiguous is refused before anything else (framingError), and whatever a handler
 * left of the request body is read to its end before the response leaves (src/lib/request-body.ts).
 */
export async function handleFetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const response = framingError(request) ?? (await dispatch(request, env, ctx));
  await settleRequestBody(request);
  return response;
}

async function dispatch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const site = await maybeServeWebsite(request, env, ctx);
  if (site) return site;
  const url = new URL(request.url);
  const r = await route(request, env, url);
  switch (r.to) {
    case "s3":
      return handleS3(request, env, ctx, r.target);
    case "iam":
      return handleQuery(request, env, ctx, LYVE_IAM, r);
    case "sts":
      return handleQuery(request, env, ctx, LYVE_STS, r);
    case "ostor":
      return handleOstor(request, env, url, r.auth);
    case "transporter":
      return controlPlane(transporter, request, env, ctx);
    case "whitelist":
      return controlPlane(whitelist, request, env, ctx);
    case "yale":
      return controlPlane(yale, request, env, ctx);
    case "kos":
      return controlPlane(kos, request, env, ctx);
    case "app":
      return controlPlane(app, request, env, ctx);
  }
}
