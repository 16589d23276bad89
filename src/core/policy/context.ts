import type { RequestContext } from "./types";

/**
 * The global `aws:*` condition keys of an HTTP request, the same for every request a policy decides
 * (the S3 data plane, static website reads): client address, TLS, user agent, referer, the time.
 * Only reading a Request, so still no I/O.
 */
export function requestContext(request: Request, url: URL, now: Date = new Date()): RequestContext {
  const h = request.headers;
  return {
    "aws:SourceIp": h.get("cf-connecting-ip") ?? undefined,
    "aws:SecureTransport": url.protocol === "https:" ? "true" : "false",
    "aws:UserAgent": h.get("user-agent") ?? undefined,
    "aws:Referer": h.get("referer") ?? undefined,
    "aws:CurrentTime": now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    "aws:EpochTime": String(Math.floor(now.getTime() / 1000)),
  };
}
