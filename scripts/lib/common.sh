# Sourced by the lifecycle scripts: the repository root, the local Pulumi backend with its dev passphrase,
# the cluster tool, and a runner for the tested helpers in scripts/lib/cli.ts.
# shellcheck shell=bash

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

# shellcheck disable=SC2034 # used by the scripts that source this file
cluster_name="lakehouse"

# A local file backend inside the repo (gitignored) and a default passphrase for the dev stack's secrets:
# no Pulumi Cloud account is needed. Set PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE to use others.
mkdir -p .pulumi
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-lakehouse-dev}"

# shellcheck disable=SC2034 # used by the scripts that source this file
stack="${LAKEHOUSE_STACK:-dev}"

# Runs a helper of scripts/lib/cli.ts (needs node_modules: `npm ci --ignore-scripts`).
lakehouse_cli() {
  node_modules/.bin/ts-node --transpile-only scripts/lib/cli.ts "$@"
}

need_node() {
  local tool
  for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "missing: $tool — install Node.js 20 or newer: https://nodejs.org/" >&2
      exit 1
    fi
  done
  [ -d node_modules ] || npm ci --ignore-scripts --no-audit --no-fund
}
