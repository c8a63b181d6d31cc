# shellcheck shell=bash
# The KWOK cluster the e2e tests run against, shared by e2e/run.sh (real engine) and e2e/cluster.sh
# (npm run test:cluster): a real etcd, kube-apiserver, kube-controller-manager and kube-scheduler plus
# kwok-controller as local processes (kwokctl, binary runtime) bound to 127.0.0.1, one simulated node, a
# StorageClass and a loop that provisions a volume for every claim.
#
# Source it, then call cluster_start <name>; cluster_stop <name> in an EXIT trap. Expects:
#   BIN                        the toolchain's bin directory (e2e/toolchain.sh)
#   K8S_VERSION, ETCD_VERSION  from <cache>/versions.env
#   WORK                       a scratch directory of this run (kwokctl's config and cache, the volumes' paths)
#   KWOK_WORKDIR, KUBECONFIG   exported, inside WORK
# Sets CLUSTER_STARTED, PROVISIONER_PID; exports STORAGE_CLASS.

export STORAGE_CLASS="e2e-local"
CLUSTER_STARTED=false
PROVISIONER_PID=""

# cluster_start <name>: creates the cluster and makes it the current context; returns non-zero on failure.
cluster_start() {
  local name="$1"
  cat > "$WORK/kwokctl.yaml" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  kubeVersion: $K8S_VERSION
  etcdVersion: ${ETCD_VERSION#v}
  bindAddress: 127.0.0.1
  # RBAC and the default admission plugins (PodSecurity, ServiceAccount, LimitRanger, ResourceQuota...),
  # as on a real cluster; kwokctl's defaults for a secure port, written out because the tests rely on them.
  securePort: true
  kubeAuthorization: true
  kubeAdmission: true
  cacheDir: $WORK/kwok-cache
  etcdBinary: $BIN/etcd
  kubeApiserverBinary: $BIN/kube-apiserver
  kubeControllerManagerBinary: $BIN/kube-controller-manager
  kubeSchedulerBinary: $BIN/kube-scheduler
  kubectlBinary: $BIN/kubectl
  kwokControllerBinary: $BIN/kwok
EOF
  CLUSTER_STARTED=true
  "$BIN/kwokctl" create cluster --name "$name" --config "$WORK/kwokctl.yaml" --kubeconfig "$KUBECONFIG" --wait 3m >&2 || return 1
  "$BIN/kubectl" config use-context "kwok-$name" >/dev/null || return 1

  # One simulated node, large enough for the platform.
  "$BIN/kubectl" apply -f - >/dev/null <<'EOF' || return 1
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: kwok-node-0
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/role: agent
    type: kwok
spec: {}
status:
  allocatable: {cpu: "64", memory: 256Gi, pods: "250", ephemeral-storage: 500Gi}
  capacity: {cpu: "64", memory: 256Gi, pods: "250", ephemeral-storage: 500Gi}
EOF
  "$BIN/kubectl" wait --for=condition=Ready node/kwok-node-0 --timeout=120s >/dev/null || return 1

  # Storage: nothing provisions volumes here, so claims would stay Pending and their pods unschedulable. A
  # StorageClass with Immediate binding plus a loop (below) that gives each Pending claim a volume of its size.
  "$BIN/kubectl" apply -f - >/dev/null <<EOF || return 1
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: $STORAGE_CLASS
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
EOF
  mkdir -p "$WORK/pv"
  provision_pvs &
  PROVISIONER_PID=$!
}

# cluster_listens_on_loopback_only: whether every control-plane socket is bound to 127.0.0.1 (or ::1).
# Returns 2 when there is no ss to tell.
cluster_listens_on_loopback_only() {
  command -v ss >/dev/null || return 2
  ! ss -ltnp 2>/dev/null | grep -E '"(kube-[a-z-]+|etcd|kwok)"' | grep -vE '127\.0\.0\.1:|\[::1\]:' >&2
}

# cluster_stop <name>: stops the provisioner and every process kwokctl started for the cluster.
cluster_stop() {
  local name="$1" pidfile
  if [[ -n "$PROVISIONER_PID" ]]; then
    # The loop first, then whatever kubectl it was running (its children, by parent id).
    kill "$PROVISIONER_PID" 2>/dev/null || true
    pkill -P "$PROVISIONER_PID" 2>/dev/null || true
    wait "$PROVISIONER_PID" 2>/dev/null || true
  fi
  PROVISIONER_PID=""
  if $CLUSTER_STARTED; then
    "$BIN/kwokctl" delete cluster --name "$name" >/dev/null 2>&1 || true
    # Safety net: whatever kwokctl started for this cluster and is still alive.
    for pidfile in "$KWOK_WORKDIR/clusters/$name/pids/"*.pid; do
      if [[ -f "$pidfile" ]]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
    done
  fi
  CLUSTER_STARTED=false
}

# provision_pvs: for each Pending claim a hostPath PV of the requested size, pre-bound to it (claimRef with the
# claim's UID) and named after that UID, so a claim deleted and made again under the same name gets a new
# volume; a volume whose claim is gone (Released) is deleted, as a provisioner's reclaim would. A loop rather
# than pre-made volumes: the number and sizes of claims come from the program and its config. Errors other
# than "already made" are reported, not swallowed.
provision_pvs() {
  local actions line
  while true; do
    actions="$( { "$BIN/kubectl" get pvc -A -o json && "$BIN/kubectl" get pv -l lakehouse-e2e=pv -o json; } 2>/dev/null | node -e '
      let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{ if(!s) return;
        const docs=s.split(/\n(?=\{)/).map(d=>JSON.parse(d)); if(docs.length<2) return;
        const [claims, volumes]=docs.map(d=>d.items);
        for (const c of claims) {
          if (c.status.phase !== "Pending" || c.spec.volumeName) continue;
          const m=c.metadata, name="e2e-"+m.uid;
          console.log("create "+JSON.stringify({apiVersion:"v1",kind:"PersistentVolume",metadata:{name,labels:{"lakehouse-e2e":"pv"}},
            spec:{capacity:{storage:c.spec.resources.requests.storage},accessModes:c.spec.accessModes,
              storageClassName:c.spec.storageClassName||process.argv[1],persistentVolumeReclaimPolicy:"Retain",
              volumeMode:c.spec.volumeMode||"Filesystem",
              hostPath:{path:process.argv[2]+"/"+name},claimRef:{namespace:m.namespace,name:m.name,uid:m.uid}}}));
        }
        for (const v of volumes) if (v.status.phase === "Released") console.log("delete "+v.metadata.name);
      })' "$STORAGE_CLASS" "$WORK/pv")" || actions=""
    while IFS= read -r line; do
      case "$line" in
        create\ *) printf '%s\n' "${line#create }" | "$BIN/kubectl" create -f - 2>&1 >/dev/null | grep -v AlreadyExists | sed 's/^/[pv] /' >&2 || true ;;
        delete\ *) "$BIN/kubectl" delete pv "${line#delete }" --wait=false 2>&1 >/dev/null | grep -v NotFound | sed 's/^/[pv] /' >&2 || true ;;
      esac
    done <<< "$actions"
    sleep 1
  done
}
