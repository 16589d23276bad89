/**
 * The one error type of the core. `code` is the class of failure (it decides the HTTP status in
 * most dialects); `reason` says exactly what went wrong, so dialects whose vendors have finer error
 * codes (AWS IAM's NoSuchEntity, EntityAlreadyExists, DeleteConflict, LimitExceeded,
 * MalformedPolicyDocument, InvalidInput) map it exactly. Dialects render both with exhaustive maps.
 */
export const CORE_ERROR_CODES = [
  "INVALID_REQUEST", // validation: names the fields in `params`
  "NOT_FOUND", // the resource does not exist, or belongs to another tenant
  "CONFLICT", // uniqueness or state conflict (name taken, config exists)
  "SERVICE_ERROR", // the resource's state forbids the operation (termination protection, not empty)
  "LIMIT_EXCEEDED", // a count limit (keys per user, domains per service)
  "UNAUTHENTICATED", // missing or bad credentials
  "FORBIDDEN", // authenticated but not allowed (disabled account)
  "METHOD_NOT_ALLOWED", // the path exists, the method does not (routers only)
] as const;
export type CoreErrorCode = (typeof CORE_ERROR_CODES)[number];

export const CORE_ERROR_REASONS = [
  "invalid-input", // a field is malformed or out of range; `params` name the fields
  "malformed-policy", // a policy document failed the grammar; `params` say where
  "no-such-entity", // `detail.entity` names the kind that was looked up
  "no-such-route", // no operation at this path (routers only)
  "entity-exists", // a name or configuration is taken
  "delete-conflict", // deletion refused while something remains; `detail.remains` names it
  "limit-exceeded", // a count limit; `detail.limit` is the maximum
  "read-only", // the entity cannot change (system policies)
  "service-state", // the state of the service or entity forbids it (being deleted, protected, default version)
  "unauthenticated", // missing or bad credentials
  "forbidden", // authenticated, not allowed
  "method-not-allowed", // the path exists with other methods (routers only)
] as const;
export type CoreErrorReason = (typeof CORE_ERROR_REASONS)[number];

/** The reason a code stands for when a caller has nothing more exact to say. */
export const IMPLIED_REASON: Record<CoreErrorCode, CoreErrorReason> = {
  INVALID_REQUEST: "invalid-input",
  NOT_FOUND: "no-such-entity",
  CONFLICT: "entity-exists",
  SERVICE_ERROR: "service-state",
  LIMIT_EXCEEDED: "limit-exceeded",
  UNAUTHENTICATED: "unauthenticated",
  FORBIDDEN: "forbidden",
  METHOD_NOT_ALLOWED: "method-not-allowed",
};

export interface InvalidParam {
  name: string;
  reason: string;
}

/** Machine-readable facts some reasons carry. Plain data, so it survives the Durable Object boundary. */
export interface CoreErrorDetail {
  /** What was looked up or collided: "Service", "User", "Policy version". */
  entity?: string;
  /** What still blocks a deletion, e.g. ["2 buckets", "1 access key"]. */
  remains?: string[];
  /** The maximum a limit allows. */
  limit?: number;
  /** The methods a path answers (method-not-allowed). */
  allow?: string[];
}

export class CoreError extends Error {
  constructor(
    readonly code: CoreErrorCode,
    message: string,
    readonly params: InvalidParam[] = [],
    readonly reason: CoreErrorReason = IMPLIED_REASON[code],
    readonly detail: CoreErrorDetail = {},
  ) {
    super(message);
    this.name = "CoreError";
  }
}

export const invalid = (name: string, reason: string) =>
  new CoreError("INVALID_REQUEST", `Validation error: ${name}: ${reason}`, [{ name, reason }], "invalid-input");

export const invalidMany = (params: InvalidParam[]) =>
  new CoreError("INVALID_REQUEST", `Validation error: ${params.map((p) => p.name).join(", ")}`, params, "invalid-input");

export const malformedPolicy = (message: string, params: InvalidParam[]) =>
  new CoreError("INVALID_REQUEST", message, params, "malformed-policy");

/** `entity` names the kind ("Service"); `message` overrides the default "<entity> not found." */
export const notFound = (entity: string, message = `${entity} not found.`) =>
  new CoreError("NOT_FOUND", message, [], "no-such-entity", { entity });

/** A name or configuration is taken (HTTP 409). */
export const conflict = (message: string, entity?: string) =>
  new CoreError("CONFLICT", message, [], "entity-exists", entity ? { entity } : {});

/** Deletion refused while something remains. */
export const deleteConflict = (message: string, remains: string[]) =>
  new CoreError("SERVICE_ERROR", message, [], "delete-conflict", { remains });

export const limitExceeded = (message: string, limit: number, params: InvalidParam[] = []) =>
  new CoreError("LIMIT_EXCEEDED", message, params, "limit-exceeded", { limit });

export const readOnly = (message: string) => new CoreError("SERVICE_ERROR", message, [], "read-only");

/** The state of the service or entity forbids the operation. */
export const serviceState = (message: string, params: InvalidParam[] = []) =>
  new CoreError("SERVICE_ERROR", message, params, "service-state");

export const unauthenticated = (message = "Authentication failed using the given credentials.") =>
  new CoreError("UNAUTHENTICATED", message, [], "unauthenticated");

export const forbidden = (message: string) => new CoreError("FORBIDDEN", message, [], "forbidden");

/** Collects validation failures so a response names every bad field at once. */
export class Problems {
  readonly list: InvalidParam[] = [];
  add(name: string, reason: string): void {
    this.list.push({ name, reason });
  }
  throwIfAny(): void {
    if (this.list.length) throw invalidMany(this.list);
  }
}

/** CoreErrors lose their class crossing a Durable Object RPC boundary, so they travel as data. */
export type Outcome<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      code: CoreErrorCode;
      reason: CoreErrorReason;
      message: string;
      params: InvalidParam[];
      detail: CoreErrorDetail;
    };

export async function capture<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof CoreError)
      return { ok: false, code: e.code, reason: e.reason, message: e.message, params: e.params, detail: e.detail };
    throw e;
  }
}

export function unwrap<T>(o: Outcome<T>): T {
  if (o.ok) return o.value;
  throw new CoreError(o.code, o.message, o.params, o.reason, o.detail);
}
