#!/usr/bin/env bash
# `npm run test:cluster`: every stack's Kubernetes objects applied to a real API server and checked
# (scripts/clusterTest.ts), on a KWOK cluster started as for e2e/run.sh (e2e/lib/cluster.sh: local
# processes bound to 127.0.0.1, simulated node and pods). No Pulumi engine is involved: the objects come
# from the program run under the test mocks.
#
# Usage: bash e2e/cluster.sh [dev|dev:all|prod ...]    (default: all three)
# Builds the toolchain first when its cache (LAKEHOUSE_E2E_CACHE, default ~/.cache/lakehouse-e2e) lacks it.
# The cluster is named lakehouse-cluster (LAKEHOUSE_CLUSTER_NAME), apart from e2e/run.sh's lakehouse-e2e.
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$E2E_DIR")"
CACHE="${LAKEHOUSE_E2E_CACHE:-$HOME/.cache/lakehouse-e2e}"
BIN="$CACHE/bin"
CLUSTER="${LAKEHOUSE_CLUSTER_NAME:-lakehouse-cluster}"

log() { printf '[cluster] %s\n' "$*" >&2; }
now() { date +%s; }

t0="$(now)"
bash "$E2E_DIR/toolchain.sh"
log "toolchain: $(( $(now) - t0 ))s (last cold build: $(cat "$CACHE/last-cold-build-seconds" 2>/dev/null || echo -)s)"
# shellcheck source=/dev/null
source "$CACHE/versions.env"
for b in kubectl kwokctl kwok etcd kube-apiserver kube-controller-manager kube-scheduler; do
  [[ -x "$BIN/$b" ]] || { log "missing $BIN/$b"; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lakehouse-cluster.XXXXXX")"
export KWOK_WORKDIR="$WORK/kwok"
export KUBECONFIG="$WORK/kubeconfig"
# shellcheck source=e2e/lib/cluster.sh
source "$E2E_DIR/lib/cluster.sh"

TEST_PID=""
# shellcheck disable=SC2317 # reached through the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$TEST_PID" ]]; then kill "$TEST_PID" 2>/dev/null || true; wait "$TEST_PID" 2>/dev/null || true; fi
  if $CLUSTER_STARTED; then log "stopping the control plane"; fi
  cluster_stop "$CLUSTER"
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0="$(now)"
log "creating KWOK cluster $CLUSTER (kubernetes $K8S_VERSION, etcd $ETCD_VERSION)"
if ! cluster_start "$CLUSTER"; then
  log "the cluster did not start"
  echo "cluster: 0 passed, 1 failed"
  exit 1
fi
listening=0
cluster_listens_on_loopback_only || listening=$?
if ((listening == 1)); then
  log "the control plane listens beyond loopback (above); stopping"
  echo "cluster: 0 passed, 1 failed"
  exit 1
fi
log "cluster up: $(( $(now) - t0 ))s"

cd "$REPO_DIR"
# In the background and waited for, so a TERM reaches the trap (and the cluster is stopped) at once.
KUBECTL="$BIN/kubectl" node_modules/.bin/ts-node --transpile-only scripts/clusterTest.ts "$@" &
TEST_PID=$!
status=0
wait "$TEST_PID" || status=$?
TEST_PID=""
exit "$status"
