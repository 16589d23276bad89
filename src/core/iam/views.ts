// Dialect-neutral records of the IAM entities (the JobView pattern): names, times and references,
// never a vendor's field names, ARNs or document encoding. Each dialect formats its own bodies.

import { getSystemPolicy } from "../policy";
import type { iamAccessKeys, iamTags } from "../../schema/iam.tables";
import type { Tag } from "./rules";

export interface AccessKeyRecord {
  accessKeyId: string;
  status: "Active" | "Inactive";
  createdAt: string;
  lastUsedAt: string;
}

/** A managed policy as something else refers to it; dialects spell its ARN. */
export interface PolicyRef {
  serviceUuid: string;
  name: string;
  /** A built-in policy every service shares (not the service's own). */
  system: boolean;
}

export interface UserRecord {
  serviceUuid: string;
  name: string;
  /** Stable user id (AIDA…). */
  id: string;
  createdAt: string;
  accessKeys: AccessKeyRecord[];
  policies: PolicyRef[];
  tags: Tag[];
  /** Name of the managed policy bounding the user, or null. */
  permissionsBoundary: string | null;
}

export const policyRef = (svc: string, name: string): PolicyRef => ({
  serviceUuid: svc,
  name,
  system: getSystemPolicy(name) !== undefined,
});

export function accessKeyRecord(
  r: Pick<typeof iamAccessKeys.$inferSelect, "accessKeyId" | "status" | "createdAt" | "lastUsedAt">,
): AccessKeyRecord {
  return { accessKeyId: r.accessKeyId, status: r.status, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt };
}

export function tagView(r: Pick<typeof iamTags.$inferSelect, "key" | "value">): Tag {
  return r.value === null ? { key: r.key } : { key: r.key, value: r.value };
}

export const byPosition = (a: { position: number }, b: { position: number }) => a.position - b.position;
