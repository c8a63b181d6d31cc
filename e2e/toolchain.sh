#!/usr/bin/env bash
# Builds the e2e toolchain from source, through the Go module proxy only, into a cache outside the repo:
#   pulumi (CLI)                  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi   version: @pulumi/pulumi in package-lock.json
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl   k8s.io/kubernetes   pin: e2e/tools/kubernetes/go.mod
#   etcd                          go.etcd.io/etcd/server/v3 (etcdmain)        pin: e2e/tools/etcd/go.mod
#   kwok, kwokctl                 sigs.k8s.io/kwok                             pin: e2e/tools/kwok/go.mod
# Each component goes to <cache>/<name>-<version>-<hash of its wrapper module>/ and is skipped when already built.
# <cache>/bin/ is then refreshed with symlinks to the current builds; e2e/run.sh uses only that directory.
#
# Pulumi plugins (pulumi-language-nodejs, pulumi-resource-kubernetes, pulumi-resource-random): their Go modules are
# not served by the module proxy this project may use (403 "This module version is not available"), so this
# script does not build them. They can be built by hand from their public sources (github.com/pulumi/pulumi,
# pulumi/pulumi-kubernetes and pulumi/pulumi-random) or taken from official releases. LAKEHOUSE_E2E_PLUGIN_DIR
# names a directory holding the three binaries under those names; they are installed into <cache>/pulumi-home with
# `pulumi plugin install --file` at the versions in package-lock.json (the engine loads a provider plugin only at
# the exact version the SDK asks for). What is missing is reported and the script exits 0 (run.sh refuses to
# deploy without them).
#
# Usage: bash e2e/toolchain.sh            (npm run e2e:toolchain)
# Env:   LAKEHOUSE_E2E_CACHE (default ~/.cache/lakehouse-e2e), LAKEHOUSE_E2E_PLUGIN_DIR, LAKEHOUSE_E2E_JOBS (go -p)
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$E2E_DIR")"
TOOLS="$E2E_DIR/tools"
CACHE="${LAKEHOUSE_E2E_CACHE:-$HOME/.cache/lakehouse-e2e}"
BIN="$CACHE/bin"
mkdir -p "$CACHE" "$BIN"

# One build at a time per cache: a second run would remove the first one's <name>.tmp directory mid-build.
# The second run waits here for the lock (flock(1), util-linux), then finds everything cached.
exec 9>"$CACHE/.toolchain.lock"
if ! flock -n 9; then
  printf '[toolchain] another build holds %s; waiting for it\n' "$CACHE/.toolchain.lock" >&2
  flock 9
fi

export GOFLAGS="-trimpath"
export CGO_ENABLED=0
# The checksum database has no entry for some pulumi versions the proxy serves; go.sum in the wrapper pins them.
export GONOSUMDB="github.com/pulumi/pulumi"
GO_P="${LAKEHOUSE_E2E_JOBS:-2}"

log() { printf '[toolchain] %s\n' "$*" >&2; }
now() { date +%s; }

command -v go >/dev/null || { log "go is required (Go >= 1.26)"; exit 1; }
command -v node >/dev/null || { log "node is required"; exit 1; }

lock_version() { # lock_version <npm package> -> version in package-lock.json
  node -e 'const l=require(process.argv[1]); const p=l.packages["node_modules/"+process.argv[2]];
    if(!p){process.exit(1)} console.log(p.version)' "$REPO_DIR/package-lock.json" "$1"
}
mod_version() { # mod_version <wrapper dir> <module> -> version required by the wrapper's go.mod
  (cd "$1" && go list -m -f '{{.Version}}' "$2")
}
wrapper_hash() { # wrapper_hash <dir> <ldflags>: editing a pin, the wrapper or the build flags rebuilds
  { cat "$1"/go.mod "$1"/go.sum "$1"/*.go 2>/dev/null; echo "$2 $(go env GOVERSION)"; } | sha256sum | cut -c1-12
}

PULUMI_VERSION="$(lock_version @pulumi/pulumi)"
K8S_PLUGIN_VERSION="$(lock_version @pulumi/kubernetes)"
RANDOM_PLUGIN_VERSION="$(lock_version @pulumi/random)"

# Keep the pulumi wrapper's pin in step with package-lock.json.
pulumi_pin="$(mod_version "$TOOLS/pulumi" github.com/pulumi/pulumi/pkg/v3)"
if [[ "$pulumi_pin" != "v$PULUMI_VERSION" ]]; then
  log "package-lock.json has @pulumi/pulumi $PULUMI_VERSION, e2e/tools/pulumi pins $pulumi_pin: updating the pin (commit e2e/tools/pulumi/go.mod and go.sum)"
  (cd "$TOOLS/pulumi" && go get "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" && go mod tidy)
fi
K8S_VERSION="$(mod_version "$TOOLS/kubernetes" k8s.io/kubernetes)"
ETCD_VERSION="$(mod_version "$TOOLS/etcd" go.etcd.io/etcd/server/v3)"
KWOK_VERSION="$(mod_version "$TOOLS/kwok" sigs.k8s.io/kwok)"

TOTAL_START="$(now)"
BUILT=()

# build <name> <wrapper dir> <version> <ldflags> <binary>=<package>...
build() {
  local name="$1" dir="$2" version="$3" ldflags="$4"; shift 4
  local out; out="$CACHE/$name-$version-$(wrapper_hash "$dir" "$ldflags")"
  if [[ -f "$out/.done" ]]; then
    log "$name $version: cached ($out)"
  else
    log "$name $version: building into $out"
    rm -rf "$out.tmp"; mkdir -p "$out.tmp"
    local t0; t0="$(now)"
    local spec
    for spec in "$@"; do
      local b="${spec%%=*}" pkg="${spec#*=}" t1
      t1="$(now)"
      (cd "$dir" && nice -n 10 go build -p "$GO_P" -ldflags="-s -w $ldflags" -o "$out.tmp/$b" "$pkg")
      log "  $b: $(( $(now) - t1 ))s"
    done
    echo "$(( $(now) - t0 ))" > "$out.tmp/.seconds"
    touch "$out.tmp/.done"
    rm -rf "$out"; mv "$out.tmp" "$out"
    BUILT+=("$name $version: $(cat "$out/.seconds")s")
  fi
  local f
  for f in "$out"/*; do ln -sfn "$f" "$BIN/$(basename "$f")"; done
}

k8s_ldflags() { # what hack/lib/version.sh stamps into release builds (kwokctl and kubectl read these)
  local v="$1" major minor
  major="${v#v}"; major="${major%%.*}"
  minor="${v#v*.}"; minor="${minor%%.*}"
  local pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    printf -- '-X %s.gitVersion=%s -X %s.gitMajor=%s -X %s.gitMinor=%s -X %s.gitTreeState=clean ' \
      "$pkg" "$v" "$pkg" "$major" "$pkg" "$minor" "$pkg"
  done
}

build pulumi "$TOOLS/pulumi" "v$PULUMI_VERSION" \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
  pulumi=github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
build etcd "$TOOLS/etcd" "$ETCD_VERSION" "" etcd=.
build kwok "$TOOLS/kwok" "$KWOK_VERSION" "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
  kwok=sigs.k8s.io/kwok/cmd/kwok kwokctl=sigs.k8s.io/kwok/cmd/kwokctl
build kubernetes "$TOOLS/kubernetes" "$K8S_VERSION" "$(k8s_ldflags "$K8S_VERSION")" \
  kubectl=k8s.io/kubernetes/cmd/kubectl \
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
  kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager \
  kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler

# ---- Pulumi plugins: installed into a PULUMI_HOME inside the cache, never downloaded ----
PULUMI_HOME="$CACHE/pulumi-home"
export PULUMI_HOME PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p "$PULUMI_HOME/plugins"
missing=()
install_plugin() { # install_plugin <kind> <name> <version> <binary>
  local kind="$1" name="$2" version="$3" binary="$4"
  local dest="$PULUMI_HOME/plugins/$kind-$name-v$version"
  if [[ -x "$dest/$binary" ]]; then log "plugin $kind $name $version: installed"; return 0; fi
  local src="${LAKEHOUSE_E2E_PLUGIN_DIR:-}/$binary"
  if [[ -n "${LAKEHOUSE_E2E_PLUGIN_DIR:-}" && -x "$src" ]]; then
    "$BIN/pulumi" plugin install "$kind" "$name" "$version" --file "$src" >&2
    log "plugin $kind $name $version: installed from $src"
  else
    missing+=("$binary ($kind $name $version)")
  fi
}
install_plugin resource kubernetes "$K8S_PLUGIN_VERSION" pulumi-resource-kubernetes
install_plugin resource random "$RANDOM_PLUGIN_VERSION" pulumi-resource-random
# The language host is looked up on PATH (and next to the pulumi binary), not in PULUMI_HOME/plugins.
if [[ -x "$BIN/pulumi-language-nodejs" ]]; then
  log "pulumi-language-nodejs: installed"
elif [[ -n "${LAKEHOUSE_E2E_PLUGIN_DIR:-}" && -x "$LAKEHOUSE_E2E_PLUGIN_DIR/pulumi-language-nodejs" ]]; then
  cp "$LAKEHOUSE_E2E_PLUGIN_DIR/pulumi-language-nodejs" "$BIN/pulumi-language-nodejs"
  log "pulumi-language-nodejs: installed from $LAKEHOUSE_E2E_PLUGIN_DIR"
else
  missing+=("pulumi-language-nodejs (language nodejs $PULUMI_VERSION)")
fi

cat > "$CACHE/versions.env" <<EOF
PULUMI_VERSION=$PULUMI_VERSION
K8S_VERSION=$K8S_VERSION
ETCD_VERSION=$ETCD_VERSION
KWOK_VERSION=$KWOK_VERSION
K8S_PLUGIN_VERSION=$K8S_PLUGIN_VERSION
RANDOM_PLUGIN_VERSION=$RANDOM_PLUGIN_VERSION
EOF

elapsed="$(( $(now) - TOTAL_START ))"
if ((${#BUILT[@]})); then
  log "cold-built: ${BUILT[*]}"
  log "cold build took ${elapsed}s"
  # run.sh reports this as the toolchain time.
  echo "$elapsed" > "$CACHE/last-cold-build-seconds"
else
  log "everything cached: ${elapsed}s"
fi
if ((${#missing[@]})); then
  log "MISSING (the Go module proxy does not serve them; set LAKEHOUSE_E2E_PLUGIN_DIR to a directory with the binaries, see the header):"
  for m in "${missing[@]}"; do log "  - $m"; done
fi
log "binaries: $BIN"
