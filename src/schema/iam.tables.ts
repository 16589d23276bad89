import { foreignKey, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { services } from "./tables";

/**
 * The IAM namespace of a service. Every row carries its service, and deleting the service cascades.
 * Names are the keys (the vendor API addresses everything by name). Rows that hang off a user,
 * group or role of several kinds (attachments, inline policies, tags) name their principal by
 * (principal_type, principal_name); their integrity is kept by conditional writes in src/core/iam.
 */

const serviceUuid = () =>
  text("service_uuid")
    .notNull()
    .references(() => services.uuid, { onDelete: "cascade" });

export const IAM_PRINCIPAL_TYPES = ["user", "group", "role"] as const;
export type IamPrincipalType = (typeof IAM_PRINCIPAL_TYPES)[number];

export const iamUsers = sqliteTable(
  "iam_users",
  {
    serviceUuid: serviceUuid(),
    name: text("name").notNull(),
    /** Stable id (AIDA…) for aws:userid; never reused even when a user of the same name returns. */
    id: text("id").notNull().unique(),
    /** Name of a managed policy (custom or system) limiting the user's identity permissions. */
    permissionsBoundary: text("permissions_boundary"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceUuid, t.name] })],
);

export const ACCESS_KEY_STATUSES = ["Active", "Inactive"] as const;
/** What `last_used_at` says until the data plane first accepts a key (the vendor's zero time). */
export const NEVER_USED = "0001-01-01T00:00:00Z";

export const iamAccessKeys = sqliteTable(
  "iam_access_keys",
  {
    /** Globally unique: the S3 data plane finds the service from the key id alone. */
    accessKeyId: text("access_key_id").primaryKey(),
    serviceUuid: serviceUuid(),
    username: text("username").notNull(),
    /** encryptSecret(MASTER_KEY, secret): "<key id>.<iv>.<ciphertext>"; never the plaintext. */
    secretSealed: text("secret_sealed").notNull(),
    status: text("status", { enum: ACCESS_KEY_STATUSES }).notNull(),
    createdAt: text("created_at").notNull(),
    lastUsedAt: text("last_used_at").notNull().default(NEVER_USED),
  },
  (t) => [
    index("iam_access_keys_user").on(t.serviceUuid, t.username),
    foreignKey({ columns: [t.serviceUuid, t.username], foreignColumns: [iamUsers.serviceUuid, iamUsers.name] }),
  ],
);

/** Custom managed policies. System policies are not rows: every service lists them from code. */
export const iamPolicies = sqliteTable(
  "iam_policies",
  {
    serviceUuid: serviceUuid(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** Number n of the default version "vn". */
    defaultVersion: integer("default_version").notNull(),
    /** Number the next version gets; versions are never renumbered or reused, as in AWS. */
    nextVersion: integer("next_version").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceUuid, t.name] })],
);

export const iamPolicyVersions = sqliteTable(
  "iam_policy_versions",
  {
    serviceUuid: serviceUuid(),
    policyName: text("policy_name").notNull(),
    version: integer("version").notNull(),
    /** The document text as the client sent it (after percent-decoding). */
    document: text("document").notNull(),
    /** policyToJson of the validated document: what the evaluator reads. */
    normalized: text("normalized").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.serviceUuid, t.policyName, t.version] }),
    foreignKey({ columns: [t.serviceUuid, t.policyName], foreignColumns: [iamPolicies.serviceUuid, iamPolicies.name] }).onDelete("cascade"),
  ],
);

/** Managed policy (custom or system) attached to a user, group or role. */
export const iamAttachments = sqliteTable(
  "iam_attachments",
  {
    serviceUuid: serviceUuid(),
    principalType: text("principal_type", { enum: IAM_PRINCIPAL_TYPES }).notNull(),
    principalName: text("principal_name").notNull(),
    policyName: text("policy_name").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.serviceUuid, t.principalType, t.principalName, t.policyName] }),
    index("iam_attachments_policy").on(t.serviceUuid, t.policyName),
  ],
);

export const iamInlinePolicies = sqliteTable(
  "iam_inline_policies",
  {
    serviceUuid: serviceUuid(),
    principalType: text("principal_type", { enum: IAM_PRINCIPAL_TYPES }).notNull(),
    principalName: text("principal_name").notNull(),
    name: text("name").notNull(),
    document: text("document").notNull(),
    normalized: text("normalized").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceUuid, t.principalType, t.principalName, t.name] })],
);

export const iamGroups = sqliteTable(
  "iam_groups",
  {
    serviceUuid: serviceUuid(),
    name: text("name").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceUuid, t.name] })],
);

export const iamGroupMembers = sqliteTable(
  "iam_group_members",
  {
    serviceUuid: serviceUuid(),
    groupName: text("group_name").notNull(),
    username: text("username").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.serviceUuid, t.groupName, t.username] }),
    index("iam_group_members_user").on(t.serviceUuid, t.username),
    foreignKey({ columns: [t.serviceUuid, t.groupName], foreignColumns: [iamGroups.serviceUuid, iamGroups.name] }),
    foreignKey({ columns: [t.serviceUuid, t.username], foreignColumns: [iamUsers.serviceUuid, iamUsers.name] }),
  ],
);

export const iamRoles = sqliteTable(
  "iam_roles",
  {
    serviceUuid: serviceUuid(),
    name: text("name").notNull(),
    /** Stable id (AROA…) for aws:userid of sessions of the role. */
    id: text("id").notNull().unique(),
    description: text("description").notNull().default(""),
    /** Trust policy as sent (percent-decoded) and normalized. */
    trustDocument: text("trust_document").notNull(),
    trustNormalized: text("trust_normalized").notNull(),
    maxSessionDuration: integer("max_session_duration").notNull(),
    permissionsBoundary: text("permissions_boundary"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceUuid, t.name] })],
);

/** Tags of users and roles, kept in the order the client gave them. */
export const iamTags = sqliteTable(
  "iam_tags",
  {
    serviceUuid: serviceUuid(),
    principalType: text("principal_type", { enum: IAM_PRINCIPAL_TYPES }).notNull(),
    principalName: text("principal_name").notNull(),
    key: text("key").notNull(),
    value: text("value"),
    position: integer("position").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceUuid, t.principalType, t.principalName, t.key] })],
);
