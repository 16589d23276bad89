// Copies browser assets the Worker serves (the API reference's script) into public/, so /docs works
// offline and without a CDN. Runs on `npm install` (prepare) and before dev and deploy.
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const pkgDir = path.join(root, "node_modules/@scalar/api-reference");
mkdirSync(path.join(root, "public/docs"), { recursive: true });
copyFileSync(path.join(pkgDir, "dist/browser/standalone.js"), path.join(root, "public/docs/scalar.js"));
