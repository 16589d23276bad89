// The D1 rows of a service and its children, as the services modules pass them around (a leaf:
// config, store, tenancy and views all read these types, none of them each other for it).
import type { serviceLabels, serviceNetworks, services, serviceStateMessages } from "../../schema/tables";
import type { customDomains, staticWebsites } from "../../schema/website.tables";
import type { UserRecord } from "../iam/views";
import type { UsageTotals } from "../metrics/usage";

export type ServiceRow = typeof services.$inferSelect;

export interface ServiceParts {
  networks: (typeof serviceNetworks.$inferSelect)[];
  labels: (typeof serviceLabels.$inferSelect)[];
  messages: (typeof serviceStateMessages.$inferSelect)[];
  customDomains: (typeof customDomains.$inferSelect)[];
  staticWebsites: (typeof staticWebsites.$inferSelect)[];
  /** IAM users with their access keys (never secrets) and attached policies. */
  users: UserRecord[];
  /** Exact current totals from the usage meter; filled where a view is rendered (zeros otherwise). */
  usage?: UsageTotals;
}
