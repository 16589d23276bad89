import { z } from "@hono/zod-openapi";
import { SERVICE_OPERATIONAL_STATES } from "./tables";

/** Request and response schemas of the service resources: the one statement of each attribute rule. */

export const NAME_PATTERN = /^[a-zA-Z0-9_-]+$/;
export const LABEL_VALUE_PATTERN = /^[\p{L}\p{N}\p{P}\p{S}\p{M}\p{Z}]*$/u;

export const ServiceName = z
  .string({ error: "must be a string" })
  .min(1, "must be 1-64 characters")
  .max(64, "must be 1-64 characters")
  .regex(NAME_PATTERN, "must match ^[a-zA-Z0-9_-]+$")
  .openapi({ example: "example-service" });

export const NetworkSchema = z
  .object({
    name: z
      .string({ error: "must be a string" })
      .min(1, "must be 1-64 characters")
      .max(64, "must be 1-64 characters")
      .regex(NAME_PATTERN, "must match ^[a-zA-Z0-9_-]+$"),
    type: z.enum(["public", "private"], { error: "must be public or private" }),
    family: z.enum(["IPv4", "IPv6"], { error: "must be IPv4" }),
    uuid: z.uuid({ error: "must be a valid network uuid" }).optional(),
  })
  .openapi("Network", { example: { name: "example-public-network", type: "public", family: "IPv4" } });
export type NetworkInput = z.infer<typeof NetworkSchema>;

export const LabelKey = z
  .string({ error: "must be a string" })
  .min(2, "must be 2-32 characters")
  .max(32, "must be 2-32 characters")
  .regex(/^[\x20-\x7e]+$/, "must be printable ASCII (0x20-0x7E)")
  .refine((k) => !k.startsWith("_"), "must not start with _");

export const LabelValue = z
  .string({ error: "must be a string" })
  .max(255, "must be 0-255 characters")
  .regex(LABEL_VALUE_PATTERN, "contains characters outside letters, numbers, punctuation, symbols, marks and spaces");

export const LabelSchema = z
  .object({ key: LabelKey, value: LabelValue.nullable() })
  .openapi("Label", { example: { key: "env", value: "staging" } });
export type LabelInput = z.infer<typeof LabelSchema>;

export const LabelPatchSchema = z.object({ key: LabelKey.optional(), value: LabelValue.nullable().optional() }).openapi("LabelModify");

export const PropertiesSchema = z
  .object({ access_control_origin_override: z.string().max(255, "must be at most 255 characters").nullable().optional() })
  .openapi("ServiceProperties");

/**
 * Custom domains and static websites embedded in service bodies. They are managed through their own
 * sub-resources; a body may repeat the current list (clients echo GET bodies back on PUT) but not change it.
 */
const EmbeddedList = z
  .array(z.record(z.string(), z.unknown()), { error: "must be an array of objects" })
  .nullable()
  .optional()
  .openapi({ description: "Must equal the current list; use the /custom-domains and /static-websites sub-resources to change it." });

const Networks = z.array(NetworkSchema, { error: "must be an array of networks" }).max(8, "must have 0-8 networks");
const Labels = z.array(LabelSchema, { error: "must be an array of labels" }).max(255, "must have 0-255 labels");
const ConfiguredStatus = z.enum(["started", "stopped"], { error: "must be started or stopped" });
const Bool = z.boolean({ error: "must be true or false" });

export const ServiceCreateSchema = z
  .object({
    name: ServiceName,
    region: z.string({ error: "must be a string" }).min(1, "is required").openapi({ example: "europe-1" }),
    configured_status: ConfiguredStatus,
    termination_protection: Bool.optional(),
    networks: Networks.nullable().optional(),
    labels: Labels.nullable().optional(),
    properties: PropertiesSchema.nullable().optional(),
    custom_domains: EmbeddedList,
    static_websites: EmbeddedList,
  })
  .openapi("ServiceCreate");
export type ServiceCreateInput = z.infer<typeof ServiceCreateSchema>;

export const ServiceReplaceSchema = z
  .object({
    name: ServiceName,
    configured_status: ConfiguredStatus,
    termination_protection: Bool.optional(),
    networks: Networks.nullable().optional(),
    labels: Labels.nullable().optional(),
    properties: PropertiesSchema.nullable().optional(),
    custom_domains: EmbeddedList,
    static_websites: EmbeddedList,
  })
  .openapi("ServiceReplace");
export type ServiceReplaceInput = z.infer<typeof ServiceReplaceSchema>;

/** JSON Merge Patch: absent = unchanged, null = remove/reset, arrays replace the whole list. */
export const ServicePatchSchema = z
  .object({
    name: ServiceName.optional(),
    configured_status: ConfiguredStatus.optional(),
    termination_protection: Bool.nullable().optional(),
    networks: Networks.nullable().optional(),
    labels: Labels.nullable().optional(),
    properties: PropertiesSchema.nullable().optional(),
    custom_domains: EmbeddedList,
    static_websites: EmbeddedList,
  })
  .openapi("ServiceModify");
export type ServicePatchInput = z.infer<typeof ServicePatchSchema>;

export const EndpointSchema = z
  .object({
    domain_name: z.string(),
    type: z.enum(["public", "private"]),
    mode: z.enum(["api", "static-website"]),
    iam_url: z.string().optional(),
    sts_url: z.string().optional(),
  })
  .openapi("Endpoint");

export const StateMessageSchema = z
  .object({ code: z.string(), message: z.string(), operational_state: z.string(), created_at: z.string(), updated_at: z.string() })
  .openapi("StateMessage");

export const UsageSchema = z.object({ total_objects: z.number().int(), total_size_bytes: z.number().int() }).openapi("Usage");

export const ServiceSchema = z
  .object({
    uuid: z.string(),
    name: z.string(),
    region: z.string(),
    configured_status: ConfiguredStatus,
    operational_state: z.enum(SERVICE_OPERATIONAL_STATES),
    created_at: z.string(),
    updated_at: z.string(),
    endpoints: z.array(EndpointSchema),
    networks: z.array(NetworkSchema),
    labels: z.array(z.object({ key: z.string(), value: z.string() })),
    custom_domains: z.array(z.object({ domain_name: z.string(), type: z.string(), mode: z.string() })),
    static_websites: z.array(z.record(z.string(), z.unknown())),
    users: z.array(z.record(z.string(), z.unknown())),
    usage: UsageSchema,
    state_messages: z.array(StateMessageSchema),
    termination_protection: z.boolean(),
    properties: z.object({ access_control_origin_override: z.string().optional() }).optional(),
  })
  .openapi("Service");
export type ServiceView = z.infer<typeof ServiceSchema>;

export const RegionSchema = z
  .object({ name: z.string(), primary_zone: z.string(), zones: z.array(z.object({ name: z.string() })) })
  .openapi("Region");

const intQuery = (name: string, min: number, max: number | null, dflt: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return dflt;
      const n = Number(v);
      // Beyond 2^53 a number is no longer an exact integer (and D1 refuses it as a bind value): out of range.
      if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || (max !== null && n > max)) {
        ctx.addIssue({
          code: "custom",
          message: max === null ? `must be an integer ${min}-${Number.MAX_SAFE_INTEGER}` : `must be an integer ${min}-${max}`,
        });
        return z.NEVER;
      }
      return n;
    })
    .openapi({ param: { name, in: "query" }, type: "integer" });

export const SERVICE_SORTS = ["created_at", "service_name", "operational_state", "region_name"] as const;

export const ServiceListQuery = z.object({
  limit: intQuery("limit", 0, 100, 10),
  offset: intQuery("offset", 0, null, 0),
  sort: z
    .enum([...SERVICE_SORTS, ...SERVICE_SORTS.map((s) => `-${s}` as const)], {
      error: "must be one of created_at, service_name, operational_state, region_name, optionally prefixed with -",
    })
    .optional()
    .openapi({ param: { name: "sort", in: "query" } }),
  label: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .openapi({
      param: { name: "label", in: "query", style: "form", explode: true },
      description: "key (existence) or key=value (exact); repeat to require all",
    }),
});
export type ServiceListQueryT = z.infer<typeof ServiceListQuery>;

export { intQuery };
