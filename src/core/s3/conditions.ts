/**
 * HTTP semantics S3 applies to reads: byte ranges (RFC 9110 §14) and conditional headers
 * (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since), evaluated in S3's order.
 */

export type RangeResult = { kind: "none" } | { kind: "range"; offset: number; length: number } | { kind: "unsatisfiable" };

/**
 * `bytes=a-b`, `bytes=a-` and `bytes=-n` against an object of `size` bytes. A header S3 would not
 * honour (malformed, several ranges, other units) means the whole object, as S3 does.
 */
export function parseRange(header: string | null, size: number): RangeResult {
  if (header === null) return { kind: "none" };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return { kind: "none" };
  const [, a = "", b = ""] = m;
  if (a === "" && b === "") return { kind: "none" };
  if (a === "") {
    const n = Number(b);
    if (n === 0) return { kind: "unsatisfiable" };
    const length = Math.min(n, size);
    return size === 0 ? { kind: "unsatisfiable" } : { kind: "range", offset: size - length, length };
  }
  const start = Number(a);
  if (start >= size) return { kind: "unsatisfiable" };
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  if (end < start) return { kind: "none" };
  return { kind: "range", offset: start, length: end - start + 1 };
}

/** Entity tags in an If-Match / If-None-Match list, unquoted; "*" stays "*". */
export function etagList(header: string): string[] {
  return header
    .split(",")
    .map((t) =>
      t
        .trim()
        .replace(/^W\//, "")
        .replace(/^"(.*)"$/, "$1"),
    )
    .filter((t) => t.length > 0);
}

function parseDate(header: string | null): number | null {
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
 * If-None-Match likewise over If-Modified-Since. Dates compare at one-second resolution.
 */
export function evaluateConditions(c: ConditionHeaders, etag: string, lastModified: Date): ConditionOutcome {
  const modified = Math.floor(lastModified.getTime() / 1000);
  if (c.ifMatch !== null) {
    const tags = etagList(c.ifMatch);
    if (!tags.includes("*") && !tags.includes(etag)) return "precondition-failed";
  } else {
    const since = parseDate(c.ifUnmodifiedSince);
    if (since !== null && modified > Math.floor(since / 1000)) return "precondition-failed";
  }
  if (c.ifNoneMatch !== null) {
    const tags = etagList(c.ifNoneMatch);
    if (tags.includes("*") || tags.includes(etag)) return "not-modified";
  } else {
    const since = parseDate(c.ifModifiedSince);
    if (since !== null && modified <= Math.floor(since / 1000)) return "not-modified";
  }
  return "ok";
}
