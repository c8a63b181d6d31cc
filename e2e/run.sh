#!/usr/bin/env bash
# Real-engine end-to-end test: the Pulumi program deployed by the real Pulumi engine and providers onto a real
# kube-apiserver (KWOK cluster, binary runtime: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
# kwok-controller as local processes bound to 127.0.0.1, simulated nodes and pods, no containers).
#
# Usage: bash e2e/run.sh                 (npm run test:e2e) full run
#        bash e2e/run.sh --cluster-only  harness smoke test: cluster + storage + a sample Deployment/StatefulSet/Job
# Binaries come only from e2e/toolchain.sh's cache (LAKEHOUSE_E2E_CACHE, default ~/.cache/lakehouse-e2e); nothing is
# downloaded: kwokctl gets every binary path, Pulumi runs with automatic plugin acquisition disabled.
# Stack `e2e` lives in a temporary file backend; its config is generated from Pulumi.dev.yaml (overrides below) into
# a temporary file used with --config-file, so the repository is left untouched. The last line of a run is appended
# to e2e/timings.log as JSON.
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$E2E_DIR")"
CACHE="${LAKEHOUSE_E2E_CACHE:-$HOME/.cache/lakehouse-e2e}"
BIN="$CACHE/bin"
CLUSTER="lakehouse-e2e"
CONTEXT="kwok-$CLUSTER"
CLUSTER_ONLY=false
[[ "${1:-}" == "--cluster-only" ]] && CLUSTER_ONLY=true

log() { printf '[e2e] %s\n' "$*" >&2; }
now() { date +%s; }
FAILED=()
PASSED=()
pass() { PASSED+=("$1"); log "PASS $1"; }
fail() { FAILED+=("$1"); log "FAIL $1"; }

# ---- before any build: a full run needs the Pulumi plugins, which the toolchain can't build (see there) ----
if ! $CLUSTER_ONLY; then
  lock_version() { # lock_version <npm package> -> version in package-lock.json
    node -e 'console.log(require(process.argv[1]).packages["node_modules/"+process.argv[2]].version)' "$REPO_DIR/package-lock.json" "$1"
  }
  plugin_dir="${LAKEHOUSE_E2E_PLUGIN_DIR:-}"
  available() { [[ -x "$1" || ( -n "$plugin_dir" && -x "$plugin_dir/$2" ) ]]; } # in the cache, or to install from the plugin dir
  k8s_v="$(lock_version @pulumi/kubernetes)"
  random_v="$(lock_version @pulumi/random)"
  missing=()
  available "$BIN/pulumi-language-nodejs" pulumi-language-nodejs || missing+=(pulumi-language-nodejs)
  available "$CACHE/pulumi-home/plugins/resource-kubernetes-v$k8s_v/pulumi-resource-kubernetes" pulumi-resource-kubernetes || missing+=("pulumi-resource-kubernetes $k8s_v")
  available "$CACHE/pulumi-home/plugins/resource-random-v$random_v/pulumi-resource-random" pulumi-resource-random || missing+=("pulumi-resource-random $random_v")
  if ((${#missing[@]})); then
    log "cannot deploy, so nothing was built: no ${missing[*]} in $CACHE or LAKEHOUSE_E2E_PLUGIN_DIR (see e2e/toolchain.sh)."
    log "run 'bash e2e/run.sh --cluster-only' to test the cluster harness alone (it builds the toolchain first: about 8 minutes cold)."
    exit 2
  fi
fi

# ---- toolchain (warm: seconds) ----
t0="$(now)"
bash "$E2E_DIR/toolchain.sh"
T_TOOLCHAIN="$(( $(now) - t0 ))"
T_TOOLCHAIN_COLD="$(cat "$CACHE/last-cold-build-seconds" 2>/dev/null || echo null)"
# shellcheck source=/dev/null
source "$CACHE/versions.env"

for b in pulumi kubectl kwokctl kwok etcd kube-apiserver kube-controller-manager kube-scheduler; do
  [[ -x "$BIN/$b" ]] || { log "missing $BIN/$b"; exit 1; }
done
if ! $CLUSTER_ONLY; then
  missing=()
  [[ -x "$BIN/pulumi-language-nodejs" ]] || missing+=(pulumi-language-nodejs)
  [[ -x "$CACHE/pulumi-home/plugins/resource-kubernetes-v$K8S_PLUGIN_VERSION/pulumi-resource-kubernetes" ]] || missing+=("pulumi-resource-kubernetes $K8S_PLUGIN_VERSION")
  [[ -x "$CACHE/pulumi-home/plugins/resource-random-v$RANDOM_PLUGIN_VERSION/pulumi-resource-random" ]] || missing+=("pulumi-resource-random $RANDOM_PLUGIN_VERSION")
  if ((${#missing[@]})); then
    log "cannot deploy: no ${missing[*]} in the toolchain cache (see e2e/toolchain.sh: set LAKEHOUSE_E2E_PLUGIN_DIR)."
    log "run 'bash e2e/run.sh --cluster-only' to test the cluster harness alone."
    exit 2
  fi
fi

export PATH="$BIN:$PATH"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lakehouse-e2e.XXXXXX")"
export KWOK_WORKDIR="$WORK/kwok"
export KUBECONFIG="$WORK/kubeconfig"
export PULUMI_HOME="$CACHE/pulumi-home"
export PULUMI_BACKEND_URL="file://$WORK/state"
export PULUMI_CONFIG_PASSPHRASE="lakehouse-e2e"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
CFG="$WORK/Pulumi.e2e.yaml"
mkdir -p "$WORK/state"
# shellcheck source=e2e/lib/cluster.sh
source "$E2E_DIR/lib/cluster.sh"
T_UP=null T_PREVIEW=null T_UPDATE=null T_TOGGLE_DEV=null T_TOGGLE_PROTECTED=null T_DESTROY=null RESOURCES=null LAST_UP=null

summary() {
  local result="pass"
  ((${#FAILED[@]})) && result="fail"
  log "passed: ${#PASSED[@]}, failed: ${#FAILED[@]}${FAILED[*]:+ (${FAILED[*]})}"
  local line
  line="$(printf '{"date":"%s","mode":"%s","result":"%s","pulumi":"%s","kubernetes":"%s","toolchain_s":%s,"toolchain_cold_s":%s,"up_s":%s,"preview_s":%s,"update_s":%s,"toggle_dev_s":%s,"toggle_protected_s":%s,"destroy_s":%s,"resources":%s}' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$($CLUSTER_ONLY && echo cluster-only || echo full)" "$result" "$PULUMI_VERSION" "$K8S_VERSION" \
    "$T_TOOLCHAIN" "$T_TOOLCHAIN_COLD" "$T_UP" "$T_PREVIEW" "$T_UPDATE" "$T_TOGGLE_DEV" "$T_TOGGLE_PROTECTED" "$T_DESTROY" "$RESOURCES")"
  sec() { [[ "$1" == null ]] && echo "-" || echo "${1}s"; }
  echo "timings: toolchain $(sec "$T_TOOLCHAIN") (cold build $(sec "$T_TOOLCHAIN_COLD")), up $(sec "$T_UP"), preview $(sec "$T_PREVIEW"), update $(sec "$T_UPDATE"), toggle dev $(sec "$T_TOGGLE_DEV"), toggle protected $(sec "$T_TOGGLE_PROTECTED"), destroy $(sec "$T_DESTROY"); resources: $RESOURCES"
  echo "$line"
  echo "$line" >> "$E2E_DIR/timings.log"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if $CLUSTER_STARTED; then log "stopping the control plane"; fi
  cluster_stop "$CLUSTER"
  ((rc != 0)) && [[ ${#FAILED[@]} -eq 0 ]] && FAILED+=("aborted(rc=$rc)")
  summary || true
  rm -rf "$WORK"
  ((${#FAILED[@]})) && rc=1
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- cluster ----
log "creating KWOK cluster $CLUSTER (kubernetes $K8S_VERSION, etcd $ETCD_VERSION)"
cluster_start "$CLUSTER"
listening=0
cluster_listens_on_loopback_only || listening=$?
if ((listening == 2)); then
  log "skip: no ss to list listening sockets"
elif ((listening != 0)); then
  fail "control plane listens on 127.0.0.1 only"
else
  pass "control plane listens on 127.0.0.1 only"
fi

# check_workloads <namespace...>: every Deployment/StatefulSet has all replicas ready, every Job has succeeded.
# shellcheck disable=SC2016 # JavaScript template strings
check_workloads() {
  local ns deadline=$(( $(now) + ${WAIT_SECONDS:-120} )) bad
  while true; do
    bad=""
    for ns in "$@"; do
      bad+="$(kubectl get deployments,statefulsets -n "$ns" -o json | node -e '
        let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const o of JSON.parse(s).items){
          const want=o.spec.replicas??1, ready=o.status.readyReplicas??0;
          if(ready!==want) console.log(`${o.kind}/${o.metadata.namespace}/${o.metadata.name} ready ${ready}/${want}`)}})')"
      bad+="$(kubectl get jobs -n "$ns" -o json | node -e '
        let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const o of JSON.parse(s).items){
          if(!((o.status.succeeded??0)>=1)) console.log(`Job/${o.metadata.namespace}/${o.metadata.name} not complete`)}})')"
    done
    [[ -z "$bad" ]] && return 0
    (( $(now) > deadline )) && { printf '%s\n' "$bad" >&2; return 1; }
    sleep 2
  done
}

if $CLUSTER_ONLY; then
  kubectl create namespace e2e-smoke >/dev/null
  kubectl apply -n e2e-smoke -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, resources: {requests: {cpu: 100m, memory: 64Mi}}}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, volumeMounts: [{name: data, mountPath: /data}]}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: init}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: init, image: busybox, command: ["true"]}]}
EOF
  if check_workloads e2e-smoke; then pass "smoke: Deployment/StatefulSet(PVC) ready, Job complete"; else fail "smoke workloads"; fi
  if kubectl delete namespace e2e-smoke --wait=true --timeout=60s >/dev/null; then pass "smoke: namespace deleted"; else fail "smoke: namespace deleted"; fi
  exit 0
fi

# ---- stack ----
cd "$REPO_DIR"
[[ -e Pulumi.e2e.yaml ]] && { log "Pulumi.e2e.yaml exists in the repo; remove it (the e2e config is generated)"; exit 1; }
pulumi stack init e2e --secrets-provider passphrase >&2
mv Pulumi.e2e.yaml "$CFG" # keep the generated salt, out of the repository
# Config: Pulumi.dev.yaml with the e2e overrides.
node -e '
  const yaml=require(process.argv[1]+"/node_modules/js-yaml"), fs=require("fs");
  const dev=yaml.load(fs.readFileSync(process.argv[1]+"/Pulumi.dev.yaml","utf8")).config||{};
  const e2e=yaml.load(fs.readFileSync(process.argv[2],"utf8"))||{};
  e2e.config={...dev,
    "lakehouse:cluster":"existing",
    "lakehouse:kubeContext":process.argv[3],
    "lakehouse:exposure":{type:"ClusterIP",loadBalancerController:false},
    "lakehouse:storageClass":process.argv[4],
    "lakehouse:protectData":false,
    // Helm charts come from their repositories (no cache here), so the chart-based Spark Operator is off.
    "lakehouse:services":{...dev["lakehouse:services"],sparkOperator:{enabled:false}}};
  fs.writeFileSync(process.argv[2], yaml.dump(e2e));' "$REPO_DIR" "$CFG" "$CONTEXT" "$STORAGE_CLASS"
P=(pulumi --stack e2e --non-interactive)
PC=(--config-file "$CFG")

log "pulumi up"
t0="$(now)"
"${P[@]}" up --yes "${PC[@]}" >&2
T_UP="$(( $(now) - t0 ))"
pass "pulumi up (${T_UP}s)"
RESOURCES="$("${P[@]}" stack export | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).deployment.resources.length))')"

# Outputs.
"${P[@]}" stack output --json > "$WORK/outputs.json"
if node -e 'const o=require(process.argv[1]); for (const k of ["endpoints","credentials","kubeContext","namespaces","services"]) if(!(k in o)) throw new Error("no output "+k);
  if (o.kubeContext!==process.argv[2]) throw new Error("kubeContext "+o.kubeContext); if (o.credentials!=="[secret]") throw new Error("credentials not secret")' \
  "$WORK/outputs.json" "$CONTEXT"; then pass "stack outputs"; else fail "stack outputs"; fi
mapfile -t NAMESPACES < <(node -e 'const n=require(process.argv[1]).namespaces; for (const v of (Array.isArray(n)?n:Object.values(n))) console.log(typeof v==="string"?v:v.name)' "$WORK/outputs.json")
log "namespaces: ${NAMESPACES[*]}"

# The cluster, as kubectl sees it.
ok=true
for ns in "${NAMESPACES[@]}"; do kubectl get namespace "$ns" >/dev/null || ok=false; done
if $ok && ((${#NAMESPACES[@]})); then pass "namespaces exist"; else fail "namespaces exist"; fi
kubectl get deployments,statefulsets,jobs -A -o wide | grep -vE '^kube-' >&2 || true
if check_workloads "${NAMESPACES[@]}"; then pass "workloads ready, jobs complete"; else fail "workloads ready, jobs complete"; fi
secrets=0
for ns in "${NAMESPACES[@]}"; do
  secrets=$(( secrets + $(kubectl get secrets -n "$ns" --field-selector type=Opaque -o name | wc -l) ))
done
if ((secrets > 0)); then pass "secrets exist ($secrets)"; else fail "secrets exist"; fi

# No generated secret in the state in plain text.
"${P[@]}" stack output --show-secrets credentials --json > "$WORK/credentials.json"
node -e 'const walk=(v,k)=>{ if(typeof v==="string"){ if(/pass|secret|token|key/i.test(k)&&v.length>=8) console.log(v) }
  else if(v&&typeof v==="object") for(const [kk,vv] of Object.entries(v)) walk(vv,kk) }; walk(require(process.argv[1]),"")' \
  "$WORK/credentials.json" > "$WORK/secret-values"
rm -f "$WORK/credentials.json"
leaks=0
while IFS= read -r v; do
  if grep -rqF -- "$v" "$WORK/state"; then leaks=$((leaks + 1)); fi
done < "$WORK/secret-values"
nsecrets="$(wc -l < "$WORK/secret-values")"
if ((nsecrets == 0)); then fail "no secret values found in the credentials output"
elif ((leaks)); then fail "$leaks of $nsecrets generated secrets in plain text in the state"
else pass "none of $nsecrets generated secrets in plain text in the state"; fi
rm -f "$WORK/secret-values"

# Idempotence.
t0="$(now)"
if "${P[@]}" preview --expect-no-changes "${PC[@]}" >&2; then pass "preview --expect-no-changes"; else fail "preview --expect-no-changes"; fi
T_PREVIEW="$(( $(now) - t0 ))"

# A config change touches only the Spark workers.
"${P[@]}" config set "${PC[@]}" --path 'services.spark.workers' 3
"${P[@]}" preview --json "${PC[@]}" > "$WORK/preview.json" || true
# shellcheck disable=SC2016 # JavaScript template strings
if node -e 'const p=require(process.argv[1]); const ch=(p.steps||[]).filter(s=>s.op!=="same");
  for (const s of ch) console.error(`  ${s.op} ${s.urn}`);
  if(!ch.length) throw new Error("no change planned"); const other=ch.filter(s=>!/worker/i.test(s.urn.split("::").pop()));
  if(other.length) throw new Error("changes outside the Spark workers: "+other.map(s=>s.urn).join(", "))' "$WORK/preview.json"
then pass "workers 2->3: only the worker resources change"; else fail "workers 2->3: only the worker resources change"; fi
t0="$(now)"
"${P[@]}" up --yes "${PC[@]}" >&2
T_UPDATE="$(( $(now) - t0 ))"
workers="$(for ns in "${NAMESPACES[@]}"; do kubectl get deployments,statefulsets -n "$ns" -o json; done | node -e '
  let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{ for (const doc of s.split(/\n(?=\{)/)) for (const o of JSON.parse(doc).items)
    if (/worker/.test(o.metadata.name)) console.log(o.status.readyReplicas??0) })')"
if [[ "$workers" == "3" ]]; then pass "3 Spark workers ready after update"; else fail "3 Spark workers ready after update (got: ${workers:-none})"; fi
if "${P[@]}" preview --expect-no-changes "${PC[@]}" >/dev/null 2>&1; then pass "no changes after update"; else fail "no changes after update"; fi

# ---- A config change rolls pods; it never replaces a workload or loses a volume ----
# Switching Flink (a platform service serving metrics) on or off changes Prometheus' scrape config, so the
# ConfigMap Prometheus mounts changes and its pods must roll. Checked in the plan (`pulumi preview --json`: no
# replace of a Deployment, StatefulSet or PersistentVolumeClaim, the prometheus StatefulSet updated), by the
# update itself (with protectData: true the engine refuses to replace a protected StatefulSet and `pulumi up`
# fails), and in the cluster (every Deployment, StatefulSet and claim not belonging to the toggled service keeps
# its UID: a replaced object is a new one). First on the dev settings, then with protectData: true as on prod.
TOGGLED="flink"
# cluster_uids: "<Kind>/<namespace>/<name> <uid> <component label>" of our Deployments, StatefulSets and claims.
# shellcheck disable=SC2016 # JavaScript template strings
cluster_uids() {
  local ns
  for ns in "${NAMESPACES[@]}"; do
    kubectl get deployments,statefulsets,persistentvolumeclaims -n "$ns" -o json
  done | node -e '
    let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{ for (const doc of s.split(/\n(?=\{)/)) for (const o of JSON.parse(doc).items)
      console.log(`${o.kind}/${o.metadata.namespace}/${o.metadata.name} ${o.metadata.uid} ${(o.metadata.labels||{})["app.kubernetes.io/component"]||"-"}`) })' | sort
}
# check_plan <preview.json> <preview exit code> <roll>: the preview ran and plans a change, replaces no workload or
# claim, and with roll=true updates the prometheus StatefulSet.
# shellcheck disable=SC2016 # JavaScript template strings
check_plan() {
  node -e 'let p={}; try { p=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")) } catch { }
    const rc=process.argv[2], roll=process.argv[3]==="true", steps=p.steps||[];
    const type=(s)=>s.urn.split("::")[2].split("$").pop(), name=(s)=>s.urn.split("::").pop();
    const changed=steps.filter((s)=>s.op!=="same");
    for (const s of changed) console.error(`  ${s.op} ${type(s)} ${name(s)}`);
    const errors=(p.diagnostics||[]).filter((d)=>d.severity==="error").map((d)=>d.message.trim());
    const replacing=new Set(["replace","create-replacement","delete-replaced","discard-replaced","import-replacement"]);
    const held=/^kubernetes:(apps\/v1:(Deployment|StatefulSet)|core\/v1:PersistentVolumeClaim)$/;
    const bad=[...new Set(steps.filter((s)=>replacing.has(s.op)&&held.test(type(s))).map((s)=>type(s)+" "+name(s)))];
    const prom=steps.find((s)=>type(s)==="kubernetes:apps/v1:StatefulSet"&&name(s)==="prometheus");
    const problems=[
      ...(rc!=="0"||errors.length ? [`the preview failed (exit ${rc})`, ...errors] : []),
      ...(rc==="0"&&!changed.length ? ["no change planned"] : []),
      ...(bad.length ? ["replaces "+bad.join(", ")] : []),
      ...(roll&&rc==="0"&&(!prom||prom.op!=="update") ? [`the prometheus StatefulSet is not updated (op: ${prom?prom.op:"none"})`] : [])];
    for (const m of problems) console.error(`  error: ${m}`);
    if (problems.length) process.exit(1);
    console.log(changed.length)' "$1" "$2" "$3"
}
# config_step <label> <roll> <config key> <value>: set the key, check the plan, update, check the cluster.
config_step() {
  local label="$1" roll="$2" key="$3" value="$4" t0 rc=0 rolls="" changes
  [[ "$roll" == true ]] && rolls=", prometheus rolls"
  cluster_uids > "$WORK/uids.before"
  "${P[@]}" config set "${PC[@]}" --path "$key" "$value"
  "${P[@]}" preview --json "${PC[@]}" > "$WORK/preview.json" 2> "$WORK/preview.err" || rc=$?
  if changes="$(check_plan "$WORK/preview.json" "$rc" "$roll")"; then
    pass "$label: plan ($changes changes) replaces no Deployment/StatefulSet/PVC$rolls"
  else fail "$label: plan replaces no Deployment/StatefulSet/PVC"; tail -5 "$WORK/preview.err" >&2; fi
  t0="$(now)"; rc=0
  "${P[@]}" up --yes "${PC[@]}" > "$WORK/up.log" 2>&1 || rc=$?
  LAST_UP="$(( $(now) - t0 ))"
  if ((rc == 0)); then pass "$label: pulumi up (${LAST_UP}s)"
  else fail "$label: pulumi up (exit $rc)"; sed -n '/^Diagnostics:/,/^Resources:/p' "$WORK/up.log" | grep -vE '^\s*$' | head -25 >&2; fi
  cluster_uids > "$WORK/uids.after"
  local lost
  lost="$(awk -v t="$TOGGLED" 'NR==FNR { after[$1]=$2; next } $3 != t && after[$1] != $2 { print "  " $1 " " $2 " -> " (after[$1] == "" ? "gone" : after[$1]) }' \
    "$WORK/uids.after" "$WORK/uids.before")"
  if [[ -z "$lost" ]] && grep -q '^PersistentVolumeClaim/.*prometheus' "$WORK/uids.before"; then
    pass "$label: every Deployment/StatefulSet/PVC kept ($(wc -l < "$WORK/uids.before") before, same UIDs)"
  else fail "$label: Deployments/StatefulSets/PVCs replaced or lost"; printf '%s\n' "$lost" >&2; fi
  if check_workloads "${NAMESPACES[@]}"; then pass "$label: workloads ready"; else fail "$label: workloads ready"; fi
}
config_step "dev: $TOGGLED on" true "services.$TOGGLED.enabled" true
T_TOGGLE_DEV="$LAST_UP"
config_step "protectData on" false protectData true
config_step "protected: $TOGGLED off" true "services.$TOGGLED.enabled" false
T_TOGGLE_PROTECTED="$LAST_UP"
# Protected resources refuse `pulumi destroy`; the e2e stack is thrown away, so lift the protection first.
"${P[@]}" state unprotect --all --yes >/dev/null || fail "state unprotect --all"

# Teardown.
t0="$(now)"
"${P[@]}" destroy --yes "${PC[@]}" >&2
T_DESTROY="$(( $(now) - t0 ))"
left=()
for ns in "${NAMESPACES[@]}"; do
  kubectl wait --for=delete "namespace/$ns" --timeout=60s >/dev/null 2>&1 || true
  kubectl get namespace "$ns" >/dev/null 2>&1 && left+=("$ns")
done
if ((${#left[@]} == 0)); then pass "destroy leaves none of our namespaces"; else fail "namespaces left after destroy: ${left[*]}"; fi
"${P[@]}" stack rm --yes e2e >/dev/null 2>&1 || true
