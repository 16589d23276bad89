import { createRoute, z } from "@hono/zod-openapi";
import { createAccessKey, deleteAccessKey, getAccessKey, listAccessKeys, setAccessKeyStatus } from "../../../core/iam/access-keys";
import { errorResponses, json, jsonBody, noContent, security } from "../common";
import type { UpcloudRouter } from "../types";
import { AccessKeyCreatedSchema, AccessKeyModifySchema, AccessKeyParam, AccessKeySchema, UserParam } from "./schemas";
import { accessKeyBody, newAccessKeyBody } from "./bodies";

const tags = ["Access keys"];

const list = createRoute({
  method: "get",
  path: "/{service_uuid}/users/{username}/access-keys",
  operationId: "listAccessKeys",
  tags,
  summary: "List access keys (never with secrets)",
  security,
  request: { params: UserParam },
  responses: { 200: json(z.array(AccessKeySchema), "Access keys"), ...errorResponses },
});
const create = createRoute({
  method: "post",
  path: "/{service_uuid}/users/{username}/access-keys",
  operationId: "createAccessKey",
  tags,
  summary: "Create access key",
  description:
    "Takes no body (an empty object is accepted and ignored). The response is the only time the secret is ever returned. A user holds at most 2 keys.",
  security,
  // Documented, not validated: clients send nothing, or `{}`, and either way nothing is read.
  request: {
    params: UserParam,
    body: { required: false, content: { "application/json": { schema: { type: "object", additionalProperties: false } } } },
  },
  responses: { 201: json(AccessKeyCreatedSchema, "Access key with its secret"), ...errorResponses },
});
const get = createRoute({
  method: "get",
  path: "/{service_uuid}/users/{username}/access-keys/{access_key_id}",
  operationId: "getAccessKey",
  tags,
  summary: "Get access key details",
  security,
  request: { params: AccessKeyParam },
  responses: { 200: json(AccessKeySchema, "Access key"), ...errorResponses },
});
const modify = createRoute({
  method: "patch",
  path: "/{service_uuid}/users/{username}/access-keys/{access_key_id}",
  operationId: "modifyAccessKey",
  tags,
  summary: "Modify access key (status Active or Inactive)",
  security,
  request: { params: AccessKeyParam, body: jsonBody(AccessKeyModifySchema) },
  responses: { 200: json(AccessKeySchema, "Access key"), ...errorResponses },
});
const remove = createRoute({
  method: "delete",
  path: "/{service_uuid}/users/{username}/access-keys/{access_key_id}",
  operationId: "deleteAccessKey",
  tags,
  summary: "Delete access key",
  security,
  request: { params: AccessKeyParam },
  responses: { 204: noContent, ...errorResponses },
});

export function registerAccessKeys(app: UpcloudRouter) {
  app.openapi(list, async (c) => {
    const { service_uuid, username } = c.req.valid("param");
    return c.json((await listAccessKeys(c.env, c.get("account").id, service_uuid, username)).map(accessKeyBody), 200);
  });
  app.openapi(create, async (c) => {
    const { service_uuid, username } = c.req.valid("param");
    return c.json(newAccessKeyBody(await createAccessKey(c.env, c.get("account").id, service_uuid, username)), 201);
  });
  app.openapi(get, async (c) => {
    const { service_uuid, username, access_key_id } = c.req.valid("param");
    return c.json(accessKeyBody(await getAccessKey(c.env, c.get("account").id, service_uuid, username, access_key_id)), 200);
  });
  app.openapi(modify, async (c) => {
    const { service_uuid, username, access_key_id } = c.req.valid("param");
    const key = await setAccessKeyStatus(c.env, c.get("account").id, service_uuid, username, access_key_id, c.req.valid("json").status);
    return c.json(accessKeyBody(key), 200);
  });
  app.openapi(remove, async (c) => {
    const { service_uuid, username, access_key_id } = c.req.valid("param");
    await deleteAccessKey(c.env, c.get("account").id, service_uuid, username, access_key_id);
    return c.body(null, 204);
  });
}
