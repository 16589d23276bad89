import type { UpcloudRouter } from "../types";
import { registerAccessKeys } from "./access-keys";
import { registerGroups } from "./groups";
import { registerPolicies } from "./policies";
import { GROUP, registerAttachments, registerBoundary, registerInlinePolicies, registerTags, ROLE, USER } from "./principal-routes";
import { registerRoles } from "./roles";
import { registerSimulation } from "./simulate";
import { registerUsers } from "./users";

/** The service's IAM namespace in the UpCloud dialect, plus the policy simulator. */
export function registerIam(app: UpcloudRouter) {
  registerUsers(app);
  registerAccessKeys(app);
  registerAttachments(app, USER);
  registerInlinePolicies(app, USER);
  registerBoundary(app, USER);
  registerTags(app, USER);
  registerPolicies(app);
  registerGroups(app);
  registerAttachments(app, GROUP);
  registerInlinePolicies(app, GROUP);
  registerRoles(app);
  registerAttachments(app, ROLE);
  registerInlinePolicies(app, ROLE);
  registerBoundary(app, ROLE);
  registerTags(app, ROLE);
  registerSimulation(app);
}
