import { createRoute, z } from "@hono/zod-openapi";
import { addUserToGroup, createGroup, deleteGroup, getGroup, listGroups, removeUserFromGroup } from "../../../core/iam/groups";
import { errorResponses, json, jsonBody, noContent, security, ServiceUuidParam } from "../common";
import type { UpcloudRouter } from "../types";
import { GroupCreateSchema, GroupParam, GroupSchema, MemberParam } from "./schemas";
import { groupBody } from "./bodies";

const tags = ["Groups"];

const list = createRoute({
  method: "get",
  path: "/{service_uuid}/groups",
  operationId: "listGroups",
  tags,
  summary: "List groups",
  security,
  request: { params: ServiceUuidParam },
  responses: { 200: json(z.array(GroupSchema), "Groups"), ...errorResponses },
});
const create = createRoute({
  method: "post",
  path: "/{service_uuid}/groups",
  operationId: "createGroup",
  tags,
  summary: "Create group",
  security,
  request: { params: ServiceUuidParam, body: jsonBody(GroupCreateSchema) },
  responses: { 201: json(GroupSchema, "Group"), ...errorResponses },
});
const get = createRoute({
  method: "get",
  path: "/{service_uuid}/groups/{group_name}",
  operationId: "getGroup",
  tags,
  summary: "Get group",
  security,
  request: { params: GroupParam },
  responses: { 200: json(GroupSchema, "Group"), ...errorResponses },
});
const remove = createRoute({
  method: "delete",
  path: "/{service_uuid}/groups/{group_name}",
  operationId: "deleteGroup",
  tags,
  summary: "Delete group",
  description: "Refused (SERVICE_ERROR) while the group has members, attached or inline policies.",
  security,
  request: { params: GroupParam },
  responses: { 204: noContent, ...errorResponses },
});
const addUser = createRoute({
  method: "post",
  path: "/{service_uuid}/groups/{group_name}/users/{username}",
  operationId: "addUserToGroup",
  tags,
  summary: "Add user to group",
  description: "No body; answers 204. Adding a member again succeeds without change. A user can be in at most 10 groups.",
  security,
  request: { params: MemberParam },
  responses: { 204: noContent, ...errorResponses },
});
const removeUser = createRoute({
  method: "delete",
  path: "/{service_uuid}/groups/{group_name}/users/{username}",
  operationId: "removeUserFromGroup",
  tags,
  summary: "Remove user from group",
  security,
  request: { params: MemberParam },
  responses: { 204: noContent, ...errorResponses },
});

export function registerGroups(app: UpcloudRouter) {
  app.openapi(list, async (c) =>
    c.json((await listGroups(c.env, c.get("account").id, c.req.valid("param").service_uuid)).map(groupBody), 200),
  );
  app.openapi(create, async (c) =>
    c.json(groupBody(await createGroup(c.env, c.get("account").id, c.req.valid("param").service_uuid, c.req.valid("json").name)), 201),
  );
  app.openapi(get, async (c) => {
    const { service_uuid, group_name } = c.req.valid("param");
    return c.json(groupBody(await getGroup(c.env, c.get("account").id, service_uuid, group_name)), 200);
  });
  app.openapi(remove, async (c) => {
    const { service_uuid, group_name } = c.req.valid("param");
    await deleteGroup(c.env, c.get("account").id, service_uuid, group_name);
    return c.body(null, 204);
  });
  app.openapi(addUser, async (c) => {
    const { service_uuid, group_name, username } = c.req.valid("param");
    await addUserToGroup(c.env, c.get("account").id, service_uuid, group_name, username);
    return c.body(null, 204);
  });
  app.openapi(removeUser, async (c) => {
    const { service_uuid, group_name, username } = c.req.valid("param");
    await removeUserFromGroup(c.env, c.get("account").id, service_uuid, group_name, username);
    return c.body(null, 204);
  });
}
