/**
 * The AWS Query protocol (form-encoded `Action=` requests signed with SigV4), shared by the IAM and
 * STS APIs: authenticate by the access key (the service is the key's), read the merged parameters,
 * find the action in the service's table, and answer in the protocol's XML (or JSON for actions
 * that answer JSON), with the same request id in the body and in `x-amzn-RequestId`.
 */
import { serviceByUuid, type ServiceInfo } from "../../core/endpoints";
import { findAccessKeyCached, type AccessKeyPrincipal } from "../../core/iam/principal";
import { openSession, sessionIdentity, type OpenedSession } from "../../core/iam/sessions";
import { AuthError, readBody, verify, type ParsedSigV4 } from "../../core/sigv4";
import { invalidateIsolateCaches } from "../../lib/isolate-cache";
import { renderXml, type XmlNode } from "../../lib/xml";
import { errorResponse, expiredToken, fromAuthError, invalidClientToken, missingParameter, QueryError } from "./errors";
import { QueryParams } from "./params";
import type { ActionContext, ActionDef, Caller, QueryService } from "./types";

export { QueryError } from "./errors";
export { QueryParams } from "./params";
export type { ActionContext, ActionDef, Caller, QueryService } from "./types";

/** Bodies larger than this are refused before parsing (IAM's largest documents are a few KiB). */
export const MAX_QUERY_BODY = 1024 * 1024;

export interface QueryRequest {
  /** The request's SigV4 authentication as the front door parsed it; null when unsigned. */
  auth: ParsedSigV4 | AuthError | null;
  /** The service named by the Host (a service endpoint); null on the shared host. */
  hostService: ServiceInfo | null;
}

async function authenticate(env: Env, request: Request, url: URL, q: QueryRequest): Promise<{ caller: Caller; body: string }> {
  const parsed = q.auth;
  if (parsed === null) throw new QueryError("MissingAuthenticationToken", "Request is missing Authentication Token");
  if (parsed instanceof AuthError) throw fromAuthError(parsed);
  const temporary = parsed.securityToken !== null ? await temporaryKey(env, parsed) : null;
  const key = temporary ?? (await findAccessKeyCached(env, parsed.accessKeyId));
  if (!key || (q.hostService && key.serviceUuid !== q.hostService.uuid)) throw invalidClientToken();
  const v = await verify(parsed, request, url, key.secret, new Date(), { maxSignedBodyBytes: MAX_QUERY_BODY });
  if (!v.ok) throw fromAuthError(v.error);
  // IAM and STS sign the body itself: UNSIGNED-PAYLOAD or aws-chunked would leave it unprotected
  // (AWS, hashing the body it received, answers such a signature as not matching).
  if (v.auth.version !== 4 || v.auth.payload !== "sha256")
    throw fromAuthError(new AuthError("SignatureDoesNotMatch", "payload not signed"));
  if (key.status !== "Active") throw invalidClientToken();
  const service = q.hostService ?? (await serviceByUuid(env, key.serviceUuid));
  if (!service || service.deleting) throw invalidClientToken();
  let session: Caller["session"] = null;
  if (temporary) {
    // Revoked (role deleted, the asking key gone) reads as any other invalid token.
    const identity = await sessionIdentity(env, temporary.session.claims);
    if (!identity) throw invalidClientToken();
    session = { ...temporary.session, identity };
  }
  if (!service.accountActive) throw new QueryError("AccessDenied", "The account that owns these credentials is disabled.");
  let body = "";
  if (request.body !== null) {
    try {
      body = new TextDecoder().decode((await readBody(request, v.auth, { maxBytes: MAX_QUERY_BODY })).bytes);
    } catch (e) {
      if (e instanceof AuthError) throw fromAuthError(e);
      throw e;
    }
  }
  const caller = {
    accessKeyId: parsed.accessKeyId,
    service,
    accountId: key.accountId,
    username: key.username,
    userId: key.userId,
    session,
  };
  return { caller, body };
}

/** Temporary credentials as a key: the session token must seal this key id and be current. */
async function temporaryKey(env: Env, parsed: ParsedSigV4): Promise<AccessKeyPrincipal & { session: OpenedSession }> {
  const check = await openSession(env, parsed.securityToken!, parsed.accessKeyId);
  if (!check.ok) throw check.reason === "expired" ? expiredToken() : invalidClientToken();
  const { claims } = check.session;
  return {
    serviceUuid: claims.svc,
    accountId: claims.acct,
    username: claims.name,
    userId: claims.kind === "role" ? `${claims.pid}:${claims.sess}` : claims.pid,
    status: "Active",
    secret: claims.sk,
    session: check.session,
  };
}

/** The form body's parameters; other media types carry none (the action is then missing). */
function formOf(request: Request, body: string): URLSearchParams | null {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (body === "" || (type !== "" && type !== "application/x-www-form-urlencoded")) return null;
  return new URLSearchParams(body);
}

function findAction(service: QueryService, params: QueryParams): ActionDef {
  const name = params.get("Action");
  if (name === undefined || name === "") throw new QueryError("MissingAction", "The request must contain the parameter Action.");
  const actions: Record<string, ActionDef> = service.actions;
  if (!Object.hasOwn(actions, name)) throw new QueryError("InvalidAction", `The action ${name} is not valid for this web service.`);
  const version = params.get("Version");
  if (version === undefined) throw missingParameter("Version");
  if (version !== service.version) {
    throw new QueryError("InvalidParameterValue", `Version ${version} is not supported; this endpoint answers Version ${service.version}.`);
  }
  return actions[name]!;
}

function answer(service: QueryService, action: string, def: ActionDef, result: unknown, requestId: string): Response {
  const headers = { "x-amzn-RequestId": requestId };
  if (def.answer === "json") {
    return new Response(JSON.stringify(result), { status: 200, headers: { ...headers, "Content-Type": "application/json" } });
  }
  const body: XmlNode = {};
  if (result !== null) body[`${action}Result`] = result as XmlNode;
  body.ResponseMetadata = { RequestId: requestId };
  return new Response(renderXml(`${action}Response`, body, service.namespace), {
    status: 200,
    headers: { ...headers, "Content-Type": "text/xml" },
  });
}

function logUnexpected(requestId: string, scope: string, err: unknown): void {
  const name = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : "";
  console.error(JSON.stringify({ level: "error", dialect: `query:${scope}`, request_id: requestId, name, message }));
}

/** Serves one Query API request of `service`. */
export async function handleQuery(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  service: QueryService,
  q: QueryRequest,
): Promise<Response> {
  const requestId = crypto.randomUUID();
  const url = new URL(request.url);
  try {
    const { caller, body } = await authenticate(env, request, url, q);
    const params = QueryParams.of(url.searchParams, formOf(request, body));
    const def = findAction(service, params);
    const c: ActionContext = { env, ctx, request, url, requestId, params, caller };
    const result = await def.run(c);
    if (def.mutates) invalidateIsolateCaches();
    return answer(service, params.get("Action")!, def, result, requestId);
  } catch (e) {
    if (e instanceof QueryError) return errorResponse(e, requestId, service.namespace);
    logUnexpected(requestId, service.scope, e);
    return errorResponse(
      new QueryError("InternalFailure", "The request processing has failed because of an unknown error."),
      requestId,
      service.namespace,
    );
  }
}
