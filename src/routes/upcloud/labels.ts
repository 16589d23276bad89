import { createRoute, z } from "@hono/zod-openapi";
import { getService, lifecycle } from "../../core/services";
import { notFound } from "../../core/errors";
import { LabelPatchSchema, LabelSchema } from "../../schema/service";
import { errorResponses, json, jsonBody, noContent, security, ServiceUuidParam } from "./common";
import type { UpcloudRouter } from "./types";

const tags = ["Labels"];
const LabelOut = z.object({ key: z.string(), value: z.string() }).openapi("LabelView");
const KeyParam = ServiceUuidParam.extend({ label_key: z.string().openapi({ param: { name: "label_key", in: "path" } }) });

const list = createRoute({
  method: "get",
  path: "/{service_uuid}/labels",
  operationId: "listLabels",
  tags,
  summary: "List labels",
  security,
  request: { params: ServiceUuidParam },
  responses: { 200: json(z.array(LabelOut), "Labels"), ...errorResponses },
});
const create = createRoute({
  method: "post",
  path: "/{service_uuid}/labels",
  operationId: "createLabel",
  tags,
  summary: "Create label",
  security,
  request: { params: ServiceUuidParam, body: jsonBody(LabelSchema) },
  responses: { 201: json(LabelOut, "Label"), ...errorResponses },
});
const get = createRoute({
  method: "get",
  path: "/{service_uuid}/labels/{label_key}",
  operationId: "getLabel",
  tags,
  summary: "Get label details",
  security,
  request: { params: KeyParam },
  responses: { 200: json(LabelOut, "Label"), ...errorResponses },
});
const modify = createRoute({
  method: "patch",
  path: "/{service_uuid}/labels/{label_key}",
  operationId: "modifyLabel",
  tags,
  summary: "Modify label (the key can be renamed)",
  security,
  request: { params: KeyParam, body: jsonBody(LabelPatchSchema) },
  responses: { 200: json(LabelOut, "Label"), ...errorResponses },
});
const remove = createRoute({
  method: "delete",
  path: "/{service_uuid}/labels/{label_key}",
  operationId: "deleteLabel",
  tags,
  summary: "Delete label",
  security,
  request: { params: KeyParam },
  responses: { 204: noContent, ...errorResponses },
});

function pick(labels: { key: string; value: string }[], key: string) {
  const l = labels.find((x) => x.key === key);
  if (!l) throw notFound("Label");
  return l;
}

export function registerLabels(app: UpcloudRouter) {
  app.openapi(list, async (c) => c.json((await getService(c.env, c.get("account").id, c.req.valid("param").service_uuid)).labels, 200));
  app.openapi(create, async (c) => {
    const { service_uuid } = c.req.valid("param");
    const label = c.req.valid("json");
    const view = await lifecycle(c.env, service_uuid).apply(c.get("account").id, { kind: "label-create", label });
    return c.json(pick(view.labels, label.key), 201);
  });
  app.openapi(get, async (c) => {
    const { service_uuid, label_key } = c.req.valid("param");
    return c.json(pick((await getService(c.env, c.get("account").id, service_uuid)).labels, label_key), 200);
  });
  app.openapi(modify, async (c) => {
    const { service_uuid, label_key } = c.req.valid("param");
    const patch = c.req.valid("json");
    const view = await lifecycle(c.env, service_uuid).apply(c.get("account").id, { kind: "label-modify", key: label_key, patch });
    return c.json(pick(view.labels, patch.key ?? label_key), 200);
  });
  app.openapi(remove, async (c) => {
    const { service_uuid, label_key } = c.req.valid("param");
    await lifecycle(c.env, service_uuid).apply(c.get("account").id, { kind: "label-delete", key: label_key });
    return c.body(null, 204);
  });
}
