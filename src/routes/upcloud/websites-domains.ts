import { createRoute, z } from "@hono/zod-openapi";
import {
  attachCustomDomain,
  deleteCustomDomain,
  getCustomDomain,
  listCustomDomains,
  listServiceDomains,
  modifyCustomDomain,
} from "../../core/websites/domains";
import { CustomDomainCreateSchema, CustomDomainModifySchema, CustomDomainSchema } from "../../schema/website";
import { errorResponses, json, jsonBody, noContent, security, ServiceUuidParam } from "./common";
import type { UpcloudRouter } from "./types";

const tags = ["Custom domains"];
const DomainParam = ServiceUuidParam.extend({
  domain_name: z.string().openapi({ param: { name: "domain_name", in: "path" }, example: "objects.example.com" }),
});
const dns =
  "The domain needs a CNAME to the service's public endpoint (and `*.<domain>` for virtual-hosted buckets) and a CNAME of `_acme-challenge.<domain>` to `_acme-challenge.<endpoint>`. " +
  "Until DNS verifies, the service carries the `failed_custom_domain_verification` state message and the domain receives no traffic.";

const list = createRoute({
  method: "get",
  path: "/{service_uuid}/custom-domains",
  operationId: "listCustomDomains",
  tags,
  summary: "List custom domains",
  security,
  request: { params: ServiceUuidParam },
  responses: { 200: json(z.array(CustomDomainSchema), "Custom domains"), ...errorResponses },
});
const attach = createRoute({
  method: "post",
  path: "/{service_uuid}/custom-domains",
  operationId: "attachCustomDomain",
  tags,
  summary: "Attach custom domain",
  description: `At most 5 per service; a domain belongs to one service only; the service needs a public network. ${dns}`,
  security,
  request: { params: ServiceUuidParam, body: jsonBody(CustomDomainCreateSchema) },
  responses: { 201: json(CustomDomainSchema, "Custom domain"), ...errorResponses },
});
const get = createRoute({
  method: "get",
  path: "/{service_uuid}/custom-domains/{domain_name}",
  operationId: "getCustomDomain",
  tags,
  summary: "Get custom domain details",
  security,
  request: { params: DomainParam },
  responses: { 200: json(CustomDomainSchema, "Custom domain"), ...errorResponses },
});
const modify = createRoute({
  method: "patch",
  path: "/{service_uuid}/custom-domains/{domain_name}",
  operationId: "modifyCustomDomain",
  tags,
  summary: "Modify custom domain",
  description: `Renames the domain (its static website config follows) and checks DNS again; the mode cannot change. ${dns}`,
  security,
  request: { params: DomainParam, body: jsonBody(CustomDomainModifySchema) },
  responses: { 200: json(CustomDomainSchema, "Custom domain"), ...errorResponses },
});
const remove = createRoute({
  method: "delete",
  path: "/{service_uuid}/custom-domains/{domain_name}",
  operationId: "deleteCustomDomain",
  tags,
  summary: "Delete custom domain",
  description: "Also deletes the domain's static website config.",
  security,
  request: { params: DomainParam },
  responses: { 204: noContent, ...errorResponses },
});

const DomainStatusSchema = z
  .object({
    domain: z.string(),
    type: z.enum(["public", "private", "custom"]),
    active: z
      .boolean()
      .openapi({ description: "Receives traffic now: service started, its network attached, custom domains DNS-verified." }),
    static_website_configured: z.boolean(),
  })
  .openapi("ServiceDomain");
const listDomains = createRoute({
  method: "get",
  path: "/{service_uuid}/domains",
  operationId: "listServiceDomains",
  tags,
  summary: "List domains",
  description: "Every host name of the service: public and private endpoints, the primary static domain (type public) and custom domains.",
  security,
  request: { params: ServiceUuidParam },
  responses: { 200: json(z.object({ domains: z.array(DomainStatusSchema) }).openapi("ServiceDomains"), "Domains"), ...errorResponses },
});

export function registerCustomDomains(app: UpcloudRouter) {
  app.openapi(listDomains, async (c) =>
    c.json({ domains: await listServiceDomains(c.env, c.get("account").id, c.req.valid("param").service_uuid) }, 200),
  );
  app.openapi(list, async (c) => c.json(await listCustomDomains(c.env, c.get("account").id, c.req.valid("param").service_uuid), 200));
  app.openapi(attach, async (c) =>
    c.json(await attachCustomDomain(c.env, c.get("account").id, c.req.valid("param").service_uuid, c.req.valid("json")), 201),
  );
  app.openapi(get, async (c) => {
    const { service_uuid, domain_name } = c.req.valid("param");
    return c.json(await getCustomDomain(c.env, c.get("account").id, service_uuid, domain_name), 200);
  });
  app.openapi(modify, async (c) => {
    const { service_uuid, domain_name } = c.req.valid("param");
    return c.json(await modifyCustomDomain(c.env, c.get("account").id, service_uuid, domain_name, c.req.valid("json")), 200);
  });
  app.openapi(remove, async (c) => {
    const { service_uuid, domain_name } = c.req.valid("param");
    await deleteCustomDomain(c.env, c.get("account").id, service_uuid, domain_name);
    return c.body(null, 204);
  });
}
