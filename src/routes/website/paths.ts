/**
 * Request path → object keys to try, in order (pure). Keys live under the site's bucket prefix;
 * a path can never name a key above it.
 */

export interface Candidate {
  key: string;
  /** When this candidate is found, answer with a redirect here instead (`/docs` → `/docs/`). */
  redirect?: string;
}

export type PathPlan = { ok: true; candidates: Candidate[] } | { ok: false };

export interface SiteRules {
  prefix: string;
  indexDocument: string;
  spaMode: boolean;
}

/** `app.js`, `photo.min.png`: a dot after the first character with something after it. */
export function hasExtension(segment: string): boolean {
  const dot = segment.lastIndexOf(".");
  return dot > 0 && dot < segment.length - 1;
}

/** Percent-decodes the path; null when it is malformed or climbs with `..` (encoded or not). */
export function decodePath(pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const rel = decoded.replace(/^\/+/, "");
  if (rel.split("/").some((s) => s === ".." || s === ".")) return null;
  if (/[\u0000-\u001f\u007f]/.test(rel)) return null;
  return rel;
}

export function planPath(pathname: string, rules: SiteRules): PathPlan {
  const rel = decodePath(pathname);
  if (rel === null) return { ok: false };
  const { prefix, indexDocument } = rules;
  const rootIndex = { key: prefix + indexDocument };
  if (rel === "" || rel.endsWith("/")) {
    const dirIndex = { key: prefix + rel + indexDocument };
    // SPA: a directory without its own index still belongs to the app.
    return { ok: true, candidates: rules.spaMode && rel !== "" ? [dirIndex, rootIndex] : [dirIndex] };
  }
  const last = rel.slice(rel.lastIndexOf("/") + 1);
  if (hasExtension(last)) return { ok: true, candidates: [{ key: prefix + rel }] };
  if (rules.spaMode) return { ok: true, candidates: [rootIndex] };
  return {
    ok: true,
    candidates: [
      { key: prefix + rel },
      { key: `${prefix}${rel}.html` },
      // A directory named without its slash: send the browser to it so relative links resolve.
      { key: `${prefix}${rel}/${indexDocument}`, redirect: `${pathname}/` },
    ],
  };
}

/** The error page for a status: an exact status_code first, then the first range holding it. */
export function errorDocumentFor(
  pages: { error_document: string; status_code?: number | undefined; status_range?: { start: number; end: number } | undefined }[],
  status: number,
): string | null {
  const exact = pages.find((p) => p.status_code === status);
  if (exact) return exact.error_document;
  const ranged = pages.find((p) => p.status_range && p.status_range.start <= status && status <= p.status_range.end);
  return ranged ? ranged.error_document : null;
}
