/**
 * The Virtuozzo ostor admin API: `/?ostor-users`, `/?ostor-accounts`, `/?ostor-limits`,
 * `/?ostor-buckets`, `/?ostor-usage` (and `/?ostor-quotas`) on the S3 endpoint, signed by a system
 * user. Reserved: no command is built yet (issue 20). Unsigned requests get `403 AccessDenied` (they
 * never reach another dialect), signed ones the ostor 404.
 */
import { AuthError } from "../../core/sigv4";
import type { ParsedAuth } from "../../core/sigv4";
import { ostorError } from "./errors";

/** The command of an ostor request (`ostor-users`…), or null when the request is not one. */
export function ostorCommand(url: URL): string | null {
  if (url.pathname !== "/") return null;
  for (const name of url.searchParams.keys()) if (name.startsWith("ostor-")) return name;
  return null;
}

export async function handleOstor(_request: Request, _env: Env, url: URL, auth: ParsedAuth | AuthError | null): Promise<Response> {
  const requestId = crypto.randomUUID();
  if (auth === null) return ostorError(403, "AccessDenied", "Access Denied", requestId);
  return ostorError(404, "NotFound", `The ${ostorCommand(url)} command is not available on this server.`, requestId);
}
