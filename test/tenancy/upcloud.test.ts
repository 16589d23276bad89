// The tenancy suite over every operation of the UpCloud dialect (openapi/upcloud.json): tenant A owns
// a running service with a network, a label, an IAM user with an access key, a custom policy with two
// versions (attached, inline and as boundary on the user and a role), a group with the user, a role
// with tags, a bucket, a static-website custom domain with its website config, and a migration job.
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import doc from "../../openapi/upcloud.json";
import { ADMIN, call, expectProblem, newService, newTenant, policyDoc, settle, type Tenant, trustDoc, unique } from "../helpers/api";
import { operationsOf, type Caller, type Reply, tenancySuite } from "./harness";

interface World {
  a: Tenant;
  b: Tenant;
  revokedToken: string;
  service: { uuid: string; name: string; endpoints: { domain_name: string; type: string; mode: string }[] };
  network: string;
  label: { key: string; value: string };
  username: string;
  accessKeyId: string;
  secretAccessKey: string;
  policy: string;
  versionId: string;
  group: string;
  role: string;
  tag: { key: string; value: string };
  bucket: string;
  domain: string;
  job: string;
}

const ok = (r: Reply, status: number) => {
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text.slice(0, 300)}`);
  return r.json;
};

async function setup(): Promise<World> {
  // Job creation queues its configuration; nothing may run behind the suite's back.
  vi.spyOn(env.JOBS, "send").mockResolvedValue(undefined as never);
  vi.spyOn(env.JOBS, "sendBatch").mockResolvedValue(undefined as never);

  const a = await newTenant();
  const b = await newTenant();
  const spare = ok(await call("POST", `/admin/v1/accounts/${a.accountId}/tokens`, { headers: ADMIN, body: { name: "revoked" } }), 201);
  ok(await call("DELETE", `/admin/v1/accounts/${a.accountId}/tokens/${spare.id}`, { headers: ADMIN }), 204);

  const network = unique("net");
  const label = { key: unique("lk"), value: unique("lv") };
  const service = await newService(a, { networks: [{ name: network, type: "public", family: "IPv4" }], labels: [label] });
  await settle(a, service.uuid);
  const s = `/${service.uuid}`;

  const username = unique("user");
  ok(await a.api("POST", `${s}/users`, { username }), 201);
  const key = ok(await a.api("POST", `${s}/users/${username}/access-keys`), 201);

  const policy = unique("policy");
  const document = policyDoc("Allow", "s3:GetObject");
  ok(await a.api("POST", `${s}/policies`, { name: policy, document }), 201);
  const version = ok(await a.api("POST", `${s}/policies/${policy}/versions`, { document: policyDoc("Allow", "s3:ListBucket") }), 201);

  const tag = { key: unique("tk"), value: unique("tv") };
  const group = unique("group");
  const role = unique("role");
  ok(await a.api("POST", `${s}/groups`, { name: group }), 201);
  ok(await a.api("POST", `${s}/groups/${group}/users/${username}`), 204);
  ok(await a.api("POST", `${s}/roles`, { name: role, assume_role_policy_document: trustDoc() }), 201);
  for (const [segment, name] of [
    ["users", username],
    ["groups", group],
    ["roles", role],
  ] as const) {
    ok(await a.api("POST", `${s}/${segment}/${name}/policies`, { name: policy }), 204);
    ok(await a.api("POST", `${s}/${segment}/${name}/inline-policies`, { name: policy, document }), 201);
    if (segment === "groups") continue;
    ok(await a.api("PUT", `${s}/${segment}/${name}/permissions-boundary`, { policy_name: policy }), 200);
    ok(await a.api("PUT", `${s}/${segment}/${name}/tags`, [tag]), 200);
  }

  const bucket = unique("bucket").toLowerCase();
  ok(await a.api("POST", `${s}/buckets`, { name: bucket }), 201);
  const domain = `www.${unique("d").toLowerCase()}.example.com`;
  ok(await a.api("POST", `${s}/custom-domains`, { domain_name: domain, type: "public", mode: "static-website" }), 201);
  ok(await a.api("POST", `${s}/static-websites`, { bucket_name: bucket, domain_name: domain }), 201);

  const job = ok(await a.api("POST", "/jobs", jobBody(service, key.access_key_id, key.secret_access_key, bucket)), 201);
  vi.restoreAllMocks();

  return {
    a,
    b,
    revokedToken: spare.token,
    service,
    network,
    label,
    username,
    accessKeyId: key.access_key_id,
    secretAccessKey: key.secret_access_key,
    policy,
    versionId: version.version_id,
    group,
    role,
    tag,
    bucket,
    domain,
    job: job.uuid,
  };
}

const apiHost = (svc: World["service"]) => svc.endpoints.find((e) => e.type === "public" && e.mode === "api")!.domain_name;

function jobBody(svc: World["service"], accessKeyId: string, secretAccessKey: string, bucket: string) {
  const endpoint = `http://${apiHost(svc)}:8787`;
  return {
    type: "copy",
    source: { access_key_id: accessKeyId, secret_access_key: secretAccessKey, endpoint_url: endpoint, bucket },
    target: { access_key_id: accessKeyId, secret_access_key: secretAccessKey, endpoint_url: endpoint, bucket: `${bucket}-copy` },
  };
}

const caller =
  (headers: Record<string, string>): Caller =>
  (req) =>
    call(req.method, req.path, { headers, ...(req.body !== undefined ? { body: req.body } : {}) });

const basic = (user: string, password: string) => ({ Authorization: `Basic ${btoa(`${user}:${password}`)}` });

tenancySuite<World>({
  name: "UpCloud dialect",
  operations: operationsOf(doc),
  setup,
  callers: (w) => ({
    anonymous: caller({}),
    bad: {
      "unknown API token": caller({ Authorization: `Bearer ucat_${"0".repeat(24)}` }),
      "tenant A's revoked token": caller({ Authorization: `Bearer ${w.revokedToken}` }),
      "tenant A's name, wrong password": caller(basic(w.a.name, "not the password")),
    },
    owner: caller(w.a.auth),
    foreign: caller(w.b.auth),
  }),
  params: (w) => ({
    region_name: "europe-1",
    job_uuid: w.job,
    service_uuid: w.service.uuid,
    label_key: w.label.key,
    network_name: w.network,
    username: w.username,
    access_key_id: w.accessKeyId,
    policy_name: w.policy,
    version_id: w.versionId,
    group_name: w.group,
    role_name: w.role,
    tag_key: w.tag.key,
    domain_name: w.domain,
    bucket_name: w.bucket,
  }),
  globalParams: ["region_name"],
  plainParams: ["version_id"],
  bodies: {
    // Tenant B knows tenant A's endpoint and key id, never its secret.
    createJob: (w) => jobBody(w.service, w.accessKeyId, "x".repeat(40), w.bucket),
    // Service names are unique per account: tenant B may take tenant A's, and learns nothing by it.
    createService: (w) => ({
      name: w.service.name,
      region: "europe-1",
      configured_status: "stopped",
      networks: [{ name: w.network, type: "public", family: "IPv4" }],
    }),
    replaceService: (w) => ({ name: w.service.name, configured_status: "stopped" }),
    modifyService: () => ({ termination_protection: true }),
    createLabel: (w) => w.label,
    modifyLabel: () => ({ value: "changed" }),
    createNetwork: () => ({ name: "private-net", type: "private", family: "IPv4", uuid: "03aa7245-2ff9-49c8-9f0e-7ca0270d71a4" }),
    createUser: (w) => ({ username: w.username }),
    modifyAccessKey: () => ({ status: "Inactive" }),
    attachUserPolicy: (w) => ({ name: w.policy }),
    createUserInlinePolicy: (w) => ({ name: w.policy, document: policyDoc("Allow", "*") }),
    setUserPermissionsBoundary: (w) => ({ policy_name: w.policy }),
    replaceUserTags: () => [{ key: "k", value: "v" }],
    createPolicy: (w) => ({ name: w.policy, document: policyDoc("Allow", "*") }),
    setDefaultPolicyVersion: (w) => ({ version_id: w.versionId }),
    createPolicyVersion: () => ({ document: policyDoc("Allow", "*"), is_default: true }),
    createGroup: (w) => ({ name: w.group }),
    attachGroupPolicy: (w) => ({ name: w.policy }),
    createGroupInlinePolicy: (w) => ({ name: w.policy, document: policyDoc("Allow", "*") }),
    createRole: (w) => ({ name: w.role, assume_role_policy_document: trustDoc() }),
    updateRole: () => ({ description: "changed" }),
    replaceAssumeRolePolicy: () => ({ document: trustDoc("urn:ecs:iam::ns1:user/mallory") }),
    attachRolePolicy: (w) => ({ name: w.policy }),
    createRoleInlinePolicy: (w) => ({ name: w.policy, document: policyDoc("Allow", "*") }),
    setRolePermissionsBoundary: (w) => ({ policy_name: w.policy }),
    replaceRoleTags: () => [{ key: "k", value: "v" }],
    simulatePolicies: (w) => ({ principal: { type: "user", name: w.username }, actions: ["s3:GetObject"], resources: ["*"] }),
    attachCustomDomain: (w) => ({ domain_name: w.domain, type: "public", mode: "static-website" }),
    modifyCustomDomain: () => ({ type: "public" }),
    createStaticWebsite: (w) => ({ bucket_name: w.bucket, domain_name: w.domain }),
    modifyStaticWebsite: () => ({ enabled: false }),
    createBucket: (w) => ({ name: w.bucket }),
  },
  secrets: (w) => [
    w.a.accountId,
    w.a.name,
    w.a.token,
    w.revokedToken,
    w.service.uuid,
    w.service.name,
    ...w.service.endpoints.map((e) => e.domain_name),
    w.network,
    w.label.key,
    w.label.value,
    w.username,
    w.accessKeyId,
    w.secretAccessKey,
    w.policy,
    w.group,
    w.role,
    w.tag.key,
    w.tag.value,
    w.bucket,
    w.domain,
    w.job,
  ],
  expectUnauthenticated: (r) => {
    expectProblem(r, 401, "AUTHENTICATION_FAILED");
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer /);
  },
  expectForeign: (r) => expectProblem(r, 404, "RESOURCE_NOT_FOUND"),
  // Its default range is the 24 hours before now: an hour boundary between the two reads shifts it.
  volatile: ["listMetricsSeries"],
  foreignAnswers: {
    listRegions: { check: (r) => expect(r.status).toBe(200) },
    getRegion: { check: (r) => expect(r.json).toMatchObject({ name: "europe-1" }) },
    listJobs: { check: (r) => expect(r.json).toEqual([]) },
    // A job's target must be one of the caller's own services.
    createJob: {
      check: (r) => {
        expectProblem(r, 400, "INVALID_REQUEST");
        expect(r.json.invalid_params.map((p: { name: string }) => p.name)).toEqual(["target.endpoint_url"]);
      },
    },
    listServices: { check: (r) => expect(r.status).toBe(200) },
    createService: {
      check: (r, w) => {
        expect(r.status, r.text).toBe(201);
        expect(r.json.uuid).not.toBe(w.service.uuid);
      },
      echoes: (w) => [w.service.name, w.network],
    },
  },
});
