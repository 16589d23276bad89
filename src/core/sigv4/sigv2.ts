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

function amzHeaders(request: Request, url: URL, presigned: boolean): Map<string, string[]> {
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
  return headers;
}

/**
 * CanonicalizedAmzHeaders. A repeated header reaches us joined with ", " (Fetch Headers) while the
 * client signed the values joined with ","; `foldCommas` produces that second form.
 */
function renderAmzHeaders(headers: Map<string, string[]>, without: string | null, foldCommas: boolean): string {
  return [...headers.keys()]
    .filter((name) => name !== without)
    .sort()
    .map((name) => {
      const value = headers.get(name)!.join(",");
      return `${name}:${foldCommas ? value.replace(/,\s+/g, ",") : value}\n`;
    })
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
  const headers = amzHeaders(request, url, presigned);
  // [Date line, x-amz-* header excluded from the amz headers]
  let dateForms: Array<[string, string | null]>;
  if (presigned) {
    if (now.getTime() > parsed.expires!.getTime()) {
      throw new AuthError("AccessDenied", "Request has expired", {
        Expires: formatAmzDate(parsed.expires!),
        ServerTime: serverTime,
      });
    }
    dateForms = [[url.searchParams.get("Expires") ?? "", null]];
  } else {
    const amzDate = request.headers.get("x-amz-date");
    const date = request.headers.get("date");
    const time = parseHttpDate((amzDate ?? date)!)!;
    if (Math.abs(time.getTime() - now.getTime()) > MAX_CLOCK_SKEW_MS) {
      throw new AuthError("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", {
        RequestTime: (amzDate ?? date)!,
        ServerTime: serverTime,
        MaxAllowedSkewMilliseconds: "900000",
      });
    }
    if (amzDate === null) {
      dateForms = [[date!.trim(), null]];
    } else {
      // AWS's rule is an empty Date line with x-amz-date among the amz headers; its own DELETE
      // example instead puts the x-amz-date value on the Date line. Old clients that send both
      // headers sometimes sign the Date value.
      dateForms = [
        ["", null],
        [amzDate.trim(), "x-amz-date"],
      ];
      if (date !== null) dateForms.push([date.trim(), null]);
    }
  }

  const q = url.searchParams;
  const contentMd5 = request.headers.get("content-md5") ?? (presigned ? q.get("content-md5") : null) ?? "";
  const contentType = request.headers.get("content-type") ?? (presigned ? q.get("content-type") : null) ?? "";
  const bucketPrefix = virtualHostedBucket === undefined ? "" : "/" + virtualHostedBucket;
  const sub = subresources(url);

  const stringsToSign = new Set<string>();
  for (const [dateLine, without] of dateForms) {
    for (const foldCommas of [false, true]) {
      const amz = renderAmzHeaders(headers, without, foldCommas);
      for (const path of resourcePaths(url.pathname)) {
        stringsToSign.add(
          `${request.method}\n${contentMd5.trim()}\n${contentType.trim()}\n${dateLine}\n` + `${amz}${bucketPrefix}${path}${sub}`,
        );
      }
    }
  }
  const first = stringsToSign.values().next().value ?? "";
  let matched = false;
  for (const stringToSign of stringsToSign) {
    // Every candidate is computed, so the time taken does not say which one matched.
    if (timingSafeEqual(await hmacSha1Base64(secretAccessKey, stringToSign), parsed.signature)) matched = true;
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
