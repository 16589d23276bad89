import type { CustomDomainView, ErrorPage, StaticWebsiteView } from "../../schema/website";
import type { customDomains, staticWebsites } from "../../schema/website.tables";

/** Row → API shapes. Pure: the service view (core/services.ts) and the routes share them. */

export type CustomDomainRow = typeof customDomains.$inferSelect;
export type StaticWebsiteRow = typeof staticWebsites.$inferSelect;

const FAILED_VERIFICATION = "failed_custom_domain_verification";

export const byCreation = <T extends { createdAt: string; domainName: string }>(a: T, b: T) =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.domainName < b.domainName ? -1 : a.domainName > b.domainName ? 1 : 0;

export function customDomainView(r: CustomDomainRow): CustomDomainView {
  return { domain_name: r.domainName, type: r.type, mode: r.mode };
}

export function parseErrorPages(text: string): ErrorPage[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as ErrorPage[]) : [];
  } catch {
    return [];
  }
}

export function staticWebsiteView(r: StaticWebsiteRow): StaticWebsiteView {
  return {
    domain_name: r.domainName,
    bucket_name: r.bucketName,
    bucket_prefix: r.bucketPrefix,
    index_document: r.indexDocument,
    enabled: r.enabled,
    spa_mode: r.spaMode,
    error_pages: parseErrorPages(r.errorPages),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/** Custom domains as extra entries of the service's `endpoints` (they share the public endpoint). */
export function customDomainEndpoints(rows: CustomDomainRow[]): { domain_name: string; type: "public"; mode: CustomDomainRow["mode"] }[] {
  return [...rows].sort(byCreation).map((r) => ({ domain_name: r.domainName, type: "public", mode: r.mode }));
}

/** The state message an unverified custom domain adds to its service; null when all verified. */
export function verificationMessage(rows: CustomDomainRow[], operationalState: string) {
  const failed = rows.filter((r) => r.verification === "failed").sort(byCreation);
  if (!failed.length) return null;
  const list = failed.map((r) => (r.verificationDetail ? `${r.domainName} (${r.verificationDetail})` : r.domainName)).join("; ");
  const times = failed.map((r) => r.checkedAt).sort();
  return {
    code: FAILED_VERIFICATION,
    message: `Custom domain verification failed for: ${list}. Fix the DNS records, then modify the custom domain to check again.`,
    operational_state: operationalState,
    created_at: times[0]!,
    updated_at: times.at(-1)!,
  };
}
