/** HTTP details of serving R2 objects: headers from the object, conditional requests, ranges. */

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

export function parseRange(header: string | null): ByteRange | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a, b] = m;
  if (a === "" && b === "") return null;
  if (a === "") return Number(b) > 0 ? { suffix: Number(b) } : null;
  const start = Number(a);
  if (b === "") return { offset: start };
  const end = Number(b);
  if (end < start) return null;
  return { offset: start, length: end - start + 1 };
}

/** Whether a range can be served from an object of `size` bytes (RFC 9110 §14.1.2). */
export function satisfiable(r: ByteRange, size: number): boolean {
  if ("suffix" in r) return size > 0;
  return r.offset < size;
}

/** The first and last byte a range covers in an object of `size` bytes. */
export function rangeBounds(r: ByteRange, size: number): { start: number; end: number } {
  if ("suffix" in r) return { start: Math.max(0, size - r.suffix), end: size - 1 };
  const end = r.length === undefined ? size - 1 : Math.min(size - 1, r.offset + r.length - 1);
  return { start: r.offset, end };
}

function etagList(header: string): string[] {
  return header
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
}

const weakEq = (a: string, b: string) => a.replace(/^W\//, "") === b.replace(/^W\//, "");

function parseDate(v: string | null): number | null {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/**
 * RFC 9110 §13.2.2 for GET/HEAD: 412 when If-Match (or, without it, If-Unmodified-Since) fails;
 * 304 when If-None-Match (or, without it, If-Modified-Since) says the client's copy is current.
 */
export function preconditionStatus(obj: R2Object, headers: Headers): 200 | 304 | 412 {
  const etag = obj.httpEtag;
  const modified = Math.floor(obj.uploaded.getTime() / 1000) * 1000;
  const ifMatch = headers.get("if-match");
  if (ifMatch !== null) {
    const tags = etagList(ifMatch);
    if (!tags.includes("*") && !tags.some((t) => !t.startsWith("W/") && t === etag)) return 412;
  } else {
    const since = parseDate(headers.get("if-unmodified-since"));
    if (since !== null && modified > since) return 412;
  }
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    const tags = etagList(ifNoneMatch);
    if (tags.includes("*") || tags.some((t) => weakEq(t, etag))) return 304;
  } else {
    const since = parseDate(headers.get("if-modified-since"));
    if (since !== null && modified <= since) return 304;
  }
  return 200;
}

/** If-Range: the range applies only while the client's validator still names this object. */
export function ifRangeHolds(obj: R2Object, header: string | null): boolean {
  if (header === null) return true;
  const v = header.trim();
  if (v.startsWith('"') || v.startsWith("W/")) return v === obj.httpEtag;
  const t = parseDate(v);
  return t !== null && Math.floor(obj.uploaded.getTime() / 1000) * 1000 === t;
}
