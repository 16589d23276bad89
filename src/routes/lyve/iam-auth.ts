/**
 * Who may run an IAM action: the policy engine decides `iam:<Action>` on the entity's ARN from the
 * caller's identity policies (an explicit Deny always wins), and a user may always manage its own
 * password and access keys and read itself (Lyve's "User" role).
 */
import { identityPoliciesCached } from "../../core/iam/principal";
import { evaluate, requestContext, type RequestPrincipal } from "../../core/policy";
import type { ActionContext } from "../aws-query";
import { accessDenied } from "./iam-errors";
import { lyveAccount, lyveUserArn } from "./ids";

/** What a user may do to itself whatever its policies say (unless one denies it). */
const SELF_SERVICE = new Set([
  "ChangePassword",
  "CreateAccessKey",
  "DeleteAccessKey",
  "GetAccessKeyLastUsed",
  "GetUser",
  "ListAccessKeys",
  "UpdateAccessKey",
  "GetLoginProfile",
  "RSGetUserInfo",
  "RSGetPasswordResetToken",
]);

export interface Target {
  /** The ARN the action acts on, e.g. arn:aws:iam::123456789012:user/alice. */
  arn: string;
  /** The user the action acts on, when it acts on a user. */
  user?: string | undefined;
}

export function callerPrincipal(c: ActionContext): RequestPrincipal {
  const svc = c.caller.service.uuid;
  return {
    type: "user",
    arn: lyveUserArn(svc, c.caller.username),
    username: c.caller.username,
    userid: c.caller.userId,
    accountId: lyveAccount(svc),
  };
}

/** Refuses with AccessDenied, in AWS's words, unless the caller may run `action` on `target`. */
export async function authorize(c: ActionContext, action: string, target: Target): Promise<void> {
  const principal = callerPrincipal(c);
  const { policies, boundary } = await identityPoliciesCached(c.env, c.caller.service.uuid, c.caller.username);
  const decision = evaluate({
    principal,
    action: `iam:${action}`,
    resource: target.arn,
    context: requestContext(c.request, c.url),
    identityPolicies: policies,
    boundary,
    resourcePolicy: null,
  });
  if (decision.decision === "allowed") return;
  if (decision.decision === "implicit-deny" && target.user === c.caller.username && SELF_SERVICE.has(action)) return;
  const why =
    decision.decision === "explicit-deny"
      ? "with an explicit deny in an identity-based policy"
      : `because no identity-based policy allows the iam:${action} action`;
  throw accessDenied(`User: ${principal.arn} is not authorized to perform: iam:${action} on resource: ${target.arn} ${why}`);
}
