import type { ServiceInfo } from "../../core/endpoints";
import type { IdentityPolicies } from "../../core/iam/principal";
import type { OpenedSession } from "../../core/iam/sessions";
import type { XmlNode } from "../../lib/xml";
import type { QueryParams } from "./params";

/** Who signed the request: an access key of an IAM user of one service, or temporary credentials. */
export interface Caller {
  accessKeyId: string;
  service: ServiceInfo;
  /** The Stowage account (tenant) that owns the service. */
  accountId: string;
  /** The user (long-term keys and GetSessionToken sessions) or the role (AssumeRole sessions). */
  username: string;
  /** Stable user id (AIDA…), or for a role session `<role id>:<session name>` (aws:userid). */
  userId: string;
  /**
   * Temporary credentials: the session, and the identity policies that decide for it now (the
   * role's, or the user's), read while authenticating. Null for a long-term access key: then the
   * user's policies decide (`identityPoliciesCached`).
   */
  session: (OpenedSession & { identity: IdentityPolicies }) | null;
}

export interface ActionContext {
  env: Env;
  ctx: ExecutionContext;
  request: Request;
  url: URL;
  requestId: string;
  params: QueryParams;
  caller: Caller;
}

/**
 * One action. `xml` answers `<ActionResponse><ActionResult>{result}</ActionResult>…` (no Result
 * element for null); `json` answers the value as JSON (Lyve's RS* actions). `mutates`: the action
 * may change what the data plane caches (keys, policies), so this isolate's caches are dropped.
 */
export type ActionDef =
  | { answer: "xml"; mutates?: boolean; run: (c: ActionContext) => Promise<XmlNode | null> }
  | { answer: "json"; mutates?: boolean; run: (c: ActionContext) => Promise<unknown> };

/** A Query API: its `Version`, XML namespace and action table keyed by the literal action name. */
export interface QueryService<A extends string = string> {
  /** The credential-scope service it answers (`iam`, `sts`). */
  scope: string;
  version: string;
  namespace: string;
  actions: Record<A, ActionDef>;
}
