// Raw HTTP/1.1 over node:net for the live-server tests: SigV4 header signing and aws-chunked bodies
// built by hand (so they can be broken on purpose), with nothing between the test and the server
// that would repair a malformed request.
import { createHash, createHmac } from "node:crypto";
import net from "node:net";

export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Signing {
  key: Buffer;
  datetime: string;
  scope: string;
  seed: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  closed?: boolean;
  timeout?: boolean;
  ms: number;
}

export const sha256 = (d: string | Buffer) => createHash("sha256").update(d).digest("hex");
export const EMPTY_SHA256 = sha256("");
const hmac = (k: string | Buffer, d: string) => createHmac("sha256", k).update(d).digest();
const amzDate = (d: Date) => d.toISOString().replace(/[:-]|\.\d{3}/g, "");
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());

function canonicalQuery(search: string): string {
  const pairs = [...new URLSearchParams(search)].map(([k, v]) => [encode(k), encode(v)] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** Signs a request (SigV4, header form); answers the headers to send and what the chunk signer needs. */
export function signV4(o: {
  method: string;
  host: string;
  path: string;
  payload: string;
  keys: Keys;
  headers?: Record<string, string | number>;
  region?: string;
  date?: Date;
}): { headers: Record<string, string>; signing: Signing } {
  const url = new URL(o.path, `http://${o.host}`);
  const datetime = amzDate(o.date ?? new Date());
  const day = datetime.slice(0, 8);
  const region = o.region ?? "us-east-1";
  const h: Record<string, string> = { host: o.host, "x-amz-date": datetime, "x-amz-content-sha256": o.payload };
  for (const [k, v] of Object.entries(o.headers ?? {})) h[k.toLowerCase()] = String(v);
  const names = Object.keys(h).sort();
  const canonical = [
    o.method,
    url.pathname
      .split("/")
      .map((s) => encode(decodeURIComponent(s)))
      .join("/"),
    canonicalQuery(url.search),
    names.map((n) => `${n}:${h[n]!.trim()}\n`).join(""),
    names.join(";"),
    o.payload,
  ].join("\n");
  const scope = `${day}/${region}/s3/aws4_request`;
  const key = hmac(hmac(hmac(hmac(`AWS4${o.keys.secretAccessKey}`, day), region), "s3"), "aws4_request");
  const seed = createHmac("sha256", key)
    .update(["AWS4-HMAC-SHA256", datetime, scope, sha256(canonical)].join("\n"))
    .digest("hex");
  h.authorization = `AWS4-HMAC-SHA256 Credential=${o.keys.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${seed}`;
  return { headers: h, signing: { key, datetime, scope, seed } };
}

export interface Frame {
  size: number;
  sig: string;
  data: Buffer;
}

/** The aws-chunked frames of `data` (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), every chunk signed. */
export function chunkFrames(data: Buffer, signing: Signing, chunkSize = 8192): Frame[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(Buffer.from(data.subarray(i, i + chunkSize)));
  chunks.push(Buffer.alloc(0));
  let prev = signing.seed;
  return chunks.map((c) => {
    const sig = createHmac("sha256", signing.key)
      .update(["AWS4-HMAC-SHA256-PAYLOAD", signing.datetime, signing.scope, prev, EMPTY_SHA256, sha256(c)].join("\n"))
      .digest("hex");
    prev = sig;
    return { size: c.length, sig, data: c };
  });
}

export const frameBytes = (f: Frame, sizeText = f.size.toString(16)) =>
  Buffer.concat([Buffer.from(`${sizeText};chunk-signature=${f.sig}\r\n`), f.data, Buffer.from("\r\n")]);

export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    sock.once("connect", () => resolve(sock));
    sock.once("error", reject);
  });
}

/** Writes a request head (and optionally a body) on a socket. */
export function writeRequest(
  sock: net.Socket,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  body?: Buffer | string,
) {
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  sock.write(head + "\r\n");
  if (body !== undefined && body.length > 0) sock.write(body);
}

/** Reads one response (Content-Length or chunked framing) from a socket; status 0 on timeout or close. */
export function readResponse(sock: net.Socket, timeoutMs = 5000, head = false): Promise<RawResponse> {
  const started = Date.now();
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (r: Omit<RawResponse, "ms">) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.off("data", onData);
      sock.off("close", onClose);
      sock.off("error", onClose);
      resolve({ ...r, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish({ status: 0, headers: {}, body: buf.toString("latin1"), timeout: true }), timeoutMs);
    const parse = (closed: boolean) => {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) {
        if (closed) finish({ status: 0, headers: {}, body: "", closed: true });
        return;
      }
      const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(lines[0]!.split(" ")[1]);
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(":");
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const rest = buf.subarray(end + 4);
      if (status === 100) {
        buf = Buffer.from(rest);
        return parse(closed);
      }
      if (head) return finish({ status, headers, body: "", closed });
      if (headers["content-length"] !== undefined) {
        const n = Number(headers["content-length"]);
        if (rest.length >= n) return finish({ status, headers, body: rest.subarray(0, n).toString(), closed });
      } else if (headers["transfer-encoding"] === "chunked") {
        const text = rest.toString("latin1");
        if (text.startsWith("0\r\n\r\n") || text.includes("\r\n0\r\n\r\n")) return finish({ status, headers, body: text, closed });
      } else if (status === 204 || status === 304) return finish({ status, headers, body: "", closed });
      if (closed) finish({ status, headers, body: rest.toString(), closed: true });
    };
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      parse(false);
    };
    const onClose = () => parse(true);
    sock.on("data", onData);
    sock.on("close", onClose);
    sock.on("error", onClose);
  });
}

/** One request on a new connection. */
export async function once(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  body?: Buffer | string,
  timeoutMs = 5000,
) {
  const sock = await connect(port);
  try {
    const res = readResponse(sock, timeoutMs, method === "HEAD");
    writeRequest(sock, method, path, headers, body);
    return await res;
  } finally {
    sock.destroy();
  }
}

export const s3Code = (body: string) => /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? null;
