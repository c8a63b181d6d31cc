# Sourced by the lifecycle scripts: the repository root, the dev passphrase, the cluster tool, a Node.js
# check, and a runner for the tested helpers in scripts/lib/cli.ts.
# shellcheck shell=bash

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

# shellcheck disable=SC2034 # used by the scripts that source this file
cluster_name="lakehouse"

# Pulumi's state: Pulumi.yaml names the backend (`backend.url: file://.pulumi`, relative to the working
# directory, here the repository root), so these scripts and the `pulumi` commands a user types from the
# repository root use the same state with nothing exported; PULUMI_BACKEND_URL still overrides it. The
# file backend needs its directory to exist. The dev stack's secrets default to the passphrase
# lakehouse-dev, unless the user gave one (PULUMI_CONFIG_PASSPHRASE would hide PULUMI_CONFIG_PASSPHRASE_FILE).
mkdir -p .pulumi
if [ -z "${PULUMI_CONFIG_PASSPHRASE+set}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE=lakehouse-dev
fi

# shellcheck disable=SC2034 # used by the scripts that source this file
stack="${LAKEHOUSE_STACK:-dev}"

# Runs a helper of scripts/lib/cli.ts (needs node_modules: `npm ci --ignore-scripts`).
lakehouse_cli() {
  node_modules/.bin/ts-node --transpile-only scripts/lib/cli.ts "$@"
}

# Node.js and npm on PATH, at least the version package.json's "engines" asks for, and node_modules.
need_node() {
  local tool version minimum
  for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "missing: $tool — install Node.js 20 or newer: https://nodejs.org/" >&2
      exit 1
    fi
  done
  version="$(node --version)"
  version="${version#v}"
  minimum="$(sed -n 's/.*"node": *">=\([0-9][0-9]*\).*/\1/p' package.json)"
  if [ "${version%%.*}" -lt "${minimum:-20}" ]; then
    echo "Node.js $version is too old: lakehouse needs Node.js ${minimum:-20} or newer (package.json \"engines\"); install it: https://nodejs.org/" >&2
    exit 1
  fi
  [ -d node_modules ] || npm ci --ignore-scripts --no-audit --no-fund
}
