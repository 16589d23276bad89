import { createRoute, z } from "@hono/zod-openapi";
import {
  createStaticWebsite,
  deleteStaticWebsite,
  getStaticWebsite,
  listStaticWebsites,
  modifyStaticWebsite,
} from "../../core/websites/configs";
import { StaticWebsiteCreateSchema, StaticWebsiteModifySchema, StaticWebsiteSchema } from "../../schema/website";
import { errorResponses, json, jsonBody, noContent, security, ServiceUuidParam } from "./common";
import type { UpcloudRouter } from "./types";

const tags = ["Static websites"];
const DomainParam = ServiceUuidParam.extend({
  domain_name: z.string().openapi({ param: { name: "domain_name", in: "path" }, example: "7mf5k-static.upcloudobjects.com" }),
});

const list = createRoute({
  method: "get",
  path: "/{service_uuid}/static-websites",
  operationId: "listStaticWebsites",
  tags,
  summary: "List static website configs",
  security,
  request: { params: ServiceUuidParam },
  responses: { 200: json(z.array(StaticWebsiteSchema), "Static website configs"), ...errorResponses },
});
const create = createRoute({
  method: "post",
  path: "/{service_uuid}/static-websites",
  operationId: "createStaticWebsite",
  tags,
  summary: "Create static website config",
  description:
    "Without `domain_name` the config serves the service's primary static domain `<endpoint label>-static.<base domain>`; otherwise a custom domain of the service attached in static-website mode. " +
    "The bucket must allow anonymous `s3:GetObject` in its bucket policy for pages to be served. One config per domain (409 CONFLICT).",
  security,
  request: { params: ServiceUuidParam, body: jsonBody(StaticWebsiteCreateSchema) },
  responses: { 201: json(StaticWebsiteSchema, "Static website config"), ...errorResponses },
});
const get = createRoute({
  method: "get",
  path: "/{service_uuid}/static-websites/{domain_name}",
  operationId: "getStaticWebsite",
  tags,
  summary: "Get static website config",
  security,
  request: { params: DomainParam },
  responses: { 200: json(StaticWebsiteSchema, "Static website config"), ...errorResponses },
});
const modify = createRoute({
  method: "patch",
  path: "/{service_uuid}/static-websites/{domain_name}",
  operationId: "modifyStaticWebsite",
  tags,
  summary: "Modify static website config",
  description: "All fields optional; `error_pages` replaces the list; `domain_name` is immutable.",
  security,
  request: { params: DomainParam, body: jsonBody(StaticWebsiteModifySchema) },
  responses: { 200: json(StaticWebsiteSchema, "Static website config"), ...errorResponses },
});
const remove = createRoute({
  method: "delete",
  path: "/{service_uuid}/static-websites/{domain_name}",
  operationId: "deleteStaticWebsite",
  tags,
  summary: "Delete static website config",
  description: "The domain then answers with the Site Not Configured page.",
  security,
  request: { params: DomainParam },
  responses: { 204: noContent, ...errorResponses },
});

export function registerStaticWebsites(app: UpcloudRouter) {
  app.openapi(list, async (c) => c.json(await listStaticWebsites(c.env, c.get("account").id, c.req.valid("param").service_uuid), 200));
  app.openapi(create, async (c) =>
    c.json(await createStaticWebsite(c.env, c.get("account").id, c.req.valid("param").service_uuid, c.req.valid("json")), 201),
  );
  app.openapi(get, async (c) => {
    const { service_uuid, domain_name } = c.req.valid("param");
    return c.json(await getStaticWebsite(c.env, c.get("account").id, service_uuid, domain_name), 200);
  });
  app.openapi(modify, async (c) => {
    const { service_uuid, domain_name } = c.req.valid("param");
    return c.json(await modifyStaticWebsite(c.env, c.get("account").id, service_uuid, domain_name, c.req.valid("json")), 200);
  });
  app.openapi(remove, async (c) => {
    const { service_uuid, domain_name } = c.req.valid("param");
    await deleteStaticWebsite(c.env, c.get("account").id, service_uuid, domain_name);
    return c.body(null, 204);
  });
}
