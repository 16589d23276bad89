// A raw HTTP/1.1 client on node:net, for what fetch will not send: Transfer-Encoding with
// Content-Length, bodies shorter or longer than declared, several requests on one keep-alive
// connection, a client that goes away mid-upload. Loopback only.
import net from "node:net";

/** Serialises a request head (header names as given, values verbatim) and its body. */
export function requestBytes(method, target, headers, body) {
  const lines = [`${method} ${target} HTTP/1.1`];
  for (const [k, v] of Array.isArray(headers) ? headers : Object.entries(headers)) lines.push(`${k}: ${v}`);
  const head = Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
  return body === undefined || body === null ? head : Buffer.concat([head, Buffer.isBuffer(body) ? body : Buffer.from(body)]);
}

/**
 * Incremental parser of responses on one connection. Answers complete responses as they finish:
 * { status, headers, body } (1xx interim responses are skipped).
 */
class ResponseParser {
  constructor(methods) {
    this.buf = Buffer.alloc(0);
    this.methods = methods; // request methods in order, for HEAD (no body)
    this.done = [];
  }
  push(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const end = this.buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0])?.[1] ?? 0);
      const headers = {};
      for (const l of head.slice(1)) {
        const i = l.indexOf(":");
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const rest = this.buf.subarray(end + 4);
      if (status >= 100 && status < 200) {
        this.buf = rest;
        continue;
      }
      const method = this.methods[this.done.length] ?? "GET";
      let bodyLen;
      if (method === "HEAD" || status === 204 || status === 304) bodyLen = 0;
      else if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
        const n = chunkedLength(rest);
        if (n < 0) return; // incomplete
        bodyLen = n;
      } else if (headers["content-length"] !== undefined) bodyLen = Number(headers["content-length"]);
      else return; // body until close: finished by end()
      if (rest.length < bodyLen) return;
      this.done.push({ status, headers, body: rest.subarray(0, bodyLen) });
      this.buf = rest.subarray(bodyLen);
    }
  }
  /** The connection closed: a response reading until close is complete now. */
  end() {
    const end = this.buf.indexOf("\r\n\r\n");
    if (end < 0) return;
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(this.buf.toString("latin1", 0, 20))?.[1] ?? 0);
    if (status) this.done.push({ status, headers: {}, body: this.buf.subarray(end + 4) });
    this.buf = Buffer.alloc(0);
  }
}

/** Length of a complete chunked body at the start of buf (framing included), or -1. */
function chunkedLength(buf) {
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf("\r\n", pos);
    if (eol < 0) return -1;
    const size = parseInt(buf.toString("latin1", pos, eol).split(";")[0], 16);
    if (Number.isNaN(size)) return buf.length; // not chunked after all; take what is there
    pos = eol + 2;
    if (size === 0) {
      const fin = buf.indexOf("\r\n\r\n", pos - 2);
      return fin < 0 ? -1 : fin + 4;
    }
    if (buf.length < pos + size + 2) return -1;
    pos += size + 2;
  }
}

/**
 * Runs one raw exchange on a new connection.
 * @param {{ port: number, host?: string, steps: Array<{ write: Buffer, method?: string, awaitResponse?: boolean, pauseMs?: number }>,
 *   finish?: "close" | "half-close" | "destroy", timeoutMs: number }} x
 *   Each step writes its bytes; with awaitResponse it waits for one more response before the next step.
 *   After the last step: "close" waits for every awaited response, then closes; "half-close" sends
 *   FIN and waits for the server to answer or close; "destroy" resets the connection at once
 *   (a client that disappears mid-upload).
 * @returns {Promise<{ outcome: "ok" | "closed" | "timeout" | "error", responses: Array<{ status: number, headers: object, body: Buffer }>, error?: string }>}
 */
export function rawExchange(x) {
  return new Promise((resolve) => {
    const methods = x.steps.filter((s) => s.awaitResponse).map((s) => s.method ?? "GET");
    const parser = new ResponseParser(methods);
    const sock = net.connect({ port: x.port, host: x.host ?? "127.0.0.1" });
    let settled = false;
    let waiting = null; // resolve of the step waiting for a response
    let closed = false;
    const finish = (outcome, error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ outcome, responses: parser.done, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish("timeout"), x.timeoutMs);
    sock.on("data", (d) => {
      parser.push(d);
      waiting?.();
    });
    sock.on("end", () => {
      parser.end();
      closed = true;
      waiting?.();
    });
    sock.on("close", () => {
      closed = true;
      waiting?.();
    });
    sock.on("error", (e) => {
      closed = true;
      if (x.finish === "destroy") return;
      // A reset after the server answered what it was asked is its way of refusing the rest.
      waiting?.(e);
    });
    const responses = (n) =>
      new Promise((res) => {
        const check = () => {
          if (parser.done.length >= n || closed) {
            waiting = null;
            res();
          }
        };
        waiting = check;
        check();
      });
    sock.once("connect", async () => {
      let awaited = 0;
      for (const step of x.steps) {
        if (closed) break;
        try {
          sock.write(step.write);
        } catch {
          break;
        }
        if (step.pauseMs) await new Promise((r) => setTimeout(r, step.pauseMs));
        if (step.awaitResponse) {
          awaited++;
          await responses(awaited);
        }
        if (settled) return;
      }
      if (x.finish === "destroy") {
        // Give the bytes a moment on the wire, then vanish without a FIN.
        await new Promise((r) => setTimeout(r, 20));
        sock.resetAndDestroy?.() ?? sock.destroy();
        return finish("ok");
      }
      if (x.finish === "half-close" && !closed) {
        sock.end();
        await responses(awaited + 1);
      }
      finish(parser.done.length >= awaited ? "ok" : "closed");
    });
  });
}
