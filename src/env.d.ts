// Secrets are not in wrangler.toml, so `wrangler types` cannot see them; they are declared here.
declare namespace Cloudflare {
  interface Env {
    /** AES-256-GCM keys for secrets at rest: "k2:<base64>,k1:<base64>" — the first encrypts, all decrypt. */
    MASTER_KEY: string;
    /** Bearer token of the operator API under /admin/v1. */
    ADMIN_TOKEN: string;
    /** Optional JSON array of regions overriding the built-in default. */
    REGIONS?: string;
  }
}

/** Text modules (wrangler's default rule for *.txt): the file's contents as a string. */
declare module "*.txt" {
  const text: string;
  export default text;
}
