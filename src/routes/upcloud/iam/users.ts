import { createRoute, z } from "@hono/zod-openapi";
import { createUser, deleteUser, getUser, listUsers } from "../../../core/iam/users";
import { errorResponses, json, jsonBody, noContent, security, ServiceUuidParam } from "../common";
import type { UpcloudRouter } from "../types";
import { UserCreateSchema, UserParam, UserSchema } from "./schemas";
import { userBody } from "./bodies";

const tags = ["Users"];

const list = createRoute({
  method: "get",
  path: "/{service_uuid}/users",
  operationId: "listUsers",
  tags,
  summary: "List users",
  security,
  request: { params: ServiceUuidParam },
  responses: { 200: json(z.array(UserSchema), "Users"), ...errorResponses },
});
const create = createRoute({
  method: "post",
  path: "/{service_uuid}/users",
  operationId: "createUser",
  tags,
  summary: "Create user",
  description: "Usernames are 1-64 characters of [\\w+=,.@-], unique within the service; _upcloud-internal-user is reserved.",
  security,
  request: { params: ServiceUuidParam, body: jsonBody(UserCreateSchema) },
  responses: { 201: json(UserSchema, "User"), ...errorResponses },
});
const get = createRoute({
  method: "get",
  path: "/{service_uuid}/users/{username}",
  operationId: "getUser",
  tags,
  summary: "Get user details",
  security,
  request: { params: UserParam },
  responses: { 200: json(UserSchema, "User"), ...errorResponses },
});
const remove = createRoute({
  method: "delete",
  path: "/{service_uuid}/users/{username}",
  operationId: "deleteUser",
  tags,
  summary: "Delete user",
  description: "Refused (SERVICE_ERROR) while the user still has access keys, attached or inline policies, or group memberships.",
  security,
  request: { params: UserParam },
  responses: { 204: noContent, ...errorResponses },
});

export function registerUsers(app: UpcloudRouter) {
  app.openapi(list, async (c) =>
    c.json((await listUsers(c.env, c.get("account").id, c.req.valid("param").service_uuid)).map(userBody), 200),
  );
  app.openapi(create, async (c) =>
    c.json(userBody(await createUser(c.env, c.get("account").id, c.req.valid("param").service_uuid, c.req.valid("json").username)), 201),
  );
  app.openapi(get, async (c) => {
    const { service_uuid, username } = c.req.valid("param");
    return c.json(userBody(await getUser(c.env, c.get("account").id, service_uuid, username)), 200);
  });
  app.openapi(remove, async (c) => {
    const { service_uuid, username } = c.req.valid("param");
    await deleteUser(c.env, c.get("account").id, service_uuid, username);
    return c.body(null, 204);
  });
}
