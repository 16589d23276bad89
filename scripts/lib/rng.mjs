// Seeded randomness: request i of seed s is always built from the same stream, so a failure is
// reproduced by its seed and index alone (`--seed S --replay I`).

function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash32(...parts) {
  let h = 2166136261;
  for (const ch of parts.join("\u0000")) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export class Rng {
  constructor(...seedParts) {
    this.next = mulberry32(hash32(...seedParts));
  }
  float() {
    return this.next();
  }
  /** An integer in [lo, hi]. */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p) {
    return this.next() < p;
  }
  pick(arr) {
    return arr[Math.floor(this.next() * arr.length)];
  }
  /** Picks by weight from [[weight, value], ...]. */
  weighted(entries) {
    const total = entries.reduce((n, [w]) => n + w, 0);
    let x = this.next() * total;
    for (const [w, v] of entries) {
      if ((x -= w) < 0) return v;
    }
    return entries.at(-1)[1];
  }
  bytes(n) {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i += 4) {
      const v = (this.next() * 4294967296) >>> 0;
      b[i] = v & 255;
      if (i + 1 < n) b[i + 1] = (v >>> 8) & 255;
      if (i + 2 < n) b[i + 2] = (v >>> 16) & 255;
      if (i + 3 < n) b[i + 3] = (v >>> 24) & 255;
    }
    return b;
  }
  hex(n) {
    return this.bytes(Math.ceil(n / 2))
      .toString("hex")
      .slice(0, n);
  }
  uuid() {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  /** Strings a parser should survive: empty, long, unicode, control characters, separators, encodings. */
  junk() {
    return this.pick([
      () => "",
      () => " ",
      () => "a".repeat(this.int(200, 5000)),
      () => "ñ☃𝄞\u200b",
      () => "%00%ff%2F..%2F",
      () => "../../etc/passwd",
      () => "null",
      () => "-1",
      () => "1e309",
      () => "99999999999999999999",
      () => "0x10",
      () => "true",
      () => '"quoted"',
      () => "<xml>",
      () => "{}",
      () => "a,b;c=d",
      () => "*",
      () => "UPPER-case_Name",
      () => this.hex(this.int(1, 40)),
      () => this.uuid(),
      () => String(this.int(-5, 100000)),
      () => `%${this.hex(2)}${this.hex(3)}`,
      () => "\t tab",
    ])();
  }
}
