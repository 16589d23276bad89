import { createRoute, z } from "@hono/zod-openapi";
import { attachPolicy, detachPolicy } from "../../../core/iam/attachments";
import { createInlinePolicy, getInlinePolicy, listAttachedPolicies, listInlinePolicies } from "./bodies";
import { deletePermissionsBoundary, setPermissionsBoundary } from "../../../core/iam/boundaries";
import { deleteInlinePolicy } from "../../../core/iam/inline-policies";
import { deleteTag, getTags, replaceTags } from "../../../core/iam/tags";
import { errorResponses, json, jsonBody, noContent, security, ServiceUuidParam } from "../common";
import type { UpcloudRouter } from "../types";
import {
  AttachSchema,
  BoundarySchema,
  InlinePolicyCreateSchema,
  InlinePolicySchema,
  PolicyRefSchema,
  TagSchema,
  TagsSchema,
} from "./schemas";

/**
 * Sub-resources that users, groups and roles share (attached and inline policies; users and roles
 * also have permissions boundaries and tags), declared once per kind with the vendor's paths.
 * Operation ids are literals in each kind's table (so `grep listUserPolicies src/routes` finds the
 * operation); the template types only make the compiler check that each literal fits its label.
 */
interface Kind<L extends string = "User" | "Group" | "Role"> {
  type: "user" | "group" | "role";
  /** Path segment of the collection: users, groups, roles. */
  segment: string;
  /** Path parameter naming the entity: username, group_name, role_name. */
  key: "username" | "group_name" | "role_name";
  /** User, Group, Role: the word inside each operation id. */
  label: L;
  tags: string[];
  ids: {
    listPolicies: `list${L}Policies`;
    attachPolicy: `attach${L}Policy`;
    detachPolicy: `detach${L}Policy`;
    listInlinePolicies: `list${L}InlinePolicies`;
    createInlinePolicy: `create${L}InlinePolicy`;
    getInlinePolicy: `get${L}InlinePolicy`;
    deleteInlinePolicy: `delete${L}InlinePolicy`;
  };
}

/** Users and roles: boundaries and tags besides policies. */
interface TaggedKind<L extends "User" | "Role" = "User" | "Role"> extends Kind<L> {
  type: "user" | "role";
  ids: Kind<L>["ids"] & {
    setPermissionsBoundary: `set${L}PermissionsBoundary`;
    deletePermissionsBoundary: `delete${L}PermissionsBoundary`;
    getTags: `get${L}Tags`;
    replaceTags: `replace${L}Tags`;
    deleteTag: `delete${L}Tag`;
  };
}

/**
 * The entity's path parameter is added under its own name (so the document names it as the vendor
 * does); to TypeScript the schema shows only service_uuid, and `who` reads the name by key.
 */
function paramsOf(kind: Kind): typeof ServiceUuidParam {
  return ServiceUuidParam.extend({
    [kind.key]: z.string().openapi({ param: { name: kind.key, in: "path" } }),
  }) as unknown as typeof ServiceUuidParam;
}

function principalOf<T extends Kind["type"]>(kind: Kind & { type: T }) {
  return (p: object) => ({ type: kind.type, name: (p as Record<string, string>)[kind.key] ?? "" });
}

export function registerAttachments(app: UpcloudRouter, kind: Kind) {
  const base = `/{service_uuid}/${kind.segment}/{${kind.key}}/policies`;
  const params = paramsOf(kind);
  const PolicyNameParam = params.extend({ policy_name: z.string().openapi({ param: { name: "policy_name", in: "path" } }) });
  const { tags } = kind;
  const list = createRoute({
    method: "get",
    path: base,
    operationId: kind.ids.listPolicies,
    tags,
    summary: `List ${kind.type}'s attached policies`,
    security,
    request: { params },
    responses: { 200: json(z.array(PolicyRefSchema), "Attached policies"), ...errorResponses },
  });
  const attach = createRoute({
    method: "post",
    path: base,
    operationId: kind.ids.attachPolicy,
    tags,
    summary: `Attach policy to ${kind.type}`,
    description: "Answers 204 without a body. Attaching an already attached policy succeeds without change.",
    security,
    request: { params, body: jsonBody(AttachSchema) },
    responses: { 204: noContent, ...errorResponses },
  });
  const detach = createRoute({
    method: "delete",
    path: `${base}/{policy_name}`,
    operationId: kind.ids.detachPolicy,
    tags,
    summary: `Detach policy from ${kind.type}`,
    security,
    request: { params: PolicyNameParam },
    responses: { 204: noContent, ...errorResponses },
  });

  const who = principalOf(kind);
  app.openapi(list, async (c) => {
    const p = c.req.valid("param");
    return c.json(await listAttachedPolicies(c.env, c.get("account").id, p.service_uuid, who(p)), 200);
  });
  app.openapi(attach, async (c) => {
    const p = c.req.valid("param");
    await attachPolicy(c.env, c.get("account").id, p.service_uuid, who(p), c.req.valid("json").name);
    return c.body(null, 204);
  });
  app.openapi(detach, async (c) => {
    const p = c.req.valid("param");
    await detachPolicy(c.env, c.get("account").id, p.service_uuid, who(p), p.policy_name);
    return c.body(null, 204);
  });
}

export function registerInlinePolicies(app: UpcloudRouter, kind: Kind) {
  const base = `/{service_uuid}/${kind.segment}/{${kind.key}}/inline-policies`;
  const params = paramsOf(kind);
  const NameParam = params.extend({ policy_name: z.string().openapi({ param: { name: "policy_name", in: "path" } }) });
  const { tags } = kind;
  const list = createRoute({
    method: "get",
    path: base,
    operationId: kind.ids.listInlinePolicies,
    tags,
    summary: `List ${kind.type} inline policies`,
    security,
    request: { params },
    responses: { 200: json(z.array(InlinePolicySchema), "Inline policies (documents percent-encoded)"), ...errorResponses },
  });
  const create = createRoute({
    method: "post",
    path: base,
    operationId: kind.ids.createInlinePolicy,
    tags,
    summary: `Create ${kind.type} inline policy`,
    security,
    request: { params, body: jsonBody(InlinePolicyCreateSchema) },
    responses: { 201: json(InlinePolicySchema, "Inline policy"), ...errorResponses },
  });
  const get = createRoute({
    method: "get",
    path: `${base}/{policy_name}`,
    operationId: kind.ids.getInlinePolicy,
    tags,
    summary: `Get ${kind.type} inline policy`,
    security,
    request: { params: NameParam },
    responses: { 200: json(InlinePolicySchema, "Inline policy"), ...errorResponses },
  });
  const remove = createRoute({
    method: "delete",
    path: `${base}/{policy_name}`,
    operationId: kind.ids.deleteInlinePolicy,
    tags,
    summary: `Delete ${kind.type} inline policy`,
    security,
    request: { params: NameParam },
    responses: { 204: noContent, ...errorResponses },
  });

  const who = principalOf(kind);
  app.openapi(list, async (c) => {
    const p = c.req.valid("param");
    return c.json(await listInlinePolicies(c.env, c.get("account").id, p.service_uuid, who(p)), 200);
  });
  app.openapi(create, async (c) => {
    const p = c.req.valid("param");
    return c.json(await createInlinePolicy(c.env, c.get("account").id, p.service_uuid, who(p), c.req.valid("json")), 201);
  });
  app.openapi(get, async (c) => {
    const p = c.req.valid("param");
    return c.json(await getInlinePolicy(c.env, c.get("account").id, p.service_uuid, who(p), p.policy_name), 200);
  });
  app.openapi(remove, async (c) => {
    const p = c.req.valid("param");
    await deleteInlinePolicy(c.env, c.get("account").id, p.service_uuid, who(p), p.policy_name);
    return c.body(null, 204);
  });
}

export function registerBoundary(app: UpcloudRouter, kind: TaggedKind) {
  const path = `/{service_uuid}/${kind.segment}/{${kind.key}}/permissions-boundary`;
  const params = paramsOf(kind);
  const { tags } = kind;
  const set = createRoute({
    method: "put",
    path,
    operationId: kind.ids.setPermissionsBoundary,
    tags,
    summary: `Set ${kind.type} permissions boundary`,
    description: "The policy (custom or system) must exist. The answer is a bare JSON string: the boundary policy's name.",
    security,
    request: { params, body: jsonBody(BoundarySchema) },
    responses: { 200: json(z.string().openapi({ example: "example-policy" }), "The boundary policy's name"), ...errorResponses },
  });
  const remove = createRoute({
    method: "delete",
    path,
    operationId: kind.ids.deletePermissionsBoundary,
    tags,
    summary: `Delete ${kind.type} permissions boundary`,
    security,
    request: { params },
    responses: { 204: noContent, ...errorResponses },
  });

  const who = principalOf(kind);
  app.openapi(set, async (c) => {
    const p = c.req.valid("param");
    return c.json(await setPermissionsBoundary(c.env, c.get("account").id, p.service_uuid, who(p), c.req.valid("json").policy_name), 200);
  });
  app.openapi(remove, async (c) => {
    const p = c.req.valid("param");
    await deletePermissionsBoundary(c.env, c.get("account").id, p.service_uuid, who(p));
    return c.body(null, 204);
  });
}

export function registerTags(app: UpcloudRouter, kind: TaggedKind) {
  const base = `/{service_uuid}/${kind.segment}/{${kind.key}}/tags`;
  const params = paramsOf(kind);
  const KeyParam = params.extend({ tag_key: z.string().openapi({ param: { name: "tag_key", in: "path" } }) });
  const { tags } = kind;
  const get = createRoute({
    method: "get",
    path: base,
    operationId: kind.ids.getTags,
    tags,
    summary: `Get ${kind.type} tags`,
    security,
    request: { params },
    responses: { 200: json(z.array(TagSchema), "Tags"), ...errorResponses },
  });
  const replace = createRoute({
    method: "put",
    path: base,
    operationId: kind.ids.replaceTags,
    tags,
    summary: `Replace ${kind.type} tags`,
    description: "The body is a JSON array of tags (at most 50); it replaces the whole set.",
    security,
    request: { params, body: jsonBody(TagsSchema) },
    responses: { 200: json(z.array(TagSchema), "Tags"), ...errorResponses },
  });
  const remove = createRoute({
    method: "delete",
    path: `${base}/{tag_key}`,
    operationId: kind.ids.deleteTag,
    tags,
    summary: `Delete ${kind.type} tag`,
    security,
    request: { params: KeyParam },
    responses: { 204: noContent, ...errorResponses },
  });

  const who = principalOf(kind);
  app.openapi(get, async (c) => {
    const p = c.req.valid("param");
    return c.json(await getTags(c.env, c.get("account").id, p.service_uuid, who(p)), 200);
  });
  app.openapi(replace, async (c) => {
    const p = c.req.valid("param");
    return c.json(await replaceTags(c.env, c.get("account").id, p.service_uuid, who(p), c.req.valid("json")), 200);
  });
  app.openapi(remove, async (c) => {
    const p = c.req.valid("param");
    await deleteTag(c.env, c.get("account").id, p.service_uuid, who(p), p.tag_key);
    return c.body(null, 204);
  });
}

export const USER: TaggedKind<"User"> = {
  type: "user",
  segment: "users",
  key: "username",
  label: "User",
  tags: ["Users"],
  ids: {
    listPolicies: "listUserPolicies",
    attachPolicy: "attachUserPolicy",
    detachPolicy: "detachUserPolicy",
    listInlinePolicies: "listUserInlinePolicies",
    createInlinePolicy: "createUserInlinePolicy",
    getInlinePolicy: "getUserInlinePolicy",
    deleteInlinePolicy: "deleteUserInlinePolicy",
    setPermissionsBoundary: "setUserPermissionsBoundary",
    deletePermissionsBoundary: "deleteUserPermissionsBoundary",
    getTags: "getUserTags",
    replaceTags: "replaceUserTags",
    deleteTag: "deleteUserTag",
  },
};
export const GROUP: Kind<"Group"> = {
  type: "group",
  segment: "groups",
  key: "group_name",
  label: "Group",
  tags: ["Groups"],
  ids: {
    listPolicies: "listGroupPolicies",
    attachPolicy: "attachGroupPolicy",
    detachPolicy: "detachGroupPolicy",
    listInlinePolicies: "listGroupInlinePolicies",
    createInlinePolicy: "createGroupInlinePolicy",
    getInlinePolicy: "getGroupInlinePolicy",
    deleteInlinePolicy: "deleteGroupInlinePolicy",
  },
};
export const ROLE: TaggedKind<"Role"> = {
  type: "role",
  segment: "roles",
  key: "role_name",
  label: "Role",
  tags: ["Roles"],
  ids: {
    listPolicies: "listRolePolicies",
    attachPolicy: "attachRolePolicy",
    detachPolicy: "detachRolePolicy",
    listInlinePolicies: "listRoleInlinePolicies",
    createInlinePolicy: "createRoleInlinePolicy",
    getInlinePolicy: "getRoleInlinePolicy",
    deleteInlinePolicy: "deleteRoleInlinePolicy",
    setPermissionsBoundary: "setRolePermissionsBoundary",
    deletePermissionsBoundary: "deleteRolePermissionsBoundary",
    getTags: "getRoleTags",
    replaceTags: "replaceRoleTags",
    deleteTag: "deleteRoleTag",
  },
};
