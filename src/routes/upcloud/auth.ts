import { createMiddleware } from "hono/factory";
import { type Account, authenticatePassword, authenticateToken } from "../../core/accounts";
import { unauthenticated } from "../../core/errors";
import { type Db, db } from "../../storage/db";
import type { AppEnv } from "../context";

/** The vendor's API tokens start with this; the operator API issues them. */
export const TOKEN_PREFIX = "ucat_";

/** Parses `Authorization: Bearer <token>` or `Basic base64(name:password)`. */
export async function authenticateHeader(d: Db, header: string | undefined): Promise<Account> {
  if (!header) throw unauthenticated("Authentication required: send Authorization: Bearer <token> or Basic credentials.");
  const [scheme, value] = header.split(/\s+/, 2);
  if (!value) throw unauthenticated();
  if (scheme?.toLowerCase() === "bearer") {
    const token = value.trim();
    if (!token.startsWith(TOKEN_PREFIX)) throw unauthenticated();
    return authenticateToken(d, token);
  }
  if (scheme?.toLowerCase() === "basic") {
    let decoded: string;
    try {
      decoded = new TextDecoder().decode(Uint8Array.from(atob(value.trim()), (ch) => ch.charCodeAt(0)));
    } catch {
      throw unauthenticated();
    }
    const i = decoded.indexOf(":");
    if (i < 0) throw unauthenticated();
    return authenticatePassword(d, decoded.slice(0, i), decoded.slice(i + 1));
  }
  throw unauthenticated();
}

/** Bearer API token or Basic account name/password, as the vendor's clients send. */
export const accountAuth = createMiddleware<AppEnv>(async (c, next) => {
  c.set("account", await authenticateHeader(db(c.env), c.req.header("Authorization")));
  await next();
});
