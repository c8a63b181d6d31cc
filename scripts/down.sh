#!/usr/bin/env bash
# `npm run down`: removes everything `npm run up` made: the stack's resources, then the local cluster.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"

need_node
cluster_tool="$(lakehouse_cli cluster-tool)"
lakehouse_cli prereqs down
if pulumi stack select "$stack" >/dev/null 2>&1; then
  pulumi destroy --yes --stack "$stack"
else
  echo "no stack $stack in Pulumi's state (.pulumi/): nothing to destroy there"
fi
case "$cluster_tool" in
  kind) kind delete cluster --name "$cluster_name" ;;
  k3d) k3d cluster delete "$cluster_name" ;;
esac
