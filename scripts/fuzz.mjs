#!/usr/bin/env node
// `npm run fuzz`: a seeded, bounded fuzzer of the whole request pipeline (wrangler dev, workerd,
// the Worker) for every dialect's routes. See RELIABILITY.md.
//
//   npm run fuzz -- --seed 1 --requests 2000            starts its own server on a free loopback port
//   npm run fuzz -- --seconds 60 --concurrency 24
//   npm run fuzz -- --seed 1 --replay 1234              resends request #1234 of seed 1 alone
//   npm run fuzz -- --origin http://127.0.0.1:8787 --token … --access-key-id … --secret-access-key … --service …
//
// Exit 1 (printing the seed and the offending request) on any 5xx other than 501, a request with
// no answer within --timeout, a lost connection, a server whose /healthz stops answering; else 0.
import { randomInt } from "node:crypto";
import { fuzzRequest } from "./lib/fuzz-cases.mjs";
import { Rng } from "./lib/rng.mjs";
import { Stats, describe, execute, runLoad, watchHealth } from "./lib/runner.mjs";
import { parseCli, prepareTarget } from "./lib/target.mjs";

const USAGE = `usage: node scripts/fuzz.mjs [--seed N] [--requests N] [--seconds S] [--concurrency N] [--timeout S]
       [--raw-share F] [--keep-going] [--by-name] [--strict-framing] [--replay I] [--origin URL --token T --access-key-id K --secret-access-key S --service UUID [--admin-token A]]`;
const args = parseCli(
  {
    seed: { type: "string" },
    requests: { type: "string" },
    seconds: { type: "string" },
    concurrency: { type: "string", default: "16" },
    timeout: { type: "string", default: "10" },
    "raw-share": { type: "string", default: "0.15" },
    "keep-going": { type: "boolean", default: false },
    replay: { type: "string" },
    quiet: { type: "boolean", default: false },
    "by-name": { type: "boolean", default: false },
    "strict-framing": { type: "boolean", default: false },
  },
  USAGE,
);
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const seed = args.seed ?? String(randomInt(1, 2 ** 31));
const maxRequests = args.requests ? Number(args.requests) : args.seconds ? Infinity : 2000;
const deadline = args.seconds ? Date.now() + Number(args.seconds) * 1000 : Infinity;
const concurrency = args.replay !== undefined ? 1 : Number(args.concurrency);
const timeoutMs = Number(args.timeout) * 1000;
const log = (...a) => console.error("[fuzz]", ...a);
const rngFor = (i) => new Rng("fuzz", seed, i);
// Names of the run's buckets and scratch resources: from the seed, plus a nonce so runs against one server never collide.
const runId = `${Number(seed).toString(36)}${randomInt(36 ** 3).toString(36)}`.toLowerCase().replace(/[^a-z0-9]/g, "");

log(`seed ${seed}`);
const target = await prepareTarget(args, runId, log).catch((e) => {
  log(`could not prepare the target: ${e.message}`);
  process.exit(2);
});
const { ctx, server } = target;
const stats = new Stats();
const control = { stopped: false };
let dead = null;
let exitCode = 0;
try {
  if (args.replay !== undefined) {
    const i = Number(args.replay);
    const rng = rngFor(i);
    const d = fuzzRequest(ctx, rng);
    console.log(`request #${i} of seed ${seed}:\n${d.client === "flow" ? `${d.family} / ${d.name} (a flow of requests)` : describe(d)}`);
    const { failure, results } = await execute(ctx, d, {
      timeoutMs,
      rawShare: Number(args["raw-share"]),
      rng,
      strictFraming: args["strict-framing"],
    });
    stats.add(d, results[0], results);
    for (const r of results)
      console.log(`  → ${r.what ? `${r.what}: ` : ""}${r.outcome} ${r.statuses ?? r.status ?? ""} ${Math.round(r.ms)} ms`);
    if (failure) stats.failures.push({ index: i, ...failure });
  } else {
    const health = watchHealth(ctx, {
      timeoutMs,
      alive: server ? () => server.alive() : undefined,
      onDead: (why) => {
        dead = why;
        control.stopped = true;
      },
    });
    const t0 = Date.now();
    const progress = setInterval(() => {
      if (!args.quiet) log(`${stats.requests} requests in ${Math.round((Date.now() - t0) / 1000)} s; ${stats.summary()}`);
    }, 10_000);
    await runLoad({
      ctx,
      make: (_i, rng) => fuzzRequest(ctx, rng),
      concurrency,
      timeoutMs,
      until: (i) => i < maxRequests && Date.now() < deadline,
      keepGoing: args["keep-going"],
      rawShare: Number(args["raw-share"]),
      strictFraming: args["strict-framing"],
      rngFor,
      stats,
      control,
    });
    clearInterval(progress);
    await health.stop();
    log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  // Once more at the end: the server must still answer.
  if (!dead) {
    const r = await fetch(`${ctx.origin}/healthz`, { signal: AbortSignal.timeout(timeoutMs) }).catch((e) => e);
    if (!(r instanceof Response) || r.status !== 200) dead = `/healthz after the run: ${r instanceof Response ? r.status : r.message}`;
  }
  console.log(`fuzz seed=${seed} concurrency=${concurrency} ${stats.summary()}${dead ? " | SERVER DEAD" : ""}`);
  console.log(stats.byFamily(args["by-name"] ? "names" : "families"));
  for (const f of stats.failures.slice(0, 10)) {
    console.log(`\nFAIL seed=${seed} request #${f.index}: ${f.why}\n${f.request}`);
    if (f.before?.length)
      console.log(`finished just before it (concurrency ${concurrency}; a cause may be among them):\n  ${f.before.join("\n  ")}`);
    console.log(`replay alone: npm run fuzz -- --seed ${seed} --replay ${f.index}`);
  }
  if (stats.failures.length > 10) console.log(`\n… and ${stats.failures.length - 10} more failures`);
  if (dead) console.log(`\nFAIL seed=${seed}: server dead: ${dead}`);
  if (stats.failures.length || dead) {
    exitCode = 1;
    if (server) console.log(`\nlast error lines of the server's log (${server.logFile}):\n${server.logErrors()}`);
  }
} finally {
  // A failed run keeps the server's directory, so the log named above can still be read.
  await target.stop(exitCode !== 0);
}
process.exit(exitCode);
