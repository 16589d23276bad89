import type { CoreError, CoreErrorCode } from "../../core/errors";

/** Pages the website host generates itself (no object to serve). Never cached: a config may appear any moment. */

const TITLES: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  412: "Precondition Failed",
  416: "Range Not Satisfiable",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

function html(title: string, text: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.6rem}p{color:#555}</style></head>
<body><h1>${title}</h1><p>${text}</p></body>
</html>
`;
}

export function page(status: number, method: string, extraHeaders: Record<string, string> = {}, text?: string): Response {
  const title = TITLES[status] ?? "Error";
  const headers = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...extraHeaders };
  return new Response(method === "HEAD" ? null : html(`${status} ${title}`, text ?? defaultText(status)), { status, headers });
}

function defaultText(status: number): string {
  switch (status) {
    case 403:
      return "You do not have access to this page.";
    case 404:
      return "The page you are looking for does not exist.";
    case 405:
      return "Static websites answer only GET and HEAD requests.";
    case 400:
      return "The request path is not valid.";
    default:
      return "The page could not be served.";
  }
}

/**
 * A static host without an enabled config (none created, disabled, service stopped or deleted,
 * custom domain not verified): 404, so crawlers and caches never keep it as content.
 */
export function siteNotConfigured(method: string): Response {
  const headers = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" };
  const body = html(
    "Site Not Configured",
    "There is no website configured for this domain yet. If this is your domain, create a static website configuration for it.",
  );
  return new Response(method === "HEAD" ? null : body, { status: 404, headers });
}

/** A website visitor sees a status page; which core code decides the status. */
export const WEBSITE_STATUS: Record<CoreErrorCode, number> = {
  INVALID_REQUEST: 400,
  LIMIT_EXCEEDED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SERVICE_ERROR: 503,
  UNAUTHENTICATED: 403,
  FORBIDDEN: 403,
  METHOD_NOT_ALLOWED: 405,
};

/** Core errors on a website host: a page, never the error's text (it may name internals). */
export function websiteError(err: CoreError, method: string, requestId: string): Response {
  const status = WEBSITE_STATUS[err.code];
  const headers: Record<string, string> = { "x-request-id": requestId };
  if (err.detail.allow) headers.allow = err.detail.allow.join(", ");
  return page(status, method, headers);
}
