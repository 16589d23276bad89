import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** A tenant. Accounts may have a parent (a reseller's customers). */
export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  status: text("status", { enum: ["active", "disabled"] })
    .notNull()
    .default("active"),
  passwordHash: text("password_hash"),
  parentId: text("parent_id"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** Control-plane API tokens; only a SHA-256 of the token is kept. */
export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    prefix: text("prefix").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at"),
    revokedAt: text("revoked_at"),
  },
  (t) => [index("api_tokens_account").on(t.accountId)],
);

export const SERVICE_OPERATIONAL_STATES = [
  "pending",
  "running",
  "stopped",
  "setup-checkup",
  "setup-network",
  "setup-dns",
  "setup-service",
  "setup-iam",
  "setup-tls",
  "setup-public-endpoint",
  "setup-private-endpoint",
  "delete-dns",
  "delete-network",
  "delete-service",
  "delete-iam",
  "delete-tls",
  "delete-namespace",
  "delete-buckets",
  "cleanup-deleted-buckets",
  "delete-public-endpoint",
  "delete-private-endpoint",
] as const;
export type OperationalState = (typeof SERVICE_OPERATIONAL_STATES)[number];

/** An object storage instance (UpCloud's unit); other dialects use the account's default service. */
export const services = sqliteTable(
  "services",
  {
    uuid: text("uuid").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    region: text("region").notNull(),
    configuredStatus: text("configured_status", { enum: ["started", "stopped"] }).notNull(),
    operationalState: text("operational_state", { enum: SERVICE_OPERATIONAL_STATES }).notNull(),
    terminationProtection: integer("termination_protection", { mode: "boolean" }).notNull().default(false),
    /** First DNS label of every endpoint host: <label>.<base>, <label>-private.<base>, <label>-static.<base>. */
    endpointLabel: text("endpoint_label").notNull().unique(),
    accessControlOriginOverride: text("access_control_origin_override"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** Set when deletion starts; the row disappears when the lifecycle finishes cleaning up. */
    deletingSince: text("deleting_since"),
  },
  (t) => [uniqueIndex("services_account_name").on(t.accountId, t.name), index("services_account").on(t.accountId)],
);

export const serviceNetworks = sqliteTable(
  "service_networks",
  {
    serviceUuid: text("service_uuid")
      .notNull()
      .references(() => services.uuid, { onDelete: "cascade" }),
    name: text("name").notNull(),
    type: text("type", { enum: ["public", "private"] }).notNull(),
    family: text("family", { enum: ["IPv4", "IPv6"] }).notNull(),
    uuid: text("uuid"),
    position: integer("position").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceUuid, t.name] })],
);

export const serviceLabels = sqliteTable(
  "service_labels",
  {
    serviceUuid: text("service_uuid")
      .notNull()
      .references(() => services.uuid, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull().default(""),
    position: integer("position").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceUuid, t.key] }), index("service_labels_key").on(t.key, t.value)],
);

export const serviceStateMessages = sqliteTable(
  "service_state_messages",
  {
    serviceUuid: text("service_uuid")
      .notNull()
      .references(() => services.uuid, { onDelete: "cascade" }),
    code: text("code").notNull(),
    message: text("message").notNull(),
    operationalState: text("operational_state").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceUuid, t.code] })],
);

/** Buckets of a service; object bytes live in R2 under the service's prefix. */
export const buckets = sqliteTable(
  "buckets",
  {
    serviceUuid: text("service_uuid")
      .notNull()
      .references(() => services.uuid, { onDelete: "cascade" }),
    name: text("name").notNull(),
    createdAt: text("created_at").notNull(),
    /** Set when the bucket is deleted; a queue-driven purge removes its objects, then the row. */
    deletedAt: text("deleted_at"),
    policy: text("policy"),
    /**
     * Lease of the purge run working on a deleted bucket (core/buckets/purge.ts): a random token
     * and its expiry in D1's clock (unix seconds), so two deliveries never purge at once.
     */
    purgeLease: text("purge_lease"),
    purgeLeaseUntil: integer("purge_lease_until"),
  },
  (t) => [primaryKey({ columns: [t.serviceUuid, t.name] }), index("buckets_name").on(t.name)],
);
