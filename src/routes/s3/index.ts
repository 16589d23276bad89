/**
 * The S3 data plane: authenticate (SigV4/SigV2 or anonymous), find the operation and the bucket,
 * authorize through the policy engine, run the operation, answer (errors as S3 XML), and report
 * the request's usage to the service's meter after the response.
 */
import { CoreError } from "../../core/errors";
import { findAccessKeyCached, type AccessKeyPrincipal } from "../../core/iam/principal";
import { requestContext, type RequestContext } from "../../core/policy";
import { openSession, sessionIdentity, type OpenedSession } from "../../core/iam/sessions";
import {
  ALL_BUCKETS_ARN,
  Authorizer,
  bucketArn,
  objectArn,
  type AccessKeyIdentity,
  type S3Identity,
  type TemporaryGrant,
} from "../../core/s3/authorize";
import { bucketPolicyForEvaluation } from "../../core/s3/bucket-policy";
import { findBucketAndPoliciesCached, findBucketCached } from "../../core/s3/buckets";
import { recordUsage } from "../../core/s3/usage";
import { invalidateIsolateCaches } from "../../lib/isolate-cache";
import { abandonBody } from "../../lib/request-body";
import { AuthError, checkFraming, parseAuth, verify, type VerifiedAuth } from "../../core/sigv4";
import type { S3Context } from "./context";
import { serviceByUuid, type ServiceInfo } from "../../core/endpoints";
import type { S3Target } from "./dispatch";
import { logUnexpected } from "../factory";
import { principalArn } from "../principals";
import { accessDenied, fromAuthError, fromCoreError, noSuchBucket, S3Error } from "./errors";
import { HANDLERS } from "./handlers";
import { OPERATIONS, resolveOperation } from "./operations";
import { renderXml } from "./xml";

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

const newRequestId = () => hex(crypto.getRandomValues(new Uint8Array(8))).toUpperCase();

/** Splits the raw path into bucket and key (percent-decoded); null where absent. */
export function splitPath(rawPath: string, hostBucket: string | null): { bucket: string | null; key: string | null } {
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new S3Error("InvalidURI", "Couldn't parse the specified URI.");
    }
  };
  const path = rawPath.startsWith("/") ? rawPath.slice(1) : rawPath;
  if (hostBucket !== null) return { bucket: hostBucket, key: path ? decode(path) : null };
  if (!path) return { bucket: null, key: null };
  const slash = path.indexOf("/");
  const bucket = decode(slash < 0 ? path : path.slice(0, slash));
  const key = slash < 0 || slash === path.length - 1 ? null : decode(path.slice(slash + 1));
  return { bucket, key };
}

const WRITES = new Set(["PUT", "POST", "DELETE"]);

function checkServiceState(service: ServiceInfo): void {
  // Decision: a stopped or deleting service answers 403 AccessDenied (not 503), so clients fail
  // at once with the reason instead of retrying a service that will not come back by itself.
  if (service.deleting) throw accessDenied("The object storage service is being deleted.");
  if (!service.accountActive) throw accessDenied("The account that owns this object storage service is disabled.");
  if (service.configuredStatus === "stopped") throw accessDenied("The object storage service is stopped; start it to use the S3 API.");
}

function invalidAccessKey(accessKeyId: string, message = "The AWS Access Key Id you provided does not exist in our records."): S3Error {
  return new S3Error("InvalidAccessKeyId", message, { AWSAccessKeyId: accessKeyId });
}

function policyContext(request: Request, url: URL, auth: VerifiedAuth | null): RequestContext {
  const h = request.headers;
  return {
    ...requestContext(request, url),
    "s3:authType": auth ? (auth.location === "header" ? "REST-HEADER" : "REST-QUERY-STRING") : undefined,
    "s3:signatureversion": auth ? (auth.version === 4 ? "AWS4-HMAC-SHA256" : "AWS") : undefined,
    "s3:x-amz-content-sha256": h.get("x-amz-content-sha256") ?? undefined,
    "s3:x-amz-acl": h.get("x-amz-acl") ?? undefined,
  };
}

function listContext(q: URLSearchParams): RequestContext {
  const ctx: RequestContext = {};
  for (const name of ["prefix", "delimiter", "max-keys"]) {
    const v = q.get(name);
    if (v !== null) ctx[`s3:${name}`] = v;
  }
  return ctx;
}

async function authenticate(
  env: Env,
  request: Request,
  url: URL,
  target: S3Target,
): Promise<{ service: ServiceInfo; identity: S3Identity; auth: VerifiedAuth | null }> {
  const parsed = target.auth;
  if (parsed instanceof AuthError) throw fromAuthError(parsed);
  if (parsed === null) {
    // Only endpoint hosts dispatch anonymous requests here.
    if (!target.service) throw accessDenied();
    checkServiceState(target.service);
    return { service: target.service, identity: { kind: "anonymous" }, auth: null };
  }
  const temporary = parsed.securityToken !== null ? await temporaryKey(env, parsed.accessKeyId, parsed.securityToken) : null;
  const key = temporary?.key ?? (await findAccessKeyCached(env, parsed.accessKeyId));
  if (!key || (target.service && key.serviceUuid !== target.service.uuid)) throw invalidAccessKey(parsed.accessKeyId);
  const v = await verify(
    parsed,
    request,
    url,
    key.secret,
    new Date(),
    target.hostBucket !== null ? { virtualHostedBucket: target.hostBucket } : {},
  );
  if (!v.ok) throw fromAuthError(v.error);
  if (key.status !== "Active") throw invalidAccessKey(parsed.accessKeyId, "The AWS Access Key Id you provided is inactive.");
  const service = target.service ?? (await serviceByUuid(env, key.serviceUuid));
  if (!service) throw invalidAccessKey(parsed.accessKeyId);
  checkServiceState(service);
  if (temporary) {
    const grant = await temporaryGrant(env, temporary.session);
    return { service, auth: v.auth, identity: { ...temporary.identity, session: grant } };
  }
  return {
    service,
    auth: v.auth,
    identity: {
      kind: "user",
      accessKeyId: parsed.accessKeyId,
      serviceUuid: key.serviceUuid,
      accountId: key.accountId,
      username: key.username,
      userArn: principalArn({ serviceUuid: key.serviceUuid, type: "user", name: key.username }),
      userId: key.userId,
    },
  };
}

const invalidToken = () => new S3Error("InvalidToken", "The provided token is malformed or otherwise invalid.");

/** Temporary credentials (STS): the key the session token seals, if current. */
async function temporaryKey(env: Env, accessKeyId: string, token: string) {
  const check = await openSession(env, token, accessKeyId);
  if (!check.ok) throw check.reason === "expired" ? new S3Error("ExpiredToken", "The provided token has expired.") : invalidToken();
  const { claims } = check.session;
  const role = claims.kind === "role";
  const identity: AccessKeyIdentity = {
    kind: "user",
    accessKeyId,
    serviceUuid: claims.svc,
    accountId: claims.acct,
    username: claims.name,
    userArn: principalArn({ serviceUuid: claims.svc, type: role ? "role" : "user", name: claims.name }),
    userId: role ? `${claims.pid}:${claims.sess}` : claims.pid,
  };
  const key: AccessKeyPrincipal = { ...identity, secret: claims.sk, status: "Active" };
  return { key, session: check.session, identity };
}

/** What decides for the session now; a revoked session (role gone, asking key gone) is an invalid token. */
async function temporaryGrant(env: Env, session: OpenedSession): Promise<TemporaryGrant> {
  const identity = await sessionIdentity(env, session.claims);
  if (!identity) throw invalidToken();
  return { role: session.claims.kind === "role", identity, policies: session.sessionPolicies, sourceAccessKeyId: session.claims.src };
}

interface Progress {
  /** Set once authenticated: who asked, of which service (for last-use metering of failures). */
  who: { service: ServiceInfo; identity: S3Identity } | null;
  /** Set once the operation and its bucket are known. */
  c: S3Context | null;
}

async function serve(
  env: Env,
  ctx: ExecutionContext,
  request: Request,
  url: URL,
  target: S3Target,
  requestId: string,
  out: Progress,
): Promise<Response> {
  const { bucket, key } = splitPath(url.pathname, target.hostBucket);
  const { service, identity, auth } = await authenticate(env, request, url, target);
  out.who = { service, identity };
  const op = resolveOperation(request.method, bucket, key, url.searchParams, request.headers);
  const authorizer = new Authorizer(env, identity, policyContext(request, url, auth));
  let bucketRow = null;
  if (bucket !== null && op !== "CreateBucket") {
    if (identity.kind === "user" && !identity.session) {
      const found = await findBucketAndPoliciesCached(env, service.uuid, bucket, identity.username);
      authorizer.preload(found.identity);
      bucketRow = found.row;
    } else bucketRow = await findBucketCached(env, service.uuid, bucket);
    if (!bucketRow) throw noSuchBucket(bucket);
  }
  const bucketPolicy = bucketPolicyForEvaluation(bucketRow?.policy ?? null);
  const c: S3Context = {
    env,
    ctx,
    request,
    url,
    requestId,
    service,
    identity,
    auth,
    authorizer,
    op,
    bucket,
    key,
    virtualHosted: target.hostBucket !== null,
    bucketRow,
    bucketPolicy,
    usage: {},
  };
  out.c = c;
  // DeleteObjects is decided per key, in its handler.
  if (op !== "DeleteObjects") {
    const resource = bucket === null ? ALL_BUCKETS_ARN : key === null ? bucketArn(bucket) : objectArn(bucket, key);
    const extra = op === "ListObjects" || op === "ListObjectsV2" || op === "ListObjectVersions" ? listContext(url.searchParams) : {};
    if (!(await authorizer.allowed(OPERATIONS[op].action, resource, bucketPolicy, extra))) throw accessDenied();
  }
  return HANDLERS[op](c);
}

export function errorResponse(err: S3Error, request: Request, url: URL, requestId: string): Response {
  const headers = new Headers(err.headers);
  if (request.method === "HEAD") return new Response(null, { status: err.status, headers });
  headers.set("Content-Type", "application/xml");
  const body = renderXml(
    "Error",
    { Code: err.code, Message: err.message, ...err.details, Resource: url.pathname, RequestId: requestId },
    null,
  );
  return new Response(body, { status: err.status, headers });
}

/** Temporary credentials count as uses of the long-term key that asked for them. */
const meteredKey = (identity: AccessKeyIdentity) => identity.session?.sourceAccessKeyId ?? identity.accessKeyId;

/** Serves one S3 request for the target the dispatcher found. */
export async function handleS3(request: Request, env: Env, ctx: ExecutionContext, target: S3Target): Promise<Response> {
  const requestId = newRequestId();
  const url = new URL(request.url);
  const out: Progress = { who: null, c: null };
  let res: Response;
  try {
    res = await serve(env, ctx, request, url, target, requestId, out);
  } catch (e) {
    if (e instanceof S3Error) res = errorResponse(e, request, url, requestId);
    else if (e instanceof CoreError) res = errorResponse(fromCoreError(e), request, url, requestId);
    else {
      logUnexpected({ requestId, path: url.pathname, dialect: "s3" }, e);
      res = errorResponse(new S3Error("InternalError", "We encountered an internal error. Please try again."), request, url, requestId);
    }
  }
  // A bucket-level write (create, delete, policy, configuration) may change what the isolate caches.
  if (out.c && out.c.key === null && WRITES.has(request.method)) invalidateIsolateCaches();
  res.headers.set("x-amz-request-id", requestId);
  res.headers.set("x-amz-id-2", btoa(requestId));
  res.headers.set("Server", "Stowage");
  const c = out.c;
  // Requests that reached a live bucket (or the bucket list) are counted, failed ones included.
  if (c && (c.bucketRow !== null || c.bucket === null || (c.op === "CreateBucket" && res.ok))) {
    recordUsage(env, ctx, c.service.uuid, {
      bucket: c.bucket ?? "",
      accessKeyId: c.identity.kind === "user" ? meteredKey(c.identity) : null,
      at: Date.now(),
      op: OPERATIONS[c.op].cls,
      ...c.usage,
    });
  } else if (out.who?.identity.kind === "user") {
    // Still a use of the key (last_used_at), counted against no bucket.
    recordUsage(env, ctx, out.who.service.uuid, {
      bucket: "",
      accessKeyId: meteredKey(out.who.identity),
      at: Date.now(),
      op: c ? OPERATIONS[c.op].cls : "other",
    });
  }
  return res;
}

/**
 * A SigV4 request whose signed Content-Length the runtime dropped because it also came with
 * Transfer-Encoding (see checkFraming): answered first, before any lookup, so that under
 * `wrangler dev` the answer leaves before its proxy fails on the body (which it then reports as
 * `503 Your worker restarted mid-request`). Null for every other request.
 */
export function framingError(request: Request): Response | null {
  if (!request.headers.has("transfer-encoding")) return null;
  const url = new URL(request.url);
  const parsed = parseAuth(request, url);
  if (parsed === null || parsed instanceof AuthError || parsed.version !== 4) return null;
  try {
    checkFraming(parsed, request);
    return null;
  } catch (e) {
    if (!(e instanceof AuthError)) throw e;
    abandonBody(request);
    return errorResponse(fromAuthError(e), request, url, newRequestId());
  }
}
