// Policy simulation: "would this user or role be allowed X on Y, and which statements decide?"
// It runs the same loader and evaluator as the data plane, so its answers are the real ones.

import { and, eq } from "drizzle-orm";
import { iamRoles, iamUsers } from "../../schema/iam.tables";
import {
  evaluate,
  type MatchedStatement,
  type NamedPolicy,
  type RequestContext,
  type PolicyDocument,
  type RequestPrincipal,
} from "../policy";
import { invalidMany, notFound, type InvalidParam } from "../errors";
import { parseDocument } from "./rules";
import { type PrincipalNaming, principalPolicies } from "./principal";
import { scope } from "./store";

export interface SimulationInput {
  principal: { type: "user" | "role"; name: string };
  actions: string[];
  resources: string[];
  context?: Record<string, string | string[]> | undefined;
  /** Optional resource (bucket) policy to evaluate with, raw or percent-encoded JSON. */
  resource_policy?: string | undefined;
}

export interface SimulationResult {
  action: string;
  resource: string;
  decision: "allowed" | "explicit-deny" | "implicit-deny";
  matchedStatements: MatchedStatement[];
}

export const SIMULATION_LIMITS = { actions: 100, resources: 100, pairs: 1000 } as const;

const ACTION = /^[A-Za-z0-9-]+:[A-Za-z0-9_-]+$/;
const RESOURCE = /^(?:\*|(?:arn|urn):[^:]*:[^:]*:[^:]*:[^:]*:.+)$/;

function check(input: SimulationInput): void {
  const params: InvalidParam[] = [];
  input.actions.forEach((a, i) => {
    if (!ACTION.test(a))
      params.push({ name: `actions[${i}]`, reason: `"${a}" is not an action (expected "service:Action", no wildcards)` });
  });
  input.resources.forEach((r, i) => {
    if (!RESOURCE.test(r)) params.push({ name: `resources[${i}]`, reason: `"${r}" is not a resource (expected an ARN or "*")` });
  });
  if (input.actions.length * input.resources.length > SIMULATION_LIMITS.pairs) {
    params.push({ name: "actions", reason: `at most ${SIMULATION_LIMITS.pairs} action × resource pairs per simulation` });
  }
  if (params.length) throw invalidMany(params);
}

export async function simulate(
  env: Env,
  accountId: string,
  serviceUuid: string,
  input: SimulationInput,
  naming: PrincipalNaming,
  now: Date = new Date(),
): Promise<{ results: SimulationResult[] }> {
  check(input);
  let resourcePolicy: NamedPolicy | null = null;
  if (input.resource_policy !== undefined) {
    const doc = parseDocument("resource_policy", input.resource_policy, "resource");
    resourcePolicy = { name: "resource-policy", source: "resource-policy", document: JSON.parse(doc.normalized) as PolicyDocument };
  }
  const { d, svc } = await scope(env, accountId, serviceUuid);
  const { type, name } = input.principal;
  const t = type === "user" ? iamUsers : iamRoles;
  const row = await d
    .select({ id: t.id })
    .from(t)
    .where(and(eq(t.serviceUuid, svc), eq(t.name, name)))
    .get();
  if (!row) throw notFound(type === "user" ? "User" : "Role");

  const principal: RequestPrincipal = {
    type,
    arn: naming.arn({ serviceUuid: svc, type, name }),
    userid: row.id,
    accountId: naming.account(svc),
  };
  if (type === "user") principal.username = name;
  const { policies, boundary } = await principalPolicies(env, svc, input.principal);
  // Time keys default to the moment of the simulation; everything else comes only from the caller.
  const context: RequestContext = {
    "aws:CurrentTime": now.toISOString(),
    "aws:EpochTime": String(Math.floor(now.getTime() / 1000)),
    ...input.context,
  };

  const results: SimulationResult[] = [];
  for (const action of input.actions) {
    for (const resource of input.resources) {
      const decision = evaluate({ principal, action, resource, context, identityPolicies: policies, boundary, resourcePolicy });
      results.push({ action, resource, decision: decision.decision, matchedStatements: decision.matched });
    }
  }
  return { results };
}
