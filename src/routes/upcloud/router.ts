import { createRouter } from "../factory";
import { accountAuth } from "./auth";
import { registerBuckets } from "./buckets";
import { registerIam } from "./iam";
import { registerJobs } from "./jobs";
import { registerLabels } from "./labels";
import { registerMetrics } from "./metrics";
import { registerNetworks } from "./networks";
import { generalFailure, renderProblem } from "./problem";
import { registerRegions } from "./regions";
import { registerServices } from "./services";
import { registerStaticWebsites } from "./websites";
import { registerCustomDomains } from "./websites-domains";
import type { UpcloudRouter } from "./types";

/** The UpCloud-style control plane, mounted at /1.3/object-storage-2. */
export function upcloudRouter(): UpcloudRouter {
  const app = createRouter(renderProblem, generalFailure);
  app.use("*", accountAuth);
  registerRegions(app);
  registerJobs(app);
  registerServices(app);
  registerLabels(app);
  registerNetworks(app);
  registerIam(app);
  registerCustomDomains(app);
  registerStaticWebsites(app);
  registerBuckets(app);
  registerMetrics(app);
  return app;
}
