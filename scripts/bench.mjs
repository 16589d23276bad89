#!/usr/bin/env node
// `npm run bench`: the S3 gateway against a floor Worker, in one run, on this machine.
//
//   gateway  `node scripts/dev.mjs` (the production Worker under `wrangler dev`, D1 migrations and the
//            demo S3 key as `npm run dev` makes them) on a free port, state in .bench/gateway;
//            requests are SigV4-signed with the demo key, path-style on the shared host, so each one
//            pays authentication, the key and policy lookups, policy evaluation and metering.
//   floor    bench/floor (a Worker that puts and gets R2 objects with no auth) under `wrangler dev`,
//            state in .bench/floor.
//
// For each workload (PUT and GET of 1 KiB objects, PUT and GET of 64 MiB objects, each 64 MiB
// object read twice) both targets get a warm-up, then the same number of requests at the same
// concurrency, in rounds that alternate the targets (G F F G G F …) so drift on a shared machine
// falls on both alike. Prints the result
// as JSON and as a markdown table (also written to .bench/result.json) and stops both servers.
// Requests go to 127.0.0.1 only. Knobs: BENCH_SMALL (2000), BENCH_LARGE (12), BENCH_TIMEOUT_S (900),
// BENCH_ONLY=small (1 KiB workloads only) or large (64 MiB PUT and GET only).
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { AwsClient } from "aws4fetch";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const benchDir = path.join(root, ".bench");
const wrangler = path.join(root, "node_modules/.bin/wrangler");
const demoFiles = [path.join(root, ".wrangler/stowage-demo.json"), path.join(root, ".wrangler/demo.env")];
const log = (...a) => console.error("[bench]", ...a);

const KIB = 1024;
const MIB = 1024 * KIB;
const SMALL = { label: "1 KiB", size: KIB, count: Number(process.env.BENCH_SMALL ?? 2000), concurrency: 16, rounds: 8, warmup: 200 };
const LARGE = { label: "64 MiB", size: 64 * MIB, count: Number(process.env.BENCH_LARGE ?? 12), concurrency: 2, rounds: 6, warmup: 2 };
const LARGE_READS = 4; // reads of each 64 MiB object
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000;
const BUCKET = "bench";
const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");

// ------------------------------------------------------------------ servers

/** Every process group this run started, so each one is stopped whatever happens. */
const groups = [];
const restores = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a command in its own process group, logging to .bench/<name>.log. */
function start(name, cmd, args, env = {}) {
  const out = createWriteStream(path.join(benchDir, `${name}.log`));
  const child = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const g = { name, child, exited: new Promise((r) => child.once("exit", r)) };
  groups.push(g);
  return g;
}

async function stop(g) {
  if (g.child.exitCode !== null || g.child.signalCode !== null) return;
  const signal = (s) => {
    try {
      process.kill(-g.child.pid, s);
    } catch {
      /* already gone */
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5000);
  await Promise.race([g.exited, new Promise((r) => setTimeout(r, 8000))]);
  clearTimeout(timer);
  signal("SIGKILL"); // stragglers of the group (workerd) once the leader has gone
}

async function cleanup() {
  for (const r of restores.splice(0)) r();
  await Promise.all(groups.splice(0).map(stop));
}

async function waitFor(what, g, probe, ms = 180_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (g.child.exitCode !== null) throw new Error(`${what} exited (${g.child.exitCode}); see .bench/${g.name}.log`);
    try {
      if (await probe()) return;
    } catch (e) {
      if (e?.fatal) throw e; // otherwise: not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not come up within ${ms / 1000} s; see .bench/${g.name}.log`);
}

/**
 * The gateway through dev.mjs, persisting to .bench/gateway. dev.mjs seeds the demo account and
 * writes its credentials to .wrangler/stowage-demo.json (and demo.env); those files belong to the
 * developer's own `npm run dev`, so they are read and then put back as they were.
 */
async function startGateway(port) {
  const persist = path.join(benchDir, "gateway");
  // dev.mjs applies the migrations to the default state; this state dir needs them too.
  const r = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
    cwd: root,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
    stdio: "ignore",
  });
  if (r.status !== 0) throw new Error("applying the D1 migrations to .bench/gateway failed");
  const saved = demoFiles.map((f) => (existsSync(f) ? readFileSync(f) : null));
  const restore = () =>
    demoFiles.forEach((f, i) => (saved[i] ? writeFileSync(f, saved[i], { mode: 0o600 }) : existsSync(f) && unlinkSync(f)));
  restores.push(restore);
  const g = start("gateway", process.execPath, [path.join(root, "scripts/dev.mjs"), "--persist-to", persist], { PORT: String(port) });
  // dev.mjs prints its banner once the demo account is seeded, or says that seeding failed.
  const watch = (stream, text) => {
    const seen = { now: false };
    let tail = "";
    stream.on("data", (d) => {
      tail = (tail + d).slice(-(text.length + 4096));
      seen.now ||= tail.includes(text);
    });
    return seen;
  };
  const ready = watch(g.child.stdout, "Stowage is running on");
  const failed = watch(g.child.stderr, "Seeding the demo account failed");
  await waitFor("the gateway (scripts/dev.mjs)", g, async () => {
    if (failed.now) throw Object.assign(new Error("dev.mjs could not seed the demo account; see .bench/gateway.log"), { fatal: true });
    return ready.now;
  });
  const demo = JSON.parse(readFileSync(demoFiles[0], "utf8"));
  restores.splice(restores.indexOf(restore), 1);
  restore();
  if (!demo.accessKeyId) throw new Error("dev.mjs seeded no S3 key");
  return { g, origin: `http://127.0.0.1:${port}`, demo };
}

/** The floor under wrangler dev behind the same front proxy as the gateway (dev.mjs runs it in-process). */
async function startFloor(port) {
  const workerPort = await freePort();
  start("floor-front", process.execPath, [path.join(root, "scripts/lib/front-proxy.mjs"), String(port), String(workerPort)]);
  const g = start("floor", wrangler, [
    "dev",
    "-c",
    "bench/floor/wrangler.toml",
    "--port",
    String(workerPort),
    "--ip",
    "127.0.0.1",
    "--persist-to",
    path.join(benchDir, "floor"),
  ]);
  const origin = `http://127.0.0.1:${port}`;
  await waitFor("the floor worker", g, async () => (await fetch(`${origin}/ping`)).status === 404);
  return { g, origin };
}

// ------------------------------------------------------------------ requests

/**
 * Requests are prepared before the timed loop: gateway requests are SigV4-signed here (header
 * auth, service s3, region europe-1), so signing costs the client nothing while it is timed.
 * Floor requests carry the same headers (it ignores them), so both parse the same bytes.
 */
async function prepare(target, method, keys, payloadHash) {
  return Promise.all(
    keys.map(async (key) => {
      const url = `${target.origin}${target.prefix}${key}`;
      const signed = await target.signer.sign(url, { method, headers: { "X-Amz-Content-Sha256": payloadHash } });
      return { url, method, headers: Object.fromEntries(signed.headers) };
    }),
  );
}

/**
 * wrangler dev's proxy sometimes loses a large upload on its way to the Worker (workerd logs
 * "splice(...): Broken pipe") and answers 503 "Your worker restarted mid-request" without the
 * Worker having answered. Such a request is sent again, its time counted from the first attempt.
 */
const DEV_PROXY_RETRY = /restarted mid-request/;

async function send(req, body) {
  const t0 = performance.now();
  let retries = 0;
  for (;;) {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body, duplex: "half" });
    if (res.status === 503 && retries < 3) {
      const text = await res.text();
      if (DEV_PROXY_RETRY.test(text)) {
        retries++;
        continue;
      }
      throw new Error(`${req.method} ${req.url}: 503 ${text.slice(0, 200)}`);
    }
    let bytes = 0;
    const chunks = [];
    for await (const chunk of res.body ?? []) {
      bytes += chunk.length;
      if (res.status !== 200 && bytes < 4096) chunks.push(Buffer.from(chunk));
    }
    if (res.status !== 200) throw new Error(`${req.method} ${req.url}: ${res.status} ${Buffer.concat(chunks).toString().slice(0, 300)}`);
    return { ms: performance.now() - t0, bytes, retries };
  }
}

/** Runs `reqs` at `concurrency`; returns per-request latencies and the wall time. */
async function pool(reqs, concurrency, body) {
  const latencies = [];
  let bytes = 0;
  let retries = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < reqs.length) {
        const r = await send(reqs[next++], body);
        latencies.push(r.ms);
        bytes += r.bytes;
        retries += r.retries;
      }
    }),
  );
  return { latencies, seconds: (performance.now() - t0) / 1000, bytes, retries };
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (x, d = 2) => Number(x.toFixed(d));

/**
 * One workload on both targets: a warm-up each, then `count` requests each in `rounds` rounds
 * alternating which target goes first. Signing happens per round, just before it (fresh dates).
 */
async function workload(name, targets, spec, method, keysOf, payloadHash, body) {
  const warm = (t) => keysOf(t, "warm").slice(0, spec.warmup);
  for (const t of targets) await pool(await prepare(t, method, warm(t), payloadHash), spec.concurrency, body);
  const perRound = Math.ceil(spec.count / spec.rounds);
  const acc = new Map(targets.map((t) => [t.name, { latencies: [], seconds: 0, bytes: 0, requests: 0, retries: 0 }]));
  for (let r = 0; r < spec.rounds; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      const keys = keysOf(t, "timed").slice(r * perRound, Math.min(spec.count, (r + 1) * perRound));
      const reqs = await prepare(t, method, keys, payloadHash);
      const res = await pool(reqs, spec.concurrency, body);
      const a = acc.get(t.name);
      a.latencies.push(...res.latencies);
      a.seconds += res.seconds;
      a.bytes += method === "PUT" ? reqs.length * spec.size : res.bytes;
      a.requests += reqs.length;
      a.retries += res.retries;
    }
  }
  const out = {};
  for (const [target, a] of acc) {
    const sorted = a.latencies.sort((x, y) => x - y);
    out[target] = {
      requests: a.requests,
      concurrency: spec.concurrency,
      seconds: round(a.seconds, 3),
      ops_per_s: round(a.requests / a.seconds, 1),
      mb_per_s: round(a.bytes / 1e6 / a.seconds, 1),
      p50_ms: round(percentile(sorted, 50)),
      p99_ms: round(percentile(sorted, 99)),
      dev_proxy_retries: a.retries,
    };
  }
  log(name, JSON.stringify(out));
  return out;
}

// ------------------------------------------------------------------ report

function table(result) {
  const rows = ["| workload | metric | floor | gateway | gateway / floor | target |", "|---|---|---:|---:|---:|---|"];
  for (const w of result.workloads) {
    const { floor, gateway } = w;
    const unit = w.metric === "ops_per_s" ? "ops/s" : "MB/s";
    const target = w.target === null ? "—" : `≥ ${w.target} (${w.ratio >= w.target ? "met" : "missed"})`;
    rows.push(`| ${w.name} | ${unit} | ${floor[w.metric]} | ${gateway[w.metric]} | ${w.ratio.toFixed(2)} | ${target} |`);
    rows.push(`| ${w.name} | p50 / p99 ms | ${floor.p50_ms} / ${floor.p99_ms} | ${gateway.p50_ms} / ${gateway.p99_ms} | | |`);
  }
  return rows.join("\n");
}

// ------------------------------------------------------------------ main

async function main() {
  const started = Date.now();
  mkdirSync(benchDir, { recursive: true });
  for (const d of ["gateway", "floor"]) rmSync(path.join(benchDir, d), { recursive: true, force: true });
  const [gp, fp] = [await freePort(), await freePort()];
  log(`starting the gateway on ${gp} and the floor on ${fp} (logs in .bench/)`);
  const [gw, fl] = await Promise.all([startGateway(gp), startFloor(fp)]);
  log(`both up after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const signer = new AwsClient({
    accessKeyId: gw.demo.accessKeyId,
    secretAccessKey: gw.demo.secretAccessKey,
    service: "s3",
    region: "europe-1",
    retries: 0,
  });
  const mb = await signer.fetch(`${gw.origin}/${BUCKET}`, { method: "PUT" });
  if (mb.status !== 200) throw new Error(`CreateBucket: ${mb.status} ${await mb.text()}`);
  // The floor ignores the signature; its requests are signed the same way so they carry the same headers.
  const targets = [
    { name: "gateway", origin: gw.origin, prefix: `/${BUCKET}/`, signer },
    { name: "floor", origin: fl.origin, prefix: "/", signer },
  ];

  const small = randomBytes(SMALL.size);
  const smallHash = createHash("sha256").update(small).digest("hex");
  const large = randomBytes(LARGE.size);
  const keys = (prefix, n) => Array.from({ length: n }, (_, i) => `${prefix}/${String(i).padStart(5, "0")}`);
  const smallKeys = { warm: keys("small-warm", SMALL.warmup), timed: keys("small", SMALL.count) };
  const largeKeys = { warm: keys("large-warm", LARGE.warmup), timed: keys("large", LARGE.count) };
  const sk = (_t, k) => smallKeys[k];
  const lk = (_t, k) => largeKeys[k];
  const signedKeys = { warm: [], timed: keys("large-signed", 6) };
  const lks = (_t, k) => signedKeys[k];
  const largeHash = createHash("sha256").update(large).digest("hex");

  // Small objects: payload signed (hex SHA-256, as the aws CLI and boto3 send on http). Large ones:
  // UNSIGNED-PAYLOAD with a Content-Length and no checksum (presigned PUT URLs; the CLI v2 and
  // boto3 on https send the same plus a Content-MD5, which takes the checking path measured last).
  // BENCH_ONLY=small or =large runs one half (for quick iterations; a full run measures all).
  const only = process.env.BENCH_ONLY ?? "";
  const onlySmall = only === "small";
  const skipped = { floor: {}, gateway: {} };
  const putSmall = only === "large" ? skipped : await workload(`PUT ${SMALL.label}`, targets, SMALL, "PUT", sk, smallHash, small);
  const getSmall = only === "large" ? skipped : await workload(`GET ${SMALL.label}`, targets, SMALL, "GET", sk, EMPTY_SHA256);
  const putLarge = onlySmall ? skipped : await workload(`PUT ${LARGE.label}`, targets, LARGE, "PUT", lk, "UNSIGNED-PAYLOAD", large);
  // A local 64 MiB read takes only 0.1–0.3 s, so each object is read four times: with 6 reads the
  // ratio swung by ±0.2 between runs on a shared machine, with 24 still by ±0.07.
  const largeReads = { warm: largeKeys.warm, timed: Array.from({ length: LARGE_READS }, () => largeKeys.timed).flat() };
  const getLarge = onlySmall
    ? skipped
    : await workload(
        `GET ${LARGE.label}`,
        targets,
        { ...LARGE, count: largeReads.timed.length, rounds: 8 },
        "GET",
        (_t, k) => largeReads[k],
        EMPTY_SHA256,
      );
  // Not a target: what checking a signed payload on the way (SHA-256 in a JavaScript stream) costs.
  const putLargeSigned =
    onlySmall || only === "large"
      ? skipped
      : await workload(
          `PUT ${LARGE.label}, signed payload`,
          targets,
          { ...LARGE, count: 6, rounds: 3, warmup: 0 },
          "PUT",
          lks,
          largeHash,
          large,
        );

  const w = (name, r, metric, target) => ({
    name,
    metric,
    target,
    ratio: round(r.gateway[metric] / r.floor[metric], 3),
    floor: r.floor,
    gateway: r.gateway,
  });
  const result = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      load_avg_1m: round(os.loadavg()[0]),
      node: process.version,
      wrangler: spawnSync(wrangler, ["--version"], { encoding: "utf8" }).stdout.trim(),
    },
    config: {
      small: {
        bytes: SMALL.size,
        requests: SMALL.count,
        concurrency: SMALL.concurrency,
        rounds: SMALL.rounds,
        warmup: SMALL.warmup,
        payload: "signed (hex SHA-256)",
      },
      large: {
        bytes: LARGE.size,
        requests: LARGE.count,
        reads_per_object: LARGE_READS,
        concurrency: LARGE.concurrency,
        rounds: LARGE.rounds,
        warmup: LARGE.warmup,
        payload: "UNSIGNED-PAYLOAD",
      },
      signing: "SigV4 header auth, signed before each round outside the timed window; floor requests carry the same headers",
    },
    workloads: [
      w(`PUT ${SMALL.label}`, putSmall, "ops_per_s", 0.8),
      w(`GET ${SMALL.label}`, getSmall, "ops_per_s", 0.8),
      w(`PUT ${LARGE.label}`, putLarge, "mb_per_s", 0.9),
      w(`GET ${LARGE.label}`, getLarge, "mb_per_s", 0.9),
      w(`PUT ${LARGE.label}, signed payload (informational)`, putLargeSigned, "mb_per_s", null),
    ].filter((x) => x.floor[x.metric] !== undefined),
    seconds: round((Date.now() - started) / 1000, 1),
  };
  writeFileSync(path.join(benchDir, "result.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 2));
  console.log("\n" + table(result));
}

const deadline = setTimeout(() => {
  log(`timed out after ${TIMEOUT_MS / 1000} s`);
  cleanup().finally(() => process.exit(1));
}, TIMEOUT_MS);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => cleanup().finally(() => process.exit(130)));

let code = 0;
try {
  await main();
} catch (e) {
  log(`failed: ${e instanceof Error ? e.message : e}`);
  code = 1;
} finally {
  await cleanup();
  for (const d of ["gateway", "floor"]) rmSync(path.join(benchDir, d), { recursive: true, force: true });
  clearTimeout(deadline);
}
process.exit(code);
