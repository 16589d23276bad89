/**
 * Canonical URI, query and header forms for SigV4 (and the raw query split SigV2 shares).
 *
 * Clients disagree on how they canonicalise what they send, so the verifier builds a short list of
 * candidate forms and accepts a signature over any of them. Each candidate is a function of the
 * exact bytes received, so accepting several never lets a signature for one request authorise a
 * different one, provided the S3 layer reads keys with `decodeS3Path` and query values with
 * `URLSearchParams.get` (first occurrence), the same interpretation the candidates use.
 */
import { encodeRfc3986, percentDecode } from "./encoding";

export interface RawParam {
  /** The name as received, still percent-encoded. */
  readonly rawName: string;
  /** The value as received, or null when the parameter had no `=`. */
  readonly rawValue: string | null;
}

/** Splits `?a=1&b&c=` as received (no decoding). Empty pieces (`&&`) are dropped. */
export function splitRawQuery(search: string): RawParam[] {
  const query = search.startsWith("?") ? search.slice(1) : search;
  if (query === "") return [];
  const params: RawParam[] = [];
  for (const piece of query.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    params.push(eq < 0 ? { rawName: piece, rawValue: null } : { rawName: piece.slice(0, eq), rawValue: piece.slice(eq + 1) });
  }
  return params;
}

/**
 * The object key path as S3 reads it: percent-decoded, with `+` meaning a space (S3 has always
 * decoded `+` in the path that way, and signs it as `%20`). Null if the escapes are malformed.
 */
export function decodeS3Path(rawPath: string): string | null {
  return percentDecode(rawPath, true);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * S3 canonical URI candidates. S3 neither double-encodes nor normalises dot segments. AWS itself
 * canonicalises the decoded key (strict RFC 3986 per segment); most clients simply sign the path
 * they sent. Both are tried; for the strictly-encoding clients measured they coincide.
 */
export function s3CanonicalUris(rawPath: string): string[] {
  const path = rawPath === "" ? "/" : rawPath;
  const decoded = decodeS3Path(path);
  const normalised = decoded === null ? null : decoded.split("/").map(encodeRfc3986).join("/");
  return unique(normalised === null ? [path] : [normalised, path]);
}

/**
 * Canonical URI candidates for every other service (IAM, STS...): dot segments and empty segments
 * removed, then each segment encoded again (the path is double-encoded), as the AWS SDKs do.
 */
export function genericCanonicalUris(rawPath: string): string[] {
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith("/") ? "/" : "";
  const normalised = "/" + segments.map(encodeRfc3986).join("/") + trailing;
  return unique([normalised, rawPath === "" ? "/" : rawPath]);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function joinSorted(pairs: Array<[string, string]>): string {
  return pairs
    .sort((x, y) => compareCodeUnits(x[0], y[0]) || compareCodeUnits(x[1], y[1]))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

/**
 * Canonical query candidates: every parameter as `name=value` (valueless ones get `=`), sorted by
 * encoded name then value. `exclude` drops parameters by decoded name (`X-Amz-Signature` when
 * presigned). Candidates, in order:
 * 1. decoded (`+` as space, as URLSearchParams does) and re-encoded strictly: what AWS computes;
 * 2. the pieces as received;
 * 3. for S3 only, (1) keeping only the first occurrence of a repeated name: what aws4fetch signs.
 */
export function canonicalQueries(params: readonly RawParam[], exclude: (decodedName: string) => boolean, s3: boolean): string[] {
  const normalised: Array<[string, string]> = [];
  const firstOnly: Array<[string, string]> = [];
  const raw: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const { rawName, rawValue } of params) {
    const name = percentDecode(rawName, true);
    const value = percentDecode(rawValue ?? "", true);
    if (exclude(name ?? rawName)) continue;
    raw.push([rawName, rawValue ?? ""]);
    if (name === "") continue;
    const pair: [string, string] =
      name === null || value === null ? [rawName, rawValue ?? ""] : [encodeRfc3986(name), encodeRfc3986(value)];
    normalised.push(pair);
    if (!seen.has(pair[0])) {
      seen.add(pair[0]);
      firstOnly.push(pair);
    }
  }
  const candidates = [joinSorted(normalised), joinSorted(raw)];
  if (s3 && firstOnly.length !== normalised.length) candidates.push(joinSorted(firstOnly));
  return unique(candidates);
}

/** Header value canonical form: trimmed, runs of whitespace folded to one space. */
export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, " ");
}

/** A request header, with `host` falling back to the URL (a Request built in code has none). */
export function headerValue(request: Request, url: URL, name: string): string | null {
  const value = request.headers.get(name);
  if (value === null && name === "host") return url.host;
  return value;
}
