/// <reference types="vite/client" />
// The layers of the source tree (ARCHITECTURE.md): src/core holds the business rules and never
// depends on a dialect; what it needs from one (the in-process S3 call of the job engine) is
// declared in the core and supplied by the composition root (src/compose.ts).
import { describe, expect, it } from "vitest";

const sources = import.meta.glob<string>("../../src/**/*.ts", { query: "?raw", import: "default", eager: true });
/** Sources by path under the repository root (`src/core/jobs/engine.ts`). */
const files = new Map(Object.entries(sources).map(([p, s]) => [p.replace(/^(\.\.\/)+/, ""), s]));

/** The repository path a relative specifier of `from` names (`.ts` and `/index.ts` tried), or null. */
function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  const base = new URL(spec, `file:///${from}`).pathname.slice(1).replace(/\.(js|ts)$/, "");
  for (const candidate of [`${base}.ts`, `${base}/index.ts`]) if (files.has(candidate)) return candidate;
  return base;
}

/** Module specifiers a source file imports or re-exports (static and dynamic). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;'"]*?from\s*["']([^"']+)["']/g)) out.push(m[1]!);
  for (const m of source.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g)) out.push(m[1]!);
  for (const m of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]!);
  return out;
}

describe("layers", () => {
  it("reads the sources", () => {
    expect(files.size).toBeGreaterThan(100);
    expect(specifiers(files.get("src/core/jobs/engine.ts")!)).toContain("./transport");
    expect(resolve("src/core/jobs/engine.ts", "../../storage/db")).toBe("src/storage/db.ts");
  });

  it("no file under src/core imports src/routes, src/queue, the entry or the composition root", () => {
    const offending: string[] = [];
    for (const [path, source] of files) {
      if (!path.startsWith("src/core/")) continue;
      for (const spec of specifiers(source)) {
        const target = resolve(path, spec);
        if (target && /^src\/(routes|queue)\/|^src\/(index|compose|app|front)\.ts$/.test(target)) offending.push(`${path} → ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it("no import cycles (type-only imports included)", () => {
    const graph = new Map(
      [...files].map(([path, source]) => [
        path,
        specifiers(source)
          .map((s) => resolve(path, s))
          .filter((t) => t !== null && files.has(t)),
      ]),
    );
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (path: string, stack: string[]) => {
      state.set(path, "open");
      for (const next of graph.get(path) ?? []) {
        if (state.get(next!) === "open") cycles.push([...stack.slice(stack.indexOf(next!)), path, next].join(" → "));
        else if (!state.has(next!)) visit(next!, [...stack, path]);
      }
      state.set(path, "done");
    };
    for (const path of graph.keys()) if (!state.has(path)) visit(path, []);
    expect(cycles).toEqual([]);
  });
});
