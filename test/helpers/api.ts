import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { ReplyJson } from "./typed";

export const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
export const BASE = "http://api.test/1.3/object-storage-2" as const;

let seq = 0;
export const unique = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${(seq++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

export interface Reply<J = any> {
  status: number;
  headers: Headers;
  text: string;
  json: J;
}

/** One request through the Worker; `json` is typed by the document's operation at this method and path. */
export async function call<M extends string, U extends string>(
  method: M,
  url: U,
  opts: { headers?: Record<string, string>; body?: unknown; raw?: string } = {},
): Promise<Reply<ReplyJson<M, U>>> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["Content-Type"] ??= "application/json";
  }
  const res = await exports.default.fetch(new Request(url.startsWith("http") ? url : `http://api.test${url}`, { method, headers, body }));
  const text = await res.text();
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export interface Tenant {
  accountId: string;
  name: string;
  password: string;
  token: string;
  auth: Record<string, string>;
  /** Calls the UpCloud dialect as this tenant. */
  api: <M extends string, P extends string>(
    method: M,
    path: P,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<Reply<ReplyJson<M, `/1.3/object-storage-2${P}`>>>;
}

export async function newTenant(): Promise<Tenant> {
  const name = unique("acct");
  const password = "correct horse battery";
  const a = await call("POST", "/admin/v1/accounts", { headers: ADMIN, body: { name, password } });
  expect(a.status, a.text).toBe(201);
  const t = await call("POST", `/admin/v1/accounts/${a.json.id}/tokens`, { headers: ADMIN, body: { name: "tests" } });
  expect(t.status, t.text).toBe(201);
  const auth = { Authorization: `Bearer ${t.json.token}` };
  return {
    accountId: a.json.id,
    name,
    password,
    token: t.json.token,
    auth,
    api: (method, path, body, headers) => call(method, `${BASE}${path}`, { headers: { ...auth, ...headers }, body }),
  };
}

export function lifecycleStub(uuid: string) {
  return env.SERVICE_LIFECYCLE.get(env.SERVICE_LIFECYCLE.idFromName(uuid));
}

/** Fires lifecycle alarms until none is scheduled; returns the states the service passed through. */
export async function settle(t: Tenant, uuid: string, max = 40): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    const ran = await runDurableObjectAlarm(lifecycleStub(uuid));
    if (!ran) return seen;
    const r = await t.api("GET", `/${uuid}`);
    seen.push(r.status === 404 ? "gone" : r.json.operational_state);
  }
  throw new Error("lifecycle did not settle");
}

export const publicNet = { name: "public-net", type: "public", family: "IPv4" };
export const privateNet = (name = "private-net") => ({
  name,
  type: "private",
  family: "IPv4",
  uuid: "03aa7245-2ff9-49c8-9f0e-7ca0270d71a4",
});

export async function newService(t: Tenant, over: Record<string, unknown> = {}) {
  const r = await t.api("POST", "", {
    name: unique("svc"),
    region: "europe-1",
    configured_status: "started",
    networks: [publicNet],
    ...over,
  });
  expect(r.status, r.text).toBe(201);
  return r.json;
}

export function expectProblem(r: { status: number; headers: Headers; json: any }, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.headers.get("content-type")).toBe("application/problem+json");
  expect(r.json.type).toBe(`https://developers.upcloud.com/1.3/errors#ERROR_${code}`);
  expect(r.json.status).toBe(status);
  expect(r.json.correlation_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  expect(typeof r.json.title).toBe("string");
}

// ---------------------------------------------------------------- IAM (UpCloud dialect)

/** A policy document with one statement; pass `raw` JSON text or let it be percent-encoded. */
export function policyDoc(
  effect: "Allow" | "Deny",
  action: string | string[],
  resource: string | string[] = "*",
  extra: Record<string, unknown> = {},
) {
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: effect, Action: action, Resource: resource, ...extra }] });
}

export const trustDoc = (principalArn = "urn:ecs:iam::ns1:user/test-user") =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: [principalArn] } }] });

/** Creates an IAM user in a service and returns its body. */
export async function newIamUser(t: Tenant, serviceUuid: string, username = unique("user")) {
  const r = await t.api("POST", `/${serviceUuid}/users`, { username });
  expect(r.status, r.text).toBe(201);
  return r.json;
}

/** The names in a problem's invalid_params, sorted. */
export const invalidNames = (r: { json: any }) => ((r.json?.invalid_params ?? []) as { name: string }[]).map((p) => p.name).sort();
