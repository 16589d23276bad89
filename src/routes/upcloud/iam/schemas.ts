import { z } from "@hono/zod-openapi";
import { IAM_NAME, IAM_NAME_SOURCE, LIMITS, MAX_SESSION, NAME_MAX } from "../../../core/iam/rules";
import { SIMULATION_LIMITS } from "../../../core/iam/simulate";
import { ServiceUuidParam } from "../common";
import { RESERVED_ROLE, RESERVED_USER } from "./arns";

/** Request and response shapes of the UpCloud IAM endpoints. The rules behind them live in src/core/iam. */

const iamName = (max: number, reserved?: string) => {
  const s = z
    .string({ error: "must be a string" })
    .min(1, `must be 1-${max} characters`)
    .max(max, `must be 1-${max} characters`)
    .regex(IAM_NAME, `must match ${IAM_NAME_SOURCE}`);
  return reserved ? s.refine((v) => v !== reserved, `"${reserved}" is reserved for internal use`) : s;
};

export const UserName = iamName(NAME_MAX.user, RESERVED_USER).openapi({ example: "example_user" });
export const GroupName = iamName(NAME_MAX.group).openapi({ example: "developers" });
export const RoleName = iamName(NAME_MAX.role, RESERVED_ROLE).openapi({ example: "backup-writer" });
export const PolicyName = iamName(NAME_MAX.policy).openapi({ example: "example-policy" });

/** Percent-decoding can shrink a document to a third; the decoded length is checked in the core. */
const documentField = (max: number) =>
  z
    .string({ error: "must be a string: the policy JSON, raw or percent-encoded (RFC 3986)" })
    .min(1, `must be 1-${max} characters`)
    .max(max * 3, `must be 1-${max} characters`)
    .openapi({
      description: `Policy document JSON, raw or percent-encoded (RFC 3986); at most ${max} characters once decoded. Responses always carry it percent-encoded.`,
      example:
        "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22*%22%7D%5D%7D",
    });
export const PolicyDocumentField = documentField(LIMITS.documentChars);
export const TrustDocumentField = documentField(LIMITS.trustDocumentChars);

const Description = z
  .string({ error: "must be a string" })
  .max(LIMITS.descriptionChars, `must be at most ${LIMITS.descriptionChars} characters`);

// ---------------------------------------------------------------- path parameters

const pathParam = (name: string, example?: string) => z.string().openapi({ param: { name, in: "path" }, ...(example ? { example } : {}) });

export const UserParam = ServiceUuidParam.extend({ username: pathParam("username", "example_user") });
export const AccessKeyParam = UserParam.extend({ access_key_id: pathParam("access_key_id", "AKIA63F41D01345BB477") });
export const PolicyParam = ServiceUuidParam.extend({ policy_name: pathParam("policy_name", "example-policy") });
export const VersionParam = PolicyParam.extend({ version_id: pathParam("version_id", "v1") });
export const GroupParam = ServiceUuidParam.extend({ group_name: pathParam("group_name", "developers") });
export const MemberParam = GroupParam.extend({ username: pathParam("username", "example_user") });
export const RoleParam = ServiceUuidParam.extend({ role_name: pathParam("role_name", "backup-writer") });

// ---------------------------------------------------------------- bodies

export const TagSchema = z
  .object({
    key: z.string({ error: "must be a string" }).min(1, "must be 1-128 characters").max(128, "must be 1-128 characters"),
    value: z.string({ error: "must be a string" }).max(256, "must be 0-256 characters").optional(),
  })
  .openapi("IamTag", { example: { key: "department", value: "Finance" } });

export const TagsSchema = z
  .array(TagSchema, { error: "must be a JSON array of {key, value} tags" })
  .max(LIMITS.tags, `must have at most ${LIMITS.tags} tags`);

export const UserCreateSchema = z.object({ username: UserName }).openapi("UserCreate");

export const AccessKeyModifySchema = z
  .object({ status: z.enum(["Active", "Inactive"], { error: "must be Active or Inactive" }).optional() })
  .openapi("AccessKeyModify");

export const AttachSchema = z.object({ name: PolicyName }).openapi("PolicyAttach");

export const InlinePolicyCreateSchema = z.object({ name: PolicyName, document: PolicyDocumentField }).openapi("InlinePolicyCreate");

export const BoundarySchema = z.object({ policy_name: PolicyName }).openapi("PermissionsBoundarySet");

export const PolicyCreateSchema = z
  .object({ name: PolicyName, document: PolicyDocumentField, description: Description.optional() })
  .openapi("PolicyCreate");

export const PolicyModifySchema = z
  .object({ version_id: z.string({ error: "must be a string" }).openapi({ example: "v2" }) })
  .openapi("PolicyModify");

export const PolicyVersionCreateSchema = z
  .object({ document: PolicyDocumentField, is_default: z.boolean({ error: "must be true or false" }).optional() })
  .openapi("PolicyVersionCreate");

export const GroupCreateSchema = z.object({ name: GroupName }).openapi("GroupCreate");

const MaxSession = z
  .number({ error: "must be an integer" })
  .int("must be an integer")
  .min(MAX_SESSION.min, `must be ${MAX_SESSION.min}-${MAX_SESSION.max}`)
  .max(MAX_SESSION.max, `must be ${MAX_SESSION.min}-${MAX_SESSION.max}`);

export const RoleCreateSchema = z
  .object({
    name: RoleName,
    assume_role_policy_document: TrustDocumentField,
    description: Description.optional(),
    max_session_duration: MaxSession.optional().openapi({ default: MAX_SESSION.default }),
    permissions_boundary: PolicyName.optional(),
    tags: TagsSchema.optional(),
  })
  .openapi("RoleCreate");

export const RoleModifySchema = z
  .object({ description: Description.optional(), max_session_duration: MaxSession.optional() })
  .openapi("RoleModify");

export const TrustPolicySchema = z.object({ document: TrustDocumentField }).openapi("AssumeRolePolicy");

// ---------------------------------------------------------------- responses

export const AccessKeySchema = z
  .object({
    access_key_id: z.string(),
    status: z.enum(["Active", "Inactive"]),
    created_at: z.string(),
    last_used_at: z.string().openapi({ description: "0001-01-01T00:00:00Z until the key is first used" }),
  })
  .openapi("AccessKey");

export const AccessKeyCreatedSchema = AccessKeySchema.extend({
  secret_access_key: z.string().openapi({ description: "Returned only in this response; it cannot be read again." }),
}).openapi("AccessKeyCreated");

export const PolicyRefSchema = z.object({ name: z.string(), arn: z.string() }).openapi("PolicyRef");

export const UserSchema = z
  .object({
    username: z.string(),
    arn: z.string(),
    created_at: z.string(),
    access_keys: z.array(AccessKeySchema),
    policies: z.array(PolicyRefSchema),
    tags: z.array(TagSchema),
    permissions_boundary: z.string().optional(),
  })
  .openapi("User");

export const PolicySchema = z
  .object({
    name: z.string(),
    arn: z.string(),
    description: z.string(),
    default_version_id: z.string(),
    attachment_count: z.number().int(),
    system: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    document: z.string().optional().openapi({ description: "Percent-encoded JSON (get and create only)" }),
  })
  .openapi("Policy");

export const PolicyVersionSchema = z
  .object({
    version_id: z.string(),
    document: z.string(),
    is_default: z.boolean(),
    created_at: z.string(),
    create_date: z.string().openapi({ description: "Same as created_at (the vendor's spec and recordings disagree on the name)" }),
  })
  .openapi("PolicyVersion");

export const InlinePolicySchema = z.object({ name: z.string(), document: z.string() }).openapi("InlinePolicy");

export const GroupSchema = z.object({ name: z.string(), arn: z.string(), created_at: z.string() }).openapi("Group");

export const RoleSchema = z
  .object({
    name: z.string(),
    arn: z.string(),
    description: z.string(),
    assume_role_policy_document: z.string(),
    max_session_duration: z.number().int(),
    permissions_boundary: z.string().optional(),
    created_at: z.string(),
    inline_policies: z.array(z.object({ name: z.string() })),
    policies: z.array(PolicyRefSchema),
    tags: z.array(TagSchema),
  })
  .openapi("Role");

// ---------------------------------------------------------------- simulation

export const SimulationSchema = z
  .object({
    principal: z.object({
      type: z.enum(["user", "role"], { error: "must be user or role" }),
      name: z.string({ error: "must be a string" }).min(1, "is required"),
    }),
    actions: z
      .array(z.string({ error: "must be a string" }), { error: "must be an array of actions" })
      .min(1, "must name at least one action")
      .max(SIMULATION_LIMITS.actions, `must have at most ${SIMULATION_LIMITS.actions} actions`)
      .openapi({ example: ["s3:GetObject", "s3:PutObject"] }),
    resources: z
      .array(z.string({ error: "must be a string" }), { error: "must be an array of resource ARNs" })
      .min(1, "must name at least one resource")
      .max(SIMULATION_LIMITS.resources, `must have at most ${SIMULATION_LIMITS.resources} resources`)
      .openapi({ example: ["arn:aws:s3:::my-bucket/reports/q1.csv"] }),
    context: z
      .record(z.string(), z.union([z.string(), z.array(z.string())]), {
        error: "must map condition keys to a string or an array of strings",
      })
      .optional()
      .openapi({ example: { "aws:SourceIp": "203.0.113.7", "aws:SecureTransport": "true" } }),
    resource_policy: PolicyDocumentField.optional().openapi({
      description: "A bucket policy to evaluate together with the identity's policies (raw or percent-encoded).",
    }),
  })
  .openapi("PolicySimulation");

export const SimulationResultSchema = z
  .object({
    results: z.array(
      z.object({
        action: z.string(),
        resource: z.string(),
        decision: z.enum(["allowed", "explicit-deny", "implicit-deny"]),
        matched_statements: z.array(
          z.object({
            source: z.string().openapi({ example: "group:developers/managed:ECSS3ReadOnlyAccess" }),
            policy: z.string(),
            sid: z.string().optional(),
            index: z.number().int(),
            effect: z.enum(["Allow", "Deny"]),
          }),
        ),
      }),
    ),
  })
  .openapi("PolicySimulationResult");
