/**
 * Jobs as the control plane sees them: create (validate, seal the secrets, queue configuration),
 * read, list, cancel, and the dialect-neutral progress view the dialects shape their answers from.
 */
import { config } from "../../config";
import { encryptSecret } from "../../lib/crypto";
import { uuid as newUuid } from "../../lib/ids";
import { isoMicro } from "../../lib/time";
import type { JobState, JobType } from "../../schema/jobs.tables";
import { db as getDb } from "../../storage/db";
import { type JobMessage } from "./engine";
import { checkCreate, JobSpecSchema, type CreateJobInput, type JobSpec } from "./spec";
import { cancelJob as cancelRow, deleteJob, findJob, insertJob, listJobRows, type JobRow } from "./store";

export interface JobView {
  uuid: string;
  type: JobType;
  spec: JobSpec;
  state: JobState;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  objects: { total: number; copied: number; skipped: number; failed: number };
  bytes: { total: number; copied: number; skipped: number; failed: number };
  /** Seconds spent since copying started (until it finished), as the vendor writes it: "2.278". */
  transferTime: string;
  error: string;
}

function jobView(row: JobRow, now = Date.now()): JobView {
  const start = row.startedAt ? Date.parse(row.startedAt) : null;
  const end = row.finishedAt ? Date.parse(row.finishedAt) : now;
  const seconds = start === null ? 0 : Math.max(0, end - start) / 1000;
  return {
    uuid: row.uuid,
    type: row.type,
    spec: JobSpecSchema.parse(JSON.parse(row.input)),
    state: row.operationalState,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    objects: { total: row.objectsTotal, copied: row.objectsCopied, skipped: row.objectsSkipped, failed: row.objectsFailed },
    bytes: { total: row.bytesTotal, copied: row.bytesCopied, skipped: row.bytesSkipped, failed: row.bytesFailed },
    transferTime: String(Number(seconds.toFixed(3))),
    error: row.error,
  };
}

export async function createJob(env: Env, accountId: string, input: CreateJobInput): Promise<JobView> {
  const d = getDb(env);
  const { spec, targetServiceUuid } = await checkCreate(env, d, accountId, input);
  const key = config(env).MASTER_KEY;
  const now = isoMicro();
  const row: JobRow = {
    uuid: newUuid(),
    accountId,
    type: input.type,
    input: JSON.stringify(spec),
    sourceSecretSealed: await encryptSecret(key, input.source.secret_access_key),
    targetSecretSealed: await encryptSecret(key, input.target.secret_access_key),
    targetServiceUuid,
    operationalState: "pending",
    objectsTotal: 0,
    bytesTotal: 0,
    objectsCopied: 0,
    bytesCopied: 0,
    objectsSkipped: 0,
    bytesSkipped: 0,
    objectsFailed: 0,
    bytesFailed: 0,
    error: "",
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
    canceledAt: null,
  };
  await insertJob(d, row);
  try {
    await env.JOBS.send({ kind: "job-configure", job: row.uuid } satisfies JobMessage);
  } catch (e) {
    // A job nobody will ever configure would sit in pending forever: the create fails instead.
    await deleteJob(d, row.uuid);
    throw e;
  }
  return jobView(row);
}

export async function getJob(env: Env, accountId: string, uuid: string): Promise<JobView> {
  return jobView(await findJob(getDb(env), accountId, uuid));
}

export async function listJobs(env: Env, accountId: string): Promise<JobView[]> {
  const now = Date.now();
  return (await listJobRows(getDb(env), accountId)).map((r) => jobView(r, now));
}

export async function cancelJob(env: Env, accountId: string, uuid: string): Promise<JobView> {
  const d = getDb(env);
  await cancelRow(d, accountId, uuid);
  return jobView(await findJob(d, accountId, uuid));
}
