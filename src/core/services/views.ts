// The dialect-neutral record of a service (the JobView pattern): what it is, which endpoints it
// has, its children and users. Dialects shape their own bodies from it.

import { and, asc, desc, eq, exists, sql, type SQL } from "drizzle-orm";
import { config } from "../../config";
import type { NetworkInput, ServiceListQueryT } from "../../schema/service";
import { serviceLabels, services } from "../../schema/tables";
import { db as getDb } from "../../storage/db";
import type { UserRecord } from "../iam/views";
import { serviceTotals, type UsageTotals } from "../metrics/usage";
import { byCreation, type CustomDomainRow, type StaticWebsiteRow, verificationMessage } from "../websites/views";
import { loadParts, type ServiceParts, type ServiceRow } from "./store";

/** `<scheme>://<domain>[:port]<path>` as clients reach the service. */
export function endpointUrl(env: Env, domain: string, path: string): string {
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

export interface ServiceEndpoint {
  domainName: string;
  type: "public" | "private";
  mode: "api" | "static-website";
  /** The service's own host (it also serves IAM and STS), its static host, or an attached custom domain. */
  kind: "service" | "static" | "custom";
}

export interface StateMessage {
  code: string;
  message: string;
  operationalState: string;
  createdAt: string;
  updatedAt: string;
}

export interface ServiceRecord {
  uuid: string;
  name: string;
  region: string;
  configuredStatus: ServiceRow["configuredStatus"];
  operationalState: ServiceRow["operationalState"];
  createdAt: string;
  updatedAt: string;
  terminationProtection: boolean;
  accessControlOriginOverride: string | null;
  endpoints: ServiceEndpoint[];
  networks: NetworkInput[];
  labels: { key: string; value: string }[];
  /** In creation order. */
  customDomains: CustomDomainRow[];
  /** In creation order. */
  staticWebsites: StaticWebsiteRow[];
  users: UserRecord[];
  usage: UsageTotals;
  stateMessages: StateMessage[];
}

/** Endpoints exist for attached networks while the service is not stopped or being deleted. */
function endpointsOf(env: Env, row: ServiceRow, parts: ServiceParts): ServiceEndpoint[] {
  if (row.configuredStatus === "stopped" || row.deletingSince) return [];
  const dom = serviceDomains(env, row);
  const hasPublic = parts.networks.some((n) => n.type === "public");
  const out: ServiceEndpoint[] = [];
  if (hasPublic) out.push({ domainName: dom.public, type: "public", mode: "api", kind: "service" });
  if (parts.networks.some((n) => n.type === "private"))
    out.push({ domainName: dom.private, type: "private", mode: "api", kind: "service" });
  if (hasPublic) {
    out.push({ domainName: dom.static, type: "public", mode: "static-website", kind: "static" });
    // Custom domains ride on the public endpoint.
    for (const cd of [...parts.customDomains].sort(byCreation))
      out.push({ domainName: cd.domainName, type: "public", mode: cd.mode, kind: "custom" });
  }
  return out;
}

export function toRecord(env: Env, row: ServiceRow, parts: ServiceParts): ServiceRecord {
  const verification = verificationMessage(parts.customDomains, row.operationalState);
  return {
    uuid: row.uuid,
    name: row.name,
    region: row.region,
    configuredStatus: row.configuredStatus,
    operationalState: row.operationalState,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    terminationProtection: row.terminationProtection,
    accessControlOriginOverride: row.accessControlOriginOverride,
    endpoints: endpointsOf(env, row, parts),
    networks: [...parts.networks]
      .sort((a, b) => a.position - b.position)
      .map((n) => ({ name: n.name, type: n.type, family: n.family, ...(n.uuid ? { uuid: n.uuid } : {}) })),
    labels: [...parts.labels].sort((a, b) => a.position - b.position).map((l) => ({ key: l.key, value: l.value })),
    customDomains: [...parts.customDomains].sort(byCreation),
    staticWebsites: [...parts.staticWebsites].sort(byCreation),
    users: parts.users,
    usage: parts.usage ?? { total_objects: 0, total_size_bytes: 0 },
    stateMessages: [
      ...parts.messages.map((m) => ({
        code: m.code,
        message: m.message,
        operationalState: m.operationalState,
        createdAt: m.createdAt,
        updatedAt: m.updatedAt,
      })),
      // Derived from the domains themselves, so lifecycle steps (which clear stored messages) never drop it.
      ...(verification
        ? [
            {
              code: verification.code,
              message: verification.message,
              operationalState: verification.operational_state,
              createdAt: verification.created_at,
              updatedAt: verification.updated_at,
            },
          ]
        : []),
    ],
  };
}

const SORT_COLUMNS = {
  created_at: services.createdAt,
  service_name: services.name,
  operational_state: services.operationalState,
  region_name: services.region,
} as const;

export async function listServices(env: Env, accountId: string, q: ServiceListQueryT): Promise<ServiceRecord[]> {
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
  return rows.map((r, i) => toRecord(env, r, { ...parts.get(r.uuid)!, usage: usage[i]! }));
}
