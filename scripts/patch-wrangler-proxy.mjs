#!/usr/bin/env node
// Run on install (npm's `prepare`): works around a defect of `wrangler dev`'s proxy (wrangler 4.x,
// templates/startDevWorker/ProxyWorker.ts). When forwarding a request to the Worker fails — the
// client's body ended early, or was not framed as its headers said (Transfer-Encoding with a body
// that is not chunk-encoded) — the proxy decides "the worker restarted" by comparing the full
// request URL with the worker's base URL, which differ for every path but `/`, and so answers any
// such non-GET request `503 Your worker restarted mid-request` (a server fault, and a hint to
// retry). The request is the client's fault: this patch answers it `400 Bad Request` when no
// reload happened in between; requests cut by a real reload keep wrangler's behaviour.
// Idempotent; a wrangler whose proxy no longer has the code patched is left alone, with a note.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

// The first version of this patch (its marker and text, exactly as it was inserted), so an install
// that carries it is brought to the current one.
const MARK_V1 = "/* stowage: forwarded request failed */";
const PATCH_V1 = `${MARK_V1}
        if (this.proxyData === proxyData && request.method !== "GET" && request.method !== "HEAD") {
          deferredResponse.resolve(
            new Response("Bad Request: the request could not be read (its body ended early or did not match its framing).\\n", {
              status: 400,
              headers: { "Content-Type": "text/plain; charset=utf-8" },
            }),
          );
          return;
        }
        `;

// A GET or HEAD may carry a body too (the fuzzer sends them; HTTP allows it). Unpatched, one whose
// body could not be read is queued for a retry, and the retry — run inside the fetch of whichever
// request arrives next, from any client — throws `Cannot reconstruct a Request with a used body`,
// so that other client is answered a 500 with the stack. Only a request without a body can be
// sent again; one with a body is the client's fault when no reload happened (400) and is cut by
// the reload otherwise (wrangler's 503).
const MARK = "/* stowage: forwarded request failed (v2) */";
const ANCHOR = "const newUserWorkerUrl = this.proxyData && urlFromParts(this.proxyData.userWorkerUrl);";
const PATCH = `${MARK}
        if (this.proxyData === proxyData && (request.body !== null || (request.method !== "GET" && request.method !== "HEAD"))) {
          deferredResponse.resolve(
            new Response("Bad Request: the request could not be read (its body ended early or did not match its framing).\\n", {
              status: 400,
              headers: { "Content-Type": "text/plain; charset=utf-8" },
            }),
          );
          return;
        }
        `;
const RETRY = `} else if (request.method === "GET" || request.method === "HEAD") {`;
const RETRY_PATCHED = `} else if ((request.method === "GET" || request.method === "HEAD") && request.body === null) {`;

let file;
try {
  const require = createRequire(import.meta.url);
  file = path.join(path.dirname(require.resolve("wrangler/package.json")), "wrangler-dist/ProxyWorker.js");
} catch {
  process.exit(0); // wrangler not installed (production install): nothing to patch
}
if (!existsSync(file)) process.exit(0);
let source = readFileSync(file, "utf8");
if (source.includes(MARK)) process.exit(0);
if (source.includes(MARK_V1)) source = source.replace(PATCH_V1, "");
if (!source.includes(ANCHOR) || !source.includes(RETRY) || !source.includes("const { proxyData } = this;") || source.includes(MARK_V1)) {
  console.warn(`patch-wrangler-proxy: ${file} has changed; wrangler dev's proxy is used unpatched.`);
  process.exit(0);
}
writeFileSync(file, source.replace(ANCHOR, PATCH + ANCHOR).replace(RETRY, RETRY_PATCHED));
