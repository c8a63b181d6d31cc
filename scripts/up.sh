#!/usr/bin/env bash
# `npm run up`: from nothing to a running platform on a local cluster, with no Pulumi account.
# LAKEHOUSE_CLUSTER=k3d (default) or kind picks the cluster tool.
set -euo pipefail
cd "$(dirname "$0")/.."

cluster_tool="${LAKEHOUSE_CLUSTER:-k3d}"
cluster_name="lakehouse"

case "$cluster_tool" in
  kind | k3d) ;;
  *) echo "LAKEHOUSE_CLUSTER=$cluster_tool is not supported; use kind or k3d" >&2; exit 2 ;;
esac

missing=()
for tool in docker "$cluster_tool" pulumi kubectl node npm; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "missing prerequisites: ${missing[*]} (install them and run again)" >&2
  exit 1
fi

if [ "$cluster_tool" = kind ]; then
  kind get clusters 2>/dev/null | grep -qx "$cluster_name" || kind create cluster --name "$cluster_name"
else
  k3d cluster list "$cluster_name" >/dev/null 2>&1 || k3d cluster create "$cluster_name" --agents 2
fi

[ -d node_modules ] || npm ci --ignore-scripts

# A local file backend inside the repo (gitignored) and a default passphrase for the dev stack's secrets:
# no Pulumi Cloud account is needed. Set PULUMI_CONFIG_PASSPHRASE yourself to use another one.
mkdir -p .pulumi
export PULUMI_BACKEND_URL="file://$PWD/.pulumi"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-lakehouse-dev}"
pulumi stack select dev 2>/dev/null || pulumi stack init dev
pulumi config set cluster "$cluster_tool"
pulumi up --yes --stack dev
npm run --silent endpoints
