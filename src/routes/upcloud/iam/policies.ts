import { createRoute, z } from "@hono/zod-openapi";
import { createPolicy, deletePolicy, getPolicy, listPolicies, setDefaultVersion } from "../../../core/iam/policies";
import { createPolicyVersion, deletePolicyVersion, getPolicyVersion, listPolicyVersions } from "../../../core/iam/policy-versions";
import { errorResponses, json, jsonBody, noContent, security, ServiceUuidParam } from "../common";
import type { UpcloudRouter } from "../types";
import {
  PolicyCreateSchema,
  PolicyModifySchema,
  PolicyParam,
  PolicySchema,
  PolicyVersionCreateSchema,
  PolicyVersionSchema,
  VersionParam,
} from "./schemas";
import { policyBody, policyVersionBody } from "./bodies";

const tags = ["Policies"];

const list = createRoute({
  method: "get",
  path: "/{service_uuid}/policies",
  operationId: "listPolicies",
  tags,
  summary: "List policies",
  description: "The five system policies (system: true) followed by the service's custom policies, without documents.",
  security,
  request: { params: ServiceUuidParam },
  responses: { 200: json(z.array(PolicySchema), "Policies"), ...errorResponses },
});
const create = createRoute({
  method: "post",
  path: "/{service_uuid}/policies",
  operationId: "createPolicy",
  tags,
  summary: "Create policy",
  description: "The document is validated against the policy grammar; every problem is reported in invalid_params under `document`.",
  security,
  request: { params: ServiceUuidParam, body: jsonBody(PolicyCreateSchema) },
  responses: { 201: json(PolicySchema, "Policy (version v1 is the default)"), ...errorResponses },
});
const get = createRoute({
  method: "get",
  path: "/{service_uuid}/policies/{policy_name}",
  operationId: "getPolicy",
  tags,
  summary: "Get policy details (with the default version's document)",
  security,
  request: { params: PolicyParam },
  responses: { 200: json(PolicySchema, "Policy"), ...errorResponses },
});
const modify = createRoute({
  method: "patch",
  path: "/{service_uuid}/policies/{policy_name}",
  operationId: "setDefaultPolicyVersion",
  tags,
  summary: "Set the default policy version",
  security,
  request: { params: PolicyParam, body: jsonBody(PolicyModifySchema) },
  responses: { 200: json(PolicySchema, "Policy"), ...errorResponses },
});
const remove = createRoute({
  method: "delete",
  path: "/{service_uuid}/policies/{policy_name}",
  operationId: "deletePolicy",
  tags,
  summary: "Delete policy",
  description:
    "Refused (SERVICE_ERROR) while the policy is attached to any user, group or role, or is a permissions boundary. System policies cannot be deleted.",
  security,
  request: { params: PolicyParam },
  responses: { 204: noContent, ...errorResponses },
});

const listVersions = createRoute({
  method: "get",
  path: "/{service_uuid}/policies/{policy_name}/versions",
  operationId: "listPolicyVersions",
  tags,
  summary: "List policy versions (newest first)",
  security,
  request: { params: PolicyParam },
  responses: { 200: json(z.array(PolicyVersionSchema), "Versions"), ...errorResponses },
});
const createVersion = createRoute({
  method: "post",
  path: "/{service_uuid}/policies/{policy_name}/versions",
  operationId: "createPolicyVersion",
  tags,
  summary: "Create policy version",
  description: "Versions are v1, v2, … and never reused; a policy keeps at most 5.",
  security,
  request: { params: PolicyParam, body: jsonBody(PolicyVersionCreateSchema) },
  responses: { 201: json(PolicyVersionSchema, "Version"), ...errorResponses },
});
const getVersion = createRoute({
  method: "get",
  path: "/{service_uuid}/policies/{policy_name}/versions/{version_id}",
  operationId: "getPolicyVersion",
  tags,
  summary: "Get policy version",
  security,
  request: { params: VersionParam },
  responses: { 200: json(PolicyVersionSchema, "Version"), ...errorResponses },
});
const deleteVersion = createRoute({
  method: "delete",
  path: "/{service_uuid}/policies/{policy_name}/versions/{version_id}",
  operationId: "deletePolicyVersion",
  tags,
  summary: "Delete policy version (not the default one)",
  security,
  request: { params: VersionParam },
  responses: { 204: noContent, ...errorResponses },
});

export function registerPolicies(app: UpcloudRouter) {
  app.openapi(list, async (c) =>
    c.json((await listPolicies(c.env, c.get("account").id, c.req.valid("param").service_uuid)).map(policyBody), 200),
  );
  app.openapi(create, async (c) =>
    c.json(policyBody(await createPolicy(c.env, c.get("account").id, c.req.valid("param").service_uuid, c.req.valid("json"))), 201),
  );
  app.openapi(get, async (c) => {
    const { service_uuid, policy_name } = c.req.valid("param");
    return c.json(policyBody(await getPolicy(c.env, c.get("account").id, service_uuid, policy_name)), 200);
  });
  app.openapi(modify, async (c) => {
    const { service_uuid, policy_name } = c.req.valid("param");
    return c.json(
      policyBody(await setDefaultVersion(c.env, c.get("account").id, service_uuid, policy_name, c.req.valid("json").version_id)),
      200,
    );
  });
  app.openapi(remove, async (c) => {
    const { service_uuid, policy_name } = c.req.valid("param");
    await deletePolicy(c.env, c.get("account").id, service_uuid, policy_name);
    return c.body(null, 204);
  });
  app.openapi(listVersions, async (c) => {
    const { service_uuid, policy_name } = c.req.valid("param");
    return c.json((await listPolicyVersions(c.env, c.get("account").id, service_uuid, policy_name)).map(policyVersionBody), 200);
  });
  app.openapi(createVersion, async (c) => {
    const { service_uuid, policy_name } = c.req.valid("param");
    return c.json(
      policyVersionBody(await createPolicyVersion(c.env, c.get("account").id, service_uuid, policy_name, c.req.valid("json"))),
      201,
    );
  });
  app.openapi(getVersion, async (c) => {
    const { service_uuid, policy_name, version_id } = c.req.valid("param");
    return c.json(policyVersionBody(await getPolicyVersion(c.env, c.get("account").id, service_uuid, policy_name, version_id)), 200);
  });
  app.openapi(deleteVersion, async (c) => {
    const { service_uuid, policy_name, version_id } = c.req.valid("param");
    await deletePolicyVersion(c.env, c.get("account").id, service_uuid, policy_name, version_id);
    return c.body(null, 204);
  });
}
