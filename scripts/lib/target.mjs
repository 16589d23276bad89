// The server a fuzz or soak run talks to: one it starts itself (live-server.mjs) or an existing
// one given by --origin and credentials. Either way the run gets its own buckets, a scratch
// service (the only service its control-plane writes touch) and, with the operator token, a
// scratch account. Loopback only.
import { parseArgs } from "node:util";
import { api, API_BASE } from "./seed.mjs";
import { startServer } from "./live-server.mjs";
import { EMPTY_SHA256, signHeaders } from "./sigv4.mjs";

export const targetOptions = {
  origin: { type: "string" },
  token: { type: "string" },
  "admin-token": { type: "string" },
  "access-key-id": { type: "string" },
  "secret-access-key": { type: "string" },
  service: { type: "string" },
  "keep-server-dir": { type: "boolean", default: false },
};

export function parseCli(options, usage) {
  try {
    return parseArgs({ options: { ...options, ...targetOptions, help: { type: "boolean", short: "h" } } }).values;
  } catch (e) {
    console.error(`${e.message}\n\n${usage}`);
    process.exit(2);
  }
}

function loopbackOnly(origin) {
  const u = new URL(origin);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) throw new Error(`--origin must be a loopback address (got ${u.hostname})`);
  return u;
}

async function s3(ctx, method, path) {
  const signed = signHeaders({ method, path, headers: { host: ctx.host }, payloadHash: EMPTY_SHA256, keys: ctx.keys });
  delete signed.headers.host;
  const r = await fetch(ctx.origin + path, { method, headers: signed.headers });
  await r.arrayBuffer();
  return r.status;
}

/**
 * @param {Record<string, any>} args parsed CLI values
 * @param {string} runId names the run's buckets and scratch resources
 * @returns {Promise<{ ctx: object, server: object | null, stop: () => Promise<void> }>}
 */
export async function prepareTarget(args, runId, log) {
  let server = null;
  let creds;
  if (args.origin) {
    const u = loopbackOnly(args.origin);
    for (const k of ["token", "access-key-id", "secret-access-key", "service"])
      if (!args[k]) throw new Error(`--origin needs --token, --access-key-id, --secret-access-key and --service (missing --${k})`);
    creds = {
      origin: u.origin,
      port: Number(u.port || 80),
      adminToken: args["admin-token"],
      token: args.token,
      service: args.service,
      accessKeyId: args["access-key-id"],
      secretAccessKey: args["secret-access-key"],
    };
  } else {
    log("starting wrangler dev on a free loopback port …");
    server = await startServer({ keepDir: args["keep-server-dir"] });
    log(`server up: ${server.origin} (pid ${server.pid}, state and log in ${server.dir})`);
    creds = server;
  }
  const svc = await api(creds.origin, "GET", `${API_BASE}/${creds.service}`, creds.token);
  if (svc.status !== 200) throw new Error(`GET of service ${creds.service} answered ${svc.status}`);
  const endpointHost = svc.json.endpoints?.find((e) => e.mode === "api" && e.type === "public")?.domain_name ?? "unknown.localhost";
  const ctx = {
    origin: creds.origin,
    port: creds.port,
    host: new URL(creds.origin).host,
    token: creds.token,
    adminToken: creds.adminToken ?? "not-the-admin-token-0000",
    service: creds.service,
    accountId: svc.json.account_id ?? creds.accountId ?? "unknown-account",
    accountName: server ? "live" : "unknown",
    password: server?.password,
    endpointHost,
    keys: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    username: server ? "live" : "unknown",
    buckets: [`fz-${runId}-a`, `fz-${runId}-b`, `fz-${runId}-c`],
  };
  for (const b of ctx.buckets) {
    const st = await s3(ctx, "PUT", `/${b}`);
    if (st !== 200 && st !== 409) throw new Error(`creating bucket ${b} answered ${st}`);
  }
  // The scratch service: control-plane writes (PATCH, DELETE, users, labels) land here.
  const scratch = await api(ctx.origin, "POST", API_BASE, ctx.token, {
    name: `fz-${runId}-scratch`,
    region: "europe-1",
    configured_status: "started",
    networks: [{ name: "public", type: "public", family: "IPv4" }],
  });
  if (scratch.status !== 201) throw new Error(`creating the scratch service answered ${scratch.status}: ${JSON.stringify(scratch.json)}`);
  ctx.scratch = scratch.json.uuid;
  await api(ctx.origin, "POST", `${API_BASE}/${ctx.scratch}/users`, ctx.token, { username: "fuzz-user" });
  if (creds.adminToken) {
    const acct = await api(ctx.origin, "POST", "/admin/v1/accounts", creds.adminToken, {
      name: `fz-${runId}-acct`,
      password: `pw-${runId}-0123456789`,
    });
    ctx.scratchAccountId = acct.json?.id;
  }
  return { ctx, server, stop: async (keep = false) => server?.stop({ keep }) };
}
