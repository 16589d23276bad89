/**
 * Authorization of S3 requests through the policy engine: the key user's identity policies
 * (attached, inline, via groups) within its permissions boundary, plus the bucket policy, which
 * alone can admit anonymous requests (a statement with Principal "*").
 */
import { evaluate, type NamedPolicy, type RequestContext, type RequestPrincipal } from "../policy";
import { identityPoliciesCached, type IdentityPolicies } from "../iam/principal";

export interface AccessKeyIdentity {
  kind: "user";
  accessKeyId: string;
  serviceUuid: string;
  accountId: string;
  /** The user, or for a role session the role. */
  username: string;
  /** The ARN policies name it by (a role session's is its role's, as aws:PrincipalArn in AWS). */
  userArn: string;
  /** AIDA…, or `<role id>:<session name>` for a role session (aws:userid). */
  userId: string;
  /** Set for temporary credentials (STS). */
  session?: TemporaryGrant;
}

/** What decides for temporary credentials: read while authenticating (see core/iam/sessions.ts). */
export interface TemporaryGrant {
  /** A role session (the role's policies decide), or a user's own session (GetSessionToken). */
  role: boolean;
  /** The identity policies and boundary that decide now. */
  identity: IdentityPolicies;
  /** Session policies, null when none were given. */
  policies: NamedPolicy[] | null;
  /** The long-term key that asked for the session: its usage is metered under that key. */
  sourceAccessKeyId: string;
}

export interface AnonymousIdentity {
  kind: "anonymous";
}

export type S3Identity = AccessKeyIdentity | AnonymousIdentity;

/** How S3 shows an owner: stable per IAM user, the same in every listing and ACL. */
export interface Owner {
  id: string;
  displayName: string;
}

const ANONYMOUS_OWNER: Owner = { id: "anonymous", displayName: "anonymous" };

export function ownerOf(identity: S3Identity): Owner {
  return identity.kind === "user" ? { id: identity.userId, displayName: identity.username } : ANONYMOUS_OWNER;
}

export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
export const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
/** ListAllMyBuckets and other service-level actions have no bucket. */
export const ALL_BUCKETS_ARN = "arn:aws:s3:::*";

/**
 * Decides the actions of one request. The identity's policies are read once, on the first
 * decision that needs them.
 */
export class Authorizer {
  private identityP: Promise<IdentityPolicies> | null = null;

  constructor(
    private readonly env: Env,
    readonly identity: S3Identity,
    private readonly baseContext: RequestContext,
  ) {}

  private principal(): RequestPrincipal {
    const id = this.identity;
    if (id.kind === "anonymous") return { type: "anonymous", arn: "*" };
    if (id.session?.role) return { type: "role", arn: id.userArn, userid: id.userId, accountId: id.accountId };
    return { type: "user", arn: id.userArn, username: id.username, userid: id.userId, accountId: id.accountId };
  }

  private policies() {
    const id = this.identity;
    if (id.kind === "anonymous") return Promise.resolve({ policies: [], boundary: null });
    if (id.session) return Promise.resolve(id.session.identity);
    this.identityP ??= identityPoliciesCached(this.env, id.serviceUuid, id.username);
    return this.identityP;
  }

  /** Policies already read for this request (with its bucket, in one D1 batch). */
  preload(identity: IdentityPolicies): void {
    this.identityP = Promise.resolve(identity);
  }

  async allowed(action: string, resource: string, bucketPolicy: NamedPolicy | null, context: RequestContext = {}): Promise<boolean> {
    const { policies, boundary } = await this.policies();
    const decision = evaluate({
      principal: this.principal(),
      action,
      resource,
      context: { ...this.baseContext, ...context },
      identityPolicies: policies,
      boundary,
      resourcePolicy: bucketPolicy,
      sessionPolicies: this.identity.kind === "user" ? (this.identity.session?.policies ?? null) : null,
    });
    return decision.decision === "allowed";
  }
}
