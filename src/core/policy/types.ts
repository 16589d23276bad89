// Types of the policy engine. Documents are stored in the normalized shape that
// validatePolicyDocument returns: every list is an array and condition values are strings.

export type Effect = "Allow" | "Deny";

/** Which grammar a document follows: attached to an identity, to a bucket, or a role's trust policy. */
export type PolicyKind = "identity" | "resource" | "trust";

export type PolicyVersion = "2012-10-17" | "2008-10-17";

export const PRINCIPAL_TYPES = ["AWS", "Service", "Federated", "CanonicalUser"] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** `"*"` (everyone, anonymous included) or lists of principal identifiers per type. */
export type PrincipalBlock = "*" | Partial<Record<PrincipalType, string[]>>;

/** operator (e.g. "ForAnyValue:StringLikeIfExists") → condition key → values (ORed). */
export type ConditionBlock = Record<string, Record<string, string[]>>;

export interface Statement {
  Sid?: string;
  Effect: Effect;
  Principal?: PrincipalBlock;
  NotPrincipal?: PrincipalBlock;
  Action?: string[];
  NotAction?: string[];
  /** Absent together with NotResource only in trust policies: the statement covers every resource. */
  Resource?: string[];
  NotResource?: string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  /** Without "2012-10-17", `${...}` policy variables are literal text, as in AWS. */
  Version?: PolicyVersion;
  Id?: string;
  /** Lyve Cloud sends `"Managed": true` in CreatePolicy documents; kept for round trips, never evaluated. */
  Managed?: boolean;
  Statement: Statement[];
}

export interface ValidationError {
  /** Where in the input, e.g. `Statement[1].Effect`; empty for the document as a whole. */
  path: string;
  message: string;
}

export type ValidationResult = { ok: true; policy: PolicyDocument } | { ok: false; errors: ValidationError[] };

export interface ValidateOptions {
  /** Defaults to "identity", the strictest about Principal. */
  kind: PolicyKind;
}

/** Request context keys (matched case-insensitively) → value(s); undefined means absent. */
export type RequestContext = Record<string, string | string[] | undefined>;

export interface RequestPrincipal {
  arn: string;
  username?: string;
  userid?: string;
  type: "user" | "role" | "anonymous" | "root";
  accountId?: string;
}

export interface NamedPolicy {
  name: string;
  /** Where the policy came from, e.g. "user:alice/inline:x", "group:devs/managed:y", "bucket-policy". */
  source: string;
  document: PolicyDocument;
}

export interface EvaluationRequest {
  principal: RequestPrincipal;
  /** e.g. "s3:GetObject"; matched case-insensitively. */
  action: string;
  /** e.g. "arn:aws:s3:::bucket/key"; matched case-sensitively. */
  resource: string;
  context: RequestContext;
  identityPolicies: NamedPolicy[];
  boundary?: NamedPolicy | null;
  resourcePolicy?: NamedPolicy | null;
  /**
   * Session policies of temporary credentials (STS AssumeRole's Policy and PolicyArns): null or
   * absent for none; otherwise they limit like a boundary (an empty list allows nothing).
   */
  sessionPolicies?: NamedPolicy[] | null;
}

export interface MatchedStatement {
  source: string;
  policy: string;
  sid?: string;
  /** Position of the statement in the policy's Statement array. */
  index: number;
  effect: Effect;
}

export interface Decision {
  decision: "allowed" | "explicit-deny" | "implicit-deny";
  /** The statements that produced the decision; empty for an implicit deny. */
  matched: MatchedStatement[];
}
