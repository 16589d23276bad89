/**
 * Copies one object from source to target, every byte streamed and never held whole in memory:
 * up to the multipart threshold a GET body piped into a PUT of the same length; above it ranged GETs
 * (bound to the source ETag) piped into UploadPart calls, then CompleteMultipartUpload. Every
 * source-to-target stream holds a permit of the message's `Streams` while it is open. Content-Type,
 * the other content headers, Expires and x-amz-meta-* go along.
 *
 * Idempotent: the target is asked first (one listing per batch, else HEAD); an object already there with the same size and ETag —
 * or, when the ETags cannot match (multipart copies, sources whose ETag is no MD5), with the
 * ETags the copy ledger recorded for it — is skipped. So redeliveries and reruns never copy twice,
 * and a changed object is never mistaken for a copied one.
 */
import { backoff } from "../../lib/backoff";
import type { ListedObject, S3Client } from "./s3client";
import { addressableKey, compareKeys, keptMetadata, normEtag, S3CallError } from "./s3client";

export const MiB = 1024 * 1024;
/**
 * Objects above this size are copied in parts (engine.ts `tuning.multipartThreshold` overrides it).
 * 64 MiB: below the 100 MB request-body limit of Cloudflare-fronted targets; in-process, one
 * streamed PUT of 64 MiB ran at about twice the rate of the same object in 8 MiB parts (BENCHMARKS.md).
 */
export const MULTIPART_THRESHOLD = 64 * MiB;
/** At least this part size; larger when 10,000 parts would not cover the object. */
export const MIN_PART_SIZE = 8 * MiB;
const PART_CONCURRENCY = 4;
/** Attempts per object when the failure is transient (network, 5xx, throttling). */
export const OBJECT_ATTEMPTS = 3;

export interface LedgerRecord {
  sourceEtag: string;
  size: number;
  targetEtag: string;
}

export type CopyOutcome =
  | { kind: "copied"; bytes: number; ledger: LedgerRecord | null }
  | { kind: "skipped"; bytes: number }
  | { kind: "failed"; bytes: number; stage: "read" | "write"; error: string };

export interface CopyContext {
  source: S3Client;
  target: S3Client;
  sourceBucket: string;
  targetBucket: string;
  /** The copy ledger's record for a target key, when one exists. */
  ledger: (key: string) => Promise<LedgerRecord | null>;
  /** Records a copy whose target ETag differs from the source's, at once (not with the batch). */
  remember: (key: string, rec: LedgerRecord) => Promise<void>;
  /** What a listing of the target says about a key (HEAD when absent or undefined). */
  lookup?: TargetLookup;
  /** Bounds the source-to-target streams open at once (shared by the batch's objects and parts). */
  streams: Streams;
  /** Objects above this size go in parts; MULTIPART_THRESHOLD when absent. */
  multipartThreshold?: number;
  /** Waits between attempts (injectable so tests never sleep). */
  pause?: (ms: number) => Promise<void>;
}

/**
 * A Worker invocation has six simultaneous connections (fetch, R2 and the other bindings); further
 * ones wait until one closes. A stream holds its source read open while it opens and feeds the
 * target write, so it needs two at once, and too many streams could each hold a read while waiting
 * for a write slot forever (seen as a hung batch under `wrangler dev` with 16 unbounded streams).
 * Streams are therefore counted: at most `limit` at a time (engine.ts `tuning.streams`, 3 = 6 / 2),
 * and a permit is taken BEFORE the source GET, so no source body is ever open while it waits.
 * Short requests (HEAD, listings, multipart create/complete) take no permit: they never wait on
 * another connection while holding one.
 */
export class Streams {
  private active = 0;
  private waiting: (() => void)[] = [];
  /** Most permits held at once (for tests and diagnostics). */
  peak = 0;
  constructor(readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    this.peak = Math.max(this.peak, this.active);
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export function partSize(size: number): number {
  const min = Math.ceil(size / 10_000 / MiB) * MiB;
  return Math.max(MIN_PART_SIZE, min);
}

/** What the target holds under a key: known from a listing, or null when absent; undefined = ask with HEAD. */
export type TargetLookup = (key: string) => { size: number; etag: string } | null | undefined;

/**
 * One listing of the target covering a batch's key range (keys after `after`, up to `last`, at
 * most two pages), so a batch of small objects costs one request instead of a HEAD per object.
 * Keys past what the listing covered, or every key when the listing fails, are HEADed instead.
 */
export async function targetLookup(target: S3Client, bucket: string, after: string | null, last: string): Promise<TargetLookup> {
  const found = new Map<string, { size: number; etag: string }>();
  let token: string | null = null;
  let coveredTo: string | null = null;
  try {
    for (let page = 0; page < 2; page++) {
      const res: { objects: ListedObject[]; next: string | null } = await target.listObjects(bucket, token, 1000, "", after ?? "");
      for (const o of res.objects) found.set(o.key, { size: o.size, etag: o.etag });
      const lastListed = res.objects.at(-1)?.key;
      if (!res.next || lastListed === undefined || compareKeys(lastListed, last) >= 0) return (key) => found.get(key) ?? null;
      coveredTo = lastListed;
      token = res.next;
    }
  } catch (e) {
    if (e instanceof S3CallError) return () => undefined;
    throw e;
  }
  const upTo = coveredTo;
  return (key) => (upTo !== null && compareKeys(key, upTo) <= 0 ? (found.get(key) ?? null) : undefined);
}

async function alreadyCopied(c: CopyContext, o: ListedObject, fresh: boolean): Promise<boolean> {
  const known = fresh ? undefined : c.lookup?.(o.key);
  const head = known !== undefined ? known : await c.target.headObject(c.targetBucket, o.key);
  if (!head || head.size !== o.size) return false;
  if (o.etag && head.etag === o.etag) return true;
  const rec = await c.ledger(o.key);
  return rec !== null && rec.sourceEtag === o.etag && rec.size === o.size && rec.targetEtag === head.etag;
}

const emptyBody = () => new ReadableStream({ start: (ctl) => ctl.close() });

/**
 * For a failed write: releases the source read it was fed from (when the write never took the body,
 * it would otherwise hold its connection until the invocation ends), then rethrows.
 */
const release =
  (res: Response) =>
  async (e: unknown): Promise<never> => {
    await res.body?.cancel(e).catch(() => {});
    throw e;
  };

/** GET body piped into the PUT, never held in memory; the permit is held from before the GET until the PUT is answered. */
function copySingle(c: CopyContext, key: string): Promise<CopyOutcome> {
  return c.streams.run(() => copyStreamed(c, key));
}

async function copyStreamed(c: CopyContext, key: string): Promise<CopyOutcome> {
  const res = await c.source.getObject(c.sourceBucket, key);
  const length = Number(res.headers.get("content-length") ?? NaN);
  if (!Number.isSafeInteger(length) || length < 0) {
    await res.body?.cancel();
    throw new S3CallError("GetObject", res.status, "MissingContentLength", "the source sent no Content-Length", null, "source");
  }
  const sourceEtag = normEtag(res.headers.get("etag"));
  const targetEtag = await c.target
    .putObject(c.targetBucket, key, res.body ?? emptyBody(), length, keptMetadata(res.headers))
    .catch(release(res));
  return { kind: "copied", bytes: length, ledger: targetEtag !== sourceEtag ? { sourceEtag, size: length, targetEtag } : null };
}

async function copyMultipart(c: CopyContext, key: string): Promise<CopyOutcome> {
  const head = await c.source.headObject(c.sourceBucket, key);
  if (!head) throw new S3CallError("HeadObject", 404, "NoSuchKey", "the object disappeared from the source", null, "source");
  const size = head.size;
  const step = partSize(size);
  const count = Math.max(1, Math.ceil(size / step));
  const uploadId = await c.target.createMultipartUpload(c.targetBucket, key, head.metadata);
  try {
    const etags: string[] = new Array(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const offset = i * step;
        const length = Math.min(step, size - offset);
        etags[i] = await c.streams.run(async () => {
          const res = await c.source.getObject(c.sourceBucket, key, {
            range: { offset, length },
            ...(head.etag ? { ifMatch: head.etag } : {}),
          });
          if (res.status !== 206 && !(res.status === 200 && count === 1)) {
            await res.body?.cancel();
            throw new S3CallError("GetObject", res.status, "RangeNotHonoured", "the source ignored a Range request", null, "source");
          }
          return c.target.uploadPart(c.targetBucket, key, uploadId, i + 1, res.body ?? emptyBody(), length).catch(release(res));
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, count) }, worker));
    const targetEtag = await c.target.completeMultipartUpload(c.targetBucket, key, uploadId, etags);
    return { kind: "copied", bytes: size, ledger: targetEtag !== head.etag ? { sourceEtag: head.etag, size, targetEtag } : null };
  } catch (e) {
    await c.target.abortMultipartUpload(c.targetBucket, key, uploadId);
    throw e;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Copies (or skips) one listed object; failures come back as outcomes, never as exceptions. */
export async function copyObject(c: CopyContext, o: ListedObject): Promise<CopyOutcome> {
  if (!addressableKey(o.key)) {
    return { kind: "failed", bytes: o.size, stage: "read", error: "keys with '.' or '..' path segments cannot be addressed in an S3 URL" };
  }
  const pause = c.pause ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      // A retry asks the target afresh: the batch's listing predates the failed attempt.
      if (await alreadyCopied(c, o, attempt > 1)) return { kind: "skipped", bytes: o.size };
      const done = o.size > (c.multipartThreshold ?? MULTIPART_THRESHOLD) ? await copyMultipart(c, o.key) : await copySingle(c, o.key);
      // Recorded before the batch commits, so a redelivery after a crash still recognises the copy.
      if (done.kind === "copied" && done.ledger) await c.remember(o.key, done.ledger);
      return done;
    } catch (e) {
      const err = e instanceof S3CallError ? e : null;
      // Anything that is not an S3 answer (a stream or runtime failure) is retried like a transient one.
      if ((!err || err.transient) && attempt < OBJECT_ATTEMPTS) {
        await pause(backoff(attempt, 250, 4));
        continue;
      }
      if (err) return { kind: "failed", bytes: o.size, stage: err.side === "source" ? "read" : "write", error: err.message };
      console.error(
        JSON.stringify({
          level: "error",
          event: "job.copy.unexpected",
          name: e instanceof Error ? e.name : typeof e,
          message: e instanceof Error ? e.message.slice(0, 200) : "",
        }),
      );
      return { kind: "failed", bytes: o.size, stage: "write", error: "internal error while copying" };
    }
  }
}
