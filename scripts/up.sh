#!/usr/bin/env bash
# `npm run up`: from nothing to a running platform on a local cluster, with no Pulumi account.
# LAKEHOUSE_CLUSTER=k3d (default) or kind picks the cluster tool; the cluster is created from
# clusters/<tool>.yaml when it doesn't exist yet.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"

need_node
cluster_tool="$(lakehouse_cli cluster-tool)"
lakehouse_cli prereqs up

if [ "$cluster_tool" = kind ]; then
  network="kind"
  kind get clusters 2>/dev/null | grep -qx "$cluster_name" || kind create cluster --config clusters/kind.yaml
else
  network="k3d-$cluster_name"
  k3d cluster list "$cluster_name" >/dev/null 2>&1 || k3d cluster create --config clusters/k3d.yaml
fi

pulumi stack select "$stack" 2>/dev/null || pulumi stack init "$stack"
pulumi config set --stack "$stack" cluster "$cluster_tool"

# MetalLB hands out LoadBalancer addresses from the cluster's docker network, which docker picks per machine.
subnets="$(docker network inspect "$network" --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}')"
range="$(lakehouse_cli metallb-range "$subnets")"
echo "MetalLB address pool: $range (docker network $network: $subnets)"
pulumi config set --stack "$stack" --path metallb.range "$range"

pulumi up --yes --stack "$stack"
npm run --silent endpoints
if [ "${PULUMI_CONFIG_PASSPHRASE-}" = lakehouse-dev ]; then
  unlock="export PULUMI_CONFIG_PASSPHRASE=lakehouse-dev"
else
  unlock="export the passphrase you gave (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE)"
fi
cat <<HINT

From this directory \`pulumi stack output\`, \`pulumi config set\` and \`pulumi destroy\` reach this stack by
themselves (Pulumi.yaml keeps its state in .pulumi/). They ask for the passphrase of its secrets; to skip
the prompt, in your shell: $unlock
HINT
