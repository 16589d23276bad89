/**
 * What the S3 pipeline is handed by the front door (src/front.ts, which decides which requests are
 * S3): the service named by the Host, if any, the bucket of a virtual-hosted name, and the request's
 * authentication, parsed once.
 */
import { endpointHost, type ServiceInfo } from "../../core/endpoints";
import { authKind, AuthError, parseAuth, type ParsedAuth } from "../../core/sigv4";

export interface S3Target {
  /** The service named by the Host; null on the shared host (found from the access key). */
  service: ServiceInfo | null;
  /** Bucket named by a virtual-hosted Host. */
  hostBucket: string | null;
  /** The request's authentication, parsed once; null for anonymous. */
  auth: ParsedAuth | AuthError | null;
}

/**
 * The S3 target of a request for a service endpoint host, or null for any other host and for
 * requests signed for another service or by another scheme. The job engine uses it for its
 * in-process S3 calls to this deployment's endpoints.
 */
export async function s3Target(request: Request, env: Env, url: URL): Promise<S3Target | null> {
  const host = await endpointHost(env, url);
  if (host.kind !== "service") return null;
  const kind = authKind(request, url);
  if (kind === "other") return null;
  const auth = kind === "none" ? null : parseAuth(request, url);
  if (auth && !(auth instanceof AuthError) && auth.version === 4 && auth.scope.service !== "s3") return null;
  return { service: host.service, hostBucket: host.bucket, auth };
}
