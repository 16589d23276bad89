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
export async function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Promise<CryptoKey> {
  // Nine WebCrypto calls per derivation; a busy key signs a whole day with the same scope.
  const cacheKey = `${date}\n${region}\n${service}\n${secretAccessKey}`;
  const hit = signingKeys.get(cacheKey);
  if (hit) return hit;
  const key = await deriveUncached(secretAccessKey, date, region, service);
  if (signingKeys.size >= SIGNING_KEY_LIMIT) signingKeys.delete(signingKeys.keys().next().value!);
  signingKeys.set(cacheKey, key);
  return key;
}

/**
 * Derived keys by scope and secret, in this isolate's memory. A derived key only ever verifies
 * signatures made with that secret for that day and scope, so keeping it grants nothing the secret
 * does not: whether the secret's access key is still valid is decided before, on every request.
 */
const signingKeys = new Map<string, CryptoKey>();
const SIGNING_KEY_LIMIT = 1000;

async function deriveUncached(secretAccessKey: string, date: string, region: string, service: string): Promise<CryptoKey> {
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
