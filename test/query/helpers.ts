// Hand-signed AWS Query requests (form-encoded `Action=`), as boto3 and the SDKs send them.
import { AwsV4Signer } from "aws4fetch";
import { exports } from "cloudflare:workers";
import type { Keys } from "../s3/helpers";
import { sha256Hex } from "../s3/sign";

export const FORM = "application/x-www-form-urlencoded; charset=utf-8";

export interface QueryOptions {
  service?: "iam" | "sts";
  url?: string;
  /** Extra query-string parameters (Lyve sends some there). */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Send x-amz-content-sha256 (the JS SDK does; boto3 does not). */
  contentSha256?: boolean;
  method?: "POST" | "GET";
}

/** A SigV4-signed Query request with `params` as its form body. */
export async function queryRequest(keys: Keys, params: Record<string, string>, o: QueryOptions = {}): Promise<Request> {
  const url = new URL(o.url ?? "http://api.test/");
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
  const method = o.method ?? "POST";
  const body = method === "POST" ? new URLSearchParams(params).toString() : null;
  if (method === "GET") for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const headers: Record<string, string> = { ...(body !== null ? { "content-type": FORM } : {}), ...o.headers };
  // For services other than S3, aws4fetch (like boto3) sends no x-amz-content-sha256; the JS SDK does.
  if (o.contentSha256) headers["x-amz-content-sha256"] = await sha256Hex(body ?? "");
  const signer = new AwsV4Signer({
    method,
    url: url.toString(),
    headers,
    body,
    accessKeyId: keys.accessKeyId,
    secretAccessKey: keys.secretAccessKey,
    service: o.service ?? "sts",
    region: "us-east-1",
  });
  const s = await signer.sign();
  return new Request(s.url, { method, headers: s.headers, body });
}

export async function query(keys: Keys, params: Record<string, string>, o: QueryOptions = {}): Promise<Response> {
  return exports.default.fetch(await queryRequest(keys, params, o));
}

/** The fields of an ErrorResponse document. */
export function queryError(xml: string): { type?: string; code?: string; message?: string; requestId?: string } {
  const pick = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return { type: pick("Type"), code: pick("Code"), message: pick("Message"), requestId: pick("RequestId") };
}
