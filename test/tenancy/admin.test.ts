// The tenancy suite over the operator API (openapi/admin.json). It belongs to the operator alone: no
// tenant's credentials open it, so "another tenant" is tenant B's valid API token naming tenant A's
// account and token, and the answer is the same 401 a stranger gets.
import { expect } from "vitest";
import doc from "../../openapi/admin.json";
import { ADMIN, call, expectProblem, newTenant, type Tenant, unique } from "../helpers/api";
import { operationsOf, type Caller, type Reply, tenancySuite } from "./harness";

interface World {
  a: Tenant;
  b: Tenant;
  tokenId: string;
}

const caller =
  (headers: Record<string, string>): Caller =>
  (req) =>
    call(req.method, req.path, { headers, ...(req.body !== undefined ? { body: req.body } : {}) });

const unauthenticated = (r: Reply) => {
  expectProblem(r, 401, "AUTHENTICATION_FAILED");
  expect(r.headers.get("www-authenticate")).toMatch(/^Bearer /);
};

tenancySuite<World>({
  name: "operator API",
  operations: operationsOf(doc),
  setup: async () => {
    const a = await newTenant();
    const b = await newTenant();
    const tokens = await call("GET", `/admin/v1/accounts/${a.accountId}/tokens`, { headers: ADMIN });
    expect(tokens.status).toBe(200);
    return { a, b, tokenId: tokens.json[0]!.id };
  },
  callers: (w) => ({
    anonymous: caller({}),
    bad: {
      "wrong operator token": caller({ Authorization: `Bearer ${"x".repeat(32)}` }),
      "tenant A's API token": caller(w.a.auth),
      "tenant A's name and password": caller({ Authorization: `Basic ${btoa(`${w.a.name}:${w.a.password}`)}` }),
    },
    owner: caller(ADMIN),
    foreign: caller(w.b.auth),
  }),
  params: (w) => ({ account_id: w.a.accountId, token_id: w.tokenId }),
  bodies: {
    adminCreateAccount: (w) => ({ name: w.a.name, password: "p".repeat(12) }),
    adminModifyAccount: () => ({ status: "disabled" }),
    adminIssueToken: () => ({ name: unique("t") }),
  },
  secrets: (w) => [w.a.accountId, w.a.name, w.a.token, w.tokenId],
  expectUnauthenticated: unauthenticated,
  expectForeign: unauthenticated,
  foreignAnswers: {
    adminCreateAccount: { check: unauthenticated },
    adminListAccounts: { check: unauthenticated },
  },
});
