/**
 * D1 access for jobs. Every change of progress is one transaction (a D1 batch) that
 *   1. adds the task's counts to the job (`x = x + ?`), only while the task is still undone,
 *   2. inserts the task's children, only while the task is still undone,
 *   3. records failures (idempotent upserts),
 *   4. marks the task done,
 *   5. completes the job when it is running and no task is left undone.
 * So a redelivered task counts once, concurrent tasks never lose counts, and exactly one
 * transaction — the one that finishes the last task — sees the job finished.
 */
import { and, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { isoMicro } from "../../lib/time";
import { jobCopyLedger, jobFailures, jobs, jobTasks, type JobState, type JobTaskKind } from "../../schema/jobs.tables";
import { db as getDb, type Db } from "../../storage/db";
import { CoreError, notFound } from "../errors";

export type JobRow = typeof jobs.$inferSelect;
export type FailureRow = typeof jobFailures.$inferSelect;
export type LedgerRow = typeof jobCopyLedger.$inferSelect;

/** The parent of the tasks configuration creates. */
export const CONFIGURE = "cfg";

export interface Counts {
  objectsTotal?: number;
  bytesTotal?: number;
  objectsCopied?: number;
  bytesCopied?: number;
  objectsSkipped?: number;
  bytesSkipped?: number;
  objectsFailed?: number;
  bytesFailed?: number;
}

export interface NewTask {
  taskId: string;
  kind: JobTaskKind;
  payload: unknown;
}

export type NewFailure = Omit<FailureRow, "jobUuid" | "at">;

export interface TaskResult {
  counts?: Counts;
  children?: NewTask[];
  failures?: NewFailure[];
}

export async function insertJob(d: Db, row: typeof jobs.$inferInsert): Promise<void> {
  await d.insert(jobs).values(row);
}

export async function deleteJob(d: Db, uuid: string): Promise<void> {
  await d.delete(jobs).where(eq(jobs.uuid, uuid));
}

export async function findJob(d: Db, accountId: string, uuid: string): Promise<JobRow> {
  const row = await d
    .select()
    .from(jobs)
    .where(and(eq(jobs.uuid, uuid), eq(jobs.accountId, accountId)))
    .get();
  if (!row) throw notFound("Job");
  return row;
}

export async function loadJob(d: Db, uuid: string): Promise<JobRow | null> {
  return (await d.select().from(jobs).where(eq(jobs.uuid, uuid)).get()) ?? null;
}

export async function listJobRows(d: Db, accountId: string): Promise<JobRow[]> {
  return d.select().from(jobs).where(eq(jobs.accountId, accountId)).orderBy(desc(jobs.createdAt), desc(jobs.uuid)).all();
}

/** Cancels a job that has not finished; 404 for unknown or foreign ids, 400 once finished. */
export async function cancelJob(d: Db, accountId: string, uuid: string): Promise<void> {
  const now = isoMicro();
  const res = await d
    .update(jobs)
    .set({ operationalState: "canceled", canceledAt: now, finishedAt: now, updatedAt: now })
    .where(and(eq(jobs.uuid, uuid), eq(jobs.accountId, accountId), inArray(jobs.operationalState, ["pending", "configuring", "running"])))
    .run();
  if (res.meta.changes === 1) return;
  const row = await findJob(d, accountId, uuid);
  throw new CoreError(
    "INVALID_REQUEST",
    `Job is already ${row.operationalState}; only pending, configuring or running jobs can be canceled.`,
    [{ name: "job_uuid", reason: `job is already ${row.operationalState}` }],
    "service-state",
  );
}

/** Moves a job between states; false when it was not in one of `from` (another delivery got there first, or it was canceled). */
export async function transition(d: Db, uuid: string, from: JobState[], to: JobState, extra: Partial<JobRow> = {}): Promise<boolean> {
  const now = isoMicro();
  const finished = to === "completed" || to === "failed" || to === "canceled";
  const res = await d
    .update(jobs)
    .set({ operationalState: to, updatedAt: now, ...(finished ? { finishedAt: now } : {}), ...extra })
    .where(and(eq(jobs.uuid, uuid), inArray(jobs.operationalState, from)))
    .run();
  return res.meta.changes === 1;
}

export async function findTask(d: Db, jobUuid: string, taskId: string) {
  return (
    (await d
      .select()
      .from(jobTasks)
      .where(and(eq(jobTasks.jobUuid, jobUuid), eq(jobTasks.taskId, taskId)))
      .get()) ?? null
  );
}

/** Undone children of a task: what its (re)delivery must (re)send. */
export async function openChildren(d: Db, jobUuid: string, parentId: string) {
  return d
    .select({ taskId: jobTasks.taskId, kind: jobTasks.kind, payload: jobTasks.payload })
    .from(jobTasks)
    .where(and(eq(jobTasks.jobUuid, jobUuid), eq(jobTasks.parentId, parentId), eq(jobTasks.done, false)))
    .all();
}

export async function ledgerEntry(d: Db, targetServiceUuid: string, bucket: string, key: string): Promise<LedgerRow | null> {
  return (
    (await d
      .select()
      .from(jobCopyLedger)
      .where(and(eq(jobCopyLedger.targetServiceUuid, targetServiceUuid), eq(jobCopyLedger.bucket, bucket), eq(jobCopyLedger.key, key)))
      .get()) ?? null
  );
}

/** A statement for env.DB.batch (drizzle cannot batch raw SQL with parameters). */
type Statement = D1PreparedStatement;
function prepare(env: Env, d: Db, q: SQL | { toSQL(): { sql: string; params: unknown[] } }): Statement {
  const { sql: text, params } = "toSQL" in q ? q.toSQL() : d.run(q).getQuery();
  return env.DB.prepare(text).bind(...params);
}

const COUNT_COLUMNS: [keyof Counts, string][] = [
  ["objectsTotal", "objects_total"],
  ["bytesTotal", "bytes_total"],
  ["objectsCopied", "objects_copied"],
  ["bytesCopied", "bytes_copied"],
  ["objectsSkipped", "objects_skipped"],
  ["bytesSkipped", "bytes_skipped"],
  ["objectsFailed", "objects_failed"],
  ["bytesFailed", "bytes_failed"],
];

function increments(counts: Counts): SQL {
  const parts: SQL[] = [];
  for (const [field, column] of COUNT_COLUMNS) {
    const n = counts[field];
    if (n) parts.push(sql`${sql.raw(column)} = ${sql.raw(column)} + ${n}`);
  }
  parts.push(sql`updated_at = ${isoMicro()}`);
  return sql.join(parts, sql`, `);
}

const undone = (jobUuid: string, taskId: string) =>
  sql`EXISTS (SELECT 1 FROM job_tasks WHERE job_uuid = ${jobUuid} AND task_id = ${taskId} AND done = 0)`;

/**
 * The job's end, decided inside the transaction that finished its last task: failed when nothing
 * could be copied or skipped yet something failed ("nothing can proceed"), completed otherwise;
 * the error names the failure count and the first failure.
 */
function finalize(jobUuid: string, now: string): SQL {
  return sql`UPDATE jobs SET
      operational_state = CASE WHEN objects_copied + objects_skipped = 0 AND EXISTS (SELECT 1 FROM job_failures WHERE job_uuid = ${jobUuid}) THEN 'failed' ELSE 'completed' END,
      error = COALESCE((SELECT (SELECT count(*) FROM job_failures WHERE job_uuid = ${jobUuid}) || ' item(s) could not be copied; first: ' ||
                 CASE WHEN key = '' THEN 'bucket ' || source_bucket ELSE source_bucket || '/' || key END || ': ' || error
               FROM job_failures WHERE job_uuid = ${jobUuid} ORDER BY at, source_bucket, key LIMIT 1), ''),
      finished_at = ${now}, updated_at = ${now}
    WHERE uuid = ${jobUuid} AND operational_state = 'running'
      AND NOT EXISTS (SELECT 1 FROM job_tasks WHERE job_uuid = ${jobUuid} AND done = 0)`;
}

function childInserts(env: Env, d: Db, jobUuid: string, parentId: string, guard: SQL, children: NewTask[], now: string): Statement[] {
  return children.map((c) =>
    prepare(
      env,
      d,
      sql`INSERT OR IGNORE INTO job_tasks (job_uuid, task_id, kind, parent_id, payload, done, created_at)
      SELECT ${jobUuid}, ${c.taskId}, ${c.kind}, ${parentId}, ${JSON.stringify(c.payload)}, 0, ${now} WHERE ${guard}`,
    ),
  );
}

function failureRecords(env: Env, d: Db, jobUuid: string, r: TaskResult, now: string): Statement[] {
  return (r.failures ?? []).map((f) =>
    prepare(
      env,
      d,
      d
        .insert(jobFailures)
        .values({ ...f, jobUuid, at: now })
        .onConflictDoUpdate({
          target: [jobFailures.jobUuid, jobFailures.sourceBucket, jobFailures.key],
          set: { stage: f.stage, error: f.error, size: f.size, at: now },
        }),
    ),
  );
}

/** Records a copy the ETags alone cannot recognise later (an upsert: it describes the target as it now is). */
export async function rememberCopy(d: Db, l: Omit<LedgerRow, "copiedAt">): Promise<void> {
  const now = isoMicro();
  await d
    .insert(jobCopyLedger)
    .values({ ...l, copiedAt: now })
    .onConflictDoUpdate({
      target: [jobCopyLedger.targetServiceUuid, jobCopyLedger.bucket, jobCopyLedger.key],
      set: { sourceEtag: l.sourceEtag, size: l.size, targetEtag: l.targetEtag, copiedAt: now },
    });
}

/** Commits a task's outcome once (see the file comment); false when it had been committed before. */
export async function commitTask(env: Env, jobUuid: string, taskId: string, r: TaskResult): Promise<boolean> {
  const d = getDb(env);
  const now = isoMicro();
  const guard = undone(jobUuid, taskId);
  const [counted] = await env.DB.batch([
    prepare(env, d, sql`UPDATE jobs SET ${increments(r.counts ?? {})} WHERE uuid = ${jobUuid} AND ${guard}`),
    ...childInserts(env, d, jobUuid, taskId, guard, r.children ?? [], now),
    ...failureRecords(env, d, jobUuid, r, now),
    prepare(
      env,
      d,
      d
        .update(jobTasks)
        .set({ done: true })
        .where(and(eq(jobTasks.jobUuid, jobUuid), eq(jobTasks.taskId, taskId))),
    ),
    prepare(env, d, finalize(jobUuid, now)),
  ]);
  return counted!.meta.changes === 1;
}

/**
 * Ends configuration: inserts the first tasks and moves the job to running, only while it is still
 * configuring (a duplicate delivery or a cancel in between changes nothing). A job with nothing to
 * do completes in the same transaction.
 */
export async function commitConfigure(env: Env, jobUuid: string, r: TaskResult): Promise<boolean> {
  const d = getDb(env);
  const now = isoMicro();
  const guard = sql`EXISTS (SELECT 1 FROM jobs WHERE uuid = ${jobUuid} AND operational_state = 'configuring')`;
  const results = await env.DB.batch([
    ...childInserts(env, d, jobUuid, CONFIGURE, guard, r.children ?? [], now),
    ...failureRecords(env, d, jobUuid, r, now),
    prepare(
      env,
      d,
      d
        .update(jobs)
        .set({ operationalState: "running", startedAt: now, updatedAt: now })
        .where(and(eq(jobs.uuid, jobUuid), eq(jobs.operationalState, "configuring"))),
    ),
    prepare(env, d, finalize(jobUuid, now)),
  ]);
  return results[results.length - 2]!.meta.changes === 1;
}
