import { createRoute, z } from "@hono/zod-openapi";
import { getService, insertService, lifecycle, listServices } from "../../core/services";
import { serviceBody } from "./service-body";
import { ServiceCreateSchema, ServiceListQuery, ServicePatchSchema, ServiceReplaceSchema, ServiceSchema } from "../../schema/service";
import { errorResponses, json, jsonBody, noContent, security, ServiceUuidParam } from "./common";
import type { UpcloudRouter } from "./types";

const tags = ["Services"];

const list = createRoute({
  method: "get",
  path: "/",
  operationId: "listServices",
  tags,
  summary: "List services",
  description:
    "Paged, sorted (`-` prefix = descending) and filtered by labels: `label=env` (exists), `label=env%3Dstaging` (exact); repeated filters must all match.",
  security,
  request: { query: ServiceListQuery },
  responses: { 200: json(z.array(ServiceSchema), "Services"), ...errorResponses },
});

const create = createRoute({
  method: "post",
  path: "/",
  operationId: "createService",
  tags,
  summary: "Create service",
  security,
  request: { body: jsonBody(ServiceCreateSchema) },
  responses: { 201: json(ServiceSchema, "Created; operational_state starts at pending"), ...errorResponses },
});

const get = createRoute({
  method: "get",
  path: "/{service_uuid}",
  operationId: "getService",
  tags,
  summary: "Get service details",
  security,
  request: { params: ServiceUuidParam },
  responses: { 200: json(ServiceSchema, "Service"), ...errorResponses },
});

const replace = createRoute({
  method: "put",
  path: "/{service_uuid}",
  operationId: "replaceService",
  tags,
  summary: "Replace service",
  security,
  request: { params: ServiceUuidParam, body: jsonBody(ServiceReplaceSchema) },
  responses: { 200: json(ServiceSchema, "Service"), ...errorResponses },
});

const modify = createRoute({
  method: "patch",
  path: "/{service_uuid}",
  operationId: "modifyService",
  tags,
  summary: "Modify service (JSON Merge Patch)",
  security,
  request: {
    params: ServiceUuidParam,
    body: {
      required: true,
      content: { "application/json": { schema: ServicePatchSchema }, "application/merge-patch+json": { schema: ServicePatchSchema } },
    },
  },
  responses: { 200: json(ServiceSchema, "Service"), ...errorResponses },
});

const remove = createRoute({
  method: "delete",
  path: "/{service_uuid}",
  operationId: "deleteService",
  tags,
  summary: "Delete service",
  description:
    "Starts deletion; the service walks the delete-* states, removing its buckets, objects and IAM entities, then GET answers 404.",
  security,
  request: {
    params: ServiceUuidParam,
    query: z.object({
      force: z
        .enum(["true", "false"], { error: "must be true or false" })
        .optional()
        .openapi({ param: { name: "force", in: "query" } }),
    }),
  },
  responses: { 204: noContent, ...errorResponses },
});

export function registerServices(app: UpcloudRouter) {
  app.openapi(list, async (c) =>
    c.json(
      (await listServices(c.env, c.get("account").id, c.req.valid("query"))).map((s) => serviceBody(c.env, s)),
      200,
    ),
  );

  app.openapi(create, async (c) => {
    const account = c.get("account");
    const row = await insertService(c.env, account.id, c.req.valid("json"));
    await lifecycle(c.env, row.uuid).start();
    return c.json(serviceBody(c.env, await getService(c.env, account.id, row.uuid)), 201);
  });

  app.openapi(get, async (c) =>
    c.json(serviceBody(c.env, await getService(c.env, c.get("account").id, c.req.valid("param").service_uuid)), 200),
  );

  app.openapi(replace, async (c) => {
    const { service_uuid } = c.req.valid("param");
    const view = await lifecycle(c.env, service_uuid).apply(c.get("account").id, { kind: "replace", input: c.req.valid("json") });
    return c.json(serviceBody(c.env, view), 200);
  });

  app.openapi(modify, async (c) => {
    const { service_uuid } = c.req.valid("param");
    const view = await lifecycle(c.env, service_uuid).apply(c.get("account").id, { kind: "patch", input: c.req.valid("json") });
    return c.json(serviceBody(c.env, view), 200);
  });

  app.openapi(remove, async (c) => {
    const { service_uuid } = c.req.valid("param");
    await lifecycle(c.env, service_uuid).remove(c.get("account").id, c.req.valid("query").force === "true");
    return c.body(null, 204);
  });
}
