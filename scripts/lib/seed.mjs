// Seeds a tenant through the public API, as a customer would: the operator's ADMIN_TOKEN makes an
// account and an API token; the token makes a service, an S3 user with full access and its key.
// Idempotent given what an earlier run returned (`known`): an account, service or user of that
// name is reused, a token or key that still works is kept. Used by scripts/dev.mjs (the demo
// tenant of `npm run dev`) and scripts/lib/live-server.mjs (the tenant of fuzz, soak and tests).
import { randomBytes } from "node:crypto";

export const API_BASE = "/1.3/object-storage-2";

/** One JSON request; answers the status and the parsed body (undefined when empty). */
export async function api(origin, method, url, token, body) {
  const res = await fetch(`${origin}${url}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/**
 * @param {{ origin: string, adminToken: string, name?: string, known?: Record<string, string> }} opts
 * @returns {Promise<{ accountId: string, password?: string, token: string, serviceUuid: string,
 *   endpoint?: string, accessKeyId?: string, secretAccessKey?: string }>}
 */
export async function seedTenant({ origin, adminToken, name = "demo", known = {} }) {
  const call = (method, url, token, body) => api(origin, method, url, token, body);
  const out = { ...known };
  const listed = await call("GET", "/admin/v1/accounts?limit=1000", adminToken);
  if (listed.status !== 200) throw new Error(`listing accounts answered ${listed.status} (is ADMIN_TOKEN right?)`);
  let account = listed.json.find((a) => a.name === name);
  if (!account) {
    out.password = randomBytes(12).toString("hex");
    const r = await call("POST", "/admin/v1/accounts", adminToken, { name, password: out.password });
    if (r.status !== 201) throw new Error(`could not create the ${name} account: ${JSON.stringify(r.json)}`);
    account = r.json;
  }
  out.accountId = account.id;
  if (!out.token || (await call("GET", API_BASE, out.token)).status !== 200) {
    const r = await call("POST", `/admin/v1/accounts/${account.id}/tokens`, adminToken, { name });
    if (r.status !== 201) throw new Error(`could not mint an API token: ${JSON.stringify(r.json)}`);
    out.token = r.json.token;
  }
  let service = (await call("GET", `${API_BASE}?limit=100`, out.token)).json.find((s) => s.name === name);
  if (!service) {
    const r = await call("POST", API_BASE, out.token, {
      name,
      region: "europe-1",
      configured_status: "started",
      networks: [{ name: "public", type: "public", family: "IPv4" }],
      labels: [{ key: "env", value: name }],
    });
    if (r.status !== 201) throw new Error(`could not create the ${name} service: ${JSON.stringify(r.json)}`);
    service = r.json;
  }
  out.serviceUuid = service.uuid;
  out.endpoint = service.endpoints?.find((e) => e.mode === "api" && e.type === "public")?.domain_name;

  // An S3 user with full access and a key, through the same API a customer uses.
  const svc = `${API_BASE}/${service.uuid}`;
  const user = await call("GET", `${svc}/users/${name}`, out.token);
  if (user.status === 404) {
    await call("POST", `${svc}/users`, out.token, { username: name });
    await call("POST", `${svc}/users/${name}/policies`, out.token, { name: "ECSS3FullAccess" });
  }
  const keys = await call("GET", `${svc}/users/${name}/access-keys`, out.token);
  const kept = keys.status === 200 && out.accessKeyId && keys.json.some((k) => k.access_key_id === out.accessKeyId);
  if (keys.status === 200 && !kept) {
    for (const k of keys.json) await call("DELETE", `${svc}/users/${name}/access-keys/${k.access_key_id}`, out.token);
    const k = await call("POST", `${svc}/users/${name}/access-keys`, out.token);
    if (k.status === 201) {
      out.accessKeyId = k.json.access_key_id;
      out.secretAccessKey = k.json.secret_access_key;
    }
  }
  return out;
}
