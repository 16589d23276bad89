// Sends request descriptors (traffic.mjs, fuzz-cases.mjs) to a server with N concurrent clients,
// judges every answer, watches /healthz, and keeps the figures: counts by status class, latency
// percentiles. Shared by scripts/fuzz.mjs and scripts/soak.mjs.
//
// A request FAILS when: an answer is a 5xx other than 501; it gets no answer within the timeout
// (raw exchanges that are incomplete on purpose excepted, but then the follow-up must answer);
// a well-formed fetch loses its connection; or, after a raw framing attack, a new connection's
// /healthz or signed S3 GET does not answer (< 500) within the timeout. A 5xx to bytes that are not
// valid HTTP/1.1 comes from the runtime's own parser (the Worker never runs): it is counted as
// 5xx-framing, and fails the run only with strictFraming. The server is DEAD when
// /healthz on a new connection fails twice in a row.
import { rawExchange, requestBytes } from "./raw-http.mjs";
import { EMPTY_SHA256, encodePath, signHeaders } from "./sigv4.mjs";

const FORBIDDEN_FETCH = /^(connection|keep-alive|transfer-encoding|upgrade|expect|te|trailer|proxy-connection|host)$/i;

/** A fetch descriptor as raw bytes on a new connection (bodies on GET, headers fetch refuses). */
export function asRaw(ctx, d) {
  const headers = { host: ctx.host, ...d.headers, connection: "close" };
  if (d.body !== undefined || !["GET", "HEAD", "DELETE", "OPTIONS"].includes(d.method))
    headers["content-length"] = String(d.body?.length ?? 0);
  return {
    ...d,
    client: "raw",
    steps: [{ write: requestBytes(d.method, d.path, headers, d.body), method: d.method, awaitResponse: true }],
    finish: "close",
  };
}

function needsRaw(d) {
  if ((d.method === "GET" || d.method === "HEAD") && d.body?.length) return true;
  return Object.entries(d.headers ?? {}).some(([k, v]) => FORBIDDEN_FETCH.test(k) || /[^\t\x20-\x7e\x80-\xff]/.test(String(v)));
}

async function viaFetch(ctx, d, timeoutMs) {
  const t0 = performance.now();
  try {
    const res = await fetch(ctx.origin + d.path, {
      method: d.method,
      headers: d.headers,
      body: (d.method === "GET" || d.method === "HEAD") && !d.body?.length ? undefined : d.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const buf = Buffer.from(await res.arrayBuffer());
    const headers = Object.fromEntries(res.headers);
    return {
      outcome: "response",
      status: res.status,
      headers,
      text: buf.subarray(0, 64 * 1024).toString("utf8"),
      ms: performance.now() - t0,
    };
  } catch (e) {
    const ms = performance.now() - t0;
    if (e?.name === "TimeoutError" || e?.name === "AbortError") return { outcome: "timeout", ms };
    if (e instanceof TypeError && e.message !== "fetch failed") return { outcome: "client", ms, error: e.message };
    return { outcome: "neterr", ms, error: String(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? e) };
  }
}

async function viaRaw(ctx, d, timeoutMs) {
  const t0 = performance.now();
  const r = await rawExchange({ port: ctx.port, steps: d.steps, finish: d.finish, timeoutMs });
  const last = r.responses.at(-1);
  return {
    outcome: r.outcome,
    statuses: r.responses.map((x) => x.status),
    status: last?.status,
    headers: last?.headers,
    text: last?.body?.subarray(0, 4096).toString("utf8"),
    ms: performance.now() - t0,
    ...(r.error ? { error: r.error } : {}),
  };
}

/** The follow-up of a raw attack: a new connection's /healthz and a signed S3 GET. */
async function followUp(ctx, timeoutMs) {
  const out = [];
  const health = await viaRaw(ctx, asRaw(ctx, { method: "GET", path: "/healthz", headers: {} }), timeoutMs);
  out.push({ what: "GET /healthz (new connection)", ...health });
  const p = encodePath([ctx.buckets[0], "follow-up-probe"]);
  const signed = signHeaders({ method: "GET", path: p, headers: { host: ctx.host }, payloadHash: EMPTY_SHA256, keys: ctx.keys });
  const get = await viaRaw(ctx, asRaw(ctx, { method: "GET", path: p, headers: signed.headers }), timeoutMs);
  out.push({ what: `signed GET ${p} (new connection)`, ...get });
  return out;
}

const isBad5xx = (s) => s >= 500 && s !== 501;

/** Why a result fails, or null. */
function judge(d, r, strictFraming) {
  if (r.outcome === "timeout" && !d.mayStall) return `no answer within the timeout (${Math.round(r.ms)} ms)`;
  if (r.outcome === "neterr" && d.client === "fetch") return `connection lost: ${r.error}`;
  if (d.framing && !strictFraming) return null; // invalid HTTP: the runtime's parser answers (counted as 5xx-framing)
  for (const s of r.statuses ?? (r.status ? [r.status] : [])) if (isBad5xx(s)) return `answered ${s}: ${(r.text ?? "").slice(0, 300)}`;
  return null;
}

/** The status class a result is counted under. */
function classOf(r) {
  if (r.outcome === "response" || ((r.outcome === "ok" || r.outcome === "closed") && r.status)) {
    if (r.status === 501) return "501";
    return `${String(r.status)[0]}xx`;
  }
  return r.outcome; // ok (nothing awaited), closed, timeout, neterr, client
}

export class Stats {
  constructor() {
    this.classes = {};
    this.families = {};
    this.names = {};
    this.latencies = [];
    this.requests = 0;
    this.failures = [];
    /** The last requests finished, for context: a failure may be caused by what came before it. */
    this.recent = [];
  }
  add(d, r, subResults, index) {
    const last = (subResults ?? [r]).at(-1);
    this.recent.push(`#${index ?? "?"} ${d.family} / ${d.name}: ${last?.statuses?.join(",") || last?.status || last?.outcome}`);
    if (this.recent.length > 12) this.recent.shift();
    for (const x of subResults ?? [r]) {
      this.requests++;
      let c = classOf(x);
      if (d.framing && c === "5xx" && x === (subResults ?? [r])[0]) c = "5xx-framing";
      this.classes[c] = (this.classes[c] ?? 0) + 1;
      this.families[d.family] ??= {};
      this.families[d.family][c] = (this.families[d.family][c] ?? 0) + 1;
      const n = `${d.family} / ${d.name}`;
      this.names[n] ??= {};
      this.names[n][c] = (this.names[n][c] ?? 0) + 1;
      if (typeof x.ms === "number") this.latencies.push(x.ms);
    }
  }
  percentiles() {
    const a = [...this.latencies].sort((x, y) => x - y);
    const q = (p) => (a.length ? Math.round(a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))]) : 0);
    return { p50: q(50), p90: q(90), p99: q(99), max: Math.round(a.at(-1) ?? 0) };
  }
  /** One line per request family (or per request name): its counts by class. */
  byFamily(which = "families") {
    return Object.entries(this[which])
      .sort()
      .map(
        ([f, cs]) =>
          `  ${f.padEnd(11)} ${Object.entries(cs)
            .sort()
            .map(([k, v]) => `${k}=${v}`)
            .join(" ")}`,
      )
      .join("\n");
  }
  summary() {
    const classes = Object.entries(this.classes)
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    const p = this.percentiles();
    return `requests=${this.requests} ${classes} | latency ms p50=${p.p50} p90=${p.p90} p99=${p.p99} max=${p.max} | failures=${this.failures.length}`;
  }
}

/** Describes a request for a failure report: enough to see and resend it. */
export function describe(d) {
  const body = (b) =>
    b === undefined ? "(none)" : `${b.length} bytes: ${JSON.stringify(b.subarray(0, 300).toString("latin1"))}${b.length > 300 ? "…" : ""}`;
  if (d.client === "raw")
    return [
      `${d.family} / ${d.name} (raw socket, finish=${d.finish})`,
      ...d.steps.map(
        (s, i) =>
          `  step ${i + 1}${s.awaitResponse ? " (awaits an answer)" : ""}${s.pauseMs ? ` pause ${s.pauseMs} ms` : ""}: ${body(s.write)}`,
      ),
    ].join("\n");
  return [
    `${d.family} / ${d.name}`,
    `  ${d.method} ${d.path}`,
    ...Object.entries(d.headers ?? {}).map(([k, v]) => `  ${k}: ${String(v).length > 200 ? String(v).slice(0, 200) + "…" : v}`),
    `  body: ${body(d.body)}`,
  ].join("\n");
}

/** Sends one descriptor (a flow: each of its requests); answers { failure, results }. */
export async function execute(ctx, d, { timeoutMs, rawShare = 0, rng, strictFraming = false } = {}) {
  const results = [];
  let failure = null;
  const one = async (x) => {
    const sendRaw = x.client === "raw" || needsRaw(x) || (rawShare > 0 && rng?.chance(rawShare));
    const req = sendRaw && x.client !== "raw" ? asRaw(ctx, x) : x;
    const r = req.client === "raw" ? await viaRaw(ctx, req, timeoutMs) : await viaFetch(ctx, req, timeoutMs);
    results.push(r);
    const why = judge(req, r, strictFraming);
    if (why && !failure) failure = { request: describe(req), why };
    return r;
  };
  if (d.client === "flow") {
    await d.run(async (sub) => {
      if (failure) return { status: 0 };
      return one(sub);
    });
  } else await one(d);
  if (!failure && d.followUp) {
    for (const f of await followUp(ctx, timeoutMs)) {
      results.push(f);
      const bad =
        f.outcome === "timeout" ? "no answer" : !f.status ? `no answer (${f.outcome})` : f.status >= 500 ? `answered ${f.status}` : null;
      if (bad && !failure) failure = { request: describe(d), why: `after this request, ${f.what}: ${bad} (${Math.round(f.ms)} ms)` };
    }
  }
  return { failure, results };
}

/** Polls /healthz on a new connection; calls onDead after two failures in a row. */
export function watchHealth(ctx, { intervalMs = 2000, timeoutMs = 10_000, onDead, alive }) {
  let stopped = false;
  let misses = 0;
  const loop = async () => {
    while (!stopped) {
      const r = await viaRaw(ctx, asRaw(ctx, { method: "GET", path: "/healthz", headers: {} }), timeoutMs);
      const ok = r.status === 200 && (!alive || alive());
      misses = ok ? 0 : misses + 1;
      if (misses >= 2 && !stopped) {
        onDead(
          `/healthz on a new connection: ${r.status ? `answered ${r.status}` : r.outcome}${alive && !alive() ? " (server process gone)" : ""}`,
        );
        return;
      }
      await new Promise((res) => setTimeout(res, intervalMs));
    }
  };
  const done = loop();
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/**
 * Runs `make(i, rng)` for i = 0, 1, … on `concurrency` workers until `until(i)` is false, a
 * failure happens (unless keepGoing) or `control.stopped` is set. Fills `stats`; failures carry
 * the index i of their request.
 */
export async function runLoad({
  ctx,
  make,
  concurrency,
  timeoutMs,
  until,
  keepGoing = false,
  rawShare = 0,
  strictFraming = false,
  rngFor,
  onResult,
  stats,
  control,
}) {
  let next = 0;
  const worker = async () => {
    while (!control.stopped) {
      const i = next++;
      if (!until(i)) return;
      const rng = rngFor(i);
      let d;
      try {
        d = make(i, rng);
      } catch (e) {
        stats.failures.push({ index: i, why: `generator error: ${e?.stack ?? e}`, request: "(none)" });
        control.stopped = true;
        return;
      }
      const { failure, results } = await execute(ctx, d, { timeoutMs, rawShare, rng, strictFraming });
      stats.add(d, results[0], results, i);
      onResult?.(i, d, results, failure);
      if (failure) {
        stats.failures.push({ index: i, ...failure, before: stats.recent.slice(0, -1) });
        if (!keepGoing) control.stopped = true;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
