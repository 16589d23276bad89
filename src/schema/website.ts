import { z } from "@hono/zod-openapi";
import { CUSTOM_DOMAIN_MODES } from "./website.tables";

/** Request and response schemas of custom domains and static website configs (vendor patterns). */

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Problems with a host name, or null. Case is folded before this runs. */
export function hostNameProblem(name: string, minLabels: number, maxLabels: number): string | null {
  if (name.length > 253) return "must be at most 253 characters";
  const labels = name.split(".");
  if (labels.length < minLabels || labels.length > maxLabels) {
    return maxLabels === Infinity
      ? `must consist of at least ${minLabels} parts`
      : `must consist of ${minLabels} to ${maxLabels} parts, e.g. example.com or objects.example.com`;
  }
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) return `"${bad}" is not a valid DNS label (1-63 letters, digits or hyphens, not starting or ending with a hyphen)`;
  if (/^[0-9]+$/.test(labels.at(-1)!)) return "must end in a name, not a number";
  return null;
}

const hostName = (min: number, max: number) =>
  z
    .string({ error: "must be a string" })
    .transform((s) => s.toLowerCase())
    .superRefine((s, ctx) => {
      const problem = hostNameProblem(s, min, max);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

/** A custom domain: 2 to 5 DNS labels. Stored and compared in lower case. */
export const CustomDomainName = hostName(2, 5).openapi({ type: "string", example: "objects.example.com" });

const Mode = z.enum(CUSTOM_DOMAIN_MODES, { error: "must be api or static-website" });
const DomainType = z.enum(["public"], { error: "must be public (only public custom domains are supported at the moment)" });

export const CustomDomainCreateSchema = z
  .object({
    domain_name: CustomDomainName,
    type: DomainType,
    mode: Mode.optional().openapi({ description: "Defaults to api. Cannot be changed after creation." }),
  })
  .openapi("CustomDomainCreate", { example: { domain_name: "objects.example.com", type: "public", mode: "api" } });
export type CustomDomainCreateInput = z.infer<typeof CustomDomainCreateSchema>;

export const CustomDomainModifySchema = z
  .object({
    domain_name: CustomDomainName.optional(),
    type: DomainType.optional(),
    mode: Mode.optional().openapi({ description: "Immutable: accepted only when it equals the current mode." }),
  })
  .openapi("CustomDomainModify", { example: { domain_name: "objects.example.com", type: "public" } });
export type CustomDomainModifyInput = z.infer<typeof CustomDomainModifySchema>;

export const CustomDomainSchema = z
  .object({ domain_name: z.string(), type: z.enum(["public"]), mode: Mode })
  .openapi("CustomDomain", { example: { domain_name: "static.example.com", type: "public", mode: "static-website" } });
export type CustomDomainView = z.infer<typeof CustomDomainSchema>;

const StatusCode = z
  .number({ error: "must be an integer 400-599" })
  .int("must be an integer 400-599")
  .min(400, "must be an integer 400-599")
  .max(599, "must be an integer 400-599");

export const ErrorPageSchema = z
  .object({
    error_document: z
      .string({ error: "must be a string" })
      .min(1, "must be 1-255 characters")
      .max(255, "must be 1-255 characters")
      .refine((d) => !d.startsWith("/"), "must not start with /"),
    status_code: StatusCode.optional(),
    status_range: z.object({ start: StatusCode, end: StatusCode }, { error: "must be an object {start, end}" }).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.status_code !== undefined && p.status_range !== undefined) {
      ctx.addIssue({ code: "custom", path: ["status_range"], message: "give either status_code or status_range, not both" });
    } else if (p.status_code === undefined && p.status_range === undefined) {
      ctx.addIssue({ code: "custom", path: ["status_code"], message: "is required unless status_range is given" });
    }
    if (p.status_range && p.status_range.end <= p.status_range.start) {
      ctx.addIssue({ code: "custom", path: ["status_range", "end"], message: "must be greater than start" });
    }
  })
  .openapi("StaticWebsiteErrorPage", { example: { status_code: 404, error_document: "errors/404.html" } });
export type ErrorPage = z.infer<typeof ErrorPageSchema>;

const BucketName = z
  .string({ error: "must be a string" })
  .min(1, "must be 1-254 characters")
  .max(254, "must be 1-254 characters")
  // `*`, not `+`: emptiness is reported once, by min(1).
  .regex(/^[a-zA-Z0-9.\-_]*$/, "must match ^[a-zA-Z0-9.\\-_]+$");
const BucketPrefix = z
  .string({ error: "must be a string" })
  .max(1024, "must be 0-1024 characters")
  .regex(/^[a-zA-Z0-9/.\-_]*$/, "must match ^[a-zA-Z0-9/.\\-_]*$");
const IndexDocument = z
  .string({ error: "must be a string" })
  .min(1, "must be 1-255 characters")
  .max(255, "must be 1-255 characters")
  .regex(/^[a-zA-Z0-9/.\-_]*$/, "must match ^[a-zA-Z0-9/.\\-_]+$");
const Bool = z.boolean({ error: "must be true or false" });
const ErrorPages = z.array(ErrorPageSchema, { error: "must be an array of error pages" }).max(25, "must have 0-25 error pages");

/** Any host name: the primary static domain may have more labels than a custom domain. */
export const WebsiteDomainName = hostName(2, Infinity).openapi({ type: "string", example: "static.example.com" });

export const StaticWebsiteCreateSchema = z
  .object({
    domain_name: WebsiteDomainName.optional().openapi({
      description: "A static-website custom domain of the service; omitted = the service's primary static domain.",
    }),
    bucket_name: BucketName,
    bucket_prefix: BucketPrefix.optional(),
    index_document: IndexDocument.optional(),
    spa_mode: Bool.optional(),
    enabled: Bool.optional(),
    error_pages: ErrorPages.optional(),
  })
  .openapi("StaticWebsiteCreate", {
    example: {
      domain_name: "static.example.com",
      bucket_name: "my-website",
      bucket_prefix: "public/",
      index_document: "index.html",
      spa_mode: false,
      enabled: true,
      error_pages: [{ status_code: 404, error_document: "errors/404.html" }],
    },
  });
export type StaticWebsiteCreateInput = z.infer<typeof StaticWebsiteCreateSchema>;

export const StaticWebsiteModifySchema = z
  .object({
    domain_name: z
      .string({ error: "must be a string" })
      .optional()
      .openapi({ description: "Immutable: accepted only when it equals the config's domain." }),
    bucket_name: BucketName.optional(),
    bucket_prefix: BucketPrefix.optional(),
    index_document: IndexDocument.optional(),
    spa_mode: Bool.optional(),
    enabled: Bool.optional(),
    error_pages: ErrorPages.optional().openapi({ description: "Replaces the existing error pages." }),
  })
  .openapi("StaticWebsiteModify", { example: { bucket_name: "my-website-v2", spa_mode: true } });
export type StaticWebsiteModifyInput = z.infer<typeof StaticWebsiteModifySchema>;

export const StaticWebsiteSchema = z
  .object({
    domain_name: z.string(),
    bucket_name: z.string(),
    bucket_prefix: z.string(),
    index_document: z.string(),
    enabled: z.boolean(),
    spa_mode: z.boolean(),
    error_pages: z.array(ErrorPageSchema),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("StaticWebsite");
export type StaticWebsiteView = z.infer<typeof StaticWebsiteSchema>;
