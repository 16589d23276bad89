import { z } from "zod";

/** Vars and secrets, validated once per isolate (style habit 10: no unchecked env reads). */
const ConfigSchema = z.object({
  BASE_DOMAIN: z
    .string()
    .min(1)
    .regex(/^[a-z0-9.-]+$/),
  ENDPOINT_SCHEME: z.enum(["http", "https"]),
  ENDPOINT_PORT: z.string().regex(/^\d{0,5}$/),
  LIFECYCLE_STEP_MS: z.coerce.number().int().min(0),
  MASTER_KEY: z.string().min(1),
  ADMIN_TOKEN: z.string().min(16),
  REGIONS: z.string().optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

const cache = new WeakMap<object, Config>();

export function config(env: Env): Config {
  let c = cache.get(env);
  if (!c) {
    const parsed = ConfigSchema.safeParse(env);
    if (!parsed.success) {
      // Names only: values may be secrets.
      const names = parsed.error.issues.map((i) => i.path.join(".")).join(", ");
      throw new Error(`invalid configuration: ${names}`);
    }
    c = parsed.data;
    cache.set(env, c);
  }
  return c;
}
