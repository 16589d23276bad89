// Copies the browser script of the API reference (/docs) into src/vendor/scalar.txt, which the
// Worker bundles as a text module (wrangler's default rule for *.txt) and serves itself: /docs works
// offline and without a CDN, and the Worker needs no static-assets binding (an assets router in
// front of every request, S3 included, cost about a tenth of the small-object throughput in
// `npm run bench`). Runs on `npm install` (prepare) and before dev.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const pkgDir = path.join(root, "node_modules/@scalar/api-reference");
mkdirSync(path.join(root, "src/vendor"), { recursive: true });
const from = path.join(pkgDir, "dist/browser/standalone.js");
const to = path.join(root, "src/vendor/scalar.txt");
// Only when it differs: a rewrite is a change under src/, and every running `wrangler dev` of this tree
// (a developer's `npm run dev`, a fuzz or soak run, the live tests) would reload its Worker mid-run.
if (!existsSync(to) || !readFileSync(from).equals(readFileSync(to))) copyFileSync(from, to);
