// Every reserved dialect renders every core error code in its own body, with one status per code.
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { CoreError, type CoreErrorCode } from "../../src/core/errors";
import type { AppEnv } from "../../src/routes/context";
import { renderKos } from "../../src/routes/kos/errors";
import { renderWhitelist } from "../../src/routes/lyve/whitelist/errors";
import { renderOstor } from "../../src/routes/ostor/errors";
import { renderTransporter } from "../../src/routes/transporter/errors";
import { renderYale } from "../../src/routes/yale/errors";

// A Record so that a new code fails to compile here until it is listed.
const CODES = Object.keys({
  INVALID_REQUEST: 0,
  NOT_FOUND: 0,
  CONFLICT: 0,
  SERVICE_ERROR: 0,
  LIMIT_EXCEEDED: 0,
  UNAUTHENTICATED: 0,
  FORBIDDEN: 0,
} satisfies Record<CoreErrorCode, 0>) as CoreErrorCode[];

const c = {} as Context<AppEnv>;
const err = (code: CoreErrorCode) =>
  new CoreError(code, `message for ${code}`, code === "INVALID_REQUEST" ? [{ name: "name", reason: "bad" }] : []);

const STATUS: Record<string, Record<CoreErrorCode, number>> = {
  kos: {
    INVALID_REQUEST: 422,
    NOT_FOUND: 404,
    CONFLICT: 409,
    SERVICE_ERROR: 409,
    LIMIT_EXCEEDED: 400,
    UNAUTHENTICATED: 401,
    FORBIDDEN: 403,
  },
  yale: {
    INVALID_REQUEST: 400,
    NOT_FOUND: 404,
    CONFLICT: 409,
    SERVICE_ERROR: 409,
    LIMIT_EXCEEDED: 429,
    UNAUTHENTICATED: 403,
    FORBIDDEN: 403,
  },
  whitelist: {
    INVALID_REQUEST: 400,
    NOT_FOUND: 404,
    CONFLICT: 409,
    SERVICE_ERROR: 409,
    LIMIT_EXCEEDED: 400,
    UNAUTHENTICATED: 403,
    FORBIDDEN: 403,
  },
  transporter: {
    INVALID_REQUEST: 400,
    NOT_FOUND: 404,
    CONFLICT: 409,
    SERVICE_ERROR: 400,
    LIMIT_EXCEEDED: 400,
    UNAUTHENTICATED: 403,
    FORBIDDEN: 403,
  },
  ostor: {
    INVALID_REQUEST: 400,
    NOT_FOUND: 404,
    CONFLICT: 409,
    SERVICE_ERROR: 409,
    LIMIT_EXCEEDED: 400,
    UNAUTHENTICATED: 403,
    FORBIDDEN: 403,
  },
};

describe.each(CODES)("%s", (code) => {
  it("KOS: {code, message}, the bad fields named, x-should-retry: false on 409", async () => {
    const res = renderKos(c, err(code));
    expect(res.status).toBe(STATUS.kos![code]);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.message).toBe(`message for ${code}`);
    expect(typeof body.code).toBe("string");
    if (code === "INVALID_REQUEST") expect(body.errors).toEqual([{ field: "name", message: "bad" }]);
    expect(res.headers.get("x-should-retry")).toBe(res.status === 409 ? "false" : null);
  });

  it("Yale: the message as plain text; 403 with an empty body", async () => {
    const res = renderYale(c, err(code));
    expect(res.status).toBe(STATUS.yale![code]);
    expect(await res.text()).toBe(res.status === 403 ? "" : `message for ${code}`);
  });

  it("Lyve whitelist: {ok: false, errorDesc}", async () => {
    const res = renderWhitelist(c, err(code));
    expect(res.status).toBe(STATUS.whitelist![code]);
    expect(await res.json()).toEqual({ ok: false, errorDesc: `message for ${code}` });
  });

  it("Transporter: {error[, details]}", async () => {
    const res = renderTransporter(c, err(code));
    expect(res.status).toBe(STATUS.transporter![code]);
    const body = await res.json();
    expect(body).toEqual(
      code === "NOT_FOUND" ? { error: "not found", details: "message for NOT_FOUND" } : { error: `message for ${code}` },
    );
  });

  it("ostor: {Code, Message} with S3-style codes", async () => {
    const res = renderOstor(err(code), "rid");
    expect(res.status).toBe(STATUS.ostor![code]);
    const body = (await res.json()) as { Code: string; Message: string };
    expect(body.Message).toBe(`message for ${code}`);
    expect(body.Code).toMatch(/^[A-Z][A-Za-z]+$/);
    expect(res.headers.get("x-amz-request-id")).toBe("rid");
  });
});
