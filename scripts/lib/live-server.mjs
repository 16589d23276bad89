// A real `wrangler dev` of this project on a free loopback port, with a seeded tenant, for the tools
// and tests that need the whole request pipeline (wrangler's dev proxy, workerd, the Worker):
// scripts/fuzz.mjs, scripts/soak.mjs and the regression tests of issue 12.
//
//   const server = await startServer();            // fresh secrets, fresh state in a temp dir
//   await fetch(`${server.origin}/healthz`);
//   server.rssBytes(); server.alive();
//   await server.stop();                            // its own process group only, by pid
//
// Everything lives in a temp directory of its own (secrets env file, D1/R2/DO state unless
// `persistDir` is given, the wrangler log), so several servers run at once and a developer's
// `npm run dev` state (.dev.vars, .wrangler/state, .wrangler/stowage-demo.json) is never touched:
// `--env-file` makes wrangler skip .dev.vars.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { startFrontProxy } from "./front-proxy.mjs";
import { seedTenant } from "./seed.mjs";

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const wrangler = path.join(root, "node_modules/.bin/wrangler");

/** A port nobody listens on right now (bound to port 0 on loopback, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function run(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} ${args.join(" ")} exited ${code}:\n${out.slice(-2000)}`)),
    );
  });
}

/** Resident memory (bytes, from /proc) of the `workerd` processes descending from `pid` (0 when none). */
export function treeRssBytes(pid, comm = "workerd") {
  return Object.values(treeRss(pid, comm)).reduce((a, b) => a + b, 0);
}

/** The name of treeRssBytes in the helper's first version (wrangler's pid leads its process group). */
export const groupRssBytes = treeRssBytes;

/** The same per process: { [pid]: bytes }. */
export function treeRss(pid, comm = "workerd") {
  const procs = new Map(); // pid → { ppid, name }
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid …; comm may contain spaces and parentheses, so split after the last ")".
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      procs.set(Number(entry), { ppid, name });
    } catch {
      /* the process ended while we looked */
    }
  }
  const below = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, { ppid }] of procs)
      if (!below.has(p) && below.has(ppid)) {
        below.add(p);
        grew = true;
      }
  }
  const out = {};
  for (const p of below) {
    if (procs.get(p)?.name !== comm) continue;
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) out[p] = Number(m[1]) * 1024;
    } catch {
      /* gone */
    }
  }
  return out;
}

/**
 * Starts the server and seeds a tenant. Resolves once `/healthz` answers 200 and the tenant exists.
 * @param {{ persistDir?: string, port?: number, tenant?: string, startTimeoutMs?: number,
 *   vars?: Record<string, string>, keepDir?: boolean }} [opts] `vars` are passed as `--var`; `keepDir`
 *   keeps the temp directory (log, state) after stop().
 */
export async function startServer(opts = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "stowage-live-"));
  const persistDir = opts.persistDir ?? path.join(dir, "state");
  mkdirSync(persistDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const workerPort = await freePort(); // wrangler dev's own; clients use `port`, the front proxy's (as under npm run dev)
  const inspectorPort = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const adminToken = randomBytes(24).toString("hex");
  const secrets = path.join(dir, "secrets.env");
  writeFileSync(secrets, `MASTER_KEY=k1:${randomBytes(32).toString("base64")}\nADMIN_TOKEN=${adminToken}\n`, { mode: 0o600 });
  const logFile = path.join(dir, "wrangler.log");
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
  delete env.CLOUDFLARE_INCLUDE_PROCESS_ENV; // secrets come from the env file only

  // The Worker bundles src/vendor/scalar.txt (written on npm install); dev.mjs refreshes it the same way.
  await run(process.execPath, [path.join(root, "scripts/vendor-assets.mjs")], { cwd: root, env });
  await run(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], { cwd: root, env });

  const vars = { ENDPOINT_PORT: String(port), ...opts.vars };
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(workerPort),
    "--inspector-ip",
    "127.0.0.1",
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistDir,
    "--env-file",
    secrets,
    "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  const log = createWriteStream(logFile);
  const front = await startFrontProxy({ host: "127.0.0.1", port, upstream: () => workerPort });
  // Its own process group (detached), so stop() reaches workerd too and nothing else.
  const child = spawn(wrangler, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const pid = child.pid;
  const exited = new Promise((r) => child.once("exit", r));
  const signal = (s) => {
    try {
      process.kill(-pid, s);
    } catch {
      /* already gone */
    }
  };
  // If the caller exits or is interrupted without stop(), its server goes with it (the server has
  // a process group of its own, so a terminal's Ctrl-C does not reach it by itself).
  const onExit = () => signal("SIGKILL");
  const onSignal = (sig) => {
    signal("SIGKILL");
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    process.kill(process.pid, sig);
  };
  process.once("exit", onExit);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const ended = () => child.exitCode !== null || child.signalCode !== null;
  const logTail = () => {
    try {
      return readFileSync(logFile, "utf8").slice(-3000);
    } catch {
      return "";
    }
  };

  let stopped = false;
  let keepDir = Boolean(opts.keepDir);
  /** Stops the server; `{ keep: true }` leaves its temp directory (log, state) for a post-mortem. */
  async function stop({ keep = false } = {}) {
    if (stopped) return;
    stopped = true;
    process.removeListener("exit", onExit);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await front.close(0);
    if (!ended()) {
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), 5000);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
      clearTimeout(timer);
    }
    signal("SIGKILL"); // workerd stragglers of the group once wrangler has gone
    log.end();
    if (!keepDir && !keep) rmSync(dir, { recursive: true, force: true });
  }

  try {
    const until = Date.now() + (opts.startTimeoutMs ?? 180_000);
    for (;;) {
      if (ended()) throw new Error(`wrangler dev exited (${child.exitCode ?? child.signalCode}):\n${logTail()}`);
      if (Date.now() > until) throw new Error(`no answer from ${origin}/healthz in time:\n${logTail()}`);
      try {
        // A first answer can take seconds on a loaded machine (the isolate starts); patience, not retries.
        const r = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(30_000) });
        await r.arrayBuffer();
        if (r.ok) break;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    const tenant = await seedTenant({ origin, adminToken, name: opts.tenant ?? "live" });
    if (!tenant.accessKeyId) throw new Error("seeding made no S3 access key");
    return {
      origin,
      port,
      pid,
      dir,
      logFile,
      adminToken,
      token: tenant.token,
      password: tenant.password,
      accountId: tenant.accountId,
      service: tenant.serviceUuid,
      endpoint: tenant.endpoint,
      accessKeyId: tenant.accessKeyId,
      secretAccessKey: tenant.secretAccessKey,
      /** Resident memory of the server's workerd processes (bytes, from /proc). */
      rssBytes: () => treeRssBytes(pid),
      /** Per workerd process: { [pid]: bytes } (wrangler runs two: its dev proxy and the Worker). */
      rssByProcess: () => treeRss(pid),
      /** wrangler is running and so is at least one workerd of its group. */
      alive: () => !ended() && treeRssBytes(pid) > 0,
      logTail,
      /** The last `n` error lines of the server's log (ANSI colours removed, long lines cut). */
      logErrors: (n = 15) => {
        let text = "";
        try {
          text = readFileSync(logFile, "utf8");
        } catch {
          /* no log */
        }
        return text
          .replace(/\x1b\[[0-9;]*m/g, "")
          .split("\n")
          .filter((l) => /ERROR|Uncaught|kj\/|workerd\/|\bError\b/.test(l))
          .slice(-n)
          .map((l) => (l.length > 400 ? l.slice(0, 400) + "…" : l))
          .join("\n");
      },
      stop,
    };
  } catch (e) {
    keepDir = true; // the log stays for whoever reads the error
    await stop();
    throw new Error(`${e instanceof Error ? e.message : e}\n(log: ${logFile})`);
  }
}
