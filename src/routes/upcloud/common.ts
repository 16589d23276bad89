import { z } from "@hono/zod-openapi";

export const BASE = "/1.3/object-storage-2";

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "https://developers.upcloud.com/1.3/errors#ERROR_INVALID_REQUEST" }),
    title: z.string(),
    status: z.number().int(),
    correlation_id: z.string(),
    invalid_params: z.array(z.object({ name: z.string(), reason: z.string() })).optional(),
  })
  .openapi("Problem");

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: ProblemSchema } } });

/** Spread into every route: the error responses every operation can give. */
export const errorResponses = {
  400: problem("Validation error (INVALID_REQUEST) or a state that forbids the operation (SERVICE_ERROR)"),
  401: problem("Missing or bad credentials (AUTHENTICATION_FAILED)"),
  403: problem("The account is disabled (FORBIDDEN)"),
  404: problem("Resource not found (RESOURCE_NOT_FOUND)"),
  409: problem("Name or key already taken (CONFLICT)"),
  500: problem("Unexpected failure (GENERAL_FAILURE)"),
} as const;

export const security: Record<string, string[]>[] = [{ bearerAuth: [] }, { basicAuth: [] }];

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const noContent = { description: "No content" };

export const ServiceUuidParam = z.object({
  service_uuid: z.string().openapi({ param: { name: "service_uuid", in: "path" }, example: "1200ecde-db95-4d1c-9133-6508f3232567" }),
});
