import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { config } from "../../config";
import {
  type Account,
  type ApiTokenInfo,
  createAccount,
  getAccount,
  issueToken,
  listAccounts,
  listTokens,
  revokeToken,
  updateAccount,
} from "../../core/accounts";
import { unauthenticated } from "../../core/errors";
import { timingSafeEqualStr } from "../../lib/crypto";
import { intQuery } from "../../schema/service";
import { db } from "../../storage/db";
import type { AppEnv } from "../context";
import { createRouter } from "../factory";
import { errorResponses, json, jsonBody, noContent } from "../upcloud/common";
import { TOKEN_PREFIX } from "../upcloud/auth";
import { operatorFailure, renderOperatorError } from "./errors";

const tags = ["Operator"];
const security: Record<string, string[]>[] = [{ adminToken: [] }];

const AccountSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(["active", "disabled"]),
    parent_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("AdminAccount");
const TokenInfo = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .openapi("AdminApiToken");
const IssuedToken = TokenInfo.extend({
  token: z.string().openapi({ description: "Shown only in this response; only a hash is stored." }),
}).openapi("AdminIssuedApiToken");

const AccountIdParam = z.object({ account_id: z.string().openapi({ param: { name: "account_id", in: "path" } }) });
const TokenParam = AccountIdParam.extend({ token_id: z.string().openapi({ param: { name: "token_id", in: "path" } }) });

const tokenView = (t: ApiTokenInfo) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  created_at: t.createdAt,
  expires_at: t.expiresAt,
  revoked_at: t.revokedAt,
});

const view = (a: Account) => ({
  id: a.id,
  name: a.name,
  status: a.status,
  parent_id: a.parentId,
  created_at: a.createdAt,
  updated_at: a.updatedAt,
});

const routes = {
  create: createRoute({
    method: "post",
    path: "/accounts",
    operationId: "adminCreateAccount",
    tags,
    security,
    summary: "Create an account",
    request: {
      body: jsonBody(
        z
          .object({
            name: z.string({ error: "must be a string" }),
            password: z.string({ error: "must be a string" }).optional(),
            parent_id: z.string().optional(),
          })
          .openapi("AdminAccountCreate"),
      ),
    },
    responses: { 201: json(AccountSchema, "Account"), ...errorResponses },
  }),
  list: createRoute({
    method: "get",
    path: "/accounts",
    operationId: "adminListAccounts",
    tags,
    security,
    summary: "List accounts",
    request: { query: z.object({ limit: intQuery("limit", 0, 1000, 100), offset: intQuery("offset", 0, null, 0) }) },
    responses: { 200: json(z.array(AccountSchema), "Accounts"), ...errorResponses },
  }),
  get: createRoute({
    method: "get",
    path: "/accounts/{account_id}",
    operationId: "adminGetAccount",
    tags,
    security,
    summary: "Get an account",
    request: { params: AccountIdParam },
    responses: { 200: json(AccountSchema, "Account"), ...errorResponses },
  }),
  modify: createRoute({
    method: "patch",
    path: "/accounts/{account_id}",
    operationId: "adminModifyAccount",
    tags,
    security,
    summary: "Disable or enable an account, set or clear its password",
    request: {
      params: AccountIdParam,
      body: jsonBody(
        z
          .object({
            status: z.enum(["active", "disabled"], { error: "must be active or disabled" }).optional(),
            password: z.string({ error: "must be a string" }).nullable().optional(),
          })
          .openapi("AdminAccountModify"),
      ),
    },
    responses: { 200: json(AccountSchema, "Account"), ...errorResponses },
  }),
  issueToken: createRoute({
    method: "post",
    path: "/accounts/{account_id}/tokens",
    operationId: "adminIssueToken",
    tags,
    security,
    summary: "Issue an API token (shown once)",
    request: {
      params: AccountIdParam,
      body: jsonBody(
        z.object({ name: z.string({ error: "must be a string" }), expires_at: z.string().optional() }).openapi("AdminTokenCreate"),
      ),
    },
    responses: { 201: json(IssuedToken, "Token"), ...errorResponses },
  }),
  listTokens: createRoute({
    method: "get",
    path: "/accounts/{account_id}/tokens",
    operationId: "adminListTokens",
    tags,
    security,
    summary: "List API tokens (never the token itself)",
    request: { params: AccountIdParam },
    responses: { 200: json(z.array(TokenInfo), "Tokens"), ...errorResponses },
  }),
  revokeToken: createRoute({
    method: "delete",
    path: "/accounts/{account_id}/tokens/{token_id}",
    operationId: "adminRevokeToken",
    tags,
    security,
    summary: "Revoke an API token",
    request: { params: TokenParam },
    responses: { 204: noContent, ...errorResponses },
  }),
};

const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization") ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  if (!token || !timingSafeEqualStr(token, config(c.env).ADMIN_TOKEN)) {
    throw unauthenticated("Operator API: send Authorization: Bearer <ADMIN_TOKEN>.");
  }
  await next();
});

/** The operator API under /admin/v1: accounts and their control-plane tokens. */
export function adminRouter() {
  const app = createRouter(renderOperatorError, operatorFailure);
  app.use("*", adminAuth);
  app.openapi(routes.create, async (c) => {
    const b = c.req.valid("json");
    return c.json(view(await createAccount(db(c.env), { name: b.name, password: b.password, parentId: b.parent_id })), 201);
  });
  app.openapi(routes.list, async (c) => {
    const q = c.req.valid("query");
    return c.json((await listAccounts(db(c.env), q.limit, q.offset)).map(view), 200);
  });
  app.openapi(routes.get, async (c) => c.json(view(await getAccount(db(c.env), c.req.valid("param").account_id)), 200));
  app.openapi(routes.modify, async (c) =>
    c.json(view(await updateAccount(db(c.env), c.req.valid("param").account_id, c.req.valid("json"))), 200),
  );
  app.openapi(routes.issueToken, async (c) => {
    const b = c.req.valid("json");
    const { token, info } = await issueToken(
      db(c.env),
      c.req.valid("param").account_id,
      { name: b.name, expiresAt: b.expires_at },
      TOKEN_PREFIX,
    );
    return c.json({ ...tokenView(info), token }, 201);
  });
  app.openapi(routes.listTokens, async (c) => c.json((await listTokens(db(c.env), c.req.valid("param").account_id)).map(tokenView), 200));
  app.openapi(routes.revokeToken, async (c) => {
    const p = c.req.valid("param");
    await revokeToken(db(c.env), p.account_id, p.token_id);
    return c.body(null, 204);
  });
  return app;
}
