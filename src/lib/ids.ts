const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** ULID: 48-bit time + 80 random bits, Crockford base32 (the vendor's correlation_id shape). */
export function ulid(now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rnd = randomBytes(16);
  let rest = "";
  for (let i = 0; i < 16; i++) rest += CROCKFORD[rnd[i]! % 32];
  return time + rest;
}

/** UpCloud object UUIDs carry a two-digit type prefix; object storage services use "12". */
export function serviceUuid(): string {
  return "12" + crypto.randomUUID().slice(2);
}

export function uuid(): string {
  return crypto.randomUUID();
}

const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Short DNS label like the vendor's "7mf5k". */
export function randomLabel(length = 5): string {
  const rnd = randomBytes(length);
  let s = "";
  for (let i = 0; i < length; i++) s += LOWER_ALNUM[rnd[i]! % LOWER_ALNUM.length];
  return s;
}

export function randomToken(bytes = 24): string {
  const rnd = randomBytes(bytes);
  let s = "";
  for (const b of rnd) s += CROCKFORD[b % 32];
  return s.toLowerCase();
}
