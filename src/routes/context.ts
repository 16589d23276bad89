import type { Account } from "../core/accounts";

/** Hono environment shared by every dialect router. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    account: Account;
  };
}
