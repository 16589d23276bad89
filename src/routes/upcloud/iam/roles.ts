import { createRoute, z } from "@hono/zod-openapi";
import { createRole, deleteRole, getRole, listRoles, replaceTrustPolicy, updateRole } from "../../../core/iam/roles";
import { errorResponses, json, jsonBody, noContent, security, ServiceUuidParam } from "../common";
import type { UpcloudRouter } from "../types";
import { RoleCreateSchema, RoleModifySchema, RoleParam, RoleSchema, TrustPolicySchema } from "./schemas";
import { encodeDocument } from "../../../core/iam/rules";
import { roleBody } from "./bodies";

const tags = ["Roles"];

const list = createRoute({
  method: "get",
  path: "/{service_uuid}/roles",
  operationId: "listRoles",
  tags,
  summary: "List roles",
  security,
  request: { params: ServiceUuidParam },
  responses: { 200: json(z.array(RoleSchema), "Roles"), ...errorResponses },
});
const create = createRoute({
  method: "post",
  path: "/{service_uuid}/roles",
  operationId: "createRole",
  tags,
  summary: "Create role",
  description: "max_session_duration is 900-43200 seconds (default 3600); at most 50 tags; permissions_boundary names an existing policy.",
  security,
  request: { params: ServiceUuidParam, body: jsonBody(RoleCreateSchema) },
  responses: { 201: json(RoleSchema, "Role"), ...errorResponses },
});
const get = createRoute({
  method: "get",
  path: "/{service_uuid}/roles/{role_name}",
  operationId: "getRole",
  tags,
  summary: "Get role",
  security,
  request: { params: RoleParam },
  responses: { 200: json(RoleSchema, "Role"), ...errorResponses },
});
const modify = createRoute({
  method: "patch",
  path: "/{service_uuid}/roles/{role_name}",
  operationId: "updateRole",
  tags,
  summary: "Update role (description, max_session_duration)",
  security,
  request: { params: RoleParam, body: jsonBody(RoleModifySchema) },
  responses: { 200: json(RoleSchema, "Role"), ...errorResponses },
});
const remove = createRoute({
  method: "delete",
  path: "/{service_uuid}/roles/{role_name}",
  operationId: "deleteRole",
  tags,
  summary: "Delete role",
  description: "Refused (SERVICE_ERROR) while the role has attached or inline policies; its tags and boundary go with it.",
  security,
  request: { params: RoleParam },
  responses: { 204: noContent, ...errorResponses },
});
const trust = createRoute({
  method: "put",
  path: "/{service_uuid}/roles/{role_name}/assume-role-policy",
  operationId: "replaceAssumeRolePolicy",
  tags,
  summary: "Replace the role's trust (assume-role) policy",
  security,
  request: { params: RoleParam, body: jsonBody(TrustPolicySchema) },
  responses: {
    200: json(z.object({ document: z.string() }).openapi("AssumeRolePolicyView"), "The new trust policy, percent-encoded"),
    ...errorResponses,
  },
});

export function registerRoles(app: UpcloudRouter) {
  app.openapi(list, async (c) =>
    c.json((await listRoles(c.env, c.get("account").id, c.req.valid("param").service_uuid)).map(roleBody), 200),
  );
  app.openapi(create, async (c) =>
    c.json(roleBody(await createRole(c.env, c.get("account").id, c.req.valid("param").service_uuid, c.req.valid("json"))), 201),
  );
  app.openapi(get, async (c) => {
    const { service_uuid, role_name } = c.req.valid("param");
    return c.json(roleBody(await getRole(c.env, c.get("account").id, service_uuid, role_name)), 200);
  });
  app.openapi(modify, async (c) => {
    const { service_uuid, role_name } = c.req.valid("param");
    return c.json(roleBody(await updateRole(c.env, c.get("account").id, service_uuid, role_name, c.req.valid("json"))), 200);
  });
  app.openapi(remove, async (c) => {
    const { service_uuid, role_name } = c.req.valid("param");
    await deleteRole(c.env, c.get("account").id, service_uuid, role_name);
    return c.body(null, 204);
  });
  app.openapi(trust, async (c) => {
    const { service_uuid, role_name } = c.req.valid("param");
    const { document } = await replaceTrustPolicy(c.env, c.get("account").id, service_uuid, role_name, c.req.valid("json").document);
    return c.json({ document: encodeDocument(document) }, 200);
  });
}
