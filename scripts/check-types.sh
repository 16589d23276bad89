#!/usr/bin/env bash
# Fails when worker-configuration.d.ts is not what `npm run cf-typegen` makes from wrangler.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(git hash-object worker-configuration.d.ts)
WRANGLER_SEND_METRICS=false npx wrangler types --strict-vars=false --include-runtime=false --env-file .ci/empty.env >/dev/null
after=$(git hash-object worker-configuration.d.ts)
if [ "$before" != "$after" ] || ! git diff --quiet -- worker-configuration.d.ts; then
  echo "worker-configuration.d.ts is stale: run \`npm run cf-typegen\` and commit it." >&2
  git --no-pager diff --stat -- worker-configuration.d.ts >&2 || true
  exit 1
fi
echo "worker-configuration.d.ts is up to date."
