/**
 * Where a job's S3 request goes. A request for one of THIS deployment's service endpoint hosts is
 * served in-process by the S3 data plane (a Worker cannot reliably fetch its own hostname, and tests
 * and `wrangler dev` have no DNS for `<label>.<BASE_DOMAIN>`); anything else goes out with fetch.
 */
import { config } from "../../config";
import { handleS3 } from "../../routes/s3";
import { s3Target } from "../../routes/s3/dispatch";
import { parseEndpointHost, serviceByLabel } from "../endpoints";

/**
 * A streamed body of known length, for fetch: through a FixedLengthStream the runtime sends
 * Content-Length instead of chunked encoding (S3 refuses chunked uploads without a length).
 * Only for the network: the runtime cannot hand a FixedLengthStream to an in-process reader that
 * pipes it into another one (the S3 handler's own), so local requests never get one.
 */
function withLength(request: Request): Request {
  const length = Number(request.headers.get("content-length") ?? NaN);
  if (!request.body || !Number.isSafeInteger(length)) return request;
  const fixed = new FixedLengthStream(length);
  void pump(request.body, fixed.writable);
  return new Request(request, { body: fixed.readable, duplex: "half" } as RequestInit);
}

/** Chunk by chunk (pipeTo between two of the runtime's transform streams is not implemented). */
async function pump(from: ReadableStream<Uint8Array>, to: WritableStream<Uint8Array>): Promise<void> {
  const reader = from.getReader();
  const writer = to.getWriter();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await writer.write(value);
    }
    await writer.close();
  } catch (e) {
    // The request fails on its own when its body does; both ends are released here.
    await writer.abort(e).catch(() => {});
    await reader.cancel(e).catch(() => {});
  }
}

/** Sends one signed S3 request and answers its response. */
export type Transport = (request: Request) => Promise<Response>;

/** The service behind an endpoint host of this deployment, or null for any other host. */
export async function localService(env: Env, url: URL): Promise<{ uuid: string; accountId: string; region: string } | null> {
  const endpoint = parseEndpointHost(url.hostname, config(env).BASE_DOMAIN);
  if (!endpoint || endpoint.kind !== "api" || endpoint.bucket !== null) return null;
  const service = await serviceByLabel(env, endpoint.label);
  return service ? { uuid: service.uuid, accountId: service.accountId, region: service.region } : null;
}

/**
 * A transport for one queue message. In-process requests report usage through `waitUntil`; those
 * promises are kept and settled by `drain()` before the message is acknowledged.
 */
export function transport(env: Env): { send: Transport; drain: () => Promise<void> } {
  const pending: Promise<unknown>[] = [];
  const ctx: ExecutionContext = {
    waitUntil: (p: Promise<unknown>) => void pending.push(p),
    passThroughOnException: () => {},
    props: {},
  } as ExecutionContext;
  const send: Transport = async (request) => {
    const url = new URL(request.url);
    if (await localService(env, url)) {
      const target = await s3Target(request, env, url);
      // The body goes in as it is: the S3 handler sizes it from Content-Length itself.
      if (target) return handleS3(request, env, ctx, target);
    }
    return fetch(withLength(request));
  };
  const drain = async () => {
    while (pending.length) await Promise.allSettled(pending.splice(0));
  };
  return { send, drain };
}
