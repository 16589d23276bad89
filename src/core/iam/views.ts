// Response shapes of the IAM entities (the UpCloud dialect's field names, which the core adopts).

import { getSystemPolicy } from "../policy";
import type { iamAccessKeys, iamTags } from "../../schema/iam.tables";
import { iamArn, systemPolicyArn, type Tag } from "./rules";

export interface AccessKeyView {
  access_key_id: string;
  status: "Active" | "Inactive";
  created_at: string;
  last_used_at: string;
}

export interface PolicyRef {
  name: string;
  arn: string;
}

/** A type alias (not an interface) so it fits the service schema's loose `users` records. */
export type UserView = {
  username: string;
  arn: string;
  created_at: string;
  access_keys: AccessKeyView[];
  policies: PolicyRef[];
  tags: Tag[];
  permissions_boundary?: string;
};

export function policyArn(svc: string, name: string): string {
  return getSystemPolicy(name) ? systemPolicyArn(name) : iamArn(svc, "policy", name);
}

export const policyRef = (svc: string, name: string): PolicyRef => ({ name, arn: policyArn(svc, name) });

export function accessKeyView(
  r: Pick<typeof iamAccessKeys.$inferSelect, "accessKeyId" | "status" | "createdAt" | "lastUsedAt">,
): AccessKeyView {
  return { access_key_id: r.accessKeyId, status: r.status, created_at: r.createdAt, last_used_at: r.lastUsedAt };
}

export function tagView(r: Pick<typeof iamTags.$inferSelect, "key" | "value">): Tag {
  return r.value === null ? { key: r.key } : { key: r.key, value: r.value };
}

export const byPosition = (a: { position: number }, b: { position: number }) => a.position - b.position;
