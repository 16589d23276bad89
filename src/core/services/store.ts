// A service's rows in D1: loading its children in one batch, inserting and rewriting its
// configuration, counting what it still holds.

import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import { config } from "../../config";
import { randomLabel, serviceUuid } from "../../lib/ids";
import { isoMicro } from "../../lib/time";
import type { ServiceCreateInput } from "../../schema/service";
import { buckets, serviceLabels, serviceNetworks, services, serviceStateMessages } from "../../schema/tables";
import { customDomains, staticWebsites } from "../../schema/website.tables";
import { type Db, db as getDb, isUniqueViolation } from "../../storage/db";
import { conflict } from "../errors";
import { assembleUsers, iamEntityCount, userQueries } from "../iam/service-iam";
import type { UserRecord } from "../iam/views";
import type { UsageTotals } from "../metrics/usage";
import { requireRegion } from "../regions";
import type { ServiceParts, ServiceRow } from "./rows";
import { assertEmbeddedUnchanged, type ServiceConfig, validateConfig } from "./config";

export type { ServiceParts, ServiceRow } from "./rows";

export async function loadParts(d: Db, uuids: string[]): Promise<Map<string, ServiceParts>> {
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

export async function getServiceParts(d: Db, uuid: string): Promise<ServiceParts> {
  return (await loadParts(d, [uuid])).get(uuid)!;
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
  assertEmbeddedUnchanged({ customDomains: [], staticWebsites: [] }, input);
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
