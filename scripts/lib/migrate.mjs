// Applies the D1 migrations to a local database (wrangler d1 migrations apply --local) and says in
// one line what it did; wrangler's own tables and prompts are shown only when it fails.
import { spawnSync } from "node:child_process";
import path from "node:path";

/** @param {{ root: string, env: NodeJS.ProcessEnv, persistTo?: string }} o  Exits the process on failure. */
export function applyMigrations({ root, env, persistTo }) {
  const wrangler = path.join(root, "node_modules/.bin/wrangler");
  const args = ["d1", "migrations", "apply", "DB", "--local", ...(persistTo ? ["--persist-to", persistTo] : [])];
  const r = spawnSync(wrangler, args, { cwd: root, env: { ...env, CI: "true" }, encoding: "utf8" });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0) {
    process.stderr.write(out);
    console.error(`Applying the D1 migrations failed (wrangler ${args.join(" ")}).`);
    process.exit(r.status ?? 1);
  }
  const applied = new Set(out.match(/\d{4}_[\w-]+\.sql/g) ?? []);
  if (applied.size > 0) console.log(`D1: applied ${applied.size} migration(s) (${[...applied].join(", ")}).`);
}
