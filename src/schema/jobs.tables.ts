import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts, services } from "./tables";

/**
 * Migration jobs (UpCloud jobs today, Lyve Transporter migrations later). A job copies objects from
 * any S3-compatible source into a service of its account. Its work is split into tasks (configure,
 * one per listing page, one per copy batch) carried as queue messages; each task's accounting commits
 * once, in one D1 transaction, so redelivered messages never double count, and the job completes
 * when no task is left undone (see src/core/jobs/README.md).
 */

export const JOB_TYPES = ["copy"] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_STATES = ["pending", "configuring", "running", "completed", "failed", "canceled"] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINISHED_JOB_STATES: readonly JobState[] = ["completed", "failed", "canceled"];

const counter = (name: string) => integer(name).notNull().default(0);

export const jobs = sqliteTable(
  "jobs",
  {
    uuid: text("uuid").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    type: text("type", { enum: JOB_TYPES }).notNull(),
    /** JobSpec as JSON (src/core/jobs/spec.ts): endpoints, buckets, key ids and options; never a secret. */
    input: text("input").notNull(),
    /** encryptSecret(MASTER_KEY, secret) of the source and target secret access keys. */
    sourceSecretSealed: text("source_secret_sealed").notNull(),
    targetSecretSealed: text("target_secret_sealed").notNull(),
    /** The account's service the target endpoint names; the job outlives it (its copies then fail). */
    targetServiceUuid: text("target_service_uuid").references(() => services.uuid, { onDelete: "set null" }),
    operationalState: text("operational_state", { enum: JOB_STATES }).notNull(),
    /** Found by listing (grows while listing runs). */
    objectsTotal: counter("objects_total"),
    bytesTotal: counter("bytes_total"),
    /** Transferred by this job. */
    objectsCopied: counter("objects_copied"),
    bytesCopied: counter("bytes_copied"),
    /** Already at the target with the same size and content (not transferred again). */
    objectsSkipped: counter("objects_skipped"),
    bytesSkipped: counter("bytes_skipped"),
    /** Given up on; each has a row in job_failures. */
    objectsFailed: counter("objects_failed"),
    bytesFailed: counter("bytes_failed"),
    /** Why the job failed, or a summary of per-object failures of a completed job; "" when none. */
    error: text("error").notNull().default(""),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** When configuration finished and copying began (transfer_time counts from here). */
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
    /** Set by cancel; handlers check the state before every task, so cancel stops the next batch. */
    canceledAt: text("canceled_at"),
  },
  (t) => [index("jobs_account").on(t.accountId, t.createdAt)],
);

export const JOB_TASK_KINDS = ["list", "copy"] as const;
export type JobTaskKind = (typeof JOB_TASK_KINDS)[number];

/**
 * A unit of queued work. Children are inserted in the same transaction that marks their parent
 * done, so "no undone task" is exactly "the job's work is finished".
 */
export const jobTasks = sqliteTable(
  "job_tasks",
  {
    jobUuid: text("job_uuid")
      .notNull()
      .references(() => jobs.uuid, { onDelete: "cascade" }),
    /** Deterministic within the job ("l:<bucket index>:<page>", "c:<bucket index>:<page>:<n>"). */
    taskId: text("task_id").notNull(),
    kind: text("kind", { enum: JOB_TASK_KINDS }).notNull(),
    /** The task that created this one ("" for tasks created by configuration). */
    parentId: text("parent_id").notNull(),
    /** What the task works on, as JSON (a listing cursor, or a batch of objects). */
    payload: text("payload").notNull(),
    done: integer("done", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.jobUuid, t.taskId] }),
    index("job_tasks_open").on(t.jobUuid, t.done),
    index("job_tasks_parent").on(t.jobUuid, t.parentId),
  ],
);

/** The report of a job: one row per object (or bucket, key "") that could not be copied. */
export const jobFailures = sqliteTable(
  "job_failures",
  {
    jobUuid: text("job_uuid")
      .notNull()
      .references(() => jobs.uuid, { onDelete: "cascade" }),
    sourceBucket: text("source_bucket").notNull(),
    /** "" for a failure of the whole bucket (listing refused, target bucket not creatable). */
    key: text("key").notNull(),
    targetBucket: text("target_bucket").notNull(),
    size: integer("size").notNull(),
    sourceEtag: text("source_etag").notNull().default(""),
    /** Where it failed: read (source), write (target), list, bucket. */
    stage: text("stage", { enum: ["read", "write", "list", "bucket"] }).notNull(),
    error: text("error").notNull(),
    at: text("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobUuid, t.sourceBucket, t.key] })],
);

/**
 * Copies whose target ETag differs from the source ETag (multipart copies, sources whose ETag is
 * not an MD5). A later copy of the same object skips it when the source ETag and size and the
 * target's current ETag all still match this record.
 */
export const jobCopyLedger = sqliteTable(
  "job_copy_ledger",
  {
    targetServiceUuid: text("target_service_uuid")
      .notNull()
      .references(() => services.uuid, { onDelete: "cascade" }),
    bucket: text("bucket").notNull(),
    key: text("key").notNull(),
    sourceEtag: text("source_etag").notNull(),
    size: integer("size").notNull(),
    targetEtag: text("target_etag").notNull(),
    copiedAt: text("copied_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.targetServiceUuid, t.bucket, t.key] })],
);
