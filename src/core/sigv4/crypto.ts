/** WebCrypto primitives for SigV4 and SigV2. */
import { toBase64, toHex, utf8 } from "./encoding";

export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? utf8(data) : data;
  return toHex(await crypto.subtle.digest("SHA-256", bytes));
}

async function hmacKey(key: Uint8Array, hash: "SHA-256" | "SHA-1"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", key, { name: "HMAC", hash }, false, ["sign"]);
}

async function hmacRaw(key: Uint8Array, data: string): Promise<Uint8Array> {
  const cryptoKey = await hmacKey(key, "SHA-256");
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, utf8(data)));
}

/**
 * The SigV4 signing key: HMAC chain over date, region, service and "aws4_request", returned as a
 * non-extractable HMAC key so the derived secret never sits in a JS byte array after this call.
 */
export async function deriveSigningKey(
  secretAccessKey: string,
  date: string,
  region: string,
  service: string,
): Promise<CryptoKey> {
  const kDate = await hmacRaw(utf8("AWS4" + secretAccessKey), date);
  const kRegion = await hmacRaw(kDate, region);
  const kService = await hmacRaw(kRegion, service);
  const kSigning = await hmacRaw(kService, "aws4_request");
  const key = await hmacKey(kSigning, "SHA-256");
  kDate.fill(0);
  kRegion.fill(0);
  kService.fill(0);
  kSigning.fill(0);
  return key;
}

export async function hmacHex(key: CryptoKey, data: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", key, utf8(data)));
}

/** SigV2: base64(HMAC-SHA1(secret, stringToSign)). */
export async function hmacSha1Base64(secretAccessKey: string, data: string): Promise<string> {
  const key = await hmacKey(utf8(secretAccessKey), "SHA-1");
  return toBase64(await crypto.subtle.sign("HMAC", key, utf8(data)));
}
