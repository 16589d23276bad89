/**
 * Who a Lyve IAM/STS caller is to the policy engine, and the decisions made for it. A policy may
 * name the caller in Lyve's spelling (`arn:aws:iam::<12 digits>:user/<name>`) or in the UpCloud
 * dialect's (the same namespace is managed through both), so every decision is taken for each
 * spelling: an explicit deny under any of them denies, an allow under any of them allows.
 */
import { identityPoliciesCached, type IdentityPolicies } from "../../core/iam/principal";
import { evaluate, requestContext, type Decision, type NamedPolicy, type RequestContext, type RequestPrincipal } from "../../core/policy";
import type { ActionContext, Caller } from "../aws-query";
import { principalAccount, principalArn } from "../principals";
import { lyveAccount } from "./ids";

/** `arn:aws:iam::<account>:<kind>/<name>` in Lyve's spelling. */
export const lyveArn = (serviceUuid: string, kind: "user" | "role" | "policy", name: string) =>
  `arn:aws:iam::${lyveAccount(serviceUuid)}:${kind}/${name}`;

/** A role session's own ARN, as GetCallerIdentity and AssumeRole show it. */
export const assumedRoleArn = (serviceUuid: string, role: string, session: string) =>
  `arn:aws:sts::${lyveAccount(serviceUuid)}:assumed-role/${role}/${session}`;

/** The caller under each spelling, Lyve's first. A role session is its role (aws:PrincipalArn is the role's). */
export function callerPrincipals(caller: Caller): RequestPrincipal[] {
  const svc = caller.service.uuid;
  const role = caller.session?.claims.kind === "role";
  const type = role ? "role" : "user";
  const base = { userid: caller.userId, type, ...(role ? {} : { username: caller.username }) } as const;
  return [
    { ...base, arn: lyveArn(svc, type, caller.username), accountId: lyveAccount(svc) },
    { ...base, arn: principalArn({ serviceUuid: svc, type, name: caller.username }), accountId: principalAccount(svc) },
  ];
}

/** The identity policies and boundary that decide for the caller, and its session policies. */
export async function callerPolicies(c: ActionContext): Promise<IdentityPolicies & { sessionPolicies: NamedPolicy[] | null }> {
  const s = c.caller.session;
  if (s) return { ...s.identity, sessionPolicies: s.sessionPolicies };
  return { ...(await identityPoliciesCached(c.env, c.caller.service.uuid, c.caller.username)), sessionPolicies: null };
}

export interface DecisionRequest {
  action: string;
  /** One ARN, or one per spelling of callerPrincipals (Lyve's, the UpCloud dialect's). */
  resource: string | readonly [string, string];
  context?: RequestContext;
  resourcePolicy?: NamedPolicy | null;
  /** Decide with these identity policies instead of the caller's (an empty list: none). */
  identityPolicies?: NamedPolicy[];
  /** Decide under the caller's spellings without an account (only Principal ARNs naming it match). */
  withoutAccount?: boolean;
}

/** One decision over every spelling of the caller. */
export async function decide(c: ActionContext, r: DecisionRequest): Promise<Decision> {
  const own = r.identityPolicies === undefined ? await callerPolicies(c) : null;
  const context = { ...requestContext(c.request, c.url), ...r.context };
  let allowed: Decision | null = null;
  for (const [i, p] of callerPrincipals(c.caller).entries()) {
    const { accountId, ...withoutAccount } = p;
    const d = evaluate({
      principal: r.withoutAccount ? withoutAccount : { ...withoutAccount, accountId },
      action: r.action,
      resource: typeof r.resource === "string" ? r.resource : r.resource[i]!,
      context,
      identityPolicies: own ? own.policies : r.identityPolicies!,
      boundary: own ? own.boundary : null,
      sessionPolicies: own ? own.sessionPolicies : null,
      resourcePolicy: r.resourcePolicy ?? null,
    });
    if (d.decision === "explicit-deny") return d;
    if (d.decision === "allowed") allowed ??= d;
  }
  return allowed ?? { decision: "implicit-deny", matched: [] };
}
