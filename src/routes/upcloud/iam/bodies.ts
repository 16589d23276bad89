// The UpCloud dialect's bodies of the core's IAM records: its field names, its ARNs, and documents
// percent-encoded (as the vendor returns them).

import type { NewAccessKey } from "../../../core/iam/access-keys";
import * as attachments from "../../../core/iam/attachments";
import * as inline from "../../../core/iam/inline-policies";
import type { GroupRecord } from "../../../core/iam/groups";
import type { PolicyVersionRecord } from "../../../core/iam/policy-versions";
import type { PolicyRecord } from "../../../core/iam/policies";
import type { RoleRecord } from "../../../core/iam/roles";
import { encodeDocument, type Tag, versionId } from "../../../core/iam/rules";
import type { AccessKeyRecord, PolicyRef, UserRecord } from "../../../core/iam/views";
import { iamArn, policyArn } from "./arns";

export interface AccessKeyBody {
  access_key_id: string;
  status: "Active" | "Inactive";
  created_at: string;
  last_used_at: string;
}

export interface PolicyRefBody {
  name: string;
  arn: string;
}

/** A type alias (not an interface) so it fits the service schema's loose `users` records. */
export type UserBody = {
  username: string;
  arn: string;
  created_at: string;
  access_keys: AccessKeyBody[];
  policies: PolicyRefBody[];
  tags: Tag[];
  permissions_boundary?: string;
};

export const accessKeyBody = (k: AccessKeyRecord): AccessKeyBody => ({
  access_key_id: k.accessKeyId,
  status: k.status,
  created_at: k.createdAt,
  last_used_at: k.lastUsedAt,
});

export const newAccessKeyBody = (k: NewAccessKey) => ({ ...accessKeyBody(k), secret_access_key: k.secretAccessKey });

export const policyRefBody = (r: PolicyRef): PolicyRefBody => ({ name: r.name, arn: policyArn(r) });

export function userBody(u: UserRecord): UserBody {
  const body: UserBody = {
    username: u.name,
    arn: iamArn(u.serviceUuid, "user", u.name),
    created_at: u.createdAt,
    access_keys: u.accessKeys.map(accessKeyBody),
    policies: u.policies.map(policyRefBody),
    tags: u.tags,
  };
  if (u.permissionsBoundary !== null) body.permissions_boundary = u.permissionsBoundary;
  return body;
}

export const groupBody = (g: GroupRecord) => ({ name: g.name, arn: iamArn(g.serviceUuid, "group", g.name), created_at: g.createdAt });

export function roleBody(r: RoleRecord) {
  return {
    name: r.name,
    arn: iamArn(r.serviceUuid, "role", r.name),
    description: r.description,
    assume_role_policy_document: encodeDocument(r.trustDocument),
    max_session_duration: r.maxSessionDuration,
    ...(r.permissionsBoundary !== null ? { permissions_boundary: r.permissionsBoundary } : {}),
    created_at: r.createdAt,
    inline_policies: r.inlinePolicies.map((name) => ({ name })),
    policies: r.policies.map(policyRefBody),
    tags: r.tags,
  };
}

export function policyBody(p: PolicyRecord) {
  return {
    name: p.name,
    arn: policyArn(p),
    description: p.description,
    default_version_id: versionId(p.defaultVersion),
    attachment_count: p.attachmentCount,
    system: p.system,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    ...(p.document !== undefined ? { document: encodeDocument(p.document) } : {}),
  };
}

/** The vendor's recordings say created_at, its spec says create_date: both are sent. */
export const policyVersionBody = (v: PolicyVersionRecord) => ({
  version_id: versionId(v.version),
  document: encodeDocument(v.document),
  is_default: v.isDefault,
  created_at: v.createdAt,
  create_date: v.createdAt,
});

/** The core's listAttachedPolicies, answering the dialect's PolicyRef bodies. */
export async function listAttachedPolicies(...args: Parameters<typeof attachments.listAttachedPolicies>): Promise<PolicyRefBody[]> {
  return (await attachments.listAttachedPolicies(...args)).map(policyRefBody);
}

const inlineBody = (r: inline.InlinePolicyRecord) => ({ name: r.name, document: encodeDocument(r.document) });

/** The core's inline-policy operations, answering documents percent-encoded as the vendor does. */
export async function listInlinePolicies(...args: Parameters<typeof inline.listInlinePolicies>) {
  return (await inline.listInlinePolicies(...args)).map(inlineBody);
}

export async function getInlinePolicy(...args: Parameters<typeof inline.getInlinePolicy>) {
  return inlineBody(await inline.getInlinePolicy(...args));
}

export async function createInlinePolicy(...args: Parameters<typeof inline.createInlinePolicy>) {
  return inlineBody(await inline.createInlinePolicy(...args));
}
