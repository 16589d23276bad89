#!/usr/bin/env node
// `npm run check:browser`: a real browser against `npm run dev`, as a new user would try a static
// website. Outside the core test suite (it needs Chromium and a running dev server).
//  1. skips (exit 0) with a message when /usr/bin/chromium is absent (`apt-get install -y chromium`);
//  2. uses the dev server on http://127.0.0.1:$PORT (default 8787) or starts `npm run dev` and stops it afterwards;
//  3. with the demo account `npm run dev` seeds: uploads a small single-page app over S3, makes the
//     bucket publicly readable, creates a static website config (spa_mode, a custom 404 page);
//  4. headless Chromium loads an SPA route and a missing page from http://<label>-static.localhost:$PORT
//     (Chromium resolves *.localhost to the loopback address) and checks what the page shows.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { AwsClient } from "aws4fetch";

const CHROMIUM = "/usr/bin/chromium";
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const PORT = Number(process.env.PORT ?? 8787);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const demoFile = path.join(root, ".wrangler/stowage-demo.json");
const BUCKET = "browser-check-site";
const API = `${ORIGIN}/1.3/object-storage-2`;

if (!existsSync(CHROMIUM)) {
  console.log(
    `SKIPPED browser check: Chromium is not installed at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` and run \`npm run check:browser\` again.`,
  );
  process.exit(0);
}
const { chromium } = await import("playwright-core");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function up() {
  try {
    return (await fetch(`${ORIGIN}/healthz`)).ok;
  } catch {
    return false;
  }
}

/** Starts `npm run dev` in its own process group; resolves once it has seeded the demo account. */
async function startDev() {
  console.log(`No dev server on ${ORIGIN}: starting \`npm run dev\`…`);
  const child = spawn(process.execPath, [path.join(root, "scripts/dev.mjs")], {
    cwd: root,
    env: { ...process.env, PORT: String(PORT) },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  for (let i = 0; i < 360; i++) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited:\n${log.slice(-2000)}`);
    if (/Stowage is running|Seeding the demo account failed/.test(log)) return child;
    await sleep(500);
  }
  throw new Error(`npm run dev did not come up:\n${log.slice(-2000)}`);
}

function stopDev(child) {
  if (!child) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    /* already gone */
  }
}

async function api(method, url, token, body) {
  const res = await fetch(`${API}${url}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

const FILES = {
  "index.html": {
    type: "text/html; charset=utf-8",
    body: `<!doctype html><html><head><meta charset="utf-8"><title>Stowage SPA</title><script type="module" src="/app.js"></script></head><body><h1>SPA shell</h1><p id="route">loading…</p></body></html>`,
  },
  "app.js": {
    type: "text/javascript; charset=utf-8",
    body: `document.getElementById("route").textContent = "client route: " + location.pathname;`,
  },
  "404.html": {
    type: "text/html; charset=utf-8",
    body: `<!doctype html><html><head><meta charset="utf-8"><title>Not here</title></head><body><h1 id="nf">Custom 404: nothing at this address</h1></body></html>`,
  },
};

async function seed(demo) {
  if (!demo.accessKeyId)
    throw new Error("the demo account has no S3 access key (see .wrangler/stowage-demo.json); is the IAM API available?");
  const s3 = new AwsClient({ accessKeyId: demo.accessKeyId, secretAccessKey: demo.secretAccessKey, service: "s3", region: "europe-1" });
  const bucketUrl = `${ORIGIN}/${BUCKET}`;
  const mb = await s3.fetch(bucketUrl, { method: "PUT" });
  if (!mb.ok && mb.status !== 409) throw new Error(`CreateBucket answered ${mb.status}: ${await mb.text()}`);
  for (const [key, f] of Object.entries(FILES)) {
    const r = await s3.fetch(`${bucketUrl}/${key}`, { method: "PUT", headers: { "Content-Type": f.type }, body: f.body });
    if (!r.ok) throw new Error(`PutObject ${key} answered ${r.status}: ${await r.text()}`);
  }
  const policy = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*` }],
  };
  const p = await s3.fetch(`${bucketUrl}?policy`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(policy),
  });
  if (!p.ok) throw new Error(`PutBucketPolicy answered ${p.status}: ${await p.text()}`);

  const config = {
    bucket_name: BUCKET,
    spa_mode: true,
    enabled: true,
    index_document: "index.html",
    error_pages: [{ status_code: 404, error_document: "404.html" }],
  };
  let c = await api("POST", `/${demo.serviceUuid}/static-websites`, demo.token, config);
  if (c.status === 409) {
    const svc = await api("GET", `/${demo.serviceUuid}`, demo.token);
    const host = svc.json.endpoints.find((e) => e.mode === "static-website").domain_name;
    c = await api("PATCH", `/${demo.serviceUuid}/static-websites/${host}`, demo.token, config);
  }
  if (c.status !== 201 && c.status !== 200) throw new Error(`static website config answered ${c.status}: ${c.text}`);
  return c.json.domain_name;
}

function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) process.exitCode = 1;
}

let dev = null;
let browser = null;
try {
  if (!(await up())) dev = await startDev();
  if (!existsSync(demoFile)) throw new Error(`${demoFile} is missing: \`npm run dev\` writes it when it seeds the demo account`);
  const demo = JSON.parse(readFileSync(demoFile, "utf8"));
  const host = await seed(demo);
  const site = `http://${host}:${PORT}`;
  console.log(`Static website: ${site} (bucket ${BUCKET}, spa_mode, custom 404)`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = await browser.newPage();

  const spa = await page.goto(`${site}/dashboard/settings`, { waitUntil: "load" });
  check(spa?.status() === 200, `SPA route /dashboard/settings answers 200 (got ${spa?.status()})`);
  await page
    .waitForFunction(() => document.getElementById("route")?.textContent?.startsWith("client route:"), null, { timeout: 10_000 })
    .catch(() => {});
  const route = await page.textContent("#route");
  check(route === "client route: /dashboard/settings", `the app's script ran and sees the route (shows "${route}")`);

  const missing = await page.goto(`${site}/assets/missing.png`, { waitUntil: "load" });
  check(missing?.status() === 404, `a missing file answers 404 (got ${missing?.status()})`);
  const nf = await page.textContent("#nf").catch(() => null);
  check(nf === "Custom 404: nothing at this address", `the custom 404 page is shown (shows "${nf}")`);

  const post = await page.evaluate(async () => (await fetch("/index.html", { method: "POST" })).status);
  check(post === 405, `POST answers 405 (got ${post})`);
} catch (e) {
  console.error(`Browser check failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  stopDev(dev);
}
