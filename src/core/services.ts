import { and, asc, desc, eq, exists, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { config } from "../config";
import { randomLabel, serviceUuid } from "../lib/ids";
import { isoMicro } from "../lib/time";
import type {
  LabelInput,
  NetworkInput,
  ServiceCreateInput,
  ServiceListQueryT,
  ServicePatchInput,
  ServiceReplaceInput,
  ServiceView,
} from "../schema/service";
import { buckets, serviceLabels, serviceNetworks, services, serviceStateMessages } from "../schema/tables";
import { customDomains, staticWebsites } from "../schema/website.tables";
import { type Db, db as getDb, isUniqueViolation } from "../storage/db";
import { Problems, conflict, limitExceeded, notFound, serviceState, unwrap } from "./errors";
import { serviceTotals, type UsageTotals } from "./metrics/usage";
import { requireRegion } from "./regions";
import { assembleUsers, iamEntityCount, userQueries } from "./iam/service-iam";
import type { UserView } from "./iam/views";
import { customDomainEndpoints, customDomainView, byCreation, staticWebsiteView, verificationMessage } from "./websites/views";

export type ServiceRow = typeof services.$inferSelect;

// ---------------------------------------------------------------- validation

/** Rules a schema cannot express: uniqueness within the list, uuid presence by type. */
export function checkNetworks(networks: NetworkInput[], p: Problems, at = (i: number, f: string) => `networks[${i}].${f}`): void {
  const seen = new Set<string>();
  networks.forEach((n, i) => {
    if (seen.has(n.name)) p.add(at(i, "name"), `network name "${n.name}" is used twice; names must be unique within the service`);
    seen.add(n.name);
    if (n.family === "IPv6") p.add(at(i, "family"), "IPv6 is currently not supported; use IPv4");
    if (n.type === "private" && !n.uuid) p.add(at(i, "uuid"), "is required for private networks");
    if (n.type === "public" && n.uuid) p.add(at(i, "uuid"), "must be omitted for public networks");
  });
}

export function checkLabels(labels: LabelInput[], p: Problems): void {
  const seen = new Set<string>();
  labels.forEach((l, i) => {
    if (seen.has(l.key)) p.add(`labels[${i}].key`, `label key "${l.key}" is used twice; keys must be unique within the service`);
    seen.add(l.key);
  });
}

// ---------------------------------------------------------------- reading

export async function findService(d: Db, accountId: string, uuid: string): Promise<ServiceRow> {
  const row = await d
    .select()
    .from(services)
    .where(and(eq(services.uuid, uuid), eq(services.accountId, accountId)))
    .get();
  if (!row) throw notFound("Service");
  return row;
}

function endpointUrl(env: Env, domain: string, path: string): string {
  const c = config(env);
  return `${c.ENDPOINT_SCHEME}://${domain}${c.ENDPOINT_PORT ? `:${c.ENDPOINT_PORT}` : ""}${path}`;
}

export function serviceDomains(env: Env, row: Pick<ServiceRow, "endpointLabel">) {
  const base = config(env).BASE_DOMAIN;
  return {
    public: `${row.endpointLabel}.${base}`,
    private: `${row.endpointLabel}-private.${base}`,
    static: `${row.endpointLabel}-static.${base}`,
  };
}

export interface ServiceParts {
  networks: (typeof serviceNetworks.$inferSelect)[];
  labels: (typeof serviceLabels.$inferSelect)[];
  messages: (typeof serviceStateMessages.$inferSelect)[];
  customDomains: (typeof customDomains.$inferSelect)[];
  staticWebsites: (typeof staticWebsites.$inferSelect)[];
  /** IAM users as the service body shows them (access keys without secrets, attached policies). */
  users: UserView[];
  /** Exact current totals from the usage meter; filled where a view is rendered (zeros otherwise). */
  usage?: UsageTotals;
}

/** Endpoints exist for attached networks while the service is not stopped or being deleted. */
function endpointsOf(env: Env, row: ServiceRow, parts: ServiceParts): ServiceView["endpoints"] {
  if (row.configuredStatus === "stopped" || row.deletingSince) return [];
  const dom = serviceDomains(env, row);
  const out: ServiceView["endpoints"] = [];
  if (parts.networks.some((n) => n.type === "public")) {
    out.push({
      domain_name: dom.public,
      type: "public",
      mode: "api",
      iam_url: endpointUrl(env, dom.public, "/iam"),
      sts_url: endpointUrl(env, dom.public, "/sts"),
    });
  }
  if (parts.networks.some((n) => n.type === "private")) {
    out.push({
      domain_name: dom.private,
      type: "private",
      mode: "api",
      iam_url: endpointUrl(env, dom.private, "/iam"),
      sts_url: endpointUrl(env, dom.private, "/sts"),
    });
  }
  if (parts.networks.some((n) => n.type === "public")) out.push({ domain_name: dom.static, type: "public", mode: "static-website" });
  // Custom domains ride on the public endpoint.
  if (parts.networks.some((n) => n.type === "public")) out.push(...customDomainEndpoints(parts.customDomains));
  return out;
}

export function toView(env: Env, row: ServiceRow, parts: ServiceParts): ServiceView {
  const view: ServiceView = {
    uuid: row.uuid,
    name: row.name,
    region: row.region,
    configured_status: row.configuredStatus,
    operational_state: row.operationalState,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    endpoints: endpointsOf(env, row, parts),
    networks: parts.networks
      .sort((a, b) => a.position - b.position)
      .map((n) => ({ name: n.name, type: n.type, family: n.family, ...(n.uuid ? { uuid: n.uuid } : {}) })),
    labels: parts.labels.sort((a, b) => a.position - b.position).map((l) => ({ key: l.key, value: l.value })),
    custom_domains: [...parts.customDomains].sort(byCreation).map(customDomainView),
    static_websites: [...parts.staticWebsites].sort(byCreation).map(staticWebsiteView),
    users: parts.users,
    usage: parts.usage ?? { total_objects: 0, total_size_bytes: 0 },
    state_messages: [
      ...parts.messages.map((m) => ({
        code: m.code,
        message: m.message,
        operational_state: m.operationalState,
        created_at: m.createdAt,
        updated_at: m.updatedAt,
      })),
      // Derived from the domains themselves, so lifecycle steps (which clear stored messages) never drop it.
      ...[verificationMessage(parts.customDomains, row.operationalState)].filter((m) => m !== null),
    ],
    termination_protection: row.terminationProtection,
  };
  if (row.accessControlOriginOverride !== null) view.properties = { access_control_origin_override: row.accessControlOriginOverride };
  return view;
}

async function loadParts(d: Db, uuids: string[]): Promise<Map<string, ServiceParts>> {
  const out = new Map<string, ServiceParts>(
    uuids.map((u) => [u, { networks: [], labels: [], messages: [], customDomains: [], staticWebsites: [], users: [] }]),
  );
  if (!uuids.length) return out;
  const [usersQ, keysQ, attachmentsQ, tagsQ] = userQueries(d, uuids);
  const [nets, labels, msgs, domains, sites, ...iam] = await d.batch([
    d.select().from(serviceNetworks).where(inArray(serviceNetworks.serviceUuid, uuids)),
    d.select().from(serviceLabels).where(inArray(serviceLabels.serviceUuid, uuids)),
    d
      .select()
      .from(serviceStateMessages)
      .where(inArray(serviceStateMessages.serviceUuid, uuids))
      .orderBy(asc(serviceStateMessages.createdAt)),
    d.select().from(customDomains).where(inArray(customDomains.serviceUuid, uuids)),
    d.select().from(staticWebsites).where(inArray(staticWebsites.serviceUuid, uuids)),
    usersQ,
    keysQ,
    attachmentsQ,
    tagsQ,
  ]);
  for (const [uuid, users] of assembleUsers(uuids, iam)) {
    const p = out.get(uuid);
    if (p) p.users = users;
  }
  for (const n of nets) out.get(n.serviceUuid)?.networks.push(n);
  for (const l of labels) out.get(l.serviceUuid)?.labels.push(l);
  for (const m of msgs) out.get(m.serviceUuid)?.messages.push(m);
  for (const cd of domains) out.get(cd.serviceUuid)?.customDomains.push(cd);
  for (const sw of sites) out.get(sw.serviceUuid)?.staticWebsites.push(sw);
  return out;
}

export async function getServiceView(env: Env, accountId: string, uuid: string): Promise<ServiceView> {
  const d = getDb(env);
  const row = await findService(d, accountId, uuid);
  const [parts, usage] = await Promise.all([loadParts(d, [uuid]), serviceTotals(env, uuid)]);
  return toView(env, row, { ...parts.get(uuid)!, usage });
}

export async function getServiceParts(d: Db, uuid: string): Promise<ServiceParts> {
  return (await loadParts(d, [uuid])).get(uuid)!;
}

const SORT_COLUMNS = {
  created_at: services.createdAt,
  service_name: services.name,
  operational_state: services.operationalState,
  region_name: services.region,
} as const;

export async function listServices(env: Env, accountId: string, q: ServiceListQueryT): Promise<ServiceView[]> {
  const d = getDb(env);
  const conds: SQL[] = [eq(services.accountId, accountId)];
  const labels = q.label === undefined ? [] : Array.isArray(q.label) ? q.label : [q.label];
  for (const filter of labels) {
    const i = filter.indexOf("=");
    const key = i < 0 ? filter : filter.slice(0, i);
    const match = [eq(serviceLabels.serviceUuid, services.uuid), eq(serviceLabels.key, key)];
    if (i >= 0) match.push(eq(serviceLabels.value, filter.slice(i + 1)));
    conds.push(
      exists(
        d
          .select({ one: sql`1` })
          .from(serviceLabels)
          .where(and(...match)),
      ),
    );
  }
  const sort = q.sort ?? "-created_at";
  const descending = sort.startsWith("-");
  const col = SORT_COLUMNS[(descending ? sort.slice(1) : sort) as keyof typeof SORT_COLUMNS];
  const rows = await d
    .select()
    .from(services)
    .where(and(...conds))
    .orderBy(descending ? desc(col) : asc(col), descending ? desc(services.uuid) : asc(services.uuid))
    .limit(q.limit)
    .offset(q.offset)
    .all();
  // One meter call per service of the page (at most 100), in parallel.
  const [parts, usage] = await Promise.all([
    loadParts(
      d,
      rows.map((r) => r.uuid),
    ),
    Promise.all(rows.map((r) => serviceTotals(env, r.uuid))),
  ]);
  return rows.map((r, i) => toView(env, r, { ...parts.get(r.uuid)!, usage: usage[i]! }));
}

// ---------------------------------------------------------------- writing

/** The desired configuration of a service after a create, replace or patch. */
export interface ServiceConfig {
  name: string;
  configuredStatus: "started" | "stopped";
  terminationProtection: boolean;
  networks: NetworkInput[];
  labels: LabelInput[];
  accessControlOriginOverride: string | null;
}

export function currentConfig(row: ServiceRow, parts: ServiceParts): ServiceConfig {
  return {
    name: row.name,
    configuredStatus: row.configuredStatus,
    terminationProtection: row.terminationProtection,
    networks: parts.networks
      .sort((a, b) => a.position - b.position)
      .map((n) => ({ name: n.name, type: n.type, family: n.family, ...(n.uuid ? { uuid: n.uuid } : {}) })),
    labels: parts.labels.sort((a, b) => a.position - b.position).map((l) => ({ key: l.key, value: l.value })),
    accessControlOriginOverride: row.accessControlOriginOverride,
  };
}

export function replaceConfig(input: ServiceReplaceInput): ServiceConfig {
  return {
    name: input.name,
    configuredStatus: input.configured_status,
    terminationProtection: input.termination_protection ?? false,
    networks: input.networks ?? [],
    labels: input.labels ?? [],
    accessControlOriginOverride: input.properties?.access_control_origin_override ?? null,
  };
}

/** JSON Merge Patch over the current configuration. */
export function patchConfig(cur: ServiceConfig, p: ServicePatchInput): ServiceConfig {
  const next = { ...cur };
  if (p.name !== undefined) next.name = p.name;
  if (p.configured_status !== undefined) next.configuredStatus = p.configured_status;
  if (p.termination_protection !== undefined) next.terminationProtection = p.termination_protection ?? false;
  if (p.networks !== undefined) next.networks = p.networks ?? [];
  if (p.labels !== undefined) next.labels = p.labels ?? [];
  if (p.properties !== undefined) {
    if (p.properties === null) next.accessControlOriginOverride = null;
    else if (p.properties.access_control_origin_override !== undefined)
      next.accessControlOriginOverride = p.properties.access_control_origin_override;
  }
  return next;
}

/** Every way a service's configuration changes; the lifecycle object applies them one at a time. */
export type ServiceChange =
  | { kind: "replace"; input: ServiceReplaceInput }
  | { kind: "patch"; input: ServicePatchInput }
  | { kind: "label-create"; label: LabelInput }
  | { kind: "label-modify"; key: string; patch: { key?: string | undefined; value?: string | null | undefined } }
  | { kind: "label-delete"; key: string }
  | { kind: "network-create"; network: NetworkInput }
  | { kind: "network-delete"; name: string };

export function applyChange(cur: ServiceConfig, ch: ServiceChange): ServiceConfig {
  switch (ch.kind) {
    case "replace":
      return replaceConfig(ch.input);
    case "patch":
      return patchConfig(cur, ch.input);
    case "label-create":
      if (cur.labels.some((l) => l.key === ch.label.key)) throw conflict(`Label "${ch.label.key}" already exists.`, "Label");
      if (cur.labels.length >= 255) throw limitExceeded("A service can have at most 255 labels.", 255);
      return { ...cur, labels: [...cur.labels, ch.label] };
    case "label-modify": {
      const i = cur.labels.findIndex((l) => l.key === ch.key);
      if (i < 0) throw notFound("Label");
      const old = cur.labels[i]!;
      const key = ch.patch.key ?? old.key;
      if (key !== old.key && cur.labels.some((l) => l.key === key)) throw conflict(`Label "${key}" already exists.`, "Label");
      const value = ch.patch.value === undefined ? old.value : ch.patch.value;
      return { ...cur, labels: cur.labels.map((l, j) => (j === i ? { key, value } : l)) };
    }
    case "label-delete":
      if (!cur.labels.some((l) => l.key === ch.key)) throw notFound("Label");
      return { ...cur, labels: cur.labels.filter((l) => l.key !== ch.key) };
    case "network-create":
      if (cur.networks.some((n) => n.name === ch.network.name)) throw conflict(`Network "${ch.network.name}" already exists.`, "Network");
      if (cur.networks.length >= 8) throw limitExceeded("A service can have at most 8 networks.", 8);
      return { ...cur, networks: [...cur.networks, ch.network] };
    case "network-delete":
      if (!cur.networks.some((n) => n.name === ch.name)) throw notFound("Network");
      return { ...cur, networks: cur.networks.filter((n) => n.name !== ch.name) };
  }
}

type Embedded = {
  custom_domains?: Record<string, unknown>[] | null | undefined;
  static_websites?: Record<string, unknown>[] | null | undefined;
};

/** Custom domains and static websites change only through their sub-resources; a body may repeat them. */
export function assertEmbeddedUnchanged(current: Pick<ServiceView, "custom_domains" | "static_websites">, input: Embedded): void {
  const p = new Problems();
  const domains = (l: Record<string, unknown>[]) =>
    l
      .map((d) => `${String(d.domain_name ?? "").toLowerCase()}|${String(d.type ?? "public")}|${String(d.mode ?? "api")}`)
      .sort()
      .join(",");
  const sites = (l: Record<string, unknown>[]) =>
    l
      .map((w) => String(w.domain_name ?? "").toLowerCase())
      .sort()
      .join(",");
  if (input.custom_domains !== undefined && domains(input.custom_domains ?? []) !== domains(current.custom_domains)) {
    p.add(
      "custom_domains",
      "custom domains are managed through /{service_uuid}/custom-domains; this field may only repeat the current list",
    );
  }
  if (input.static_websites !== undefined && sites(input.static_websites ?? []) !== sites(current.static_websites)) {
    p.add(
      "static_websites",
      "static websites are managed through /{service_uuid}/static-websites; this field may only repeat the current list",
    );
  }
  p.throwIfAny();
}

export function validateConfig(c: ServiceConfig): void {
  const p = new Problems();
  checkNetworks(c.networks, p);
  checkLabels(c.labels, p);
  p.throwIfAny();
}

export function hasPrivate(c: Pick<ServiceConfig, "networks">): boolean {
  return c.networks.some((n) => n.type === "private");
}

/** Whether the change needs the lifecycle to start over from pending. */
export function needsReconfigure(before: ServiceConfig, after: ServiceConfig): boolean {
  if (before.configuredStatus !== after.configuredStatus) return true;
  const key = (ns: NetworkInput[]) => JSON.stringify(ns.map((n) => [n.name, n.type, n.family, n.uuid ?? null]).sort());
  return key(before.networks) !== key(after.networks);
}

function childRows(uuid: string, c: ServiceConfig) {
  return {
    networks: c.networks.map((n, i) => ({
      serviceUuid: uuid,
      name: n.name,
      type: n.type,
      family: n.family,
      uuid: n.uuid ?? null,
      position: i,
    })),
    labels: c.labels.map((l, i) => ({ serviceUuid: uuid, key: l.key, value: l.value ?? "", position: i })),
  };
}

function nameTaken(name: string) {
  return conflict(`A service named "${name}" already exists in this account.`, "Service");
}

export async function insertService(env: Env, accountId: string, input: ServiceCreateInput): Promise<ServiceRow> {
  requireRegion(config(env).REGIONS, input.region);
  assertEmbeddedUnchanged({ custom_domains: [], static_websites: [] }, input);
  const cfg: ServiceConfig = {
    name: input.name,
    configuredStatus: input.configured_status,
    terminationProtection: input.termination_protection ?? false,
    networks: input.networks ?? [],
    labels: input.labels ?? [],
    accessControlOriginOverride: input.properties?.access_control_origin_override ?? null,
  };
  validateConfig(cfg);
  const d = getDb(env);
  const now = isoMicro();
  const row: ServiceRow = {
    uuid: serviceUuid(),
    accountId,
    name: cfg.name,
    region: input.region,
    configuredStatus: cfg.configuredStatus,
    operationalState: "pending",
    terminationProtection: cfg.terminationProtection,
    endpointLabel: randomLabel(5),
    accessControlOriginOverride: cfg.accessControlOriginOverride,
    createdAt: now,
    updatedAt: now,
    deletingSince: null,
  };
  const kids = childRows(row.uuid, cfg);
  try {
    await d.batch([
      d.insert(services).values(row),
      ...(kids.networks.length ? [d.insert(serviceNetworks).values(kids.networks)] : []),
      ...(kids.labels.length ? [d.insert(serviceLabels).values(kids.labels)] : []),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) {
      const clash = await d
        .select({ uuid: services.uuid })
        .from(services)
        .where(and(eq(services.accountId, accountId), eq(services.name, cfg.name)))
        .get();
      if (clash) throw nameTaken(cfg.name);
      // The random endpoint label collided: astronomically rare, so one retry is enough.
      return insertService(env, accountId, input);
    }
    throw e;
  }
  return row;
}

/** Writes a new configuration in one D1 transaction. Callers serialize per service (the lifecycle DO). */
export async function writeConfig(
  env: Env,
  row: ServiceRow,
  next: ServiceConfig,
  operationalState: ServiceRow["operationalState"],
): Promise<void> {
  const d = getDb(env);
  const kids = childRows(row.uuid, next);
  try {
    await d.batch([
      d
        .update(services)
        .set({
          name: next.name,
          configuredStatus: next.configuredStatus,
          terminationProtection: next.terminationProtection,
          accessControlOriginOverride: next.accessControlOriginOverride,
          operationalState,
          updatedAt: isoMicro(),
        })
        .where(eq(services.uuid, row.uuid)),
      d.delete(serviceNetworks).where(eq(serviceNetworks.serviceUuid, row.uuid)),
      ...(kids.networks.length ? [d.insert(serviceNetworks).values(kids.networks)] : []),
      d.delete(serviceLabels).where(eq(serviceLabels.serviceUuid, row.uuid)),
      ...(kids.labels.length ? [d.insert(serviceLabels).values(kids.labels)] : []),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(next.name);
    throw e;
  }
}

/** Counts what a service still holds; deletion without force requires it to be empty. */
export async function serviceContents(d: Db, uuid: string): Promise<{ buckets: number; iamEntities: number }> {
  const b = await d
    .select({ n: sql<number>`count(*)` })
    .from(buckets)
    .where(and(eq(buckets.serviceUuid, uuid), isNull(buckets.deletedAt)))
    .get();
  return { buckets: b?.n ?? 0, iamEntities: await iamEntityCount(d, uuid) };
}

export function assertMutable(row: ServiceRow): void {
  if (row.deletingSince) throw serviceState("Service is being deleted.");
}

/** The service's lifecycle object, with its outcomes turned back into CoreErrors. */
export function lifecycle(env: Env, uuid: string) {
  const stub = env.SERVICE_LIFECYCLE.get(env.SERVICE_LIFECYCLE.idFromName(uuid));
  return {
    stub,
    start: () => stub.start(uuid),
    // The D1 check first keeps unknown or foreign ids from ever instantiating an object.
    apply: async (accountId: string, change: ServiceChange): Promise<ServiceView> => {
      await findService(getDb(env), accountId, uuid);
      return unwrap(await stub.apply(accountId, uuid, change)) as ServiceView;
    },
    remove: async (accountId: string, force: boolean): Promise<void> => {
      await findService(getDb(env), accountId, uuid);
      unwrap(await stub.remove(accountId, uuid, force));
    },
  };
}
