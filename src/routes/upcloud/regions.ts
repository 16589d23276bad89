import { createRoute, z } from "@hono/zod-openapi";
import { config } from "../../config";
import { getRegion, type Region, regions } from "../../core/regions";
import { RegionSchema } from "../../schema/service";
import type { UpcloudRouter } from "./types";
import { errorResponses, json, security } from "./common";

const listRegions = createRoute({
  method: "get",
  path: "/regions",
  operationId: "listRegions",
  tags: ["Regions"],
  summary: "List regions",
  security,
  responses: { 200: json(z.array(RegionSchema), "Regions"), ...errorResponses },
});

const getRegionRoute = createRoute({
  method: "get",
  path: "/regions/{region_name}",
  operationId: "getRegion",
  tags: ["Regions"],
  summary: "Get region details",
  security,
  request: { params: z.object({ region_name: z.string().openapi({ param: { name: "region_name", in: "path" }, example: "europe-1" }) }) },
  responses: { 200: json(RegionSchema, "Region"), ...errorResponses },
});

const regionBody = (r: Region) => ({ name: r.name, primary_zone: r.primaryZone, zones: r.zones.map((name) => ({ name })) });

export function registerRegions(app: UpcloudRouter) {
  app.openapi(listRegions, (c) => c.json(regions(config(c.env).REGIONS).map(regionBody), 200));
  app.openapi(getRegionRoute, (c) => c.json(regionBody(getRegion(config(c.env).REGIONS, c.req.valid("param").region_name)), 200));
}
