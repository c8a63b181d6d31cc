#!/usr/bin/env bash
# The original pipeline's lifecycle commands, done the Pulumi way (the stack's config is the state):
#   pause   `paused: true`: every platform workload and the Spark Operator scale to zero; volumes stay.
#   resume  `paused: false`: everything comes back on the same volumes.
#   reset   wipe the data volumes and start fresh, keeping the cluster (and MetalLB, the operator, the
#           tenants): pause, delete the platform's volume claims and finished Jobs, resume with a refresh
#           so the Jobs (bucket creation) run again. Refused on a stack that protects its data.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"

need_node

set_paused() {
  pulumi config set --stack "$stack" paused "$1"
  pulumi up --yes --stack "$stack" "${@:2}"
}

output() {
  pulumi stack output --stack "$stack" --json "$1" | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{const v=JSON.parse(s);console.log(process.argv[1]?v[process.argv[1]]:v)})' "${2:-}"
}

case "${1:-}" in
  pause | resume | reset) lakehouse_cli prereqs "$1" ;;
  *)
    echo "usage: $0 pause|resume|reset" >&2
    exit 2
    ;;
esac

case "$1" in
  pause) set_paused true ;;
  resume) set_paused false ;;
  reset)
    if [ "$(pulumi config get --stack "$stack" protectData 2>/dev/null || echo false)" = true ]; then
      echo "stack $stack protects its data (protectData: true); reset refuses to wipe it" >&2
      exit 1
    fi
    set_paused true
    context="$(output kubeContext)"
    namespace="$(output namespaces platform)"
    kubectl --context "$context" -n "$namespace" delete pvc,job -l app.kubernetes.io/part-of=lakehouse --wait=true
    set_paused false --refresh
    ;;
esac
