import { createRoute, z } from "@hono/zod-openapi";
import { notFound, Problems } from "../../core/errors";
import { checkNetworks, getService, lifecycle } from "../../core/services";
import { NetworkSchema } from "../../schema/service";
import { errorResponses, json, jsonBody, noContent, security, ServiceUuidParam } from "./common";
import type { UpcloudRouter } from "./types";

const tags = ["Networks"];
const NameParam = ServiceUuidParam.extend({ network_name: z.string().openapi({ param: { name: "network_name", in: "path" } }) });

const list = createRoute({
  method: "get",
  path: "/{service_uuid}/networks",
  operationId: "listNetworks",
  tags,
  summary: "List networks",
  security,
  request: { params: ServiceUuidParam },
  responses: { 200: json(z.array(NetworkSchema), "Networks"), ...errorResponses },
});
const create = createRoute({
  method: "post",
  path: "/{service_uuid}/networks",
  operationId: "createNetwork",
  tags,
  summary: "Create network (restarts the service setup)",
  security,
  request: { params: ServiceUuidParam, body: jsonBody(NetworkSchema) },
  responses: { 201: json(NetworkSchema, "Network"), ...errorResponses },
});
const get = createRoute({
  method: "get",
  path: "/{service_uuid}/networks/{network_name}",
  operationId: "getNetwork",
  tags,
  summary: "Get network details",
  security,
  request: { params: NameParam },
  responses: { 200: json(NetworkSchema, "Network"), ...errorResponses },
});
const remove = createRoute({
  method: "delete",
  path: "/{service_uuid}/networks/{network_name}",
  operationId: "deleteNetwork",
  tags,
  summary: "Delete network (restarts the service setup)",
  security,
  request: { params: NameParam },
  responses: { 204: noContent, ...errorResponses },
});

function pick<T extends { name: string }>(networks: T[], name: string): T {
  const n = networks.find((x) => x.name === name);
  if (!n) throw notFound("Network");
  return n;
}

export function registerNetworks(app: UpcloudRouter) {
  app.openapi(list, async (c) => c.json((await getService(c.env, c.get("account").id, c.req.valid("param").service_uuid)).networks, 200));
  app.openapi(create, async (c) => {
    const { service_uuid } = c.req.valid("param");
    const network = c.req.valid("json");
    // Field-level rules report the body's own field names, not the service's networks[n].
    const p = new Problems();
    checkNetworks([network], p, (_, f) => f);
    p.throwIfAny();
    const view = await lifecycle(c.env, service_uuid).apply(c.get("account").id, { kind: "network-create", network });
    return c.json(pick(view.networks, network.name), 201);
  });
  app.openapi(get, async (c) => {
    const { service_uuid, network_name } = c.req.valid("param");
    return c.json(pick((await getService(c.env, c.get("account").id, service_uuid)).networks, network_name), 200);
  });
  app.openapi(remove, async (c) => {
    const { service_uuid, network_name } = c.req.valid("param");
    await lifecycle(c.env, service_uuid).apply(c.get("account").id, { kind: "network-delete", name: network_name });
    return c.body(null, 204);
  });
}
