/** HTTP details of serving R2 objects: headers from the object, conditional requests, ranges. */
import {
  conditionHeaders,
  evaluateConditions,
  parseHttpDate,
  parseRangeSpec,
  resolveRange,
  type RangeSpec,
} from "../../core/s3/conditions";

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  map: "application/json",
  txt: "text/plain; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  wasm: "application/wasm",
  pdf: "application/pdf",
  mp4: "video/mp4",
  webm: "video/webm",
  mp3: "audio/mpeg",
  webmanifest: "application/manifest+json",
};

/** For objects stored without a Content-Type (uploads normally carry one). */
export function guessContentType(key: string): string {
  const name = key.slice(key.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return (dot > 0 && TYPES[name.slice(dot + 1).toLowerCase()]) || "application/octet-stream";
}

/** Content-Type, -Encoding, -Language, -Disposition, Cache-Control, ETag and Last-Modified of the object. */
export function objectHeaders(obj: R2Object, key: string): Headers {
  const h = new Headers();
  obj.writeHttpMetadata(h);
  if (!h.has("content-type")) h.set("content-type", guessContentType(key));
  h.set("etag", obj.httpEtag);
  h.set("last-modified", obj.uploaded.toUTCString());
  return h;
}

/** Byte ranges R2 can serve in one read; multi-range and malformed headers are ignored (full body). */
export type ByteRange = { offset: number; length?: number } | { suffix: number };

/**
 * The request's range in R2's shape (the syntax is core/s3/conditions.ts's). Unlike S3, a website
 * serves the whole page for `bytes=-0` and for a range that ends before it starts.
 */
export function parseRange(header: string | null): ByteRange | null {
  const spec = parseRangeSpec(header);
  if (!spec) return null;
  if ("suffix" in spec) return spec.suffix > 0 ? { suffix: spec.suffix } : null;
  if (spec.last === null) return { offset: spec.first };
  return spec.last < spec.first ? null : { offset: spec.first, length: spec.last - spec.first + 1 };
}

const toSpec = (r: ByteRange): RangeSpec =>
  "suffix" in r ? r : { first: r.offset, last: r.length === undefined ? null : r.offset + r.length - 1 };

/** Whether a range can be served from an object of `size` bytes (RFC 9110 §14.1.2). */
export function satisfiable(r: ByteRange, size: number): boolean {
  return resolveRange(toSpec(r), size).kind === "range";
}

/** The first and last byte a satisfiable range covers in an object of `size` bytes. */
export function rangeBounds(r: ByteRange, size: number): { start: number; end: number } {
  const resolved = resolveRange(toSpec(r), size);
  if (resolved.kind !== "range") throw new RangeError("range not satisfiable");
  return { start: resolved.offset, end: resolved.offset + resolved.length - 1 };
}

const unquote = (etag: string) => etag.replace(/^"(.*)"$/, "$1");

/**
 * RFC 9110 §13.2.2 for GET/HEAD: 412 when If-Match (or, without it, If-Unmodified-Since) fails;
 * 304 when If-None-Match (or, without it, If-Modified-Since) says the client's copy is current.
 */
export function preconditionStatus(obj: R2Object, headers: Headers): 200 | 304 | 412 {
  const outcome = evaluateConditions(conditionHeaders(headers), unquote(obj.httpEtag), obj.uploaded, { strongIfMatch: true });
  return outcome === "precondition-failed" ? 412 : outcome === "not-modified" ? 304 : 200;
}

/** If-Range: the range applies only while the client's validator still names this object. */
export function ifRangeHolds(obj: R2Object, header: string | null): boolean {
  if (header === null) return true;
  const v = header.trim();
  if (v.startsWith('"') || v.startsWith("W/")) return v === obj.httpEtag;
  const t = parseHttpDate(v);
  return t !== null && Math.floor(obj.uploaded.getTime() / 1000) * 1000 === t;
}
