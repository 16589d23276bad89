import { createRoute, z } from "@hono/zod-openapi";
import { metricSeries, parseInterval, parseRfc3339, SERIES_SORTS } from "../../core/metrics/series";
import { serviceTotals } from "../../core/metrics/usage";
import { findService } from "../../core/services";
import { intQuery } from "../../schema/service";
import { db } from "../../storage/db";
import { errorResponses, json, security, ServiceUuidParam } from "./common";
import type { UpcloudRouter } from "./types";

const tags = ["Metrics"];

const UsageMetrics = z
  .object({
    total_objects: z.number().int().openapi({ description: "Objects stored in the service's buckets now." }),
    total_size_bytes: z.number().int().openapi({ description: "Their total size in bytes." }),
  })
  .openapi("UsageMetrics");

const SeriesEntry = z
  .object({
    start_at: z.string().openapi({ description: "Start of the interval, inclusive (RFC 3339, UTC)", example: "2023-10-31T11:00:00Z" }),
    end_at: z.string().openapi({ description: "End of the interval, exclusive", example: "2023-10-31T12:00:00Z" }),
    bytes_created: z.number().int(),
    bytes_deleted: z.number().int(),
    bytes_received: z.number().int(),
    bytes_transmitted: z.number().int(),
    bytes_total: z.number().int().openapi({ description: "Bytes stored as of end_at" }),
    objects_created: z.number().int(),
    objects_deleted: z.number().int(),
    objects_total: z.number().int().openapi({ description: "Objects stored as of end_at" }),
  })
  .openapi("MetricsSeriesEntry");

const timestamp = (name: "from" | "to", description: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return undefined;
      const ms = parseRfc3339(v);
      if (ms === null) {
        ctx.addIssue({ code: "custom", message: "must be an RFC 3339 timestamp, e.g. 2023-10-31T12:00:00Z" });
        return z.NEVER;
      }
      return ms;
    })
    .openapi({ param: { name, in: "query" }, type: "string", format: "date-time", description });

const SeriesQuery = z.object({
  from: timestamp("from", "Beginning of the range (RFC 3339). Default: 24 hours ago."),
  to: timestamp("to", "End of the range (RFC 3339), exclusive. Default: now."),
  interval: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return 1;
      const h = parseInterval(v);
      if (h === null) {
        ctx.addIssue({ code: "custom", message: "must be a whole number of hours from 1h to 24h, e.g. 1h, 6h, 24h" });
        return z.NEVER;
      }
      return h;
    })
    .openapi({
      param: { name: "interval", in: "query" },
      type: "string",
      pattern: "^([1-9]|1[0-9]|2[0-4])h$",
      example: "6h",
      description: "Aggregation interval, 1h to 24h. Default: 1h.",
    }),
  sort: z
    .enum(SERIES_SORTS, { error: "must be start_at or -start_at" })
    .optional()
    .openapi({ param: { name: "sort", in: "query" }, description: "Default: -start_at (newest first)." }),
  limit: intQuery("limit", 0, 100, 10),
  offset: intQuery("offset", 0, null, 0),
});

const metrics = createRoute({
  method: "get",
  path: "/{service_uuid}/metrics",
  operationId: "getUsageMetrics",
  tags,
  summary: "Get service metrics",
  description: "Objects and bytes stored in the service now, exact (from the usage meter).",
  security,
  request: { params: ServiceUuidParam },
  responses: { 200: json(UsageMetrics, "Usage"), ...errorResponses },
});

const series = createRoute({
  method: "get",
  path: "/{service_uuid}/metrics/series",
  operationId: "listMetricsSeries",
  tags,
  summary: "List service metrics series",
  description:
    "Usage per interval over every bucket. Intervals are aligned to multiples of the interval since the Unix epoch (UTC); every interval that overlaps [from, min(to, now)) is listed, the current one included. *_total fields are the state as of end_at.",
  security,
  request: { params: ServiceUuidParam, query: SeriesQuery },
  responses: { 200: json(z.array(SeriesEntry), "Series entries"), ...errorResponses },
});

export function registerMetrics(app: UpcloudRouter) {
  app.openapi(metrics, async (c) => {
    const { service_uuid } = c.req.valid("param");
    await findService(db(c.env), c.get("account").id, service_uuid);
    return c.json(await serviceTotals(c.env, service_uuid), 200);
  });
  app.openapi(series, async (c) => {
    const { service_uuid } = c.req.valid("param");
    const q = c.req.valid("query");
    await findService(db(c.env), c.get("account").id, service_uuid);
    return c.json(
      await metricSeries(c.env, service_uuid, {
        from: q.from,
        to: q.to,
        intervalHours: q.interval,
        sort: q.sort ?? "-start_at",
        limit: q.limit,
        offset: q.offset,
      }),
      200,
    );
  });
}
