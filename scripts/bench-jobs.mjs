#!/usr/bin/env node
// `npm run bench:jobs`: migration job vs `rclone copy` on the same dataset, against a running
// `npm run dev` (PORT, default 8787). Seeds 2,000 × 4 KiB objects into bucket `small` and 4 × 64 MiB
// into bucket `large` of a source service, then, phase by phase, times
//   1. a job (POST /1.3/object-storage-2/jobs), from its created_at to its completion (updated_at of
//      the completed job, the server's clock), and
//   2. `rclone copy` between the same two services (wall clock of the rclone process; rclone talks
//      path-style to the shared host, where S3 requests find their service from the access key:
//      *.localhost does not resolve for Go programs on every system).
// Phases: `small` (bucket job small → small), `large` (large → large), `all` (a whole-storage job
// and `rclone copy SRC: DST:`, both buckets at once, into fresh target services). Every copy is
// checked (object count and bytes); objects/s, MB/s (10^6 bytes) and job/rclone ratios are printed
// as JSON, with the machine's load average before and after.
// rclone comes from the Debian package `rclone`; when it is missing and cannot be installed (or with
// BENCH_RCLONE=0), its half is skipped with a message. BENCH_PHASES=small,large,all picks phases.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AwsClient } from "aws4fetch";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const PORT = Number(process.env.PORT ?? 8787);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const BASE = "/1.3/object-storage-2";
const SMALL = { count: Number(process.env.BENCH_SMALL ?? 2000), size: 4 * 1024 };
const LARGE = { count: Number(process.env.BENCH_LARGE ?? 4), size: 64 * 1024 * 1024 };
/** Seconds without any visible progress after which the job counts as stalled. */
const STALL_S = Number(process.env.BENCH_STALL_S ?? 120);
const log = (...a) => console.error("[bench-jobs]", ...a);

function adminToken() {
  const file = path.join(root, ".dev.vars");
  if (!existsSync(file)) throw new Error("no .dev.vars: start `npm run dev` first");
  const m = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(file, "utf8"));
  if (!m) throw new Error("ADMIN_TOKEN missing from .dev.vars");
  return m[1].trim();
}

async function api(method, url, token, body) {
  const init = {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  };
  let res;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await fetch(`${ORIGIN}${url}`, init);
      break;
    } catch (e) {
      // A busy local server can drop a connection; reads are safe to repeat.
      if (method !== "GET" || attempt === 5) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return json;
}

/** A service with an ECSS3FullAccess user and key, made as a customer would. */
async function service(token, name) {
  const svc = await api("POST", BASE, token, {
    name,
    region: "europe-1",
    configured_status: "started",
    networks: [{ name: "public", type: "public", family: "IPv4" }],
  });
  const host = svc.endpoints.find((e) => e.type === "public" && e.mode === "api").domain_name;
  await api("POST", `${BASE}/${svc.uuid}/users`, token, { username: "bench" });
  await api("POST", `${BASE}/${svc.uuid}/users/bench/policies`, token, { name: "ECSS3FullAccess" });
  const key = await api("POST", `${BASE}/${svc.uuid}/users/bench/access-keys`, token);
  const s3 = new AwsClient({
    accessKeyId: key.access_key_id,
    secretAccessKey: key.secret_access_key,
    service: "s3",
    region: "us-east-1",
    retries: 0,
  });
  return {
    uuid: svc.uuid,
    host,
    endpoint: `http://${host}:${PORT}`,
    accessKeyId: key.access_key_id,
    secretAccessKey: key.secret_access_key,
    s3,
  };
}

/** S3 through the shared host, path-style (the service is found from the key); 5xx retried a few times. */
async function s3(st, method, p, body) {
  for (let attempt = 1; ; attempt++) {
    const res = await st.s3.fetch(`${ORIGIN}${p}`, { method, body });
    if (res.ok) return res;
    const text = await res.text();
    if (res.status < 500 || attempt === 5) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
}

async function pool(n, items, fn) {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

async function seed(src) {
  await s3(src, "PUT", "/small");
  await s3(src, "PUT", "/large");
  const small = Array.from({ length: SMALL.count }, (_, i) => `${String(i).padStart(5, "0")}.bin`);
  await pool(16, small, async (key) => void (await s3(src, "PUT", `/small/${key}`, randomBytes(SMALL.size))).arrayBuffer());
  for (let i = 0; i < LARGE.count; i++) await (await s3(src, "PUT", `/large/${i}.bin`, randomBytes(LARGE.size))).arrayBuffer();
}

/** Object count and bytes of a bucket (ListObjectsV2, every page). */
async function tally(st, bucket) {
  let objects = 0;
  let bytes = 0;
  let token = null;
  do {
    const q = new URLSearchParams({ "list-type": "2", ...(token ? { "continuation-token": token } : {}) });
    const xml = await (await s3(st, "GET", `/${bucket}?${q}`)).text();
    for (const m of xml.matchAll(/<Size>(\d+)<\/Size>/g)) {
      objects++;
      bytes += Number(m[1]);
    }
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? /<NextContinuationToken>([^<]+)</.exec(xml)[1] : null;
  } while (token);
  return { objects, bytes };
}

const rate = (objects, bytes, seconds) => ({
  seconds: Number(seconds.toFixed(3)),
  objects_per_s: Number((objects / seconds).toFixed(1)),
  mb_per_s: Number((bytes / 1e6 / seconds).toFixed(2)),
});

/** A job copying `bucket` into the same name at dst, or the whole storage when bucket is null. */
async function runJob(token, src, dst, bucket) {
  const started = performance.now();
  const job = await api("POST", `${BASE}/jobs`, token, {
    type: "copy",
    source: {
      access_key_id: src.accessKeyId,
      secret_access_key: src.secretAccessKey,
      endpoint_url: src.endpoint,
      ...(bucket ? { bucket } : {}),
    },
    target: { access_key_id: dst.accessKeyId, secret_access_key: dst.secretAccessKey, endpoint_url: dst.endpoint },
  });
  let last = "";
  let moved = performance.now();
  for (;;) {
    const j = await api("GET", `${BASE}/jobs/${job.uuid}`, token);
    const line = `${j.operational_state} ${j.output.bytes}/${j.output.total_bytes}`;
    if (line !== last) {
      log("job", line);
      moved = performance.now();
    }
    last = line;
    // A job that makes no progress for this long is reported as stalled instead of waited on forever.
    if (performance.now() - moved > STALL_S * 1000) throw new Error(`job ${job.uuid} stalled for ${STALL_S} s at ${line}`);
    if (["completed", "failed", "canceled"].includes(j.operational_state)) {
      if (j.operational_state !== "completed" || j.output.error) throw new Error(`job ended ${j.operational_state}: ${j.output.error}`);
      // The server's own clock, creation to completion (queueing and configuration included): the
      // poller's view can lag while the one local isolate is busy copying.
      const server = (Date.parse(j.updated_at) - Date.parse(j.created_at)) / 1000;
      return { seconds: server, observed: (performance.now() - started) / 1000, transferTime: Number(j.output.transfer_time) };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function haveRclone() {
  if (spawnSync("rclone", ["version"], { stdio: "ignore" }).status === 0) return true;
  log("rclone not found; trying apt-get install rclone");
  const cmd = [...(process.getuid?.() === 0 ? [] : ["sudo", "-n"]), "apt-get", "install", "-y", "rclone"];
  spawnSync(cmd[0], cmd.slice(1), { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return spawnSync("rclone", ["version"], { stdio: "ignore" }).status === 0;
}

/** `rclone copy SRC:<bucket> DST:<bucket>`, or `SRC: DST:` (every bucket) when bucket is null. */
function runRclone(src, dst, bucket) {
  const remote = (name, st) => ({
    [`RCLONE_CONFIG_${name}_TYPE`]: "s3",
    [`RCLONE_CONFIG_${name}_PROVIDER`]: "Other",
    [`RCLONE_CONFIG_${name}_ENDPOINT`]: ORIGIN,
    [`RCLONE_CONFIG_${name}_ACCESS_KEY_ID`]: st.accessKeyId,
    [`RCLONE_CONFIG_${name}_SECRET_ACCESS_KEY`]: st.secretAccessKey,
    [`RCLONE_CONFIG_${name}_REGION`]: "us-east-1",
    [`RCLONE_CONFIG_${name}_FORCE_PATH_STYLE`]: "true",
  });
  // The AWS SDK inside rclone reads AWS_* from the environment (AWS_CA_BUNDLE breaks its http transport).
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_") && !k.startsWith("RCLONE_")));
  const started = performance.now();
  const r = spawnSync("rclone", ["copy", `SRC:${bucket ?? ""}`, `DST:${bucket ?? ""}`], {
    env: { ...base, ...remote("SRC", src), ...remote("DST", dst) },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) throw new Error(`rclone copy exited ${r.status}`);
  return { seconds: (performance.now() - started) / 1000 };
}

const ratio = (job, rc) => ({
  objects_per_s: Number((job.objects_per_s / rc.objects_per_s).toFixed(2)),
  mb_per_s: Number((job.mb_per_s / rc.mb_per_s).toFixed(2)),
});
const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));

async function main() {
  const admin = adminToken();
  const name = `bench-${Date.now().toString(36)}`;
  const account = await api("POST", "/admin/v1/accounts", admin, { name, password: randomBytes(12).toString("hex") });
  const { token } = await api("POST", `/admin/v1/accounts/${account.id}/tokens`, admin, { name: "bench" });
  const src = await service(token, `${name}-src`);
  log(`seeding ${SMALL.count} × 4 KiB (bucket small) and ${LARGE.count} × 64 MiB (bucket large) into ${src.host}`);
  const s0 = performance.now();
  await seed(src);
  log(`seeded in ${((performance.now() - s0) / 1000).toFixed(1)} s`);

  const sets = {
    small: { bucket: "small", objects: SMALL.count, bytes: SMALL.count * SMALL.size },
    large: { bucket: "large", objects: LARGE.count, bytes: LARGE.count * LARGE.size },
  };
  sets.all = { bucket: null, objects: sets.small.objects + sets.large.objects, bytes: sets.small.bytes + sets.large.bytes };
  const wanted = (process.env.BENCH_PHASES ?? "small,large,all").split(",");
  const rclone = process.env.BENCH_RCLONE !== "0" && haveRclone();
  if (!rclone)
    log("skipping the rclone half (BENCH_RCLONE=0, or rclone is not installed and could not be installed: apt-get install rclone)");
  const version = rclone ? spawnSync("rclone", ["version"], { encoding: "utf8" }).stdout.split("\n")[0] : null;
  // Targets: one service for the job's bucket phases, one for rclone's; fresh ones for the whole-storage phase.
  const dstJob = await service(token, `${name}-job`);
  const dstRc = await service(token, `${name}-rc`);
  const result = {
    dataset: { small: SMALL, large: LARGE },
    endpoint: ORIGIN,
    machine: { cpus: os.cpus().length, node: process.version, load_avg_before: load() },
    rclone: version ? { version, flags: "defaults (--transfers 4 --checkers 8)" } : null,
    phases: {},
  };
  for (const phase of wanted) {
    const set = sets[phase];
    if (!set) throw new Error(`unknown phase ${phase}`);
    const [jd, rd] =
      phase === "all" ? [await service(token, `${name}-job-all`), rclone ? await service(token, `${name}-rc-all`) : null] : [dstJob, dstRc];
    const buckets = set.bucket ? [set.bucket] : ["small", "large"];
    const check = async (who, st) => {
      let objects = 0;
      let bytes = 0;
      for (const b of buckets) {
        const t = await tally(st, b);
        objects += t.objects;
        bytes += t.bytes;
      }
      if (objects !== set.objects || bytes !== set.bytes)
        throw new Error(`${who} copy of ${phase} incomplete: ${objects} objects, ${bytes} bytes`);
    };
    log(`phase ${phase}: job`);
    const l0 = load()[0];
    const job = await runJob(token, src, jd, set.bucket);
    await check("job", jd);
    const out = {
      objects: set.objects,
      bytes: set.bytes,
      load_avg_1m: l0,
      job: {
        ...rate(set.objects, set.bytes, job.seconds),
        transfer_time: job.transferTime,
        observed_seconds: Number(job.observed.toFixed(3)),
      },
    };
    if (rclone) {
      log(`phase ${phase}: rclone`);
      const rc = runRclone(src, rd, set.bucket);
      await check("rclone", rd);
      out.rclone = rate(set.objects, set.bytes, rc.seconds);
      out.ratio = ratio(out.job, out.rclone);
    }
    result.phases[phase] = out;
    log(`phase ${phase}: ${JSON.stringify(out)}`);
  }
  result.machine.load_avg_after = load();
  console.log(JSON.stringify(result, null, 2));
}

main().catch((e) => {
  console.error("[bench-jobs] failed:", e.message);
  process.exit(1);
});
