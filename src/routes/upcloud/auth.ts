import { createMiddleware } from "hono/factory";
import { authenticateHeader } from "../../core/accounts";
import { db } from "../../storage/db";
import type { AppEnv } from "../context";

/** Bearer API token or Basic account name/password, as the vendor's clients send. */
export const accountAuth = createMiddleware<AppEnv>(async (c, next) => {
  c.set("account", await authenticateHeader(db(c.env), c.req.header("Authorization")));
  await next();
});
