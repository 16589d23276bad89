/**
 * HTTP semantics of reads (RFC 9110), the one statement for the S3 data plane and static websites:
 * byte ranges (§14) and conditional headers (If-Match, If-None-Match, If-Modified-Since,
 * If-Unmodified-Since), evaluated in S3's order.
 */

/** One byte range as a `Range` header writes it: `bytes=a-b`, `bytes=a-`, `bytes=-n`. */
export type RangeSpec = { first: number; last: number | null } | { suffix: number };

/** The header's single byte range, or null for one no reader honours (malformed, several ranges, other units). */
export function parseRangeSpec(header: string | null): RangeSpec | null {
  if (header === null) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return null;
  const [, a = "", b = ""] = m;
  if (a === "" && b === "") return null;
  if (a === "") return { suffix: Number(b) };
  return { first: Number(a), last: b === "" ? null : Number(b) };
}

export type RangeResult = { kind: "none" } | { kind: "range"; offset: number; length: number } | { kind: "unsatisfiable" };

/** A range against an object of `size` bytes: the bytes it covers, none (the whole object), or unsatisfiable. */
export function resolveRange(spec: RangeSpec | null, size: number): RangeResult {
  if (spec === null) return { kind: "none" };
  if ("suffix" in spec) {
    if (spec.suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    const length = Math.min(spec.suffix, size);
    return { kind: "range", offset: size - length, length };
  }
  if (spec.first >= size) return { kind: "unsatisfiable" };
  const end = spec.last === null ? size - 1 : Math.min(spec.last, size - 1);
  if (end < spec.first) return { kind: "none" };
  return { kind: "range", offset: spec.first, length: end - spec.first + 1 };
}

/**
 * `bytes=a-b`, `bytes=a-` and `bytes=-n` against an object of `size` bytes. A header S3 would not
 * honour (malformed, several ranges, other units) means the whole object, as S3 does.
 */
export const parseRange = (header: string | null, size: number): RangeResult => resolveRange(parseRangeSpec(header), size);

interface EntityTag {
  /** Unquoted; "*" stays "*". */
  tag: string;
  weak: boolean;
}

/** Entity tags in an If-Match / If-None-Match list. */
function entityTags(header: string): EntityTag[] {
  return header
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map((t) => ({ weak: t.startsWith("W/"), tag: t.replace(/^W\//, "").replace(/^"(.*)"$/, "$1") }))
    .filter((t) => t.tag.length > 0);
}

/** An HTTP date in milliseconds, or null when absent or unreadable. */
export function parseHttpDate(header: string | null): number | null {
  if (header === null) return null;
  const t = Date.parse(header);
  return Number.isNaN(t) ? null : t;
}

export type ConditionOutcome = "ok" | "not-modified" | "precondition-failed";

export interface ConditionHeaders {
  ifMatch: string | null;
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
  ifUnmodifiedSince: string | null;
}

export function conditionHeaders(h: Headers, prefix = ""): ConditionHeaders {
  return {
    ifMatch: h.get(`${prefix}if-match`),
    ifNoneMatch: h.get(`${prefix}if-none-match`),
    ifModifiedSince: h.get(`${prefix}if-modified-since`),
    ifUnmodifiedSince: h.get(`${prefix}if-unmodified-since`),
  };
}

export const hasConditions = (c: ConditionHeaders) =>
  c.ifMatch !== null || c.ifNoneMatch !== null || c.ifModifiedSince !== null || c.ifUnmodifiedSince !== null;

/**
 * S3's evaluation: If-Match decides alone when present (If-Unmodified-Since is then ignored);
 * If-None-Match likewise over If-Modified-Since. Dates compare at one-second resolution. `etag` is
 * unquoted. S3 accepts a weak tag in If-Match; `strongIfMatch` refuses it, as RFC 9110 §13.1.1
 * says (the static website server does).
 */
export function evaluateConditions(
  c: ConditionHeaders,
  etag: string,
  lastModified: Date,
  opts: { strongIfMatch?: boolean } = {},
): ConditionOutcome {
  const modified = Math.floor(lastModified.getTime() / 1000);
  if (c.ifMatch !== null) {
    const tags = entityTags(c.ifMatch);
    const matches = (t: EntityTag) => t.tag === "*" || (t.tag === etag && !(opts.strongIfMatch && t.weak));
    if (!tags.some(matches)) return "precondition-failed";
  } else {
    const since = parseHttpDate(c.ifUnmodifiedSince);
    if (since !== null && modified > Math.floor(since / 1000)) return "precondition-failed";
  }
  if (c.ifNoneMatch !== null) {
    const tags = entityTags(c.ifNoneMatch);
    if (tags.some((t) => t.tag === "*" || t.tag === etag)) return "not-modified";
  } else {
    const since = parseHttpDate(c.ifModifiedSince);
    if (since !== null && modified <= Math.floor(since / 1000)) return "not-modified";
  }
  return "ok";
}
