#!/usr/bin/env bash
# npm run smoke:s3 — drives the stock S3 clients (aws CLI, rclone, s3cmd) against a running
# `npm run dev`, as a new user would: mb, cp of a 1 KiB and a 40 MiB file (multipart), ls,
# download and compare, presign + curl, sync of a directory, rm, rb.
#
# Environment:
#   STOWAGE_S3_ENDPOINT    S3 endpoint (default http://127.0.0.1:8787, the shared host of `npm run dev`)
#   AWS_ACCESS_KEY_ID      access key of a user with ECSS3FullAccess
#   AWS_SECRET_ACCESS_KEY  its secret
#   AWS_DEFAULT_REGION     any region name (default europe-1)
#   SMOKE_CLIENTS          which clients to run (default "aws rclone s3cmd")
# When the keys are not set, .wrangler/demo.env (written by `npm run dev` for its demo user) is read.
# Clients that are not installed are skipped with a message; install them with
#   apt-get install -y awscli rclone s3cmd
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "${AWS_ACCESS_KEY_ID:-}" && -f "$root/.wrangler/demo.env" ]]; then
  # shellcheck disable=SC1091
  source "$root/.wrangler/demo.env"
fi
endpoint="${STOWAGE_S3_ENDPOINT:-${STOWAGE:-http://127.0.0.1:8787}}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-europe-1}"
clients="${SMOKE_CLIENTS:-aws rclone s3cmd}"

if [[ -z "${AWS_ACCESS_KEY_ID:-}" || -z "${AWS_SECRET_ACCESS_KEY:-}" ]]; then
  echo "smoke:s3: no credentials. Run \`npm run dev\` (it writes .wrangler/demo.env) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY." >&2
  exit 1
fi
if ! curl -fs -o /dev/null "$endpoint/healthz"; then
  echo "smoke:s3: nothing answers at $endpoint/healthz. Start the server with \`npm run dev\` (or set STOWAGE_S3_ENDPOINT)." >&2
  exit 1
fi

available=()
missing=()
for c in $clients; do
  if command -v "$c" >/dev/null 2>&1; then available+=("$c"); else missing+=("$c"); fi
done
if ((${#missing[@]})); then
  echo "smoke:s3: skipping ${missing[*]}: not installed. Install with: apt-get install -y awscli rclone s3cmd"
fi
if ((${#available[@]} == 0)); then
  echo "smoke:s3: no S3 client installed; nothing to run. Install with: apt-get install -y awscli rclone s3cmd"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
head -c 1024 /dev/urandom >"$work/small.bin"
head -c $((40 * 1024 * 1024)) /dev/urandom >"$work/big.bin"
mkdir -p "$work/tree/sub"
for i in 1 2 3; do head -c $((i * 1000)) /dev/urandom >"$work/tree/file$i.txt"; done
echo "nested" >"$work/tree/sub/nested.txt"
host="${endpoint#*://}"
failures=0

step() { printf '  %-44s' "$1"; }
ok() { echo "ok"; }
check() { # check <description> <command...>: runs the command, prints ok or the failure and its output
  local what="$1"
  shift
  step "$what"
  local out
  if out="$("$@" 2>&1)"; then ok; else
    echo "FAILED"
    echo "$out" | sed 's/^/      /' | tail -20
    failures=$((failures + 1))
    return 1
  fi
}
same() { cmp -s "$1" "$2"; }

smoke_aws() {
  local b="smoke-aws-$RANDOM$RANDOM" a=(aws --endpoint-url "$endpoint")
  echo "aws CLI ($(aws --version 2>&1 | cut -d' ' -f1)) against $endpoint, bucket $b"
  check "mb" "${a[@]}" s3 mb "s3://$b" || return
  check "cp 1 KiB" "${a[@]}" s3 cp --only-show-errors "$work/small.bin" "s3://$b/small.bin"
  check "cp 40 MiB (multipart)" "${a[@]}" s3 cp --only-show-errors "$work/big.bin" "s3://$b/big.bin"
  check "ls shows both" bash -c "${a[*]} s3 ls s3://$b/ | grep -q small.bin && ${a[*]} s3 ls s3://$b/ | grep -q big.bin"
  check "download 40 MiB and compare" bash -c "${a[*]} s3 cp --only-show-errors s3://$b/big.bin $work/aws-big.out && cmp -s $work/big.bin $work/aws-big.out"
  check "presign + curl" bash -c "curl -fsS \"\$(${a[*]} s3 presign s3://$b/small.bin --expires-in 300)\" -o $work/aws-presigned.out && cmp -s $work/small.bin $work/aws-presigned.out"
  check "sync a directory" "${a[@]}" s3 sync --only-show-errors "$work/tree" "s3://$b/tree"
  check "synced objects listed" bash -c "[ \"\$(${a[*]} s3 ls --recursive s3://$b/tree/ | wc -l)\" = 4 ]"
  check "rm --recursive" "${a[@]}" s3 rm --only-show-errors --recursive "s3://$b"
  check "rb" "${a[@]}" s3 rb "s3://$b"
}

smoke_rclone() {
  local b="smoke-rclone-$RANDOM$RANDOM"
  export RCLONE_CONFIG_STOWAGE_TYPE=s3 RCLONE_CONFIG_STOWAGE_PROVIDER=Other RCLONE_CONFIG_STOWAGE_ENDPOINT="$endpoint" \
    RCLONE_CONFIG_STOWAGE_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" RCLONE_CONFIG_STOWAGE_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
    RCLONE_CONFIG_STOWAGE_REGION="$AWS_DEFAULT_REGION" RCLONE_CONFIG_STOWAGE_FORCE_PATH_STYLE=true
  # rclone's AWS SDK refuses to start when AWS_CA_BUNDLE is set and the endpoint is plain http.
  local r=(rclone --retries 1 --low-level-retries 1)
  [[ "$endpoint" == http://* ]] && r=(env -u AWS_CA_BUNDLE "${r[@]}")
  echo "rclone ($(rclone version 2>/dev/null | head -1)) against $endpoint, bucket $b"
  check "mkdir (mb)" "${r[@]}" mkdir "stowage:$b" || return
  check "copyto 1 KiB" "${r[@]}" copyto "$work/small.bin" "stowage:$b/small.bin"
  check "copyto 40 MiB (multipart)" "${r[@]}" copyto --s3-upload-cutoff 8M --s3-chunk-size 8M "$work/big.bin" "stowage:$b/big.bin"
  check "ls shows both" bash -c "${r[*]} ls stowage:$b | grep -q small.bin && ${r[*]} ls stowage:$b | grep -q big.bin"
  check "download 40 MiB and compare" bash -c "${r[*]} copyto stowage:$b/big.bin $work/rclone-big.out && cmp -s $work/big.bin $work/rclone-big.out"
  check "link (presign) + curl" bash -c "curl -fsS \"\$(${r[*]} link --expire 5m stowage:$b/small.bin)\" -o $work/rclone-presigned.out && cmp -s $work/small.bin $work/rclone-presigned.out"
  check "sync a directory" "${r[@]}" sync "$work/tree" "stowage:$b/tree"
  check "synced objects listed" bash -c "[ \"\$(${r[*]} ls stowage:$b/tree | wc -l)\" = 4 ]"
  check "delete (rm)" "${r[@]}" delete "stowage:$b"
  check "rmdir (rb)" "${r[@]}" rmdir "stowage:$b"
}

smoke_s3cmd() {
  local b="smoke-s3cmd-$RANDOM$RANDOM" cfg="$work/s3cfg"
  cat >"$cfg" <<EOF
[default]
access_key = $AWS_ACCESS_KEY_ID
secret_key = $AWS_SECRET_ACCESS_KEY
host_base = $host
host_bucket = $host
bucket_location = $AWS_DEFAULT_REGION
use_https = $([[ "$endpoint" == https://* ]] && echo True || echo False)
signature_v2 = False
EOF
  local s=(s3cmd -c "$cfg" --no-progress)
  echo "s3cmd ($(s3cmd --version 2>&1)) against $endpoint, bucket $b"
  check "mb" "${s[@]}" mb "s3://$b" || return
  check "put 1 KiB" "${s[@]}" put "$work/small.bin" "s3://$b/small.bin"
  check "put 40 MiB (multipart)" "${s[@]}" put "$work/big.bin" "s3://$b/big.bin"
  check "ls shows both" bash -c "${s[*]} ls s3://$b/ | grep -q small.bin && ${s[*]} ls s3://$b/ | grep -q big.bin"
  check "info (location, acl, policy, cors...)" "${s[@]}" info "s3://$b/small.bin"
  check "get 40 MiB and compare" bash -c "${s[*]} get --force s3://$b/big.bin $work/s3cmd-big.out && cmp -s $work/big.bin $work/s3cmd-big.out"
  check "signurl (SigV2 presign) + curl" bash -c "curl -fsS \"\$(${s[*]} signurl s3://$b/small.bin +300)\" -o $work/s3cmd-presigned.out && cmp -s $work/small.bin $work/s3cmd-presigned.out"
  check "sync a directory" "${s[@]}" sync "$work/tree/" "s3://$b/tree/"
  check "synced objects listed" bash -c "[ \"\$(${s[*]} ls --recursive s3://$b/tree/ | wc -l)\" = 4 ]"
  check "del --recursive" "${s[@]}" del --recursive --force "s3://$b"
  check "rb" "${s[@]}" rb "s3://$b"
}

for c in "${available[@]}"; do
  "smoke_$c" || true
done

if ((failures)); then
  echo "smoke:s3: $failures step(s) failed."
  exit 1
fi
echo "smoke:s3: all steps passed (${available[*]})."
