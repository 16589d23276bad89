/**
 * Lyve's STS API (credential scope `sts`, Version 2011-06-15) on the AWS Query layer:
 * GetCallerIdentity (needs no permission, as in AWS), AssumeRole and GetSessionToken. Temporary
 * credentials are sealed sessions (src/core/iam/sessions.ts): the S3 data plane and the IAM/STS
 * endpoints honour them until they expire or the role is deleted.
 */
import {
  assumableRole,
  issueSession,
  managedPolicyDocuments,
  packedPolicySize,
  SESSION_DURATION,
  SESSION_POLICY_LIMITS,
  type IssuedSession,
} from "../../core/iam/sessions";
import { formatValidationErrors, policyToJson, validatePolicyDocument, type NamedPolicy } from "../../core/policy";
import { isoSeconds } from "../../lib/time";
import type { ActionContext, ActionDef, QueryService } from "../aws-query";
import { QueryError } from "../aws-query";
import { principalAccount, principalArn } from "../principals";
import { lyveAccount, lyveUserArn } from "./ids";
import { assumedRoleArn, decide, lyveArn } from "./sts-auth";

export type StsAction = "AssumeRole" | "GetCallerIdentity" | "GetSessionToken";

const validation = (message: string) => new QueryError("ValidationError", message);

/** The caller's own ARN as STS shows it: a user's IAM ARN, or a role session's assumed-role ARN. */
function callerArn(c: ActionContext): string {
  const { caller } = c;
  const s = caller.session?.claims;
  if (s?.kind === "role") return assumedRoleArn(caller.service.uuid, s.name, s.sess);
  return lyveUserArn(caller.service.uuid, caller.username);
}

const GetCallerIdentity: ActionDef = {
  answer: "xml",
  run: async (c) => ({ Arn: callerArn(c), UserId: c.caller.userId, Account: lyveAccount(c.caller.service.uuid) }),
};

/** An integer parameter within [min, max], or `fallback` when absent; AWS's ValidationError otherwise. */
function durationOf(c: ActionContext, min: number, max: number, fallback: number): number {
  const raw = c.params.get("DurationSeconds");
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw))
    throw validation(
      `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`,
    );
  const n = Number(raw);
  if (n < min)
    throw validation(
      `1 validation error detected: Value '${n}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  if (n > max)
    throw validation(
      `1 validation error detected: Value '${n}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  return n;
}

function credentials(s: IssuedSession) {
  return {
    AccessKeyId: s.accessKeyId,
    SecretAccessKey: s.secretAccessKey,
    SessionToken: s.sessionToken,
    Expiration: isoSeconds(s.expiration),
  };
}

/** A role name from its ARN in either spelling (a path is allowed); null when it is none of ours. */
function roleNameOf(c: ActionContext, arn: string): string | null {
  const m = /^(?:arn:aws|urn:ecs):iam::([^:]*):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/.exec(arn);
  if (!m) return null;
  const svc = c.caller.service.uuid;
  return m[1] === lyveAccount(svc) || m[1] === principalAccount(svc) ? m[2]! : null;
}

const POLICY_ARN = /^(?:arn:aws|urn:ecs):iam::([^:]*):policy\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,128})$/;

/** Session policies: the inline `Policy` and the managed `PolicyArns.member.N.arn`, as name → normalized JSON. */
async function sessionPolicies(c: ActionContext): Promise<[string, string][] | undefined> {
  const inline = c.params.get("Policy");
  const arns = c.params.structs("PolicyArns").map((m, i) => {
    if (m.arn === undefined || Object.keys(m).length !== 1)
      throw validation(`PolicyArns.member.${i + 1} must have exactly one field, arn.`);
    return m.arn;
  });
  if (inline === undefined && arns.length === 0) return undefined;
  const out: [string, string][] = [];
  if (inline !== undefined) {
    if (inline.length < 1 || inline.length > SESSION_POLICY_LIMITS.inlineChars) {
      throw validation(
        `1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to ${SESSION_POLICY_LIMITS.inlineChars}`,
      );
    }
    const v = validatePolicyDocument(inline, { kind: "identity" });
    if (!v.ok) throw new QueryError("MalformedPolicyDocument", `The policy is not valid: ${formatValidationErrors(v.errors)}`);
    out.push(["session-policy", policyToJson(v.policy)]);
  }
  if (arns.length > SESSION_POLICY_LIMITS.managed) {
    throw validation(
      `1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to ${SESSION_POLICY_LIMITS.managed}`,
    );
  }
  const svc = c.caller.service.uuid;
  const names = arns.map((arn) => {
    const m = POLICY_ARN.exec(arn);
    const ours = m && (m[1] === "" || m[1] === "aws" || m[1] === lyveAccount(svc) || m[1] === principalAccount(svc));
    if (!ours)
      throw new QueryError(
        "InvalidParameterValue",
        `Invalid value for parameter PolicyArns: ${arn} is not the ARN of a policy of this account.`,
      );
    return m[2]!;
  });
  const docs = await managedPolicyDocuments(c.env, svc, names);
  for (const [i, name] of names.entries()) {
    const doc = docs.get(name);
    if (doc === undefined)
      throw new QueryError("InvalidParameterValue", `Invalid value for parameter PolicyArns: policy ${arns[i]} does not exist.`);
    out.push([name, doc]);
  }
  if ((await packedPolicySize(out)) > 100) {
    throw new QueryError("PackedPolicyTooLarge", "Packed size of the session policies exceeds the limit; pass fewer or shorter policies.");
  }
  return out;
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

const AssumeRole: ActionDef = {
  answer: "xml",
  run: async (c) => {
    const roleArn = c.params.require("RoleArn");
    const sessionName = c.params.require("RoleSessionName");
    if (roleArn.length < 20 || roleArn.length > 2048) {
      throw validation(
        `1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048`,
      );
    }
    if (!SESSION_NAME.test(sessionName)) {
      throw validation(
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}`,
      );
    }
    const chained = c.caller.session?.claims.kind === "role";
    const duration = durationOf(c, SESSION_DURATION.min, SESSION_DURATION.max, SESSION_DURATION.default);
    const pol = await sessionPolicies(c);

    const svc = c.caller.service.uuid;
    const denied = () =>
      new QueryError("AccessDenied", `User: ${callerArn(c)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    const name = roleNameOf(c, roleArn);
    const role = name === null ? null : await assumableRole(c.env, svc, name);
    if (!role) throw denied();
    // As AWS within one account: the trust policy must let the caller in; when it names the
    // caller's own ARN that is enough, when it names the account the caller's policies must allow.
    const trust: NamedPolicy = { name: "trust-policy", source: `role:${role.name}/trust`, document: role.trust };
    const action = "sts:AssumeRole";
    const resource = [lyveArn(svc, "role", role.name), principalArn({ serviceUuid: svc, type: "role", name: role.name })] as const;
    const all = await decide(c, { action, resource, resourcePolicy: trust });
    if (all.decision !== "allowed") throw denied();
    const direct = await decide(c, { action, resource, resourcePolicy: trust, identityPolicies: [], withoutAccount: true });
    if (direct.decision !== "allowed") {
      const viaAccount = await decide(c, { action, resource, resourcePolicy: trust, identityPolicies: [] });
      const own = await decide(c, { action, resource });
      if (viaAccount.decision !== "allowed" || own.decision !== "allowed") throw denied();
    }
    if (chained && duration > SESSION_DURATION.chained) {
      throw validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
    }
    if (!chained && duration > role.maxSessionDuration) {
      throw validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    }
    const issued = await issueSession(
      c.env,
      {
        svc,
        acct: c.caller.accountId,
        kind: "role",
        name: role.name,
        pid: role.id,
        sess: sessionName,
        src: c.caller.session?.claims.src ?? c.caller.accessKeyId,
        ...(pol ? { pol } : {}),
      },
      duration,
    );
    return {
      Credentials: credentials(issued),
      AssumedRoleUser: { AssumedRoleId: `${role.id}:${sessionName}`, Arn: assumedRoleArn(svc, role.name, sessionName) },
      ...(pol ? { PackedPolicySize: issued.packedPolicySize } : {}),
    };
  },
};

/** GetSessionToken: the caller's own permissions, for up to 36 hours (12 by default), as AWS. */
const GetSessionToken: ActionDef = {
  answer: "xml",
  run: async (c) => {
    if (c.caller.session) throw new QueryError("AccessDenied", "Cannot call GetSessionToken with session credentials");
    const duration = durationOf(c, SESSION_DURATION.min, 129600, SESSION_DURATION.userDefault);
    const issued = await issueSession(
      c.env,
      {
        svc: c.caller.service.uuid,
        acct: c.caller.accountId,
        kind: "user",
        name: c.caller.username,
        pid: c.caller.userId,
        sess: "",
        src: c.caller.accessKeyId,
      },
      duration,
    );
    return { Credentials: credentials(issued) };
  },
};

export const LYVE_STS: QueryService<StsAction> = {
  scope: "sts",
  version: "2011-06-15",
  namespace: "https://sts.amazonaws.com/doc/2011-06-15/",
  actions: { AssumeRole, GetCallerIdentity, GetSessionToken },
};
