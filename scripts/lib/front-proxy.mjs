// The local runtime's front door: a small HTTP/1.1 proxy in Node in front of workerd (under `npm run
// dev` in front of wrangler dev's proxy, under `npm start` in front of Miniflare's socket).
//
// Why: botocore-based clients (aws CLI, boto3, s3transfer) and curl (bodies over 1 MB) send uploads
// with `Expect: 100-continue` and wait one second for the interim `100 Continue` before sending the
// body. On Cloudflare's network the edge answers it; workerd does not, so every such PUT took a
// second locally (issue 16). Node's HTTP server answers `100 Continue` as soon as the request head
// has arrived (no `checkContinue` listener); the body is then streamed to workerd as it comes, never
// buffered, with backpressure both ways. A request that the Worker refuses still answers after its
// body, as everywhere else in this Worker (the front door reads every body to its end).
//
// Everything else passes through as sent: the header names, order and duplicates (rawHeaders), the
// Host (the Worker routes and verifies SigV4 by it), the body framing (Content-Length, or chunked).
// Only hop-by-hop headers are the proxy's own. Requests Node's parser refuses (Transfer-Encoding
// with Content-Length, malformed heads) are answered `400 Bad Request` by Node and the connection
// closed, as workerd does.
import http from "node:http";

/** Headers of one hop only (RFC 9110 7.6.1), never forwarded; `expect` was answered here. */
const HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "expect"]);

/** Methods Node sends without a body unless told otherwise (the others default to chunked). */
const NO_BODY_DEFAULT = new Set(["GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"]);

/** rawHeaders ([name, value, name, value, …]) without hop-by-hop headers and those `Connection` names. */
function forwardable(raw) {
  const named = new Set();
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i].toLowerCase() === "connection") for (const t of raw[i + 1].split(",")) named.add(t.trim().toLowerCase());
  const out = [];
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    if (!HOP.has(k) && !named.has(k)) out.push(raw[i], raw[i + 1]);
  }
  return out;
}

/**
 * Starts the proxy. `upstream()` answers the port workerd listens on (asked per request, so a runner
 * may restart workerd behind a stable public port). `onRequest(record)` is called once per finished
 * exchange: { method, path, status, bytesIn, bytesOut, ms, requestId, headers } (response headers,
 * lower-case); `filterResponseHeaders(headers)` may drop headers meant for the runner only.
 * @param {{ host: string, port: number, upstream: () => number, onRequest?: (r: object) => void,
 *   internalHeaders?: string[] }} o
 */
export function startFrontProxy(o) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256, scheduling: "lifo" });
  const internal = new Set((o.internalHeaders ?? []).map((h) => h.toLowerCase()));
  const inFlight = new Set();
  const server = http.createServer({
    // Large uploads may take longer than Node's default 300 s request timeout; heads may not.
    requestTimeout: 0,
    headersTimeout: 60_000,
    keepAliveTimeout: 60_000,
  });

  server.on("request", (req, res) => {
    const t0 = process.hrtime.bigint();
    let bytesIn = 0;
    let bytesOut = 0;
    const exchange = { req, res };
    inFlight.add(exchange);
    // A request without Content-Length or Transfer-Encoding has no body. Node would send a PUT or
    // POST of that kind as an empty chunked body; `Content-Length: 0` says the same without framing.
    const framed = req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined;
    const headers = forwardable(req.rawHeaders);
    if (!framed && !NO_BODY_DEFAULT.has(req.method)) headers.push("Content-Length", "0");
    const up = http.request({
      agent,
      host: "127.0.0.1",
      port: o.upstream(),
      method: req.method,
      path: req.url,
      headers,
      setHost: false,
    });
    let logged = false;
    const done = (status, headers = {}) => {
      inFlight.delete(exchange);
      if (logged) return;
      logged = true;
      o.onRequest?.({
        method: req.method,
        path: req.url,
        status,
        bytesIn,
        bytesOut,
        ms: Number(process.hrtime.bigint() - t0) / 1e6,
        headers,
      });
    };

    up.on("response", (upRes) => {
      const raw = upRes.rawHeaders;
      const headers = {};
      const out = [];
      for (let i = 0; i < raw.length; i += 2) {
        const k = raw[i].toLowerCase();
        if (internal.has(k)) headers[k] = raw[i + 1];
        else if (k === "connection" || k === "keep-alive") continue;
        else {
          headers[k] ??= raw[i + 1];
          out.push(raw[i], raw[i + 1]);
        }
      }
      res.sendDate = headers.date === undefined;
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, out);
      upRes.on("data", (d) => (bytesOut += d.length));
      upRes.pipe(res);
      res.once("finish", () => done(upRes.statusCode ?? 0, headers));
      upRes.once("aborted", () => res.destroy());
      upRes.once("error", () => res.destroy());
    });
    up.on("error", () => {
      // workerd went away (or closed after an early answer while the body was still coming).
      if (!res.headersSent && !req.destroyed) {
        res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8", Connection: "close" });
        res.end("Bad Gateway: the Worker runtime did not answer.\n");
        done(502);
      } else if (!res.writableFinished) res.destroy();
    });

    req.on("data", (d) => (bytesIn += d.length));
    if (framed) req.pipe(up);
    else up.end();
    // The client went away mid-request or mid-response: so does the upstream request (workerd then
    // sees the body cut off, as it would without the proxy).
    res.once("close", () => {
      if (!res.writableFinished) {
        up.destroy();
        done(0);
      }
    });
  });

  // Bytes that do not parse as a request. Node would answer 400 at once, even while the answer to
  // the request before them (whose body ended where its Content-Length said) is still on its way;
  // that answer goes first, then the connection closes, as workerd does without the proxy.
  server.on("clientError", (err, socket) => {
    const pending = socket._httpMessage;
    if (pending && !pending.writableFinished) {
      const close = () => socket.destroy();
      pending.once("finish", close);
      pending.once("close", close);
      return;
    }
    if (err.code === "ECONNRESET" || !socket.writable) return socket.destroy();
    socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  });

  let closing = false;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.removeListener("error", reject);
      resolve({
        server,
        port: server.address().port,
        /** Requests not yet answered to their end. */
        inFlight: () => inFlight.size,
        /**
         * Stops accepting connections, lets the requests in flight finish (at most `graceMs`), then
         * closes what is left (idle keep-alive connections at once).
         */
        async close(graceMs = 30_000) {
          if (closing) return;
          closing = true;
          const closed = new Promise((r) => server.close(r));
          server.closeIdleConnections();
          const until = Date.now() + graceMs;
          while (inFlight.size > 0 && Date.now() < until) {
            await new Promise((r) => setTimeout(r, 50));
            server.closeIdleConnections();
          }
          server.closeAllConnections();
          await closed;
          agent.destroy();
        },
      });
    });
  });
}

// As a process of its own: `node scripts/lib/front-proxy.mjs <port> <upstream port>` (loopback),
// for runners that start workerd themselves (scripts/bench.mjs puts its floor Worker behind it,
// scripts/lib/live-server.mjs its wrangler dev). Stops on SIGTERM/SIGINT after the requests in flight.
if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const [port, upstream] = process.argv.slice(2).map(Number);
  if (!port || !upstream) {
    console.error("usage: node scripts/lib/front-proxy.mjs <port> <upstream port>");
    process.exit(2);
  }
  const front = await startFrontProxy({ host: "127.0.0.1", port, upstream: () => upstream });
  console.log(`front proxy on http://127.0.0.1:${front.port} → 127.0.0.1:${upstream}`);
  for (const sig of ["SIGTERM", "SIGINT"]) process.once(sig, () => front.close(10_000).then(() => process.exit(0)));
}
