/**
 * S3 naming and size rules: pure functions, each returning a reason when the input breaks a rule.
 */
import { bucketPrefix } from "../../storage/keys";

const enc = new TextEncoder();
export const utf8Length = (s: string) => enc.encode(s).length;

/** S3 general-purpose bucket naming rules; null when the name is valid. */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return "Bucket names must be between 3 and 63 characters long.";
  if (!/^[a-z0-9.-]+$/.test(name)) return "Bucket names can consist only of lowercase letters, numbers, dots (.), and hyphens (-).";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return "Bucket names must begin and end with a letter or number.";
  if (name.includes("..")) return "Bucket names must not contain two adjacent periods.";
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return "Bucket names must not be formatted as an IP address.";
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return "Bucket names must not start with a reserved prefix.";
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return "Bucket names must not end with a reserved suffix.";
  return null;
}

/** R2 keys are at most 1024 bytes, and ours carry the service and bucket in front of the S3 key. */
const R2_MAX_KEY_BYTES = 1024;

export function maxObjectKeyBytes(serviceUuid: string, bucket: string): number {
  return R2_MAX_KEY_BYTES - utf8Length(bucketPrefix(serviceUuid, bucket));
}

/** S3 caps user metadata at 2 KB, counted (as Lyve documents) over header names and values. */
export const MAX_USER_METADATA_BYTES = 2048;
const META_PREFIX = "x-amz-meta-";

/** x-amz-meta-* headers, names lower-cased and without the prefix. */
export function userMetadata(headers: Headers): { meta: Record<string, string>; bytes: number } {
  const meta: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of headers) {
    if (!name.startsWith(META_PREFIX) || name.length === META_PREFIX.length) continue;
    meta[name.slice(META_PREFIX.length)] = value;
    bytes += utf8Length(name) + utf8Length(value);
  }
  return { meta, bytes };
}

/** Part numbers are 1..10000. */
export const MAX_PART_NUMBER = 10000;
/** Every part but the last must be at least 5 MiB. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** S3's limit for a single PUT and for one part. */
export const MAX_PUT_SIZE = 5 * 1024 * 1024 * 1024;

export const STORAGE_CLASSES = new Set([
  "STANDARD",
  "REDUCED_REDUNDANCY",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER",
  "DEEP_ARCHIVE",
  "GLACIER_IR",
  "OUTPOSTS",
  "SNOW",
  "EXPRESS_ONEZONE",
]);
