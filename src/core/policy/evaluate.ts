// Policy evaluation: which statements apply to a request, and what they decide.
//
// Order of precedence, as in AWS: an explicit Deny in any applicable policy (identity, boundary,
// resource) wins; then an Allow grants; otherwise the request is implicitly denied. The engine gives
// no principal (not even "root") implicit permissions: callers that want an owner bypass decide that
// themselves. Requests are evaluated as same-account requests: a resource-policy Allow is enough on
// its own, as S3 does for principals of the bucket owner's account.

import type {
  Decision,
  EvaluationRequest,
  MatchedStatement,
  NamedPolicy,
  PrincipalBlock,
  RequestContext,
  RequestPrincipal,
  Statement,
} from "./types";
import { evaluateConditions, type Truth } from "./conditions";
import { actionMatches, matchResource, type VariableLookup } from "./match";

const PRINCIPAL_TYPE_NAMES: Record<RequestPrincipal["type"], string> = {
  user: "User",
  role: "AssumedRole",
  anonymous: "Anonymous",
  root: "Account",
};

/**
 * Lower-cased context keys. Keys derived from the authenticated principal override whatever the
 * caller put in `context` under the same name, so a request can never claim another identity.
 */
export function buildContext(principal: RequestPrincipal, context: RequestContext): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [key, value] of Object.entries(context)) {
    if (value !== undefined) map.set(key.toLowerCase(), Array.isArray(value) ? value : [value]);
  }
  map.set("aws:principaltype", [PRINCIPAL_TYPE_NAMES[principal.type]]);
  if (principal.type === "anonymous") {
    for (const key of ["aws:principalarn", "aws:principalaccount", "aws:username"]) map.delete(key);
    map.set("aws:userid", [principal.userid ?? "anonymous"]);
    return map;
  }
  map.set("aws:principalarn", [principal.arn]);
  if (principal.accountId !== undefined) map.set("aws:principalaccount", [principal.accountId]);
  if (principal.username !== undefined) map.set("aws:username", [principal.username]);
  if (principal.userid !== undefined) map.set("aws:userid", [principal.userid]);
  return map;
}

const ACCOUNT_ROOT = /^(?:arn|urn):[^:]*:iam::([^:]+):root$/;

/** Whether a Principal block names the requester; `direct` when it names the requester's own ARN. */
export function principalMatches(block: PrincipalBlock, p: RequestPrincipal): { match: boolean; direct: boolean } {
  if (block === "*") return { match: true, direct: false };
  let match = false;
  for (const id of block.AWS ?? []) {
    if (id === "*") match = true;
    else if (p.type === "anonymous")
      continue; // only "*" reaches anonymous requests
    else if (id === p.arn) return { match: true, direct: true };
    else if (p.accountId !== undefined && (id === p.accountId || ACCOUNT_ROOT.exec(id)?.[1] === p.accountId)) match = true;
  }
  // Service, Federated and CanonicalUser principals never sign requests to this service.
  return { match, direct: false };
}

function and(...values: Truth[]): Truth {
  if (values.includes(false)) return false;
  return values.includes("unknown") ? "unknown" : true;
}

interface Scope {
  req: EvaluationRequest;
  context: Map<string, string[]>;
  /** Whether Principal / NotPrincipal must name the requester (resource policies). */
  checkPrincipal: boolean;
}

function resourceTruth(st: Statement, resource: string, variables: VariableLookup | null): Truth {
  if (st.Resource) return st.Resource.some((r) => matchResource(r, resource, variables) === true);
  if (st.NotResource) {
    // An unresolvable variable in NotResource leaves it unknown whether the resource is excluded.
    const results = st.NotResource.map((r) => matchResource(r, resource, variables));
    if (results.includes(true)) return false;
    return results.includes(null) ? "unknown" : true;
  }
  return true; // trust policies may omit Resource
}

function statementApplies(st: Statement, variables: VariableLookup | null, scope: Scope): { applies: boolean; direct: boolean } {
  const { req } = scope;
  const no = { applies: false, direct: false };
  const action = st.Action
    ? st.Action.some((a) => actionMatches(a, req.action))
    : !(st.NotAction ?? []).some((a) => actionMatches(a, req.action));
  if (!action) return no;

  let direct = false;
  if (scope.checkPrincipal) {
    if (st.Principal) {
      const m = principalMatches(st.Principal, req.principal);
      if (!m.match) return no;
      direct = m.direct;
    } else if (st.NotPrincipal) {
      if (principalMatches(st.NotPrincipal, req.principal).match) return no;
    } else {
      return no; // a resource policy statement must name its principals
    }
  }

  const lookup = (key: string) => scope.context.get(key);
  const truth = and(resourceTruth(st, req.resource, variables), st.Condition ? evaluateConditions(st.Condition, lookup, variables) : true);
  // "unknown" (see conditions.ts) never grants and never excuses: it applies to Deny only.
  const applies = truth === true || (truth === "unknown" && st.Effect === "Deny");
  return { applies, direct };
}

interface Hit {
  matched: MatchedStatement;
  direct: boolean;
}

function applicableStatements(policy: NamedPolicy, scope: Scope): Hit[] {
  const doc = policy.document;
  // Policy variables exist only in the 2012-10-17 language; before it "${...}" is literal text.
  const variables: VariableLookup | null =
    doc.Version === "2012-10-17"
      ? (name) => {
          const values = scope.context.get(name);
          return values && values.length === 1 ? values[0] : undefined;
        }
      : null;
  const hits: Hit[] = [];
  doc.Statement.forEach((st, index) => {
    const { applies, direct } = statementApplies(st, variables, scope);
    if (!applies) return;
    const matched: MatchedStatement = { source: policy.source, policy: policy.name, index, effect: st.Effect };
    if (st.Sid !== undefined) matched.sid = st.Sid;
    hits.push({ matched, direct });
  });
  return hits;
}

/**
 * Decides a request. With a permissions boundary (or session policies), an identity Allow counts
 * only if the boundary (and a session policy) also allows; a resource-policy Allow that names the
 * requester's own ARN is not limited by them, while one reaching it through "*" or its account is.
 */
export function evaluate(req: EvaluationRequest): Decision {
  const context = buildContext(req.principal, req.context);
  const identityScope: Scope = { req, context, checkPrincipal: false };
  const identity = req.identityPolicies.flatMap((p) => applicableStatements(p, identityScope));
  const boundary = req.boundary ? applicableStatements(req.boundary, identityScope) : [];
  const resource = req.resourcePolicy ? applicableStatements(req.resourcePolicy, { req, context, checkPrincipal: true }) : [];

  const session = req.sessionPolicies ? req.sessionPolicies.flatMap((p) => applicableStatements(p, identityScope)) : null;

  const denies = [...identity, ...boundary, ...(session ?? []), ...resource].filter((h) => h.matched.effect === "Deny");
  if (denies.length > 0) return { decision: "explicit-deny", matched: denies.map((h) => h.matched) };

  // A boundary and session policies limit alike: an Allow counts only if each of them allows too.
  const boundaryAllows = req.boundary ? boundary : null;
  const within = (boundaryAllows === null || boundaryAllows.length > 0) && (session === null || session.length > 0);
  const identityAllows = within ? identity : [];
  const resourceAllows = resource.filter((h) => h.direct || within);
  const limitsUsed = identityAllows.length > 0 || resourceAllows.some((h) => !h.direct);
  const grants = [
    ...identityAllows,
    ...(limitsUsed && boundaryAllows ? boundaryAllows : []),
    ...(limitsUsed && session ? session : []),
    ...resourceAllows,
  ];
  if (identityAllows.length === 0 && resourceAllows.length === 0) return { decision: "implicit-deny", matched: [] };
  return { decision: "allowed", matched: grants.map((h) => h.matched) };
}
