/**
 * Signature Version 2 (HMAC-SHA1), still the default of `aws s3 presign` (CLI v1) and boto3's
 * generate_presigned_url (wire notes §6).
 *
 *   StringToSign = METHOD \n Content-MD5 \n Content-Type \n Date|Expires \n
 *                  CanonicalizedAmzHeaders CanonicalizedResource
 */
import { percentDecode, timingSafeEqual } from "./encoding";
import { encodeRfc3986 } from "./encoding";
import { splitRawQuery } from "./canonical";
import { hmacSha1Base64 } from "./crypto";
import { AuthError } from "./errors";
import { formatAmzDate, MAX_CLOCK_SKEW_MS, parseHttpDate } from "./time";
import type { ParsedSigV2, VerifiedSigV2 } from "./types";

/**
 * Query parameters that are part of the canonicalized resource: the sub-resources AWS documents,
 * those botocore and MinIO add, and the response-* overrides. One list, so a parameter is either
 * always signed or never.
 */
export const SIGV2_SUBRESOURCES: ReadonlySet<string> = new Set([
  "accelerate",
  "acl",
  "analytics",
  "cors",
  "defaultObjectAcl",
  "delete",
  "encryption",
  "intelligent-tiering",
  "inventory",
  "legal-hold",
  "lifecycle",
  "location",
  "logging",
  "metrics",
  "notification",
  "object-lock",
  "ownershipControls",
  "partNumber",
  "policy",
  "policyStatus",
  "publicAccessBlock",
  "replication",
  "requestPayment",
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
  "restore",
  "retention",
  "select",
  "select-type",
  "storageClass",
  "tagging",
  "torrent",
  "uploadId",
  "uploads",
  "versionId",
  "versioning",
  "versions",
  "website",
]);

function canonicalAmzHeaders(request: Request, url: URL, presigned: boolean): string {
  const headers = new Map<string, string[]>();
  const add = (name: string, value: string) => {
    const list = headers.get(name) ?? [];
    list.push(value.trim().replace(/\s*\r?\n\s*/g, " "));
    headers.set(name, list);
  };
  for (const [name, value] of request.headers) {
    if (name.startsWith("x-amz-")) add(name, value);
  }
  // botocore moves the x-amz-* headers of a presigned request (the security token, for one) into
  // the query string; they were signed as headers.
  if (presigned) {
    for (const [name, value] of url.searchParams) {
      const lower = name.toLowerCase();
      if (lower.startsWith("x-amz-")) add(lower, value);
    }
  }
  return [...headers.keys()]
    .sort()
    .map((name) => `${name}:${headers.get(name)!.join(",")}\n`)
    .join("");
}

function subresources(url: URL): string {
  const picked: Array<[string, string]> = [];
  for (const { rawName, rawValue } of splitRawQuery(url.search)) {
    const name = percentDecode(rawName, false) ?? rawName;
    if (!SIGV2_SUBRESOURCES.has(name)) continue;
    const value = rawValue === null ? null : (percentDecode(rawValue, false) ?? rawValue);
    picked.push([name, value === null ? name : `${name}=${value}`]);
  }
  if (picked.length === 0) return "";
  // Stable sort by name only, as botocore does.
  picked.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return "?" + picked.map(([, item]) => item).join("&");
}

function resourcePaths(rawPath: string): string[] {
  const path = rawPath === "" ? "/" : rawPath;
  const decoded = percentDecode(path, true);
  const normalised = decoded === null ? path : decoded.split("/").map(encodeRfc3986).join("/");
  return [...new Set([path, normalised])];
}

export async function verifySigV2(
  parsed: ParsedSigV2,
  request: Request,
  url: URL,
  secretAccessKey: string,
  now: Date,
  virtualHostedBucket: string | undefined,
): Promise<VerifiedSigV2> {
  const presigned = parsed.location === "query";
  const serverTime = formatAmzDate(now);
  let dateLines: string[];
  if (presigned) {
    if (now.getTime() > parsed.expires!.getTime()) {
      throw new AuthError("AccessDenied", "Request has expired", {
        Expires: formatAmzDate(parsed.expires!),
        ServerTime: serverTime,
      });
    }
    dateLines = [url.searchParams.get("Expires") ?? ""];
  } else {
    const amzDate = request.headers.get("x-amz-date");
    const date = request.headers.get("date");
    const time = parseHttpDate((amzDate ?? date)!)!;
    if (Math.abs(time.getTime() - now.getTime()) > MAX_CLOCK_SKEW_MS) {
      throw new AuthError(
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
        { RequestTime: (amzDate ?? date)!, ServerTime: serverTime, MaxAllowedSkewMilliseconds: "900000" },
      );
    }
    // With x-amz-date the Date line is empty (x-amz-date is among the amz headers); a few old
    // clients that send both put the Date value there anyway.
    dateLines = amzDate === null ? [date!.trim()] : [...new Set(["", ...(date === null ? [] : [date.trim()])])];
  }

  const q = url.searchParams;
  const contentMd5 = request.headers.get("content-md5") ?? (presigned ? q.get("content-md5") : null) ?? "";
  const contentType = request.headers.get("content-type") ?? (presigned ? q.get("content-type") : null) ?? "";
  const amzHeaders = canonicalAmzHeaders(request, url, presigned);
  const bucketPrefix = virtualHostedBucket === undefined ? "" : "/" + virtualHostedBucket;
  const sub = subresources(url);

  let first = "";
  let matched = false;
  for (const dateLine of dateLines) {
    for (const path of resourcePaths(url.pathname)) {
      const stringToSign =
        `${request.method}\n${contentMd5.trim()}\n${contentType.trim()}\n${dateLine}\n` +
        `${amzHeaders}${bucketPrefix}${path}${sub}`;
      if (first === "") first = stringToSign;
      if (timingSafeEqual(await hmacSha1Base64(secretAccessKey, stringToSign), parsed.signature)) matched = true;
    }
  }
  if (!matched) {
    throw new AuthError(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      { AWSAccessKeyId: parsed.accessKeyId, StringToSign: first, SignatureProvided: parsed.signature },
    );
  }
  return {
    version: 2,
    location: parsed.location,
    accessKeyId: parsed.accessKeyId,
    securityToken: parsed.securityToken,
    expiresAt: parsed.expires,
    payload: "unsigned",
  };
}
