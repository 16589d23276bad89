import { z } from "zod";

/**
 * DNS verification of custom domains, behind one interface so production asks real DNS and tests
 * and local development get deterministic answers. The var DNS_RESOLVER picks the implementation:
 *   "doh"    DNS-over-HTTPS (Cloudflare's JSON API): the production resolver.
 *   "static" no network: every domain verifies except those whose first label starts with
 *            "unverified" (e.g. unverified.example.com, unverified-shop.example.com), which never do.
 */

/** The records a custom domain needs (vendor "DNS records setup"). */
export interface ExpectedRecords {
  /** The custom domain, lower case. */
  domain: string;
  /** The service's public endpoint host: the CNAME target of the domain. */
  target: string;
  /** CNAME target of `_acme-challenge.<domain>` (certificate issuing by DNS challenge). */
  acmeTarget: string;
}

export type Verification = { verified: true } | { verified: false; reason: string };

export interface DomainVerifier {
  verify(expected: ExpectedRecords): Promise<Verification>;
}

export const staticVerifier: DomainVerifier = {
  async verify({ domain, target }) {
    if (domain.split(".")[0]!.startsWith("unverified")) {
      return {
        verified: false,
        reason: `CNAME ${domain} does not point to ${target} (static resolver: names starting with "unverified" never verify)`,
      };
    }
    return { verified: true };
  },
};

const DOH_URL = "https://cloudflare-dns.com/dns-query";
const TIMEOUT_MS = 5000;
const TYPES = { A: 1, CNAME: 5 } as const;

const DohAnswer = z.object({
  Status: z.number(),
  Answer: z.array(z.object({ name: z.string(), type: z.number(), data: z.string() })).optional(),
});

const norm = (name: string) => name.toLowerCase().replace(/\.$/, "");

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

/** Record data of one type for a name; an empty list when it has none. Throws on transport errors. */
async function dohLookup(fetchFn: FetchFn, name: string, type: keyof typeof TYPES): Promise<string[]> {
  const url = `${DOH_URL}?name=${encodeURIComponent(name)}&type=${type}`;
  const res = await fetchFn(url, { headers: { accept: "application/dns-json" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`DNS-over-HTTPS answered ${res.status}`);
  const body = DohAnswer.parse(await res.json());
  // Status 3 is NXDOMAIN: the name does not exist, which is an answer, not a failure.
  if (body.Status !== 0 && body.Status !== 3) throw new Error(`DNS lookup failed with rcode ${body.Status}`);
  return (body.Answer ?? []).filter((a) => a.type === TYPES[type]).map((a) => norm(a.data));
}

/**
 * Verifies with DNS-over-HTTPS. The domain must be a CNAME of the endpoint host or, for apex
 * domains with ALIAS / CNAME flattening, share an IPv4 address with it; `_acme-challenge.<domain>`
 * must be a CNAME of the expected challenge target.
 */
export function dohVerifier(fetchFn: FetchFn = (u, i) => fetch(u, i)): DomainVerifier {
  return {
    async verify({ domain, target, acmeTarget }) {
      try {
        const cname = await dohLookup(fetchFn, domain, "CNAME");
        if (!cname.includes(target)) {
          const [mine, theirs] = await Promise.all([dohLookup(fetchFn, domain, "A"), dohLookup(fetchFn, target, "A")]);
          const flattened = mine.length > 0 && mine.some((ip) => theirs.includes(ip));
          if (!flattened) {
            const found = cname.length ? cname.join(", ") : "no CNAME record";
            return { verified: false, reason: `CNAME ${domain} must point to ${target} (found ${found})` };
          }
        }
        const acme = await dohLookup(fetchFn, `_acme-challenge.${domain}`, "CNAME");
        if (!acme.includes(acmeTarget)) {
          const found = acme.length ? acme.join(", ") : "no CNAME record";
          return { verified: false, reason: `CNAME _acme-challenge.${domain} must point to ${acmeTarget} (found ${found})` };
        }
        return { verified: true };
      } catch {
        return { verified: false, reason: `DNS lookup for ${domain} failed; it is checked again when the domain is modified` };
      }
    },
  };
}

const ResolverSetting = z.enum(["doh", "static"]);

/** The verifier DNS_RESOLVER names; an unset var means production ("doh"). */
export function domainVerifier(env: Env): DomainVerifier {
  const parsed = ResolverSetting.safeParse(env.DNS_RESOLVER ?? "doh");
  if (!parsed.success) throw new Error("invalid configuration: DNS_RESOLVER");
  return parsed.data === "static" ? staticVerifier : dohVerifier();
}
