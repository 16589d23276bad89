// IPv4 / IPv6 addresses and CIDR blocks for the IpAddress and NotIpAddress operators.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are treated as the IPv4 address they carry, so a
// dual-stack listener's view of a client matches an IPv4 policy.

export interface Cidr {
  bytes: Uint8Array; // 4 or 16 bytes
  prefix: number;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV4(s: string): Uint8Array | null {
  const m = V4.exec(s);
  if (!m) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(m[i + 1]);
    if (n > 255) return null;
    bytes[i] = n;
  }
  return bytes;
}

function parseGroups(s: string): number[] | null {
  if (s === "") return [];
  const groups: number[] = [];
  const parts = s.split(":");
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (i === parts.length - 1 && part.includes(".")) {
      const v4 = parseV4(part);
      if (!v4) return null;
      groups.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
    } else if (HEX_GROUP.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return null;
    }
  }
  return groups;
}

function parseV6(s: string): Uint8Array | null {
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] as string);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (!head || !tail) return null;
  // An embedded IPv4 address is only allowed at the very end.
  if (halves.length === 2 && (halves[0] as string).includes(".")) return null;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Parses an exact address; null when it is not one. */
export function parseIp(s: string): Uint8Array | null {
  const v4 = parseV4(s);
  if (v4) return v4;
  if (!s.includes(":")) return null;
  const v6 = parseV6(s);
  if (v6 && isV4Mapped(v6)) return v6.slice(12);
  return v6;
}

/** Parses "addr/len" or a bare address (a /32 or /128). */
export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf("/");
  const addr = slash === -1 ? s : s.slice(0, slash);
  const v4 = parseV4(addr);
  let bytes = v4 ?? (addr.includes(":") ? parseV6(addr) : null);
  if (!bytes) return null;
  let prefix = bytes.length * 8;
  if (slash !== -1) {
    const len = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(len) || Number(len) > prefix) return null;
    prefix = Number(len);
  }
  if (bytes.length === 16 && isV4Mapped(bytes) && prefix >= 96) {
    bytes = bytes.slice(12);
    prefix -= 96;
  }
  return { bytes, prefix };
}

export function cidrContains(cidr: Cidr, ip: Uint8Array): boolean {
  if (cidr.bytes.length !== ip.length) return false;
  const full = Math.floor(cidr.prefix / 8);
  for (let i = 0; i < full; i++) if (cidr.bytes[i] !== ip[i]) return false;
  const rest = cidr.prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((cidr.bytes[full] as number) & mask) === ((ip[full] as number) & mask);
}
