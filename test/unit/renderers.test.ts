// Every dialect's error renderer over every core code × reason: each answers in its own format with
// the status its table names, never a generic failure; reasons survive the Durable Object Outcome.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import {
  capture,
  CORE_ERROR_CODES,
  CORE_ERROR_REASONS,
  CoreError,
  type CoreErrorCode,
  type CoreErrorReason,
  deleteConflict,
  limitExceeded,
  malformedPolicy,
  notFound,
  unwrap,
} from "../../src/core/errors";
import { renderOperatorError } from "../../src/routes/admin/errors";
import type { AppEnv } from "../../src/routes/context";
import { createRouter } from "../../src/routes/factory";
import { fromCoreError, type S3ErrorCode } from "../../src/routes/s3/errors";
import { errorResponse } from "../../src/routes/s3/index";
import { generalFailure, renderProblem } from "../../src/routes/upcloud/problem";
import { websiteError } from "../../src/routes/website/pages";

const REQUEST_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
const ctx = { get: (k: string) => (k === "requestId" ? REQUEST_ID : undefined) } as unknown as Context<AppEnv>;

const combos: [CoreErrorCode, CoreErrorReason][] = CORE_ERROR_CODES.flatMap((code) =>
  CORE_ERROR_REASONS.map((reason) => [code, reason] as [CoreErrorCode, CoreErrorReason]),
);
const errorOf = (code: CoreErrorCode, reason: CoreErrorReason) =>
  new CoreError(code, `a ${code} / ${reason}`, [{ name: "field", reason: "is bad" }], reason, {
    entity: "Bucket",
    remains: ["1 bucket"],
    limit: 2,
    ...(reason === "method-not-allowed" ? { allow: ["GET", "HEAD"] } : {}),
  });

/** The UpCloud dialect's statuses and problem codes, as the vendor documents them. */
const UPCLOUD: Record<CoreErrorCode, [number, string]> = {
  INVALID_REQUEST: [400, "INVALID_REQUEST"],
  LIMIT_EXCEEDED: [400, "INVALID_REQUEST"],
  NOT_FOUND: [404, "RESOURCE_NOT_FOUND"],
  CONFLICT: [409, "CONFLICT"],
  SERVICE_ERROR: [400, "SERVICE_ERROR"],
  UNAUTHENTICATED: [401, "AUTHENTICATION_FAILED"],
  FORBIDDEN: [403, "FORBIDDEN"],
  METHOD_NOT_ALLOWED: [405, "METHOD_NOT_ALLOWED"],
};

/** S3 codes by reason, for an error naming a bucket. */
const S3: Record<CoreErrorReason, [S3ErrorCode, number]> = {
  "invalid-input": ["InvalidArgument", 400],
  "malformed-policy": ["MalformedPolicy", 400],
  "no-such-entity": ["NoSuchBucket", 404],
  "no-such-route": ["InvalidRequest", 400],
  "entity-exists": ["BucketAlreadyOwnedByYou", 409],
  "delete-conflict": ["BucketNotEmpty", 409],
  "limit-exceeded": ["InvalidRequest", 400],
  "read-only": ["AccessDenied", 403],
  "service-state": ["OperationAborted", 409],
  unauthenticated: ["AccessDenied", 403],
  forbidden: ["AccessDenied", 403],
  "method-not-allowed": ["MethodNotAllowed", 405],
};

const WEBSITE: Record<CoreErrorCode, number> = {
  INVALID_REQUEST: 400,
  LIMIT_EXCEEDED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SERVICE_ERROR: 503,
  UNAUTHENTICATED: 403,
  FORBIDDEN: 403,
  METHOD_NOT_ALLOWED: 405,
};

async function problemOf(res: Response) {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as { type: string; title: string; status: number; correlation_id: string; invalid_params?: unknown[] };
}

describe("UpCloud problem+json", () => {
  it.each(combos)("%s / %s", async (code, reason) => {
    const res = renderProblem(ctx, errorOf(code, reason));
    const [status, problem] = UPCLOUD[code];
    expect(res.status).toBe(status);
    const body = await problemOf(res);
    expect(body).toMatchObject({
      type: `https://developers.upcloud.com/1.3/errors#ERROR_${problem}`,
      title: `a ${code} / ${reason}`,
      status,
      correlation_id: REQUEST_ID,
      invalid_params: [{ name: "field", reason: "is bad" }],
    });
    expect(res.headers.get("www-authenticate")).toBe(status === 401 ? 'Bearer realm="stowage", Basic realm="stowage"' : null);
  });

  it("answers unexpected errors as GENERAL_FAILURE without internals", async () => {
    const res = generalFailure(ctx);
    expect(res.status).toBe(500);
    expect((await problemOf(res)).type).toMatch(/#ERROR_GENERAL_FAILURE$/);
  });
});

describe("operator API problem+json", () => {
  it.each(combos)("%s / %s", async (code, reason) => {
    const res = renderOperatorError(ctx, errorOf(code, reason));
    const [status, problem] = UPCLOUD[code];
    expect(res.status).toBe(status);
    const body = await problemOf(res);
    expect(body.type).toBe(`https://developers.upcloud.com/1.3/errors#ERROR_${problem}`);
    expect(body.correlation_id).toBe(REQUEST_ID);
    // Operator tokens are Bearer only.
    expect(res.headers.get("www-authenticate")).toBe(status === 401 ? 'Bearer realm="stowage-operator"' : null);
  });
});

describe("S3 XML", () => {
  it.each(combos)("%s / %s", async (code, reason) => {
    const err = fromCoreError(errorOf(code, reason));
    const [s3Code, status] = S3[reason];
    expect(err.code).toBe(s3Code);
    expect(err.status).toBe(status);
    const url = new URL("https://s3.example/bucket/key");
    const res = errorResponse(err, new Request(url), url, REQUEST_ID);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/xml");
    const xml = await res.text();
    expect(xml).toContain(`<Code>${s3Code}</Code>`);
    expect(xml).toContain(`<RequestId>${REQUEST_ID}</RequestId>`);
    if (reason === "method-not-allowed") expect(res.headers.get("allow")).toBe("GET, HEAD");
  });

  it("refines not-found and exists by the entity kind", () => {
    expect(fromCoreError(notFound("Upload")).code).toBe("NoSuchUpload");
    expect(fromCoreError(notFound("Object")).code).toBe("NoSuchKey");
    expect(fromCoreError(new CoreError("CONFLICT", "taken", [], "entity-exists", { entity: "Policy" })).code).toBe("InvalidRequest");
  });
});

describe("website pages", () => {
  it.each(combos)("%s / %s", async (code, reason) => {
    const res = websiteError(errorOf(code, reason), "GET", REQUEST_ID);
    expect(res.status).toBe(WEBSITE[code]);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("x-request-id")).toBe(REQUEST_ID);
    const html = await res.text();
    expect(html).toContain(`<h1>${WEBSITE[code]} `);
    // The page never shows the core's message (it may name internals).
    expect(html).not.toContain(`a ${code}`);
  });
});

describe("Outcome round trip", () => {
  it.each([
    notFound("User", 'User "x" not found.'),
    deleteConflict("User still has 1 access key.", ["1 access key"]),
    limitExceeded("at most 2", 2),
    malformedPolicy("bad policy", [{ name: "document", reason: "Statement: required" }]),
  ])("keeps code, reason, params and detail of $reason", async (err) => {
    const outcome = await capture(() => Promise.reject(err));
    // Outcomes cross the RPC boundary by structured clone.
    const back = structuredClone(outcome);
    let thrown: unknown;
    try {
      unwrap(back);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CoreError);
    const e = thrown as CoreError;
    expect([e.code, e.reason, e.message, e.params, e.detail]).toEqual([err.code, err.reason, err.message, err.params, err.detail]);
  });
});

describe("routers made by createRouter end in their own 404 and 405", () => {
  const mount = () => {
    const render = (c: Context<AppEnv>, err: CoreError) =>
      c.json({ dialect: "test", code: err.code, reason: err.reason }, err.code === "NOT_FOUND" ? 404 : 405);
    const router = createRouter(render, (c) => c.json({ dialect: "test", code: "boom" }, 500));
    router.get("/things/:id", (c) => c.json({ id: c.req.param("id") }));
    router.delete("/things/:id", (c) => c.body(null, 204));
    router.post("/things", (c) => c.json({}, 201));
    const root = new OpenAPIHono<AppEnv>();
    root.use("*", async (c, next) => {
      c.set("requestId", REQUEST_ID);
      await next();
    });
    root.route("/t", router);
    root.notFound((c) => c.json({ dialect: "root" }, 404));
    return root;
  };

  it("answers a known path and method as registered", async () => {
    const res = await mount().request("/t/things/7");
    expect(await res.json()).toEqual({ id: "7" });
  });

  it("answers an unknown path under the mount with the router's 404", async () => {
    const res = await mount().request("/t/nothing/here");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ dialect: "test", code: "NOT_FOUND", reason: "no-such-route" });
  });

  it("answers a wrong method on a known path with 405 and Allow", async () => {
    const res = await mount().request("/t/things/7", { method: "PUT" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, DELETE, HEAD");
    expect(await res.json()).toEqual({ dialect: "test", code: "METHOD_NOT_ALLOWED", reason: "method-not-allowed" });
    const post = await mount().request("/t/things/", { method: "GET" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("POST");
  });

  it("leaves paths outside the mount to the app", async () => {
    const res = await mount().request("/elsewhere");
    expect(await res.json()).toEqual({ dialect: "root" });
  });
});
