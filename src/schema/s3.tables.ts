import { foreignKey, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { services } from "./tables";

/**
 * S3 data-plane records. Object bytes and per-object metadata live in R2; D1 holds only what R2's
 * binding cannot answer (multipart uploads in progress and their parts, for ListMultipartUploads,
 * ListParts and purges) and the hourly usage rollups the UsageMeter objects flush.
 */

/** A multipart upload in progress; the id is R2's own upload id. Gone once completed or aborted. */
export const s3MultipartUploads = sqliteTable(
  "s3_multipart_uploads",
  {
    uploadId: text("upload_id").primaryKey(),
    serviceUuid: text("service_uuid")
      .notNull()
      .references(() => services.uuid, { onDelete: "cascade" }),
    bucket: text("bucket").notNull(),
    key: text("key").notNull(),
    initiatedAt: text("initiated_at").notNull(),
    /** Owner ID and display name of the initiator, as ListMultipartUploads shows them. */
    ownerId: text("owner_id").notNull(),
    ownerName: text("owner_name").notNull(),
    /** x-amz-checksum-algorithm given at initiation (CRC32, CRC32C, SHA1, SHA256), if any. */
    checksumAlgorithm: text("checksum_algorithm"),
  },
  (t) => [index("s3_multipart_uploads_bucket").on(t.serviceUuid, t.bucket, t.key, t.initiatedAt)],
);

/** A part of an upload. `etag` is the part's MD5 hex (what S3 clients check); R2 keeps its own. */
export const s3MultipartParts = sqliteTable(
  "s3_multipart_parts",
  {
    uploadId: text("upload_id").notNull(),
    partNumber: integer("part_number").notNull(),
    etag: text("etag").notNull(),
    r2Etag: text("r2_etag").notNull(),
    size: integer("size").notNull(),
    /** x-amz-checksum-<algorithm> of the part (base64), when the upload has an algorithm. */
    checksum: text("checksum"),
    lastModified: text("last_modified").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.uploadId, t.partNumber] }),
    foreignKey({ columns: [t.uploadId], foreignColumns: [s3MultipartUploads.uploadId] }).onDelete("cascade"),
  ],
);

/**
 * Hourly usage per bucket and access key ("" for anonymous requests), flushed by the service's
 * UsageMeter with absolute values for the hour, so a repeated flush never double counts.
 */
export const s3UsageHourly = sqliteTable(
  "s3_usage_hourly",
  {
    serviceUuid: text("service_uuid")
      .notNull()
      .references(() => services.uuid, { onDelete: "cascade" }),
    bucket: text("bucket").notNull(),
    /** Start of the hour, ISO 8601 UTC: 2026-11-21T13:00:00Z. */
    hour: text("hour").notNull(),
    accessKeyId: text("access_key_id").notNull(),
    objectsCreated: integer("objects_created").notNull().default(0),
    bytesCreated: integer("bytes_created").notNull().default(0),
    objectsDeleted: integer("objects_deleted").notNull().default(0),
    bytesDeleted: integer("bytes_deleted").notNull().default(0),
    bytesReceived: integer("bytes_received").notNull().default(0),
    bytesSent: integer("bytes_sent").notNull().default(0),
    opsGet: integer("ops_get").notNull().default(0),
    opsPut: integer("ops_put").notNull().default(0),
    opsList: integer("ops_list").notNull().default(0),
    opsDelete: integer("ops_delete").notNull().default(0),
    opsOther: integer("ops_other").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.serviceUuid, t.bucket, t.hour, t.accessKeyId] }),
    index("s3_usage_hourly_hour").on(t.serviceUuid, t.hour),
  ],
);

/** Running totals per bucket as of the meter's last flush (the meter itself is exact and current). */
export const s3BucketUsage = sqliteTable(
  "s3_bucket_usage",
  {
    serviceUuid: text("service_uuid")
      .notNull()
      .references(() => services.uuid, { onDelete: "cascade" }),
    bucket: text("bucket").notNull(),
    objects: integer("objects").notNull(),
    bytes: integer("bytes").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceUuid, t.bucket] })],
);
