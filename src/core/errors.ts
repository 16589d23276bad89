/**
 * The one error type of the core. Dialects map `code` to their own status and body
 * (problem+json for UpCloud, XML for S3/IAM, vendor JSON elsewhere) with an exhaustive switch.
 */
export type CoreErrorCode =
  | "INVALID_REQUEST" // validation: names the fields in `params`
  | "NOT_FOUND" // the resource does not exist, or belongs to another tenant
  | "CONFLICT" // uniqueness or state conflict (name taken, config exists)
  | "SERVICE_ERROR" // the resource's state forbids the operation (termination protection, not empty)
  | "LIMIT_EXCEEDED" // a count limit (keys per user, domains per service)
  | "UNAUTHENTICATED" // missing or bad credentials
  | "FORBIDDEN"; // authenticated but not allowed (disabled account)

export interface InvalidParam {
  name: string;
  reason: string;
}

export class CoreError extends Error {
  constructor(
    readonly code: CoreErrorCode,
    message: string,
    readonly params: InvalidParam[] = [],
  ) {
    super(message);
    this.name = "CoreError";
  }
}

export const invalid = (name: string, reason: string) =>
  new CoreError("INVALID_REQUEST", `Validation error: ${name}: ${reason}`, [{ name, reason }]);

export const invalidMany = (params: InvalidParam[]) =>
  new CoreError("INVALID_REQUEST", `Validation error: ${params.map((p) => p.name).join(", ")}`, params);

export const notFound = (what: string) => new CoreError("NOT_FOUND", `${what} not found.`);

export const conflict = (message: string) => new CoreError("CONFLICT", message);

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
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: CoreErrorCode; message: string; params: InvalidParam[] };

export async function capture<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof CoreError) return { ok: false, code: e.code, message: e.message, params: e.params };
    throw e;
  }
}

export function unwrap<T>(o: Outcome<T>): T {
  if (o.ok) return o.value;
  throw new CoreError(o.code, o.message, o.params);
}
