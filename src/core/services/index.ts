// Services: tenancy (who owns one), configuration (rules and changes as data), store (D1 rows) and
// the neutral record dialects shape their bodies from.
export * from "./config";
export * from "./store";
export * from "./tenancy";
export * from "./views";
