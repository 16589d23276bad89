// The UpCloud dialect's service body, shaped from the core's neutral record: its field names, the
// IAM and STS URLs of each service endpoint, and the users with their ARNs.

import { endpointUrl, type ServiceRecord } from "../../core/services";
import { customDomainView, staticWebsiteView } from "../../core/websites/views";
import type { ServiceView } from "../../schema/service";
import { userBody } from "./iam/bodies";

export function serviceBody(env: Env, r: ServiceRecord): ServiceView {
  const view: ServiceView = {
    uuid: r.uuid,
    name: r.name,
    region: r.region,
    configured_status: r.configuredStatus,
    operational_state: r.operationalState,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    endpoints: r.endpoints.map((e) =>
      e.kind === "service"
        ? {
            domain_name: e.domainName,
            type: e.type,
            mode: e.mode,
            iam_url: endpointUrl(env, e.domainName, "/iam"),
            sts_url: endpointUrl(env, e.domainName, "/sts"),
          }
        : { domain_name: e.domainName, type: e.type, mode: e.mode },
    ),
    networks: r.networks,
    labels: r.labels,
    custom_domains: r.customDomains.map(customDomainView),
    static_websites: r.staticWebsites.map(staticWebsiteView),
    users: r.users.map(userBody),
    usage: r.usage,
    state_messages: r.stateMessages.map((m) => ({
      code: m.code,
      message: m.message,
      operational_state: m.operationalState,
      created_at: m.createdAt,
      updated_at: m.updatedAt,
    })),
    termination_protection: r.terminationProtection,
  };
  if (r.accessControlOriginOverride !== null) view.properties = { access_control_origin_override: r.accessControlOriginOverride };
  return view;
}
