// A service's configuration as data: validation beyond the schema, merge patch, the change kinds
// the lifecycle object applies one at a time.

import type { LabelInput, NetworkInput, ServicePatchInput, ServiceReplaceInput } from "../../schema/service";
import { conflict, limitExceeded, notFound, Problems } from "../errors";
import type { CustomDomainRow, StaticWebsiteRow } from "../websites/views";
import type { ServiceParts, ServiceRow } from "./rows";

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
export function assertEmbeddedUnchanged(
  current: {
    customDomains: Pick<CustomDomainRow, "domainName" | "type" | "mode">[];
    staticWebsites: Pick<StaticWebsiteRow, "domainName">[];
  },
  input: Embedded,
): void {
  const p = new Problems();
  const key = (domain: unknown, type: unknown, mode: unknown) =>
    `${String(domain ?? "").toLowerCase()}|${String(type ?? "public")}|${String(mode ?? "api")}`;
  const domains = (l: Record<string, unknown>[]) =>
    l
      .map((d) => key(d.domain_name, d.type, d.mode))
      .sort()
      .join(",");
  const sites = (l: string[]) =>
    l
      .map((w) => w.toLowerCase())
      .sort()
      .join(",");
  const currentDomains = current.customDomains
    .map((d) => key(d.domainName, d.type, d.mode))
    .sort()
    .join(",");
  if (input.custom_domains !== undefined && domains(input.custom_domains ?? []) !== currentDomains) {
    p.add(
      "custom_domains",
      "custom domains are managed through /{service_uuid}/custom-domains; this field may only repeat the current list",
    );
  }
  if (
    input.static_websites !== undefined &&
    sites((input.static_websites ?? []).map((w) => String(w.domain_name ?? ""))) !== sites(current.staticWebsites.map((w) => w.domainName))
  ) {
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
