import { createRoute } from "@hono/zod-openapi";
import { simulate } from "../../../core/iam/simulate";
import { PRINCIPAL_NAMING } from "../../principals";
import { errorResponses, json, jsonBody, security, ServiceUuidParam } from "../common";
import type { UpcloudRouter } from "../types";
import { SimulationResultSchema, SimulationSchema } from "./schemas";

const run = createRoute({
  method: "post",
  path: "/{service_uuid}/policy-simulations",
  operationId: "simulatePolicies",
  tags: ["Policy simulation"],
  summary: "Simulate policy evaluation",
  description:
    "Evaluates every action × resource pair for a user or role of the service with the same engine the S3 data plane uses: its attached and inline policies (a user's groups included), its permissions boundary, and an optional resource (bucket) policy. Each result says allowed, explicit-deny or implicit-deny and names the statements that decided it. aws:CurrentTime and aws:EpochTime default to now; other context keys come from `context`. Nothing is changed.",
  security,
  request: { params: ServiceUuidParam, body: jsonBody(SimulationSchema) },
  responses: { 200: json(SimulationResultSchema, "One result per action and resource"), ...errorResponses },
});

export function registerSimulation(app: UpcloudRouter) {
  app.openapi(run, async (c) =>
    c.json(
      {
        results: (
          await simulate(c.env, c.get("account").id, c.req.valid("param").service_uuid, c.req.valid("json"), PRINCIPAL_NAMING)
        ).results.map(({ matchedStatements, ...r }) => ({ ...r, matched_statements: matchedStatements })),
      },
      200,
    ),
  );
}
