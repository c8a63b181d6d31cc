#!/usr/bin/env bash
# `npm run down`: removes everything `npm run up` made: the stack's resources, then the local cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
cluster_tool="${LAKEHOUSE_CLUSTER:-k3d}"
export PULUMI_BACKEND_URL="file://$PWD/.pulumi"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-lakehouse-dev}"
pulumi destroy --yes --stack dev
case "$cluster_tool" in
  kind) kind delete cluster --name lakehouse ;;
  k3d) k3d cluster delete lakehouse ;;
  *) echo "LAKEHOUSE_CLUSTER=$cluster_tool is not supported; use kind or k3d" >&2; exit 2 ;;
esac
