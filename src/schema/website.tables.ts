import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { services } from "./tables";

/**
 * Custom domains and static website configs of a service. Both cascade with the service. A host
 * name routes to exactly one service, so both tables are unique by domain name across services.
 */

export const CUSTOM_DOMAIN_MODES = ["api", "static-website"] as const;
export type CustomDomainMode = (typeof CUSTOM_DOMAIN_MODES)[number];
export const CUSTOM_DOMAIN_TYPES = ["public"] as const;
export const DOMAIN_VERIFICATION_STATES = ["verified", "failed"] as const;

export const customDomains = sqliteTable(
  "custom_domains",
  {
    /** Lower-case host name; the primary key makes it unique across all services. */
    domainName: text("domain_name").primaryKey(),
    serviceUuid: text("service_uuid")
      .notNull()
      .references(() => services.uuid, { onDelete: "cascade" }),
    type: text("type", { enum: CUSTOM_DOMAIN_TYPES }).notNull(),
    /** Immutable after creation. */
    mode: text("mode", { enum: CUSTOM_DOMAIN_MODES }).notNull(),
    /** Result of the last DNS check; only verified domains receive traffic. */
    verification: text("verification", { enum: DOMAIN_VERIFICATION_STATES }).notNull(),
    /** Why the last check failed (which record is missing or points elsewhere). */
    verificationDetail: text("verification_detail"),
    checkedAt: text("checked_at").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("custom_domains_service").on(t.serviceUuid)],
);

export const staticWebsites = sqliteTable(
  "static_websites",
  {
    serviceUuid: text("service_uuid")
      .notNull()
      .references(() => services.uuid, { onDelete: "cascade" }),
    /** The service's primary static domain or one of its static-website custom domains. */
    domainName: text("domain_name").notNull(),
    bucketName: text("bucket_name").notNull(),
    bucketPrefix: text("bucket_prefix").notNull().default(""),
    indexDocument: text("index_document").notNull().default("index.html"),
    spaMode: integer("spa_mode", { mode: "boolean" }).notNull().default(false),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** JSON array of `{error_document, status_code}` or `{error_document, status_range: {start, end}}`. */
    errorPages: text("error_pages").notNull().default("[]"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceUuid, t.domainName] }), uniqueIndex("static_websites_domain").on(t.domainName)],
);
