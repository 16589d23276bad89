const enc = new TextEncoder();
const dec = new TextDecoder();

export function toHex(buf: ArrayBuffer | Uint8Array): string {
  const b = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

export function toBase64(buf: ArrayBuffer | Uint8Array): string {
  const b = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  return toHex(await crypto.subtle.digest("SHA-256", bytes));
}

/** Constant-time comparison of two strings of any length. */
export function timingSafeEqualStr(a: string, b: string): boolean {
  const ab = enc.encode(a);
  const bb = enc.encode(b);
  let diff = ab.length ^ bb.length;
  const n = Math.max(ab.length, bb.length);
  for (let i = 0; i < n; i++) diff |= (ab[i] ?? 0) ^ (bb[i] ?? 0);
  return diff === 0;
}

// ---- Passwords: PBKDF2-SHA256 (the Workers runtime caps iterations at 100 000). ----

const PBKDF2_ITERATIONS = 100_000;

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${toBase64(salt)}$${toBase64(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iter || !salt || !hash) return false;
  const got = await pbkdf2(password, fromBase64(salt), Number(iter));
  return timingSafeEqualStr(toBase64(got), hash);
}

// ---- Secrets at rest: AES-256-GCM under MASTER_KEY, with a key id so keys can rotate. ----

interface MasterKey {
  id: string;
  key: CryptoKey;
}

const keyCache = new Map<string, Promise<MasterKey[]>>();

/** MASTER_KEY is "id:base64key[,id:base64key...]"; the first key encrypts, every key decrypts. */
function masterKeys(spec: string): Promise<MasterKey[]> {
  let p = keyCache.get(spec);
  if (!p) {
    p = Promise.all(
      spec.split(",").map(async (part) => {
        const [id, b64] = part.trim().split(":");
        if (!id || !b64 || !/^[A-Za-z0-9_-]+$/.test(id)) throw new Error("MASTER_KEY entry must be id:base64");
        const raw = fromBase64(b64);
        if (raw.length !== 32) throw new Error("MASTER_KEY keys must be 32 bytes");
        const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
        return { id, key };
      }),
    );
    keyCache.set(spec, p);
  }
  return p;
}

/** Returns "<key id>.<iv b64>.<ciphertext b64>"; the IV is random per secret. */
export async function encryptSecret(masterKeySpec: string, plaintext: string): Promise<string> {
  const [current] = await masterKeys(masterKeySpec);
  if (!current) throw new Error("MASTER_KEY is empty");
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, current.key, enc.encode(plaintext));
  return `${current.id}.${toBase64(iv)}.${toBase64(ct)}`;
}

export async function decryptSecret(masterKeySpec: string, sealed: string): Promise<string> {
  const [id, iv, ct] = sealed.split(".");
  const keys = await masterKeys(masterKeySpec);
  const k = keys.find((x) => x.id === id);
  if (!k || !iv || !ct) throw new Error("secret sealed under an unknown master key");
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv) }, k.key, fromBase64(ct));
  return dec.decode(pt);
}

/**
 * Bytes sealed like secrets ("<key id>.<iv b64>.<ciphertext b64>"), bound to `purpose` as AES-GCM
 * additional data so a value sealed for one purpose never opens as another. Null when the value
 * is not one this deployment sealed for that purpose (unknown key, tampered, malformed).
 */
export async function sealBytes(masterKeySpec: string, plaintext: Uint8Array, purpose: string): Promise<string> {
  const [current] = await masterKeys(masterKeySpec);
  if (!current) throw new Error("MASTER_KEY is empty");
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode(purpose) }, current.key, plaintext);
  return `${current.id}.${toBase64(iv)}.${toBase64(ct)}`;
}

export async function openBytes(masterKeySpec: string, sealed: string, purpose: string): Promise<Uint8Array | null> {
  const parts = sealed.split(".");
  if (parts.length !== 3) return null;
  const [id, iv, ct] = parts as [string, string, string];
  const k = (await masterKeys(masterKeySpec)).find((x) => x.id === id);
  if (!k) return null;
  try {
    const ivBytes = fromBase64(iv);
    if (ivBytes.length !== 12) return null;
    const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: ivBytes, additionalData: enc.encode(purpose) }, k.key, fromBase64(ct));
    return new Uint8Array(pt);
  } catch {
    return null; // bad base64 or a failed tag
  }
}
