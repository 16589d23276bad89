import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      projects: [
        {
          // Everything that runs inside the Workers runtime (the Worker's own entry, D1, R2, DOs, Queues).
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
            name: "workers",
            setupFiles: ["./test/setup.ts"],
            include: ["test/**/*.test.ts"],
            exclude: ["test/live/**"],
            testTimeout: 30000,
          },
        },
        {
          // Against a real `wrangler dev` started by the test itself (loopback, its own pid).
          test: {
            name: "live",
            environment: "node",
            include: ["test/live/**/*.test.ts"],
            testTimeout: 120_000,
            hookTimeout: 240_000,
          },
        },
      ],
    },
  };
});
