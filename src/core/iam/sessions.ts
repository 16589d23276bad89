// Temporary credentials (STS): sessions of a role (AssumeRole) or of a user (GetSessionToken).
//
// Nothing is stored per session. Everything a request needs — whose session it is, the temporary
// key pair, the expiry and the session policies — travels sealed in the session token (AES-GCM
// under MASTER_KEY, bound to this purpose), so a request signed with temporary credentials is
// verified without a D1 read of the session and without any write. What can change after issue
// is read live through the isolate caches: the role's (or user's) own policies, and whether the
// role still exists — deleting it (or making another role under its name) revokes its sessions;
// a user session dies with the access key that asked for it.

import { config } from "../../config";
import { openBytes, sealBytes } from "../../lib/crypto";
import { IsolateCache } from "../../lib/isolate-cache";
import { and, eq, inArray } from "drizzle-orm";
import { iamPolicies, iamPolicyVersions, iamRoles } from "../../schema/iam.tables";
import { db as getDb } from "../../storage/db";
import { getSystemPolicy, policyToJson, type NamedPolicy, type PolicyDocument } from "../policy";
import { findAccessKeyCached, identityPoliciesCached, rolePolicies, type IdentityPolicies } from "./principal";
import { newSecret } from "./rules";

const PURPOSE = "stowage/sts-session/v1";

export const SESSION_DURATION = { min: 900, max: 43200, default: 900, chained: 3600, userDefault: 43200 } as const;
/** Session policy limits (AWS's): the inline document's characters, managed policies named. */
export const SESSION_POLICY_LIMITS = { inlineChars: 2048, managed: 10, packedBytes: 2048 } as const;

export interface SessionClaims {
  /** The service (IAM namespace) and the Stowage account that owns it. */
  svc: string;
  acct: string;
  /** Whose policies decide: a role's sessions, or a user's own (GetSessionToken). */
  kind: "role" | "user";
  /** Role name or username. */
  name: string;
  /** Role id (AROA…) or user id (AIDA…), so a role made again under the same name is not this one. */
  pid: string;
  /** RoleSessionName (role sessions; empty for user sessions). */
  sess: string;
  /** The long-term access key that asked (or, for a chained role session, the first one). */
  src: string;
  /** The temporary key pair. */
  ak: string;
  sk: string;
  /** Issue and expiry, epoch seconds. */
  iat: number;
  exp: number;
  /** Session policies, normalized documents (name → document JSON). Absent when none were given. */
  pol?: [string, string][];
}

export interface IssuedSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  /** Percentage of the packed-policy limit the session policies use (0 without policies). */
  packedPolicySize: number;
}

/** `ASIA` + 16 uppercase base-32 characters: how AWS spells temporary key ids. */
function newTemporaryKeyId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let s = "ASIA";
  for (const b of crypto.getRandomValues(new Uint8Array(16))) s += alphabet[b & 31];
  return s;
}

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function inflate(bytes: Uint8Array): Promise<Uint8Array | null> {
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    return null;
  }
}

const enc = new TextEncoder();

/** The packed size of session policies as AWS reports it: percent of the limit (ceil). */
export async function packedPolicySize(pol: [string, string][] | undefined): Promise<number> {
  if (!pol?.length) return 0;
  const packed = await deflate(enc.encode(JSON.stringify(pol)));
  return Math.ceil((100 * packed.length) / SESSION_POLICY_LIMITS.packedBytes);
}

/** Mints temporary credentials; `claims` without the key pair and times. The caller checks the size first. */
export async function issueSession(
  env: Env,
  claims: Omit<SessionClaims, "ak" | "sk" | "iat" | "exp">,
  durationSeconds: number,
  now: Date = new Date(),
): Promise<IssuedSession> {
  const iat = Math.floor(now.getTime() / 1000);
  const full: SessionClaims = { ...claims, ak: newTemporaryKeyId(), sk: newSecret(), iat, exp: iat + durationSeconds };
  const packed = await deflate(enc.encode(JSON.stringify(full)));
  const sealed = await sealBytes(config(env).MASTER_KEY, packed, PURPOSE);
  return {
    accessKeyId: full.ak,
    secretAccessKey: full.sk,
    sessionToken: sealed,
    expiration: new Date(full.exp * 1000),
    packedPolicySize: await packedPolicySize(claims.pol),
  };
}

export interface OpenedSession {
  claims: SessionClaims;
  /** The session policies ready for the evaluator; null when the session has none. */
  sessionPolicies: NamedPolicy[] | null;
}

export type SessionCheck = { ok: true; session: OpenedSession } | { ok: false; reason: "invalid" | "expired" };

function claimsOf(value: unknown): SessionClaims | null {
  if (typeof value !== "object" || value === null) return null;
  const c = value as Record<string, unknown>;
  for (const k of ["svc", "acct", "name", "pid", "sess", "src", "ak", "sk"]) if (typeof c[k] !== "string") return null;
  if (c.kind !== "role" && c.kind !== "user") return null;
  if (!Number.isInteger(c.iat) || !Number.isInteger(c.exp)) return null;
  if (c.pol !== undefined && !Array.isArray(c.pol)) return null;
  return c as unknown as SessionClaims;
}

async function unseal(env: Env, token: string): Promise<OpenedSession | null> {
  const packed = await openBytes(config(env).MASTER_KEY, token, PURPOSE);
  if (!packed) return null;
  const json = await inflate(packed);
  if (!json) return null;
  let claims: SessionClaims | null;
  try {
    claims = claimsOf(JSON.parse(new TextDecoder().decode(json)));
  } catch {
    return null;
  }
  if (!claims) return null;
  const sessionPolicies = claims.pol
    ? claims.pol.map(([name, doc]) => ({
        name,
        source: `session:${claims.sess || claims.name}/${name}`,
        document: JSON.parse(doc) as PolicyDocument,
      }))
    : null;
  return { claims, sessionPolicies };
}

/** Opened tokens by token text: a sealed token never changes, so only the size bounds this cache. */
const opened = new Map<string, OpenedSession>();
const OPENED_LIMIT = 1000;

/**
 * The session a token seals, if it is one this deployment issued for `accessKeyId` and it has not
 * expired. Costs one AES-GCM open the first time an isolate sees a token, nothing afterwards.
 */
export async function openSession(env: Env, token: string, accessKeyId: string, now: Date = new Date()): Promise<SessionCheck> {
  let s = opened.get(token);
  if (!s) {
    const fresh = await unseal(env, token);
    if (!fresh) return { ok: false, reason: "invalid" };
    if (opened.size >= OPENED_LIMIT) opened.delete(opened.keys().next().value!);
    opened.set(token, fresh);
    s = fresh;
  }
  if (s.claims.ak !== accessKeyId) return { ok: false, reason: "invalid" };
  if (now.getTime() >= s.claims.exp * 1000) return { ok: false, reason: "expired" };
  return { ok: true, session: s };
}

const roleCache = new IsolateCache<{ roleId: string; identity: IdentityPolicies } | null>();

/**
 * What decides a session's requests now: the role's policies and boundary (null when the role is
 * gone or is another role of the same name: the session is revoked), or for a user session the
 * user's, while the access key that asked for it is still there and active.
 */
export async function sessionIdentity(env: Env, claims: SessionClaims, now: number = Date.now()): Promise<IdentityPolicies | null> {
  if (claims.kind === "role") {
    const role = await roleCache.get(
      `${claims.svc}\n${claims.name}`,
      () => rolePolicies(env, claims.svc, claims.name),
      (r) => r !== null,
      now,
    );
    return role && role.roleId === claims.pid ? role.identity : null;
  }
  const key = await findAccessKeyCached(env, claims.src, now);
  if (!key || key.status !== "Active" || key.serviceUuid !== claims.svc || key.userId !== claims.pid) return null;
  return identityPoliciesCached(env, claims.svc, claims.name, now);
}

export interface AssumableRole {
  name: string;
  id: string;
  trust: PolicyDocument;
  maxSessionDuration: number;
}

/** A role of the service with its trust policy, for AssumeRole; null when there is none. */
export async function assumableRole(env: Env, serviceUuid: string, name: string): Promise<AssumableRole | null> {
  const row = await getDb(env)
    .select({ name: iamRoles.name, id: iamRoles.id, trust: iamRoles.trustNormalized, max: iamRoles.maxSessionDuration })
    .from(iamRoles)
    .where(and(eq(iamRoles.serviceUuid, serviceUuid), eq(iamRoles.name, name)))
    .get();
  return row ? { name: row.name, id: row.id, trust: JSON.parse(row.trust) as PolicyDocument, maxSessionDuration: row.max } : null;
}

/**
 * The default-version documents (normalized JSON) of managed policies, system or custom, by name;
 * a name the service does not have is missing from the answer.
 */
export async function managedPolicyDocuments(env: Env, serviceUuid: string, names: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const custom: string[] = [];
  for (const n of names) {
    const sys = getSystemPolicy(n);
    if (sys) out.set(n, policyToJson(sys.document));
    else custom.push(n);
  }
  if (custom.length) {
    const rows = await getDb(env)
      .select({ name: iamPolicies.name, normalized: iamPolicyVersions.normalized })
      .from(iamPolicies)
      .innerJoin(
        iamPolicyVersions,
        and(
          eq(iamPolicyVersions.serviceUuid, iamPolicies.serviceUuid),
          eq(iamPolicyVersions.policyName, iamPolicies.name),
          eq(iamPolicyVersions.version, iamPolicies.defaultVersion),
        ),
      )
      .where(and(eq(iamPolicies.serviceUuid, serviceUuid), inArray(iamPolicies.name, custom)));
    for (const r of rows) out.set(r.name, r.normalized);
  }
  return out;
}
