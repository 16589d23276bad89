#!/usr/bin/env node
// `npm run soak`: a bounded soak of the whole pipeline (wrangler dev, workerd, the Worker). See
// RELIABILITY.md. Mixed traffic for --minutes (default 30): well-formed S3 with real signatures
// (PUT/GET/HEAD/LIST/copy/multipart/DELETE, bucket sub-resources), control-plane reads and writes,
// and a share of the fuzzer's malformed requests (scripts/lib/fuzz-cases.mjs). Samples the
// server's resident memory (its workerd processes, from /proc) every --sample-seconds.
//
//   npm run soak                                   30 minutes against a server it starts
//   npm run soak -- --minutes 2
//   npm run soak -- --origin http://127.0.0.1:8787 --token … --access-key-id … --secret-access-key … --service … [--server-pid PID]
//
// Exit 1 if the server dies (its /healthz stops answering, or its process is gone) or its
// resident memory at the end is more than --rss-limit (default 20%) above the post-warm-up
// baseline; with --strict, also on any failing request (5xx other than 501, timeout).
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { malformedRequest } from "./lib/fuzz-cases.mjs";
import { treeRss, treeRssBytes } from "./lib/live-server.mjs";
import { Rng } from "./lib/rng.mjs";
import { Stats, runLoad, watchHealth } from "./lib/runner.mjs";
import { parseCli, prepareTarget } from "./lib/target.mjs";
import { controlTraffic, s3Traffic } from "./lib/traffic.mjs";

const USAGE = `usage: node scripts/soak.mjs [--minutes M] [--warmup-minutes W] [--sample-seconds S] [--concurrency N]
       [--malformed-share F] [--rss-limit F] [--timeout S] [--seed N] [--strict]
       [--origin URL --token T --access-key-id K --secret-access-key S --service UUID [--admin-token A] [--server-pid PID]]`;
const args = parseCli(
  {
    minutes: { type: "string", default: "30" },
    "warmup-minutes": { type: "string" },
    "sample-seconds": { type: "string" },
    concurrency: { type: "string", default: "8" },
    "malformed-share": { type: "string", default: "0.15" },
    "rss-limit": { type: "string", default: "0.2" },
    timeout: { type: "string", default: "10" },
    seed: { type: "string" },
    strict: { type: "boolean", default: false },
    "server-pid": { type: "string" },
  },
  USAGE,
);
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const minutes = Number(args.minutes);
if (!(minutes > 0 && minutes <= 24 * 60)) {
  console.error("--minutes must be in (0, 1440]");
  process.exit(2);
}
const durationMs = minutes * 60_000;
const warmupMs = (args["warmup-minutes"] ? Number(args["warmup-minutes"]) : Math.min(2, minutes / 5)) * 60_000;
const sampleMs = (args["sample-seconds"] ? Number(args["sample-seconds"]) : Math.min(60, (minutes * 60) / 8)) * 1000;
const rssLimit = Number(args["rss-limit"]);
const malformedShare = Number(args["malformed-share"]);
const timeoutMs = Number(args.timeout) * 1000;
const seed = args.seed ?? String(randomInt(1, 2 ** 31));
const log = (...a) => console.error("[soak]", ...a);
const MiB = 1024 * 1024;
const runId = `s${Number(seed).toString(36)}${randomInt(36 ** 3).toString(36)}`.toLowerCase();

log(`seed ${seed}, ${minutes} min, warm-up ${(warmupMs / 60_000).toFixed(1)} min, RSS sampled every ${Math.round(sampleMs / 1000)} s`);
const target = await prepareTarget(args, runId, log).catch((e) => {
  log(`could not prepare the target: ${e.message}`);
  process.exit(2);
});
const { ctx, server } = target;
const rootPid = server ? server.pid : args["server-pid"] ? Number(args["server-pid"]) : null;
const rss = rootPid ? () => treeRssBytes(rootPid) : null;
if (!rss) log("no --server-pid: resident memory is not measured (the RSS criterion is skipped)");

/** wrangler dev runs two workerd: its dev proxy (listening on the port) and the Worker (with an inspector). */
function workerdRole(pid) {
  try {
    return /--inspector-addr/.test(readFileSync(`/proc/${pid}/cmdline`, "latin1")) ? "worker" : "proxy";
  } catch {
    return `workerd ${pid}`;
  }
}

const stats = new Stats();
const control = { stopped: false };
const samples = [];
let dead = null;
let exitCode = 0;
const t0 = Date.now();
const sample = () => {
  const s = {
    atS: Math.round((Date.now() - t0) / 1000),
    rssBytes: rss ? rss() : null,
    requests: stats.requests,
    failures: stats.failures.length,
  };
  samples.push(s);
  const failing = Object.entries(stats.classes).filter(([k]) => !/^[234]xx$|^501$|^ok$|^closed$/.test(k));
  log(
    `t=${s.atS}s rss=${s.rssBytes === null ? "n/a" : (s.rssBytes / MiB).toFixed(1) + " MiB"}` +
      (rootPid
        ? ` (${Object.entries(treeRss(rootPid))
            .map(([p, b]) => `${workerdRole(p)} ${(b / MiB).toFixed(0)}`)
            .join(", ")})`
        : "") +
      ` requests=${s.requests} ` +
      `(${(s.requests / Math.max(1, s.atS)).toFixed(1)}/s) failures=${s.failures}${failing.length ? " " + failing.map(([k, v]) => `${k}=${v}`).join(" ") : ""}`,
  );
  return s;
};

try {
  sample();
  const sampler = setInterval(sample, sampleMs);
  const health = watchHealth(ctx, {
    timeoutMs,
    alive: server ? () => server.alive() : undefined,
    onDead: (why) => {
      dead = why;
      control.stopped = true;
    },
  });
  let baseline = null;
  const warm = setTimeout(() => {
    baseline = sample();
    log(`baseline after warm-up: ${baseline.rssBytes === null ? "n/a" : (baseline.rssBytes / MiB).toFixed(1) + " MiB"}`);
  }, warmupMs);
  await runLoad({
    ctx,
    make: (_i, rng) =>
      rng.chance(malformedShare) ? malformedRequest(ctx, rng) : rng.chance(0.75) ? s3Traffic(ctx, rng) : controlTraffic(ctx, rng),
    concurrency: Number(args.concurrency),
    timeoutMs,
    until: () => Date.now() - t0 < durationMs,
    keepGoing: true,
    rawShare: 0.1,
    rngFor: (i) => new Rng("soak", seed, i),
    stats,
    control,
  });
  clearTimeout(warm);
  clearInterval(sampler);
  await health.stop();
  const end = sample();
  const start = samples[0];
  baseline ??= start;
  const growth = baseline.rssBytes && end.rssBytes !== null ? (end.rssBytes - baseline.rssBytes) / baseline.rssBytes : null;
  const peak = Math.max(...samples.map((s) => s.rssBytes ?? 0));
  const mib = (b) => (b === null || b === undefined ? "n/a" : `${(b / MiB).toFixed(1)} MiB`);

  console.log(
    `soak seed=${seed} minutes=${minutes} concurrency=${args.concurrency} malformed=${malformedShare} ${stats.summary()}` +
      ` | rss start=${mib(start.rssBytes)} baseline=${mib(baseline.rssBytes)} end=${mib(end.rssBytes)} peak=${mib(peak)}` +
      ` growth=${growth === null ? "n/a" : `${(growth * 100).toFixed(1)}%`}${dead ? " | SERVER DEAD" : ""}`,
  );
  console.log(stats.byFamily());
  console.log(
    `rss samples (s: MiB): ${samples.map((s) => `${s.atS}: ${s.rssBytes === null ? "n/a" : (s.rssBytes / MiB).toFixed(0)}`).join(", ")}`,
  );
  for (const f of stats.failures.slice(0, 5)) console.log(`\nfailing request #${f.index}: ${f.why}\n${f.request}`);
  if (stats.failures.length > 5) console.log(`\n… and ${stats.failures.length - 5} more failing requests`);
  if (dead) console.log(`\nFAIL: server dead: ${dead}`);
  if (growth !== null && growth > rssLimit)
    console.log(`\nFAIL: resident memory grew ${(growth * 100).toFixed(1)}% (limit ${rssLimit * 100}%)`);
  const broken = stats.failures.find((f) => f.why.startsWith("generator error"));
  if (broken) console.log(`\nFAIL: the soak itself is broken: ${broken.why}`);
  if (dead || broken || (growth !== null && growth > rssLimit) || (args.strict && stats.failures.length)) {
    exitCode = 1;
    if (server) console.log(`\nlast error lines of the server's log (${server.logFile}):\n${server.logErrors()}`);
  }
} finally {
  // A failed run keeps the server's directory, so the log named above can still be read.
  await target.stop(exitCode !== 0);
}
process.exit(exitCode);
