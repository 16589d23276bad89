import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            MASTER_KEY: "k1:q3uN0v6Vd2Ykq1Fq3mUe7bq7b3j8R9m0c2x4w6y8z0A=",
            ADMIN_TOKEN: "test-admin-token",
            // Tests drive lifecycle steps themselves with runDurableObjectAlarm.
            LIFECYCLE_STEP_MS: "3600000",
            // Deterministic DNS: custom domains verify unless their first label starts with "unverified".
            DNS_RESOLVER: "static",
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      include: ["test/**/*.test.ts"],
      testTimeout: 30000,
    },
  };
});
