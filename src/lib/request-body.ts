/**
 * Every request body is read to its end before the response leaves. Code that stops reading a
 * request body early (a refused request, a body that fails its signature or framing checks) hands
 * it here instead of cancelling it, and the entry waits for that before it answers.
 *
 * Why: workerd does not drain a request body that was cancelled or left half-read. The
 * connection it arrived on is then neither closed nor reusable, and `wrangler dev`'s proxy (a
 * second workerd that pools its connections to the user worker) sends the next request, from any
 * client, on that connection: it stalls until its client gives up, or fails and the proxy answers
 * `503 Your worker restarted mid-request` (its retry check compares the full request URL with the
 * worker's base URL, so any proxied non-GET with a path is given up; wrangler 4.86
 * templates/startDevWorker/ProxyWorker.ts). Reading what remains, as HTTP servers do for a
 * refused upload (RFC 9112 §9.6), keeps the connection usable; a deadline bounds a client that
 * never finishes its body.
 */

/** How long a refused request's remaining body is read and discarded before it is given up. */
export const LINGER_MS = 30_000;

const pending = new WeakMap<Request, Promise<void>>();

/** Reads a stream to its end, discarding the bytes; gives up after `lingerMs` or on a read error. */
export async function discard(reader: ReadableStreamDefaultReader<Uint8Array>, lingerMs = LINGER_MS): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), lingerMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), expired]);
      if (next === "expired") {
        await reader.cancel().catch(() => {});
        return;
      }
      if (next.done) return;
    }
  } catch {
    // The client went away: nothing is left to read.
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops using `request`'s body without cancelling it: what remains is read and discarded, and
 * the entry waits for that before answering. `reader` is the caller's reader of the body, when
 * it holds one.
 */
export function releaseBody(request: Request, reader?: ReadableStreamDefaultReader<Uint8Array>): void {
  if (pending.has(request)) return;
  const body = request.body;
  if (!reader) {
    if (!body || body.locked) return;
    reader = body.getReader();
  }
  pending.set(request, discard(reader));
}

/**
 * For a request whose body cannot be framed (see the S3 plane's framingError): it is answered
 * without reading anything; the runtime's HTTP parser has already given up on that connection.
 */
export function abandonBody(request: Request): void {
  pending.set(request, Promise.resolve());
}

/** Called by the entry once a handler has answered: the request's body is read to its end first. */
export async function settleRequestBody(request: Request): Promise<void> {
  releaseBody(request);
  await pending.get(request);
}
