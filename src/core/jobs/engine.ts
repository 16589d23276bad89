/**
 * The queue side of a job: configure (check both endpoints, create target buckets, plan one
 * listing chain per bucket), list (one ListObjectsV2 page per message, fanned out into copy
 * batches and the next page), copy (one batch of objects per message). Every handler re-reads the
 * job first and does nothing unless it is still in the state the message belongs to, so a cancel
 * takes effect before the next message, and every handler is safe to run twice.
 */
import { z } from "zod";
import { config } from "../../config";
import { retryDelaySeconds } from "../../lib/backoff";
import { decryptSecret } from "../../lib/crypto";
import { db as getDb } from "../../storage/db";
import { bucketNameProblem } from "../s3/rules";
import { copyObject, MULTIPART_THRESHOLD, Streams, targetLookup, type CopyContext, type CopyOutcome, type LedgerRecord } from "./copy";
import { S3CallError, S3Client, addressableKey, type ListedObject, type Side } from "./s3client";
import { JobSpecSchema, type EndpointSpec, type JobSpec } from "./spec";
import {
  CONFIGURE,
  commitConfigure,
  commitTask,
  findTask,
  ledgerEntry,
  loadJob,
  openChildren,
  rememberCopy,
  transition,
  type JobRow,
  type NewFailure,
  type NewTask,
  type TaskResult,
} from "./store";
import { transport, type JobTransport, type LocalS3 } from "./transport";

// ---------------------------------------------------------------- tuning

/**
 * Sizes of the work units. A plain object so tests can shrink pages and batches to exercise
 * paging with a handful of objects; nothing else changes it.
 */
export const tuning = {
  /** Keys per listing page (S3's maximum). */
  listPage: 1000,
  /** A copy batch holds at most this many objects and bytes (big objects get batches of their own). */
  batchObjects: 100,
  batchBytes: 256 * 1024 * 1024,
  /** Objects of one batch copied at once. */
  copyConcurrency: 16,
  /** Source-to-target streams (objects and parts) open at once per message; see copy.ts `Streams`. */
  streams: 3,
  /** Objects above this size are copied in parts (tests lower it to exercise multipart with small objects). */
  multipartThreshold: MULTIPART_THRESHOLD,
};
/** Deliveries of a configure or listing step that failed transiently, before the job gives up on it. */
const STEP_ATTEMPTS = 5;

// ---------------------------------------------------------------- messages and payloads

export const ConfigureMessage = z.object({
  kind: z.literal("job-configure"),
  job: z.string().min(1),
  attempt: z.number().int().min(1).optional(),
});
export const ListMessage = z.object({ kind: z.literal("job-list"), job: z.string().min(1), task: z.string().min(1) });
export const CopyMessage = z.object({ kind: z.literal("job-copy"), job: z.string().min(1), task: z.string().min(1) });
export type JobMessage = z.infer<typeof ConfigureMessage> | z.infer<typeof ListMessage> | z.infer<typeof CopyMessage>;

/** One listing step: bucket pair (index bi), page number, continuation token, delivery attempt. */
const ListPayload = z.object({
  sb: z.string(),
  tb: z.string(),
  bi: z.number().int(),
  page: z.number().int(),
  token: z.string().nullable(),
  attempt: z.number().int(),
  /** The last key of the previous page (where this page's first batch starts). */
  prev: z.string().nullable().default(null),
});
type ListPayload = z.infer<typeof ListPayload>;
/** One copy batch: objects as key, size, ETag; `after` is the source key listed just before the first. */
const CopyPayload = z.object({
  sb: z.string(),
  tb: z.string(),
  after: z.string().nullable().default(null),
  objects: z.array(z.object({ k: z.string(), s: z.number(), e: z.string() })),
});
type CopyPayload = z.infer<typeof CopyPayload>;

/** Sends tasks as messages (sendBatch takes at most 100). A retried listing step waits its backoff. */
async function sendTasks(env: Env, jobUuid: string, tasks: { taskId: string; kind: "list" | "copy"; payload: string }[]): Promise<void> {
  const messages = tasks.map((t) => {
    const body: JobMessage = { kind: t.kind === "list" ? "job-list" : "job-copy", job: jobUuid, task: t.taskId };
    const attempt = t.kind === "list" ? (ListPayload.safeParse(JSON.parse(t.payload)).data?.attempt ?? 1) : 1;
    return attempt > 1 ? { body, delaySeconds: retryDelaySeconds(attempt - 1) } : { body };
  });
  for (let i = 0; i < messages.length; i += 100) await env.JOBS.sendBatch(messages.slice(i, i + 100));
}

// ---------------------------------------------------------------- clients

const AWS_HOST = /(?:^|\.)s3[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$/;

async function signingRegion(e: EndpointSpec, t: JobTransport): Promise<string> {
  if (e.region) return e.region;
  const url = new URL(e.endpoint_url);
  const local = await t.localService(url);
  if (local) return local.region;
  return AWS_HOST.exec(url.hostname)?.[1] ?? "us-east-1";
}

async function client(env: Env, side: Side, e: EndpointSpec, sealed: string, t: JobTransport): Promise<S3Client> {
  const secretAccessKey = await decryptSecret(config(env).MASTER_KEY, sealed);
  return new S3Client(
    side,
    { endpointUrl: e.endpoint_url, accessKeyId: e.access_key_id, secretAccessKey, region: await signingRegion(e, t) },
    t.send,
  );
}

async function clients(env: Env, job: JobRow, t: JobTransport): Promise<{ spec: JobSpec; source: S3Client; target: S3Client }> {
  const spec = JobSpecSchema.parse(JSON.parse(job.input));
  return {
    spec,
    source: await client(env, "source", spec.source, job.sourceSecretSealed, t),
    target: await client(env, "target", spec.target, job.targetSecretSealed, t),
  };
}

// ---------------------------------------------------------------- configure

/** The job cannot proceed at all: it fails with this message. */
class JobFailure extends Error {}

function checkFailure(side: Side, endpoint: string, e: S3CallError, bucket?: string): JobFailure {
  const detail = e.message.replace(/^\w+ \w+: /, "");
  switch (e.code) {
    case "InvalidAccessKeyId":
    case "SignatureDoesNotMatch":
    case "InvalidToken":
    case "ExpiredToken":
      return new JobFailure(`The ${side} endpoint ${endpoint} rejected the ${side} credentials: ${detail}`);
    case "AccessDenied":
      return new JobFailure(
        `The ${side} credentials are not allowed to ${bucket ? `list bucket "${bucket}"` : "list buckets"} at ${endpoint}: ${detail}`,
      );
    case "NoSuchBucket":
      return new JobFailure(`The ${side} bucket "${bucket ?? ""}" does not exist at ${endpoint}.`);
    default:
      return new JobFailure(`The ${side} endpoint ${endpoint} refused the job: ${detail}`);
  }
}

/** Permanent S3 refusals become the job's failure; transient ones go back to the caller to retry. */
async function check<T>(side: Side, endpoint: string, fn: () => Promise<T>, bucket?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof S3CallError && !e.transient) throw checkFailure(side, endpoint, e, bucket);
    throw e;
  }
}

const bucketFailure = (sb: string, tb: string, stage: NewFailure["stage"], error: string): NewFailure => ({
  sourceBucket: sb,
  key: "",
  targetBucket: tb,
  size: 0,
  sourceEtag: "",
  stage,
  error,
});

async function plan(env: Env, job: JobRow, t: JobTransport): Promise<TaskResult> {
  const { spec, source, target } = await clients(env, job, t);
  const sb = spec.source.bucket;
  // Credentials first, both sides, so a wrong key fails the job with a clear message.
  if (sb !== undefined) await check("source", spec.source.endpoint_url, () => source.listObjects(sb, null, 1, spec.source.prefix), sb);
  const sourceBuckets = sb !== undefined ? [sb] : await check("source", spec.source.endpoint_url, () => source.listBuckets());
  await check("target", spec.target.endpoint_url, () => target.listBuckets());

  const pairs: [string, string][] = sb !== undefined ? [[sb, spec.target.bucket ?? sb]] : sourceBuckets.map((b) => [b, b]);
  const children: NewTask[] = [];
  const failures: NewFailure[] = [];
  for (const [i, [s, t]] of pairs.entries()) {
    const invalid = bucketNameProblem(t);
    if (invalid) {
      failures.push(bucketFailure(s, t, "bucket", `no bucket of this name can exist on the target: ${invalid}`));
      continue;
    }
    try {
      // HeadBucket needs s3:ListBucket; a key without it can still create (or own) the bucket.
      const exists = await target.headBucket(t).catch((e: unknown) => {
        if (e instanceof S3CallError && e.status === 403) return false;
        throw e;
      });
      if (!exists) await target.createBucket(t);
    } catch (e) {
      if (!(e instanceof S3CallError) || e.transient) throw e;
      if (sb !== undefined) throw new JobFailure(`The target bucket "${t}" could not be created: ${e.message}`);
      failures.push(bucketFailure(s, t, "bucket", `the target bucket could not be created: ${e.message}`));
      continue;
    }
    const payload: ListPayload = { sb: s, tb: t, bi: i, page: 0, token: null, attempt: 1, prev: null };
    children.push({ taskId: `l:${i}:0`, kind: "list", payload });
  }
  return { children, failures };
}

export async function runConfigure(msg: z.infer<typeof ConfigureMessage>, env: Env, local: LocalS3): Promise<void> {
  const d = getDb(env);
  let job = await loadJob(d, msg.job);
  if (job?.operationalState === "pending") {
    await transition(d, job.uuid, ["pending"], "configuring");
    job = await loadJob(d, msg.job);
  }
  if (!job) return;
  if (job.operationalState === "running") {
    // A redelivery after configuration committed: resend what has not run yet.
    await sendTasks(env, job.uuid, await openChildren(d, job.uuid, CONFIGURE));
    return;
  }
  if (job.operationalState !== "configuring") return;
  const t = transport(env, local);
  try {
    const result = await plan(env, job, t);
    if (await commitConfigure(env, job.uuid, result)) await sendTasks(env, job.uuid, await openChildren(d, job.uuid, CONFIGURE));
  } catch (e) {
    if (e instanceof JobFailure) {
      await transition(d, job.uuid, ["configuring"], "failed", { error: e.message });
      return;
    }
    if (!(e instanceof S3CallError)) throw e;
    const attempt = msg.attempt ?? 1;
    if (attempt < STEP_ATTEMPTS) {
      await env.JOBS.send({ ...msg, attempt: attempt + 1 } satisfies JobMessage, { delaySeconds: retryDelaySeconds(attempt) });
      return;
    }
    await transition(d, job.uuid, ["configuring"], "failed", { error: `Gave up after ${attempt} attempts: ${e.message}` });
  } finally {
    await t.drain();
  }
}

// ---------------------------------------------------------------- list

/** Splits a page into batches of at most tuning.batchObjects objects and tuning.batchBytes bytes. */
export function batches(objects: ListedObject[]): ListedObject[][] {
  const out: ListedObject[][] = [];
  let cur: ListedObject[] = [];
  let bytes = 0;
  for (const o of objects) {
    if (cur.length && (cur.length >= tuning.batchObjects || bytes + o.size > tuning.batchBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(o);
    bytes += o.size;
  }
  if (cur.length) out.push(cur);
  return out;
}

async function listStep(env: Env, job: JobRow, p: ListPayload, t: JobTransport): Promise<TaskResult> {
  const { spec, source } = await clients(env, job, t);
  let page: { objects: ListedObject[]; next: string | null };
  try {
    page = await source.listObjects(p.sb, p.token, tuning.listPage, spec.source.prefix);
  } catch (e) {
    if (!(e instanceof S3CallError)) throw e;
    if (e.transient && p.attempt < STEP_ATTEMPTS) {
      return { children: [{ taskId: `l:${p.bi}:${p.page}:a${p.attempt + 1}`, kind: "list", payload: { ...p, attempt: p.attempt + 1 } }] };
    }
    const after = p.page ? ` after ${p.page} page(s)` : "";
    return { failures: [bucketFailure(p.sb, p.tb, "list", `listing stopped${after}: ${e.message}`)] };
  }
  const failures: NewFailure[] = [];
  const copyable: ListedObject[] = [];
  for (const o of page.objects) {
    if (addressableKey(o.key)) copyable.push(o);
    else
      failures.push({
        sourceBucket: p.sb,
        key: o.key,
        targetBucket: p.tb,
        size: o.size,
        sourceEtag: o.etag,
        stage: "read",
        error: "keys with '.' or '..' path segments cannot be addressed in an S3 URL",
      });
  }
  let after = p.prev;
  const children: NewTask[] = batches(copyable).map((b, n) => {
    const payload: CopyPayload = { sb: p.sb, tb: p.tb, after, objects: b.map((o) => ({ k: o.key, s: o.size, e: o.etag })) };
    after = b.at(-1)!.key;
    return { taskId: `c:${p.bi}:${p.page}:${n}`, kind: "copy", payload };
  });
  if (page.next) {
    const prev = page.objects.at(-1)?.key ?? p.prev;
    children.push({
      taskId: `l:${p.bi}:${p.page + 1}`,
      kind: "list",
      payload: { ...p, page: p.page + 1, token: page.next, attempt: 1, prev } satisfies ListPayload,
    });
  }
  return {
    counts: {
      objectsTotal: page.objects.length,
      bytesTotal: page.objects.reduce((n, o) => n + o.size, 0),
      objectsFailed: failures.length,
      bytesFailed: failures.reduce((n, f) => n + f.size, 0),
    },
    children,
    failures,
  };
}

export async function runList(msg: z.infer<typeof ListMessage>, env: Env, local: LocalS3): Promise<void> {
  const d = getDb(env);
  const job = await loadJob(d, msg.job);
  if (!job || job.operationalState !== "running") return;
  const task = await findTask(d, job.uuid, msg.task);
  if (!task || task.kind !== "list") return;
  if (!task.done) {
    const t = transport(env, local);
    try {
      await commitTask(env, job.uuid, task.taskId, await listStep(env, job, ListPayload.parse(JSON.parse(task.payload)), t));
    } finally {
      await t.drain();
    }
  }
  // Also on redelivery: children whose messages may have been lost with the first delivery.
  await sendTasks(env, job.uuid, await openChildren(d, job.uuid, task.taskId));
}

// ---------------------------------------------------------------- copy

async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

async function copyStep(env: Env, job: JobRow, p: CopyPayload, t: JobTransport): Promise<TaskResult> {
  const d = getDb(env);
  const { source, target } = await clients(env, job, t);
  const serviceUuid = job.targetServiceUuid;
  const ctx: CopyContext = {
    source,
    target,
    sourceBucket: p.sb,
    targetBucket: p.tb,
    ledger: async (key: string) => (serviceUuid ? await ledgerEntry(d, serviceUuid, p.tb, key) : null),
    streams: new Streams(tuning.streams),
    multipartThreshold: tuning.multipartThreshold,
    remember: async (key: string, rec: LedgerRecord) => {
      if (serviceUuid) await rememberCopy(d, { targetServiceUuid: serviceUuid, bucket: p.tb, key, ...rec });
    },
  };
  const objects = p.objects.map((o) => ({ key: o.k, size: o.s, etag: o.e }));
  const lookup = objects.length > 1 ? await targetLookup(target, p.tb, p.after, objects.at(-1)!.key) : undefined;
  if (lookup) ctx.lookup = lookup;
  const outcomes: CopyOutcome[] = await pool(objects, tuning.copyConcurrency, (o) => copyObject(ctx, o));
  const r: Required<TaskResult> = { counts: {}, children: [], failures: [] };
  const c = r.counts;
  outcomes.forEach((out, i) => {
    const o = objects[i]!;
    if (out.kind === "copied") {
      c.objectsCopied = (c.objectsCopied ?? 0) + 1;
      c.bytesCopied = (c.bytesCopied ?? 0) + out.bytes;
    } else if (out.kind === "skipped") {
      c.objectsSkipped = (c.objectsSkipped ?? 0) + 1;
      c.bytesSkipped = (c.bytesSkipped ?? 0) + out.bytes;
    } else {
      c.objectsFailed = (c.objectsFailed ?? 0) + 1;
      c.bytesFailed = (c.bytesFailed ?? 0) + out.bytes;
      r.failures.push({
        sourceBucket: p.sb,
        key: o.key,
        targetBucket: p.tb,
        size: o.size,
        sourceEtag: o.etag,
        stage: out.stage,
        error: out.error,
      });
    }
  });
  return r;
}

export async function runCopy(msg: z.infer<typeof CopyMessage>, env: Env, local: LocalS3): Promise<void> {
  const d = getDb(env);
  const job = await loadJob(d, msg.job);
  if (!job || job.operationalState !== "running") return;
  const task = await findTask(d, job.uuid, msg.task);
  if (!task || task.kind !== "copy" || task.done) return;
  const t = transport(env, local);
  try {
    await commitTask(env, job.uuid, task.taskId, await copyStep(env, job, CopyPayload.parse(JSON.parse(task.payload)), t));
  } finally {
    await t.drain();
  }
}
